"""Menu, help, cancel, and what happens with free text outside any dialogue."""

from __future__ import annotations

from bot.channels.base import Choice
from bot.dialogue import Context, Flow
from handlers.commands import COMMANDS


def menu_choices(ctx: Context) -> tuple[Choice, ...]:
    return (
        Choice("share", ctx.t._("Share an experience")),
        Choice("status", ctx.t._("What happened with my stories")),
        Choice("contact", ctx.t._("My contact person")),
        Choice("settings", ctx.t._("Settings")),
        Choice("mydata", ctx.t._("See my data")),
        Choice("language", ctx.t._("Change language")),
        Choice("help", ctx.t._("Help")),
    )


class MenuFlow(Flow):
    name = "menu"

    async def start(self, ctx: Context) -> None:
        ctx.state.flow = self.name
        ctx.ask("pick", ctx.t._("What would you like to do?"), menu_choices(ctx))

    async def on_pick(self, ctx: Context) -> None:
        choice = ctx.incoming.choice
        if choice is None:
            ctx.ask("pick", ctx.t._("I did not understand that. Choose an option below, or type /help."),
                    menu_choices(ctx))
            return
        await ctx.dialogue.start_flow(ctx, choice)


class HelpFlow(Flow):
    name = "help"
    needs_resident = False

    async def start(self, ctx: Context) -> None:
        lines = [ctx.t._("I am the neighbourhood bot of {municipality}. You can tell the municipality what you "
                         "experience in your neighbourhood, and hear what is done with it.",
                         municipality=ctx.services.config.municipality), "", ctx.t._("You can type:")]
        lines += [f"/{c.name} – {ctx.t._(c.description)}" for c in COMMANDS if c.in_menu]
        ctx.say("\n".join(lines))
        ctx.finish()


class CancelFlow(Flow):
    name = "cancel"
    needs_resident = False

    async def start(self, ctx: Context) -> None:
        if ctx.previous_flow:
            ctx.say(ctx.t._("Stopped. Nothing was sent."))
        else:
            ctx.say(ctx.t._("There was nothing to stop."))
        ctx.finish()


async def fallback(ctx: Context) -> None:
    """Free text outside any dialogue: newcomers get onboarding, residents a hint and the menu."""
    if ctx.resident is None:
        await ctx.dialogue.start_flow(ctx, "start")
        return
    ctx.say(ctx.t._("I did not understand that. Choose an option below, or type /help."))
    await ctx.dialogue.start_flow(ctx, "menu")
