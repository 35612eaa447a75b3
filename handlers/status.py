"""/status: what happened with a resident's stories (decisions and feedback)."""

from __future__ import annotations

from bot.dialogue import Context, Flow
from bot.engine import experiences, feedback, moderation_reasons
from bot.engine.themes import THEMES
from bot.i18n import N_

EXPERIENCE_STATUS = {"new": N_("waiting for a decision"), "approved": N_("published"),
                     "rejected": N_("not published")}


class StatusFlow(Flow):
    name = "status"

    async def start(self, ctx: Context) -> None:
        assert ctx.resident is not None
        stories = await experiences.of_resident(ctx.tx, ctx.resident)
        if not stories:
            ctx.say(ctx.t._("You have not shared a story yet. Type /share to start."))
            ctx.finish()
            return
        lines = [ctx.t._("Your stories and what happened with them:")]
        for story in stories:
            lines += ["", ctx.t._("{reference} ({theme}), {date}: {status}", reference=story.reference,
                                  theme=ctx.t._(THEMES.get(story.theme, story.theme)),
                                  date=ctx.t.date(ctx.services.parse_time(story.created_at), "medium"),
                                  status=ctx.t._(EXPERIENCE_STATUS.get(story.status, story.status)))]
            if story.status == "rejected":
                lines.append(ctx.t._("Reason: {reason}", reason=moderation_reasons.told(
                    ctx.t, story.decision_category, story.decision_reason)))
            for row in await feedback.history(ctx.tx, story.id):
                lines.append(ctx.t._("• {date} {reference} ({status}): {what} Because: {because}",
                                     date=ctx.t.date(ctx.services.parse_time(row["at"]), "short"),
                                     reference=row["reference"], status=ctx.t._(feedback.STATUSES[row["status"]]),
                                     what=row["what"], because=feedback.because_of(ctx.t, row)))
        ctx.say("\n".join(lines))
        ctx.finish()
