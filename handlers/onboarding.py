"""/start: language, neighbourhood and consent. Nothing personal is stored before the person agrees."""

from __future__ import annotations

from bot.channels.base import Choice
from bot.dialogue import Context, Flow
from bot.engine import neighbourhoods, residents
from bot.i18n import LANGUAGE_NAMES, best_language
from handlers.privacy_statement import readers_and_removed, use_and_retention


def language_choices(ctx: Context) -> tuple[Choice, ...]:
    # Each language is named in itself, so everyone finds their own.
    return tuple(Choice(code, LANGUAGE_NAMES[code]) for code in ctx.services.config.languages)


def neighbourhood_choices(ctx: Context) -> tuple[Choice, ...]:
    hoods = ctx.services.config.neighbourhoods
    return (*(Choice(n.id, n.name) for n in hoods if len(hoods) <= 12), *change_language(ctx))


def change_language(ctx: Context) -> tuple[Choice, ...]:
    """A way out for someone whose app language was taken as theirs (the globe reads in any language)."""
    return (Choice("language", f"🌐 {ctx.t._('Change language')}"),) if ctx.data.get("hinted") else ()


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
        hinted = ctx.data.get("language") or best_language(ctx.incoming.actor.language_hint,
                                                           ctx.services.config.languages, "")
        if hinted:  # chosen before /start came again, or their app's: start in it, with a button to change it
            ctx.data.update(language=hinted, hinted=True)
            ctx.set_language(hinted)
            ctx.say(ctx.t._("Welcome! I am the neighbourhood bot of {municipality}.",
                            municipality=ctx.services.config.municipality))
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
        ctx.data.pop("hinted", None)
        ctx.set_language(ctx.incoming.choice)
        await self._after_language(ctx)

    def _ask_language(self, ctx: Context) -> None:
        ctx.ask("language", ctx.t._("Which language do you want to use?"), language_choices(ctx))

    async def _after_language(self, ctx: Context) -> None:
        if "neighbourhood" in ctx.data:
            await self._ask_consent(ctx)
            return
        ctx.ask("neighbourhood", ctx.t._("In which neighbourhood do you live? Type its name or the 4 digits of "
                                         "your postcode."), neighbourhood_choices(ctx))

    async def on_neighbourhood(self, ctx: Context) -> None:
        config = ctx.services.config
        if ctx.incoming.choice == "language":
            self._ask_language(ctx)
            return
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
        text = "\n".join((
            ctx.t._("Before we start: what do we store?"),
            ctx.t._("• your language, your neighbourhood ({neighbourhood}), your chat account and the settings you "
                    "choose, so we can answer you;\n• the stories you share and your votes.",
                    neighbourhood=hood.name if hood else "?"),
            readers_and_removed(ctx.t, privacy),
            use_and_retention(ctx.t, privacy),
            ctx.t._("Full privacy statement: {url}\nQuestions: {contact}", url=privacy.statement_url,
                    contact=privacy.contact),
            "",
            ctx.t._("Do you agree?"),
        ))
        ctx.ask("consent", text, (Choice("yes", ctx.t._("Yes, I agree")), Choice("no", ctx.t._("No")),
                                  *change_language(ctx)))

    async def on_consent(self, ctx: Context) -> None:
        if ctx.incoming.choice == "language":
            self._ask_language(ctx)
            return
        if ctx.incoming.choice == "no":
            ctx.say(ctx.t._("That is fine. We have stored nothing about you. If you change your mind, type "
                            "/start."))
            ctx.finish()
            return
        if ctx.incoming.choice != "yes":
            await self._ask_consent(ctx)
            return
        ctx.resident = await residents.sign_up(ctx.tx, ctx.incoming, ctx.data["language"],
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
            await residents.set_language(ctx.tx, ctx.resident, language)
        else:
            ctx.data["language"] = language
        ctx.say(ctx.t._("From now on I will write to you in English."))
