"""Answering "did you feel heard?" under feedback: the tap, then an optional comment."""

from __future__ import annotations

from bot.channels.base import Choice
from bot.dialogue import Context, Flow
from bot.engine import feedback
from bot.errors import StaleChoice


async def heard_answer(ctx: Context) -> None:
    """A tap on yes / partly / no under feedback: stored (changeable), then an optional comment."""
    parts = (ctx.incoming.choice or "").split(".")
    if ctx.resident is None or len(parts) != 3 or not parts[1].isdigit():
        raise StaleChoice("This button has expired. Please use the newest message.")
    await feedback.answer_heard(ctx.tx, ctx.services, ctx.resident, int(parts[1]), parts[2])
    await ctx.dialogue.start_flow(ctx, "heard")
    ctx.data["feedback_id"] = int(parts[1])


class HeardFlow(Flow):
    name = "heard"

    async def start(self, ctx: Context) -> None:
        ctx.state.flow = self.name
        ctx.ask("comment", ctx.t._("Thank you for your answer. Do you want to add something? Type it, or choose "
                                   "Skip."), (Choice("skip", ctx.t._("Skip")),))

    async def on_comment(self, ctx: Context) -> None:
        assert ctx.resident is not None
        comment = None if ctx.incoming.choice == "skip" else (ctx.incoming.text or "").strip()[:1000] or None
        await feedback.heard_comment(ctx.tx, ctx.services, ctx.resident, int(ctx.data["feedback_id"]), comment)
        ctx.say(ctx.t._("Thank you. We use your answer to do better."))
        ctx.finish()
