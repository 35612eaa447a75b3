"""Closing, cancelling and counting polls; the results go to participants and to the rooms.

Closing is one transaction: the status, the deleted youth key, and every results message (text bar chart plus a
PNG chart with alt text) as outbox rows, each resident's after their quiet hours. Who hears the result: everyone
the poll was announced to, and for ordinary polls also everyone who voted (youth voters cannot be known, which is
the point); then the moderation room it was made in, the public Matrix rooms (where the poll event is ended) and
the Telegram groups of its neighbourhoods.

Youth polls show numbers only from ``[polls] min_results`` voters on (default 5); below that, results, live
counts and listings say only that there were too few. A comparison between a youth poll and an ordinary poll
with the same question is shown only when both have at least that many voters.
"""

from __future__ import annotations

from bot import config_addresses as addresses
from bot.channels.base import Address, Attachment, AttachmentKind, Reply
from bot.engine import feedback, outbox, polls, polls_chart
from bot.engine import polls_text as text
from bot.engine.polls_text import Tally
from bot.errors import UserError
from bot.i18n import Translator
from bot.services import Services
from bot.store import audit
from bot.store import polls as repo
from bot.store import residents as residents_repo
from bot.store.db import Tx
from bot.store.polls import PollRecord
from bot.store.residents import Resident


async def tally_of(tx: Tx, services: Services, poll: PollRecord) -> Tally:
    voters, counts = await repo.tally(tx, poll)
    minimum = services.config.polls.min_results
    return Tally(voters, counts, await repo.options(tx, poll.id), shown=not poll.youth or voters >= minimum,
                 minimum=minimum)


async def twin(tx: Tx, services: Services, poll: PollRecord, tally: Tally) -> tuple[PollRecord, Tally] | None:
    """A closed poll of the other audience (youth / everyone) with the same question in a shared neighbourhood,
    when both have enough voters to be compared."""
    minimum = services.config.polls.min_results
    if not tally.shown or tally.voters < minimum:
        return None
    wanted = " ".join(poll.question.casefold().split())
    for other in await repo.of_neighbourhoods(tx, await repo.neighbourhoods(tx, poll.id), limit=200):
        if other.id == poll.id or other.youth == poll.youth or other.status != "closed":
            continue
        if " ".join(other.question.casefold().split()) != wanted:
            continue
        other_tally = await tally_of(tx, services, other)
        return (other, other_tally) if other_tally.voters >= minimum else None
    return None


def _comparison(t: Translator, poll: PollRecord, tally: Tally, found: tuple[PollRecord, Tally] | None) -> list[str]:
    if found is None:
        return []
    other, other_tally = found
    if poll.youth:
        return text.comparison(t, poll.band, tally, other_tally)
    return text.comparison(t, other.band, other_tally, tally)


def results_reply(t: Translator, poll: PollRecord, tally: Tally, found: tuple[PollRecord, Tally] | None,
                  chart: bytes | None, room: bool = False) -> Reply:
    body = text.results(t, poll, tally, _comparison(t, poll, tally, found), room)
    attachment = None
    if chart is not None:
        attachment = Attachment(kind=AttachmentKind.PHOTO, data=chart, filename=f"{poll.reference}.png",
                                mime_type="image/png", alt_text=text.alt_text(t, poll, tally))
    return Reply(text=body, attachment=attachment)


def chart_of(poll: PollRecord, tally: Tally) -> bytes | None:
    if not tally.shown or tally.voters == 0:
        return None
    return polls_chart.render(poll.question, [(label, tally.counts.get(n, 0), tally.percent(n))
                                              for n, label in tally.options], tally.voters)


async def _recipients(tx: Tx, poll: PollRecord) -> list[tuple[Resident, str | None]]:
    """Residents to tell, each with the message that announced the poll to them (if any)."""
    found: dict[int, tuple[Resident, str | None]] = {}
    for row in await repo.messages(tx, poll.id):
        if not row["private"]:
            continue
        resident = await residents_repo.by_chat(tx, row["channel"], row["chat_id"])
        if resident is not None:
            found[resident.id] = (resident, row["message_id"])
    if not poll.youth:
        for resident in await repo.voters(tx, poll.id):
            found.setdefault(resident.id, (resident, None))
    return [pair for pair in found.values() if pair[0].chat_id is not None and pair[0].unreachable_at is None]


def _native(message_id: str | None) -> str | None:
    """A real platform message id (not the outbox placeholder of a channel that reports none)."""
    return message_id if message_id and not message_id.startswith(OUTBOX_PLACEHOLDER) else None


OUTBOX_PLACEHOLDER = "outbox-"


async def _room_targets(tx: Tx, services: Services, poll: PollRecord) -> list[tuple[Address, str | None]]:
    """The moderation room, public Matrix rooms and Telegram groups, each with its poll message (if any)."""
    shown = {(row["channel"], row["chat_id"]): row["message_id"] for row in await repo.messages(tx, poll.id)
             if not row["private"]}
    targets: list[tuple[Address, str | None]] = [(addresses.room(poll.room), None)]
    for hood_id in await repo.neighbourhoods(tx, poll.id) if poll.audience == "polls" else []:
        hood = services.config.neighbourhood(hood_id)
        if hood is None:
            continue
        targets += [(room, shown.get((room.channel, room.chat_id))) for room in hood.room_addresses]
        if hood.group_address:
            targets.append((hood.group_address, None))
    unique: dict[tuple[str, str], tuple[Address, str | None]] = {}
    for address, message_id in targets:
        unique.setdefault((address.channel, address.chat_id), (address, message_id))
    return list(unique.values())


async def close_poll(tx: Tx, services: Services, poll: PollRecord, actor: str) -> int:
    """Close a poll now and send the results; returns how many residents will hear them."""
    if poll.status not in repo.ACTIVE:
        raise UserError("{reference} has already ended.", reference=poll.reference)
    now = services.now_iso()
    await repo.end(tx, poll, "closed", actor, now)
    services.youth_keys.pop(poll.id, None)
    if poll.youth:
        await polls.seal_youth_votes(tx, poll)
    await audit.add(tx, poll.reference, actor, "poll-closed", None, now)
    closed = await repo.get(tx, poll.id)
    assert closed is not None
    tally = await tally_of(tx, services, closed)
    found = await twin(tx, services, closed, tally)
    chart = chart_of(closed, tally)
    told = 0
    for resident, message_id in await _recipients(tx, closed):
        assert resident.chat_id is not None
        t = Translator(resident.language, services.config.timezone)
        reply = results_reply(t, closed, tally, found, chart)
        await outbox.enqueue(tx, services, Address(resident.channel, resident.chat_id),
                             _ending(reply, message_id), purpose="poll-results", subject=closed.reference,
                             not_before=feedback.not_before(services, resident))
        told += 1
    for address, message_id in await _room_targets(tx, services, closed):
        language = (services.config.moderation.language if address.chat_id == closed.room
                    else services.config.default_language)
        t = Translator(language, services.config.timezone)
        reply = results_reply(t, closed, tally, found, chart, room=True)
        await outbox.enqueue(tx, services, address, _ending(reply, message_id), purpose="poll-results",
                             subject=closed.reference)
    return told


def _ending(reply: Reply, message_id: str | None) -> Reply:
    native = _native(message_id)
    return Reply(text=reply.text, attachment=reply.attachment, closes_poll=native) if native else reply


async def cancel_poll(tx: Tx, services: Services, poll: PollRecord, actor: str) -> int:
    """Cancel: no results, the votes are deleted, whoever heard of the poll hears it was cancelled."""
    if poll.status not in repo.ACTIVE:
        raise UserError("{reference} has already ended.", reference=poll.reference)
    now = services.now_iso()
    recipients = await _recipients(tx, poll)  # before the votes (which name some of them) are deleted
    await repo.end(tx, poll, "cancelled", actor, now)
    services.youth_keys.pop(poll.id, None)
    await repo.delete_votes(tx, poll.id)
    await audit.add(tx, poll.reference, actor, "poll-cancelled", None, now)
    told = 0
    for resident, message_id in recipients:
        assert resident.chat_id is not None
        t = Translator(resident.language, services.config.timezone)
        await outbox.enqueue(tx, services, Address(resident.channel, resident.chat_id),
                             _ending(Reply(text=text.cancelled(t, poll)), message_id), purpose="poll-results",
                             subject=poll.reference, not_before=feedback.not_before(services, resident))
        told += 1
    t = Translator(services.config.default_language, services.config.timezone)
    for row in await repo.messages(tx, poll.id):
        if not row["private"]:
            address = Address(row["channel"], row["chat_id"], private=False)
            await outbox.enqueue(tx, services, address, _ending(Reply(text=text.cancelled(t, poll)),
                                                                row["message_id"]),
                                 purpose="poll-results", subject=poll.reference)
    return told


async def live_count(tx: Tx, services: Services, t: Translator, poll: PollRecord) -> str:
    """What organisers see with !count: the running tally (youth polls: only from the minimum on)."""
    tally = await tally_of(tx, services, poll)
    status = t._(text.STATUS_LABELS[poll.status])
    lines = [t._("{reference} ({status}): {question}", reference=poll.reference, status=status,
                 question=poll.question),
             t.n_("Announced to {n} resident so far.", "Announced to {n} residents so far.",
                  await repo.announced(tx, poll.id))]
    if not tally.shown:
        lines.append(text.too_few(t, tally))
        return "\n".join(lines)
    lines.append(t.n_("{n} person voted so far.", "{n} people voted so far.", tally.voters))
    lines += text.bars(t, tally)
    lines.append(t._("Residents see nothing of this until the poll closes."))
    return "\n".join(lines)


async def listing(tx: Tx, services: Services, t: Translator, hoods: list[str]) -> list[str]:
    lines = []
    for poll in await repo.of_neighbourhoods(tx, hoods):
        tally = await tally_of(tx, services, poll)
        lines.append(text.listing_line(t, poll, tally.voters if tally.shown else None))
    return lines

