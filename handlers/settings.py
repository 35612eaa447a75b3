"""/settings: how often and when a resident hears from us, following, polls, contact-person introductions and
questions from professionals."""

from __future__ import annotations

from bot.channels.base import Choice
from bot.dialogue import Context, Flow
from bot.engine import check_questions, residents
from bot.i18n import N_
from handlers import contacts as contacts_settings
from handlers import polls_resident

MODE_LABELS = {"direct": N_("Right away"), "weekly": N_("Once a week"), "monthly": N_("Once a month"),
               "off": N_("Never")}
QUIET = {"21:00-08:00": "21:00 – 08:00", "22:00-07:00": "22:00 – 07:00", "23:00-09:00": "23:00 – 09:00",
         "00:00-00:00": None}


class SettingsFlow(Flow):
    name = "settings"

    def _menu(self, ctx: Context) -> tuple[Choice, ...]:
        return (
            Choice("mode", ctx.t._("How often you hear from us")),
            Choice("quiet", ctx.t._("Quiet hours")),
            Choice("follow", ctx.t._("Follow the whole neighbourhood")),
            *polls_resident.settings_menu(ctx.t),
            Choice("intros", ctx.t._(contacts_settings.INTROS_SETTING)),
            Choice("questions", ctx.t._("Questions from professionals")),
            Choice("done", ctx.t._("Done")),
        )

    async def start(self, ctx: Context) -> None:
        assert ctx.resident is not None
        r = ctx.resident
        quiet = QUIET.get(f"{r.quiet_start}-{r.quiet_end}", f"{r.quiet_start} – {r.quiet_end}")
        ctx.state.flow = self.name
        ctx.ask("menu", "\n".join([
            ctx.t._("Your settings:"),
            ctx.t._("Feedback: {mode}", mode=ctx.t._(MODE_LABELS[r.feedback_mode])),
            ctx.t._("Quiet hours (no messages): {hours}", hours=quiet or ctx.t._("none")),
            ctx.t._("Updates about the whole neighbourhood: {answer}",
                    answer=ctx.t._("yes") if r.follows_neighbourhood else ctx.t._("no")),
            *polls_resident.settings_summary(ctx.t, r.polls_opt_in, r.age_band),
            await contacts_settings.intros_summary(ctx),
            ctx.t._("Questions from professionals in your neighbourhood: {answer}", answer=ctx.t._("yes") if await
                    check_questions.wants(ctx.tx, r.id) else ctx.t._("no")),
            ctx.t._("What do you want to change?"),
        ]), self._menu(ctx))

    async def on_menu(self, ctx: Context) -> None:
        choice = ctx.incoming.choice
        if choice == "mode":
            ctx.ask("mode", ctx.t._("When do you want to hear what was done with residents' input?"),
                    tuple(Choice(k, ctx.t._(v)) for k, v in MODE_LABELS.items()))
        elif choice == "quiet":
            ctx.ask("quiet", ctx.t._("When should I not send you messages?"),
                    tuple(Choice(k, v or ctx.t._("No quiet hours")) for k, v in QUIET.items()))
        elif choice == "follow":
            assert ctx.resident is not None
            question = ctx.t._("Do you want updates about everything in your neighbourhood, not only about your "
                               "own stories?")
            ctx.ask("follow", question, (Choice("yes", ctx.t._("yes")), Choice("no", ctx.t._("no"))))
        elif choice == "polls":
            polls_resident.ask_polls(ctx)
        elif choice == "age":
            polls_resident.ask_age(ctx)
        elif choice == "intros":
            contacts_settings.ask_intros(ctx)
        elif choice == "questions":
            ctx.ask("questions", ctx.t._("Professionals in your neighbourhood (such as the neighbourhood police "
                                         "officer or the district nurse) sometimes ask residents a short question, "
                                         "after staff of the municipality and the neighbourhood have approved it. "
                                         "Do you want to get those questions?"),
                    (Choice("yes", ctx.t._("yes")), Choice("no", ctx.t._("no"))))
        elif choice == "done":
            ctx.say(ctx.t._("Your settings are saved."))
            ctx.finish()
        else:
            await self.start(ctx)

    async def _saved(self, ctx: Context, column: str, value: object, *more: tuple[str, object]) -> None:
        assert ctx.resident is not None
        ctx.resident = await residents.save_settings(ctx.tx, ctx.resident, {column: value, **dict(more)})
        await self.start(ctx)

    async def on_intros(self, ctx: Context) -> None:
        await contacts_settings.save_intros(ctx)
        await self.start(ctx)

    async def on_questions(self, ctx: Context) -> None:
        assert ctx.resident is not None
        if ctx.incoming.choice in ("yes", "no"):
            await check_questions.set_wants(ctx.tx, ctx.resident.id, ctx.incoming.choice == "yes",
                                            ctx.services.now_iso())
        await self.start(ctx)

    async def on_mode(self, ctx: Context) -> None:
        if ctx.incoming.choice not in MODE_LABELS:
            await self.start(ctx)
            return
        await self._saved(ctx, "feedback_mode", ctx.incoming.choice)

    async def on_quiet(self, ctx: Context) -> None:
        if ctx.incoming.choice not in QUIET:
            await self.start(ctx)
            return
        start, end = ctx.incoming.choice.split("-")
        await self._saved(ctx, "quiet_start", start, ("quiet_end", end))

    async def on_follow(self, ctx: Context) -> None:
        if ctx.incoming.choice not in ("yes", "no"):
            await self.start(ctx)
            return
        await self._saved(ctx, "follows_neighbourhood", int(ctx.incoming.choice == "yes"))

    async def on_polls(self, ctx: Context) -> None:
        if ctx.incoming.choice not in ("yes", "no"):
            await self.start(ctx)
            return
        await self._saved(ctx, "polls_opt_in", int(ctx.incoming.choice == "yes"))

    async def on_age(self, ctx: Context) -> None:
        band = polls_resident.age_value(ctx.incoming.choice)
        if band is False:
            await self.start(ctx)
            return
        await self._saved(ctx, "age_band", band)
