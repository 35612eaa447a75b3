"""Organisers in a moderation room: neighbourhood conversations (issue 8), Pol.is style.

    !deliberate "How do we make the square safer?" | More lighting | Cameras | A youth worker in the evening
        Open a conversation for this room's neighbourhood with a question and seed statements (Dutch:
        !praatmee). Put @id before the question when the room moderates several neighbourhoods. Residents
        who have not set feedback to "never" get an invitation with a Join button.
    !deliberations                      the conversations of this room (!gesprekken)
    !deliberation D-2026-0001           the overview: opinion groups of 5 or more people with their typical
                                        statements, common ground, what divides, statements waiting (!gesprek);
                                        without a reference: this help
    !close-deliberation D-2026-0001     close it; every participant gets their summary (!sluit, !sluit-gesprek)
    !recompute D-2026-0001              new results now instead of at the next scheduled recompute (!herbereken)
    !approve-statement S-12             show a resident's statement to others, or react ✅ (!stelling-goedkeuren)
    !reject-statement S-12 reason       do not show it; the author hears why (!stelling-afwijzen); 🚫 explains

Only moderators act, exactly as for !approve (``bot.engine.authority.may_moderate``). Results are recomputed every
``[deliberation] recompute_minutes`` (default 5), not per vote; groups smaller than 5 people are never shown.
"""

from __future__ import annotations

from bot.dialogue import Context
from bot.engine import deliberation, deliberation_results, moderation
from bot.engine.deliberation import Statement
from bot.engine.deliberation_text import STATUS
from bot.errors import UserError
from handlers.rooms import organisers_room


def _reference(ctx: Context, example: str) -> tuple[str, str]:
    reference, _, rest = ctx.incoming.args.strip().partition(" ")
    if not reference:
        raise UserError("Please give a reference, for example {example}.", example=example)
    return reference.upper(), rest.strip()


async def open_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    args = ctx.incoming.args.strip()
    hoods = moderation.rooms_neighbourhoods(ctx.services.config, room)
    wanted = None
    if args.startswith("@"):
        token, _, args = args.partition(" ")
        wanted = token[1:]
    hood = next((h for h in hoods if h.id == (wanted or hoods[0].id)), None)
    if hood is None or (wanted is None and len(hoods) > 1):
        raise UserError("This room has several neighbourhoods; add @id, one of: {ids}.",
                        ids=", ".join(h.id for h in hoods))
    question, *seeds = args.split("|")
    d, statements, invited = await deliberation.open_deliberation(ctx.tx, ctx.services, hood, question, seeds,
                                                                  ctx.incoming.actor.user_id)
    ctx.say(ctx.t.n_("{reference} is open in {neighbourhood}; statements to start with: {statements}. {n} resident "
                     "is invited.", "{reference} is open in {neighbourhood}; statements to start with: {statements}. "
                     "{n} residents are invited.", invited, reference=d.reference, neighbourhood=hood.name,
                     statements=statements))


async def list_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    hoods = moderation.rooms_neighbourhoods(ctx.services.config, room)
    found = await deliberation.of_neighbourhoods(ctx.tx, [h.id for h in hoods])
    if not found:
        ctx.say(ctx.t._('No conversations yet. Open one with: !deliberate "question" | statement | statement'))
        return
    lines = [ctx.t._("Conversations of this room (newest first):")]
    for d in found:
        counts = await deliberation.counts(ctx.tx, d)
        status = ctx.t._(STATUS.get(d.status, d.status))
        lines.append(ctx.t._("• {reference} · {status} · participants: {participants} · waiting for moderation: "
                             "{pending} · {question}", reference=d.reference, status=status,
                             participants=counts["participants"], pending=counts["pending"], question=d.question))
    ctx.say("\n".join(lines))


async def overview_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    if not ctx.incoming.args.strip():
        ctx.say(ctx.t._(
            "Neighbourhood conversations:\n"
            '!deliberate "question" | statement | statement – open one (add @id first if the room has several '
            "neighbourhoods)\n"
            "!deliberations – the conversations of this room\n"
            "!deliberation D-2026-0001 – groups, common ground and what divides\n"
            "!close-deliberation D-2026-0001 – close it; participants get their summary\n"
            "!recompute D-2026-0001 – new results now, not at the next scheduled recompute\n"
            "!approve-statement S-12 – show a resident's statement (or react ✅)\n"
            "!reject-statement S-12 reason – do not show it; the author hears why\n"
            "Dutch works too: !praatmee, !gesprekken, !gesprek, !sluit, !herbereken, !stelling-goedkeuren, "
            "!stelling-afwijzen."))
        return
    reference, _ = _reference(ctx, "!deliberation D-2026-0001")
    d = await deliberation.find(ctx.tx, ctx.services.config, room, reference)
    ctx.say(await deliberation_results.organiser_overview(ctx.tx, ctx.services, d, ctx.t))


async def close_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    reference, _ = _reference(ctx, "!close-deliberation D-2026-0001")
    d = await deliberation.find(ctx.tx, ctx.services.config, room, reference)
    closed, told = await deliberation_results.close(ctx.tx, ctx.services, d, ctx.incoming.actor.user_id)
    ctx.say(ctx.t.n_("{reference} is closed; {n} participant gets the summary.",
                     "{reference} is closed; {n} participants get the summary.", told, reference=d.reference))
    ctx.say(await deliberation_results.organiser_overview(ctx.tx, ctx.services, closed, ctx.t))


async def recompute_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    reference, _ = _reference(ctx, "!recompute D-2026-0001")
    d = await deliberation.find(ctx.tx, ctx.services.config, room, reference)
    if deliberation_results.request(ctx.services, d):
        ctx.say(ctx.t._("{reference} is being recomputed. In a minute, !deliberation {reference} shows the new "
                        "results.", reference=d.reference))
    else:
        ctx.say(ctx.t._("The results of {reference} are up to date: nothing changed since the last recompute.",
                        reference=d.reference))


async def approve_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    reference, _ = _reference(ctx, "!approve-statement S-12")
    s, d = await deliberation.find_statement(ctx.tx, ctx.services.config, room, reference)
    await deliberation.approve_statement(ctx.tx, ctx.services, s, d, ctx.incoming.actor.user_id)
    ctx.say(ctx.t._("{statement} approved: residents now see it in {reference}.", statement=s.reference,
                    reference=d.reference))


async def reject_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    reference, reason = _reference(ctx, "!reject-statement S-12 reason")
    s, d = await deliberation.find_statement(ctx.tx, ctx.services.config, room, reference)
    await deliberation.reject_statement(ctx.tx, ctx.services, s, d, ctx.incoming.actor.user_id, reason)
    ctx.say(ctx.t._("{statement} rejected. The author is told the reason.", statement=s.reference))


async def statement_reacted_to(ctx: Context) -> Statement | None:
    """The statement whose moderation post got ✅ or 🚫, if the reaction is one of those on such a post."""
    key = (ctx.incoming.reaction or "").replace("\ufe0f", "")
    if ctx.incoming.reacted_to is None or key not in (moderation.APPROVE, moderation.REJECT):
        return None
    return await deliberation.statement_by_post(ctx.tx, ctx.incoming.actor.channel, ctx.incoming.reacted_to)


async def reaction(ctx: Context, s: Statement) -> None:
    """✅ on a statement's moderation post approves it, 🚫 explains the command (a reason is needed)."""
    key = (ctx.incoming.reaction or "").replace("\ufe0f", "")
    room = organisers_room(ctx)
    s, d = await deliberation.find_statement(ctx.tx, ctx.services.config, room, s.reference)
    if key == moderation.APPROVE:
        await deliberation.approve_statement(ctx.tx, ctx.services, s, d, ctx.incoming.actor.user_id)
        ctx.say(ctx.t._("{statement} approved: residents now see it in {reference}.", statement=s.reference,
                        reference=d.reference))
    else:
        ctx.say(ctx.t._("To reject, the author needs a reason. Type: !reject-statement {statement} reason",
                        statement=s.reference))
