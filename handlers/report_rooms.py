"""Organisers ask for the report back in a moderation room.

    !report                          last month's report for this room's neighbourhoods
    !report 2026-01-01 2026-06-30    the report of those days (both included)

Dutch: !rapport. The answer is two files, the report as a web page (HTML, readable by screen readers, prints
well) and as a PDF; the CSV and JSON for researchers come from ``wijkbot report``. Only moderators ask
(``bot.engine.authority.may_moderate``).
"""

from __future__ import annotations

from datetime import date

from bot.dialogue import Context
from bot.engine import moderation, report
from bot.errors import UserError
from handlers.rooms import organisers_room


def _period(ctx: Context) -> tuple[date, date]:
    words = ctx.incoming.args.split()
    if not words:
        return report.previous_month(ctx.services.now().astimezone(ctx.services.config.timezone).date())
    try:
        start, end = (date.fromisoformat(word) for word in words)
    except ValueError:
        raise UserError("Use: !report, or !report 2026-01-01 2026-06-30 (the first and the last day).") from None
    return start, end


async def report_(ctx: Context) -> None:
    room = organisers_room(ctx)
    start, end = _period(ctx)
    config = ctx.services.config
    hoods = [h.id for h in moderation.rooms_neighbourhoods(config, room)]
    files = await report.make(config, config.database, hoods, start, end, ctx.t.language, ctx.services.now(),
                              prepare=False, tx=ctx.tx)
    ctx.replies.extend(report.replies(ctx.t, files, hoods))


