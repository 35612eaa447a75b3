"""/start: language, neighbourhood and consent. Nothing personal is stored before the person agrees."""

from __future__ import annotations

from bot.channels.base import Choice
from bot.dialogue import Context, Flow
from bot.engine import neighbourhoods
from bot.i18n import LANGUAGE_NAMES
from bot.store import residents as residents_repo


def language_choices(ctx: Context) -> tuple[Choice, ...]:
    # Each language is named in itself, so everyone finds their own.
    return tuple(Choice(code, LANGUAGE_NAMES[code]) for code in ctx.services.config.languages)


def neighbourhood_choices(ctx: Context) -> tuple[Choice, ...]:
    hoods = ctx.services.config.neighbourhoods
    return tuple(Choice(n.id, n.name) for n in hoods) if len(hoods) <= 12 else ()


class StartFlow(Flow):
    name = "start"
    needs_resident = False
    kept_steps = frozenset({"consent"})  # what the person agreed to stays readable

    async def start(self, ctx: Context) -> None:
        if ctx.resident is not None:
            hood = ctx.services.config.neighbourhood(ctx.resident.neighbourhood_id)
            ctx.say(ctx.t._("Welcome back! You are registered for {neighbourhood}.",
                            neighbourhood=hood.name if hood else ctx.resident.neighbourhood_id))
            await ctx.dialogue.start_flow(ctx, "menu")
            return
        ctx.state.flow = self.name
        preset = ctx.services.config.neighbourhood(ctx.incoming.args.strip().lower())
        if preset is not None:
            ctx.data["neighbourhood"] = preset.id
        if len(ctx.services.config.languages) == 1:
            ctx.data["language"] = ctx.services.config.languages[0]
            await self._after_language(ctx)
            return
        ctx.ask("language", ctx.t._("Welcome! I am the neighbourhood bot of {municipality}. Which language do "
                                    "you want to use?", municipality=ctx.services.config.municipality),
                language_choices(ctx))

    async def on_language(self, ctx: Context) -> None:
        if ctx.incoming.choice is None:
            ctx.ask("language", ctx.t._("Please choose a language from the list."), language_choices(ctx))
            return
        ctx.data["language"] = ctx.incoming.choice
        ctx.set_language(ctx.incoming.choice)
        await self._after_language(ctx)

    async def _after_language(self, ctx: Context) -> None:
        if "neighbourhood" in ctx.data:
            await self._ask_consent(ctx)
            return
        ctx.ask("neighbourhood", ctx.t._("In which neighbourhood do you live? Type its name or the 4 digits of "
                                         "your postcode."), neighbourhood_choices(ctx))

    async def on_neighbourhood(self, ctx: Context) -> None:
        config = ctx.services.config
        if ctx.incoming.choice is not None:
            hood = config.neighbourhood(ctx.incoming.choice)
        else:
            match = neighbourhoods.find(config, ctx.incoming.text or "")
            hood = match.neighbourhood
            if hood is None:
                names = ", ".join(n.name for n in config.neighbourhoods)
                if match.postcode:
                    text = ctx.t._("Postcode {postcode} is not in one of our neighbourhoods. Our neighbourhoods "
                                   "are: {names}. Which one is closest to you?", postcode=match.postcode,
                                   names=names)
                else:
                    text = ctx.t._("I do not know that neighbourhood. Our neighbourhoods are: {names}. You can "
                                   "also type the 4 digits of your postcode.", names=names)
                ctx.ask("neighbourhood", text, neighbourhood_choices(ctx))
                return
        assert hood is not None
        ctx.data["neighbourhood"] = hood.id
        await self._ask_consent(ctx)

    async def _ask_consent(self, ctx: Context) -> None:
        privacy = ctx.services.config.privacy
        hood = ctx.services.config.neighbourhood(ctx.data["neighbourhood"])
        text = ctx.t._(
            "Before we start: what do we store?\n"
            "• your language, your neighbourhood ({neighbourhood}), your chat account and the settings you "
            "choose, so we can answer you;\n"
            "• the stories you share and your votes.\n"
            "Organisers of {controller} and the contact person of your neighbourhood read every story. Before "
            "they do, we remove phone numbers, e-mail addresses, BSNs, bank account numbers (IBAN), house "
            "numbers, postcodes with a house number, licence plates, social media accounts (@name), dates of "
            "birth, and names where the text clearly shows it is a person. Other names are not always removed, "
            "so please do not write names.\n"
            "{controller} uses this only to improve the neighbourhood and never sells it. If you do not use the "
            "bot for {months} months, we erase your data. You can see your data with /mydata and erase it with "
            "/forget.\n"
            "Full privacy statement: {url}\nQuestions: {contact}\n\nDo you agree?",
            neighbourhood=hood.name if hood else "?", controller=privacy.controller,
            months=privacy.retention_months, url=privacy.statement_url, contact=privacy.contact)
        ctx.ask("consent", text, (Choice("yes", ctx.t._("Yes, I agree")), Choice("no", ctx.t._("No")),))

    async def on_consent(self, ctx: Context) -> None:
        if ctx.incoming.choice == "no":
            ctx.say(ctx.t._("That is fine. We have stored nothing about you. If you change your mind, type "
                            "/start."))
            ctx.finish()
            return
        if ctx.incoming.choice != "yes":
            await self._ask_consent(ctx)
            return
        actor = ctx.incoming.actor
        ctx.resident = await residents_repo.create(ctx.tx, actor.channel, actor.user_id,
                                                   ctx.incoming.address.chat_id, ctx.data["language"],
                                                   ctx.data["neighbourhood"], ctx.now)
        ctx.say(ctx.t._("Thank you, welcome! You can now share what you experience in your neighbourhood."))
        await ctx.dialogue.start_flow(ctx, "menu")


class LanguageFlow(Flow):
    name = "language"
    needs_resident = False

    async def start(self, ctx: Context) -> None:
        ctx.ask("language", ctx.t._("Which language do you want to use?"), language_choices(ctx))

    async def on_language(self, ctx: Context) -> None:
        if ctx.incoming.choice is None:
            ctx.ask("language", ctx.t._("Please choose a language from the list."), language_choices(ctx))
            return
        language = ctx.incoming.choice
        ctx.set_language(language)
        ctx.finish()
        if ctx.resident is not None:
            await residents_repo.set_language(ctx.tx, ctx.resident.id, language)
        else:
            ctx.data["language"] = language
        ctx.say(ctx.t._("From now on I will write to you in English."))
