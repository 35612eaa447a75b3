"""Feedback from a moderation room (!feedback, !update, !overdue, !heard) and a guided dialogue for it.

One-line form:  !feedback W-2026-0042 W-2026-0043 | done | We repaired the lights | the contractor had room | 15 dec
                !feedback theme housing | in progress | We talk to the housing corporation | … | over 3 weken
                !feedback P-2026-0003 | done | The benches come in spring | most of you chose them
The target is one or more story references, a poll of this room (its voters hear it; for a youth poll, everyone
it was sent to, since youth votes cannot be traced), or "theme <theme>" in the room's neighbourhood (add "@<id>"
when the room moderates several). The last part, a commitment date, is optional.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.channels.base import Choice
from bot.dialogue import Context, Flow
from bot.engine import feedback, feedback_clock, moderation, polls, times
from bot.engine.themes import THEMES
from bot.errors import UserError
from bot.i18n import Translator
from handlers.rooms import organisers_room

_REFERENCE = re.compile(r"^W-\d{4}-\d{4,}$", re.IGNORECASE)


def _theme(typed: str, t: Translator) -> str:
    wanted = typed.strip().casefold()
    for key, label in THEMES.items():
        if wanted in (key, label.casefold(), t._(label).casefold()):
            return key
    raise UserError("Unknown theme. Choose one of: {themes}.", themes=", ".join(THEMES))


def _target(ctx: Context, room: str, typed: str) -> tuple[str, list[str], str | None]:
    """(neighbourhood, story references, theme) from 'W-… W-…' or 'theme housing [@id]'."""
    hoods = moderation.rooms_neighbourhoods(ctx.services.config, room)
    words = typed.replace(",", " ").split()
    hood_id = next((w[1:] for w in words if w.startswith("@")), None)
    words = [w for w in words if not w.startswith("@")]
    if words and words[0].lower() in ("theme", "thema"):
        if hood_id is None and len(hoods) > 1:
            raise UserError("This room has several neighbourhoods; add @id, one of: {ids}.",
                            ids=", ".join(h.id for h in hoods))
        hood = next((h for h in hoods if h.id == (hood_id or hoods[0].id)), None)
        if hood is None:
            raise UserError("This room has several neighbourhoods; add @id, one of: {ids}.",
                            ids=", ".join(h.id for h in hoods))
        return hood.id, [], _theme(" ".join(words[1:]), ctx.t)
    if not words or not all(_REFERENCE.match(w) for w in words):
        raise UserError("Start with story references (W-2026-0042) or 'theme <theme>'.")
    return "", [w.upper() for w in words], None


async def _poll_target(ctx: Context, room: str, typed: str) -> tuple[str, int] | None:
    """(neighbourhood, poll id) when the target is a poll of this room, e.g. 'P-2026-0003' or 'poll P-2026-0003'."""
    words = typed.split()
    if words and words[0].lower() in ("poll", "peiling"):
        words = words[1:]
    if len(words) != 1 or not polls.REFERENCE.match(words[0]):
        return None
    hoods = [h.id for h in moderation.rooms_neighbourhoods(ctx.services.config, room)]
    poll, mine = await polls.of_room(ctx.tx, hoods, words[0])
    return mine[0], poll.id


async def _record(ctx: Context, room: str, target: str, status: str, what: str, because: str,
                  commitment: str) -> None:
    poll = await _poll_target(ctx, room, target)
    poll_id = poll[1] if poll else None
    references: list[str]
    if poll is not None:
        hood_id, references, theme = poll[0], [], None
    else:
        hood_id, references, theme = _target(ctx, room, target)
    if references:
        first = await moderation.find(ctx.tx, ctx.services.config, room, references[0])
        hood_id, theme = first.neighbourhood_id, first.theme
    moment: datetime | None = None
    if commitment.strip():
        moment = times.parse_when(commitment, ctx.services.now(), ctx.services.config.timezone)
    fb, told = await feedback.record(
        ctx.tx, ctx.services, author=ctx.incoming.actor.user_id, neighbourhood=hood_id, references=references,
        theme=theme, status=feedback.parse_status(status), what=what, because=because, commitment=moment,
        poll_id=poll_id)
    ctx.say(ctx.t.n_("Feedback {reference} recorded; {n} resident will hear it.",
                     "Feedback {reference} recorded; {n} residents will hear it.", told, reference=fb.reference))


async def feedback_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    if not ctx.incoming.args.strip():
        await ctx.dialogue.start_flow(ctx, "feedback")
        ctx.data["room"] = room
        return
    parts = [p.strip() for p in ctx.incoming.args.split("|")]
    if len(parts) not in (4, 5):
        raise UserError("Use: !feedback W-2026-0042 | done | what we did | because … | optional date. Or type "
                        "!feedback alone and I will ask step by step.")
    target, status, what, because = parts[:4]
    await _record(ctx, room, target, status, what, because, parts[4] if len(parts) == 5 else "")


async def update_command(ctx: Context) -> None:
    organisers_room(ctx)
    parts = [p.strip() for p in ctx.incoming.args.split("|")]
    if len(parts) != 4:
        raise UserError("Use: !update F-2026-0007 | status | what we did | because …")
    fb = await feedback.get(ctx.tx, parts[0])
    hood = ctx.services.config.neighbourhood(fb.neighbourhood_id) if fb else None
    if fb is None or hood is None or hood.moderation_room != ctx.incoming.address.chat_id:
        raise UserError("I cannot find {reference} among the stories of this room.", reference=parts[0][:20])
    told = await feedback.update(ctx.tx, ctx.services, fb, author=ctx.incoming.actor.user_id,
                                 status=feedback.parse_status(parts[1]), what=parts[2], because=parts[3])
    ctx.say(ctx.t.n_("Feedback {reference} updated; {n} resident will hear it.",
                     "Feedback {reference} updated; {n} residents will hear it.", told, reference=fb.reference))


async def overdue_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    hoods = [h.id for h in moderation.rooms_neighbourhoods(ctx.services.config, room)]
    rows = await feedback_clock.without_feedback(ctx.tx, ctx.services, hoods)
    again = await feedback_clock.reopened(ctx.tx, hoods)
    if not rows and not again:
        ctx.say(ctx.t._("Every story older than {days} days has feedback. Well done!",
                        days=ctx.services.config.feedback.no_feedback_days))
        return
    ctx.say(feedback_clock.overdue_text(ctx.t, ctx.services, rows, again))


async def heard_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    hoods = [h.id for h in moderation.rooms_neighbourhoods(ctx.services.config, room)]
    rows = await feedback.heard_tally(ctx.tx, hoods)
    if not rows:
        ctx.say(ctx.t._("Nobody has answered 'did you feel heard?' yet."))
        return
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for hood, theme, answer, count in rows:
        totals.setdefault((hood, theme), {})[answer] = count
    lines = [ctx.t._("Did residents feel heard? (yes / partly / no)")]
    for (hood, theme), counts in totals.items():
        label = ctx.t._(THEMES[theme]) if theme in THEMES else ctx.t._("all themes")
        lines.append(f"• {hood} · {label}: {counts.get('yes', 0)} / {counts.get('partly', 0)} / "
                     f"{counts.get('no', 0)}")
    ctx.say("\n".join(lines))


class FeedbackFlow(Flow):
    """The guided form, asked step by step in the moderation room (answers are plain messages)."""

    name = "feedback"
    needs_resident = False

    async def start(self, ctx: Context) -> None:
        ctx.state.flow = self.name
        ctx.ask("target", ctx.t._("What is this feedback about? Type story references (W-2026-0042), a poll "
                                  "(P-2026-0003), or 'theme housing' for a theme in this neighbourhood. Type !cancel "
                                  "to stop."))

    async def on_target(self, ctx: Context) -> None:
        if await _poll_target(ctx, ctx.data["room"], ctx.incoming.text or "") is None:
            _target(ctx, ctx.data["room"], ctx.incoming.text or "")
        ctx.data["target"] = ctx.incoming.text
        ctx.ask("status", ctx.t._("What is the status?"), tuple(
            Choice(key, ctx.t._(label)) for key, label in feedback.STATUSES.items()))

    async def on_status(self, ctx: Context) -> None:
        ctx.data["status"] = ctx.incoming.choice or feedback.parse_status(ctx.incoming.text or "")
        ctx.ask("what", ctx.t._("What was done (or will be done)? Write it for residents."))

    async def on_what(self, ctx: Context) -> None:
        ctx.data["what"] = (ctx.incoming.text or "").strip()
        ctx.ask("because", ctx.t._("Because … ? Say why this was or was not done."))

    async def on_because(self, ctx: Context) -> None:
        ctx.data["because"] = (ctx.incoming.text or "").strip()
        ctx.ask("commitment", ctx.t._("By when will it be ready? For example 'over 3 weken' or '15 december'. "
                                      "Type 'none' if there is no date."))

    async def on_commitment(self, ctx: Context) -> None:
        typed = (ctx.incoming.text or "").strip()
        commitment = "" if typed.lower() in ("none", "geen", "-", "nee", "no") else typed
        data = ctx.data
        await _record(ctx, data["room"], data["target"], data["status"], data["what"], data["because"], commitment)
        ctx.finish()


async def cancel_room_flow(ctx: Context) -> None:
    if ctx.state.flow is not None and ctx.state.data.get("room") == ctx.incoming.address.chat_id:
        ctx.finish()
        ctx.say(ctx.t._("Stopped. Nothing was sent."))
