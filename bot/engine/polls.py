"""Neighbourhood polls and youth polls: organisers ask, residents vote on any channel, everyone hears the result.

A poll lives ``scheduled`` → ``open`` → ``closed`` (or ``cancelled``). Opening, closing and cancelling are each
one transaction with everything they cause: announcements and results are outbox rows (each resident's after
their quiet hours). Opening and closing are driven by date jobs (``bot/engine/polls_schedule.py``) that call
:func:`sweep`, which only looks at the database and the injected clock, so it is idempotent and tests call it
directly.

Voting: one vote per eligible resident per poll (a set of at most ``max_selections`` options), changeable until
the poll closes. Eligible: a resident of one of the poll's neighbourhoods, and for a youth poll someone whose
stated age band lies inside the poll's range. Ordinary votes are stored per resident (for /mydata and /forget);
youth votes only under ``HMAC-SHA256(poll key, channel + user id)`` with a random key per poll, which is deleted
when the poll ends, so afterwards no table links a youth vote to anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import config_addresses as addresses
from bot.channels.base import Address, Choice, Poll, Reply
from bot.engine import feedback, outbox
from bot.engine import polls_text as text
from bot.errors import UserError
from bot.i18n import Translator
from bot.services import Services
from bot.store import audit
from bot.store import experiences as experiences_repo
from bot.store import polls as repo
from bot.store.db import Tx
from bot.store.polls import PollRecord as PollRecord  # re-exported: handlers name the record, never the store
from bot.store.residents import Resident
from bot.store.tx import Query as Query  # re-exported: what a handler reads ahead (vote_reads)

log = logging.getLogger(__name__)

YOUTH_BANDS = ("12-14", "15-17", "18-20", "21-23")  # what residents can state; youth polls span whole bands
MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_QUESTION, MAX_OPTION = 300, 100
MIN_DURATION = timedelta(minutes=5)
CHOICE_PREFIX = "vote"  # global choice keys "vote.<poll id>.<option number>"
REFERENCE = re.compile(r"^P-\d{4}-\d{4,}$", re.IGNORECASE)


@dataclass(frozen=True)
class Draft:
    """A poll as an organiser described it, before it exists."""

    question: str
    options: tuple[str, ...]
    neighbourhoods: tuple[str, ...]
    closes_at: datetime
    opens_at: datetime | None = None  # None: now
    youth: tuple[int, int] | None = None
    max_selections: int = 1
    audience: str = "polls"  # "professionals": a check question (bot/engine/check_questions.py)


async def by_id(tx: Tx, poll_id: int) -> PollRecord:
    """The poll a button or a typed answer names; a clear answer when it is gone."""
    poll = await repo.get(tx, poll_id)
    if poll is None:
        raise UserError("I do not know this poll. Type /polls to see the open polls.")
    return poll


async def by_native_poll(tx: Tx, channel: str, chat_id: str, message_id: str) -> PollRecord:
    """The poll a native poll (Matrix) in this chat stands for."""
    poll = await repo.by_message(tx, channel, chat_id, message_id)
    if poll is None:
        raise UserError("I do not know this poll. Type /polls to see the open polls.")
    return poll


async def of_room(tx: Tx, neighbourhoods: list[str], reference: str) -> tuple[PollRecord, list[str]]:
    """The poll an organiser names (P-2026-0001) and those of its neighbourhoods the room moderates."""
    poll = await repo.by_reference(tx, reference) if REFERENCE.match(reference) else None
    mine = [h for h in await repo.neighbourhoods(tx, poll.id) if h in neighbourhoods] if poll else []
    if poll is None or not mine:
        raise UserError("I cannot find {reference} among the polls of this room.", reference=reference[:20])
    return poll, mine


async def options(tx: Tx, poll: PollRecord) -> list[tuple[int, str]]:
    """(number, label) of each option, in order."""
    return await repo.options(tx, poll.id)


async def open_for(tx: Tx, services: Services, resident: Resident) -> list[PollRecord]:
    """The open polls of the resident's neighbourhood they may vote in (a youth poll only in its age bands)."""
    found = await repo.open_for(tx, resident.neighbourhood_id, services.now_iso())
    return [p for p in found if in_band(p, resident.age_band)]


def band_range(band: str) -> tuple[int, int]:
    low, _, high = band.partition("-")
    return int(low), int(high)


def youth_range(low: int, high: int) -> tuple[int, int]:
    """A youth poll's age range; it must start and end at the edges of the bands residents can state."""
    starts = {band_range(b)[0] for b in YOUTH_BANDS}
    ends = {band_range(b)[1] for b in YOUTH_BANDS}
    if low not in starts or high not in ends or low > high:
        raise UserError("Youth polls use the age groups {bands}. Start and end the range at their edges, for "
                        "example 'youth 12-17'.", bands=", ".join(YOUTH_BANDS))
    return low, high


def in_band(poll: PollRecord, band: str | None) -> bool:
    if not poll.youth:
        return True
    if band not in YOUTH_BANDS:
        return False
    low, high = band_range(band)
    assert poll.youth_min is not None and poll.youth_max is not None
    return poll.youth_min <= low and high <= poll.youth_max


def choice_key(poll: PollRecord, number: int) -> str:
    return f"{CHOICE_PREFIX}.{poll.id}.{number}"


async def seal_youth_votes(tx: Tx, poll: PollRecord) -> None:
    """At closing, a youth poll's votes lose what could still tie one to a person or a moment: each voter hash is
    hashed again under a fresh random key that is never stored (votes stay distinct per voter, so the count of
    voters is kept), and the rows are rewritten in the order of those new hashes, a random order. Before, the
    rows' places in the file followed the order people voted in, which times written elsewhere could be matched
    against. The old rows are zeroed (``secure_delete``) and the WAL truncated after the commit (``end``).
    The cost is proportional to the poll, not to the database."""
    blind = secrets.token_bytes(32)
    sealed = sorted((hmac.new(blind, voter.encode(), hashlib.sha256).hexdigest(), option)
                    for voter, option in await repo.youth_votes(tx, poll.id))
    await repo.replace_youth_votes(tx, poll.id, sealed)
    log.debug("%s: %d youth vote row(s) re-hashed and rewritten", poll.reference, len(sealed))


def voter_hash(poll: PollRecord, resident: Resident) -> str:
    """The only name a youth vote has. Without the poll's key (deleted when it ends) it points to nobody."""
    if poll.vote_key is None:
        raise UserError("This poll has closed. Votes are no longer counted.")
    return _keyed(poll.vote_key, resident.channel, resident.user_id)


def _keyed(key: str, channel: str, user_id: str) -> str:
    return hmac.new(bytes.fromhex(key), f"{channel}\n{user_id}".encode(), hashlib.sha256).hexdigest()


def vote_reads(services: Services, channel: str, user_id: str, poll_id: int) -> list[Query]:
    """What a press on a poll's button reads (:func:`toggle`, the receipt), for the turn's opening read to read
    first (bot/store/turn.py): the poll, its neighbourhoods and options, and the person's current vote. A youth
    vote's name needs the poll's key, which only the poll's row holds; a multiple-choice youth poll's key is kept
    in memory from the press before (``Services.youth_keys``), so that its next press needs no third round trip."""
    reads = [repo.get_query(poll_id), repo.neighbourhoods_query(poll_id), repo.options_query(poll_id)]
    key = services.youth_keys.get(poll_id)
    reads.append(repo.resident_vote_query(poll_id, channel, user_id) if key is None else
                 repo.youth_vote_query(poll_id, _keyed(key, channel, user_id)))
    return reads


def plan(services: Services, moment: datetime | str) -> None:
    """Ask for the polls sweep to run at ``moment`` (a no-op where no scheduler is connected)."""
    wake = services.timed.get("polls")
    if wake is not None:
        wake(services.parse_time(moment) if isinstance(moment, str) else moment)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _check_draft(draft: Draft, now: datetime) -> tuple[str, tuple[str, ...], datetime]:
    question = " ".join(draft.question.split()).strip("\"'“”„ ")
    options = tuple(" ".join(o.split()).strip("\"'“”„ ") for o in draft.options)
    if not question:
        raise UserError("Please give the question.")
    if len(question) > MAX_QUESTION or any(len(o) > MAX_OPTION for o in options):
        raise UserError("Keep the question under {question} characters and each option under {option}.",
                        question=MAX_QUESTION, option=MAX_OPTION)
    if not MIN_OPTIONS <= len([o for o in options if o]) <= MAX_OPTIONS or not all(options):
        raise UserError("A poll needs 2 to 10 options.")
    if len({o.casefold() for o in options}) != len(options):
        raise UserError("Two options are the same. Please make every option different.")
    if not draft.neighbourhoods:
        raise UserError("Please say in which neighbourhood the poll is.")
    if not 1 <= draft.max_selections <= len(options):
        raise UserError("With 'multiple', give how many options people may choose: at least 2 and at most the "
                        "number of options, for example 'multiple 2'.")
    opens = draft.opens_at or now
    if draft.closes_at - opens < MIN_DURATION:
        raise UserError("The poll must close at least 5 minutes after it opens.")
    return question, options, opens


async def create(tx: Tx, services: Services, draft: Draft, room: str, author: str,
                 now: datetime | None = None) -> tuple[PollRecord, int | None]:
    """A new poll. Opens at once (returns how many residents will hear of it) unless it opens later (None).
    ``now`` is the moment the organiser's times were read against ("over 5 minuten"): one reading of the clock
    for the whole check, or a 5-minute poll would be refused as shorter than 5 minutes."""
    now = now or services.now()
    question, options, opens = _check_draft(draft, now)
    year = now.astimezone(services.config.timezone).year
    reference = await experiences_repo.next_reference(tx, "P", year)
    poll = await repo.create(
        tx, reference=reference, question=question, options=options, neighbourhoods=draft.neighbourhoods,
        max_selections=draft.max_selections, youth=draft.youth, opens_at=_iso(opens),
        closes_at=_iso(draft.closes_at), room=room, author=author, now=_iso(now),
        vote_key=secrets.token_hex(32) if draft.youth else None, audience=draft.audience)
    await audit.add(tx, reference, author, "poll-created", question, _iso(now))
    plan(services, draft.closes_at)
    if opens > now:
        plan(services, opens)
        return poll, None
    return poll, await open_poll(tx, services, poll)


async def open_poll(tx: Tx, services: Services, poll: PollRecord) -> int:
    """Open a poll and announce it: to every eligible resident who opted in (after their quiet hours, never after
    closing), and in the neighbourhoods' public rooms. Returns the number of residents told."""
    await repo.set_open(tx, poll.id, services.now_iso())
    options = await repo.options(tx, poll.id)
    hoods = await repo.neighbourhoods(tx, poll.id)
    names = [h.name for h in (services.config.neighbourhood(i) for i in hoods) if h is not None]
    told = 0
    for resident in await repo.audience(tx, poll.id):
        if not in_band(poll, resident.age_band) or resident.chat_id is None:
            continue
        later = feedback.not_before(services, resident)
        if later is not None and later >= poll.closes_at:
            continue  # their quiet hours last until after closing
        t = Translator(resident.language, services.config.timezone)
        reply = Reply(text=text.announcement(t, poll, names), choices=vote_choices(t, poll, options, frozenset()),
                      poll=native_poll(poll, options))
        await outbox.enqueue(tx, services, Address(resident.channel, resident.chat_id), reply, purpose="poll",
                             subject=poll.reference, not_before=later)
        told += 1
    await _announce_in_rooms(tx, services, poll, options, hoods)
    return told


def native_poll(poll: PollRecord, options: list[tuple[int, str]]) -> Poll:
    return Poll(poll.question, tuple(Choice(str(n), label) for n, label in options), poll.max_selections)


def vote_choices(t: Translator, poll: PollRecord, options: list[tuple[int, str]],
                 chosen: frozenset[int]) -> tuple[Choice, ...]:
    return tuple(Choice(choice_key(poll, n), text.option_label(t, label, n in chosen)) for n, label in options)


async def _announce_in_rooms(tx: Tx, services: Services, poll: PollRecord, options: list[tuple[int, str]],
                             hoods: list[str]) -> None:
    """Public rooms: a Matrix poll event (youth polls: text only, since votes in a room are seen by everyone there);
    Telegram groups: text that points to the private chat. A check question is not announced in rooms."""
    if poll.audience != "polls":
        return
    t = Translator(services.config.default_language, services.config.timezone)
    for hood_id in hoods:
        hood = services.config.neighbourhood(hood_id)
        if hood is None:
            continue
        for room in hood.room_addresses:
            reply = Reply(text=text.room_announcement(t, poll, hood.name, options, here=not poll.youth),
                          poll=None if poll.youth else native_poll(poll, options))
            await outbox.enqueue(tx, services, room, reply, purpose="poll", subject=poll.reference)
        if hood.group_address:
            reply = Reply(text=text.room_announcement(t, poll, hood.name, options, here=False))
            await outbox.enqueue(tx, services, hood.group_address, reply, purpose="poll", subject=poll.reference)


async def eligible(tx: Tx, services: Services, poll: PollRecord, resident: Resident | None) -> list[tuple[int, str]]:
    """Raise a clear UserError when this person may not vote (now) in this poll; else the poll's options."""
    if poll.status == "scheduled":
        raise UserError("This poll is not open yet.")
    if poll.status != "open" or services.now_iso() >= poll.closes_at:
        services.youth_keys.pop(poll.id, None)
        raise UserError("This poll has closed. Votes are no longer counted.")
    if resident is None:
        raise UserError("Only residents who joined can vote. Send me /start in a private chat to join.")
    hoods, options = await repo.neighbourhoods_and_options(tx, poll.id)
    if resident.neighbourhood_id not in hoods:
        names = [h.name for h in (services.config.neighbourhood(i) for i in hoods) if h is not None]
        raise UserError("This poll is for residents of {neighbourhoods}. Your vote does not count.",
                        neighbourhoods=", ".join(names))
    if not in_band(poll, resident.age_band):
        if resident.age_band is None:
            raise UserError("This poll is for young people aged {band}. If that is you, tell me your age group in "
                            "/settings and vote again.", band=poll.band)
        raise UserError("This poll is for young people aged {band}. Your vote does not count.", band=poll.band)
    return options


async def current_vote(tx: Tx, poll: PollRecord, resident: Resident) -> frozenset[int]:
    if poll.youth:
        return await repo.youth_vote(tx, poll.id, voter_hash(poll, resident))
    return await repo.resident_vote(tx, poll.id, resident)


async def cast(tx: Tx, services: Services, poll: PollRecord, resident: Resident | None,
               chosen: frozenset[int]) -> frozenset[int]:
    """Replace the person's vote with ``chosen`` (empty: withdraw it). Raises UserError when refused."""
    options = await eligible(tx, services, poll, resident)
    assert resident is not None
    return _replace_vote(tx, services, poll, resident, chosen, options)


def _replace_vote(tx: Tx, services: Services, poll: PollRecord, resident: Resident, chosen: frozenset[int],
                  options: list[tuple[int, str]]) -> frozenset[int]:
    """``cast`` once the person may vote."""
    numbers = {n for n, _ in options}
    if not chosen <= numbers:
        raise UserError("That is not an option of this poll. Your vote did not change.")
    if len(chosen) > poll.max_selections == 1:
        raise UserError("This poll allows only one option. Your vote did not change.")
    if len(chosen) > poll.max_selections:
        raise UserError("You can choose at most {count} options. Your vote did not change.",
                        count=poll.max_selections)
    if poll.youth:
        repo.set_youth_vote(tx, poll.id, voter_hash(poll, resident), chosen)
    else:
        repo.set_resident_vote(tx, poll.id, resident.id, chosen, services.now_iso())
    return chosen


async def toggle(tx: Tx, services: Services, poll: PollRecord, resident: Resident | None,
                 number: int) -> frozenset[int]:
    """A tap on an option: single choice sets it; multiple choice adds or removes it."""
    options = await eligible(tx, services, poll, resident)
    assert resident is not None
    if poll.max_selections == 1:
        return _replace_vote(tx, services, poll, resident, frozenset({number}), options)
    if poll.youth and poll.vote_key is not None:  # see vote_reads; forgotten when the poll ends
        services.youth_keys[poll.id] = poll.vote_key
    before = await current_vote(tx, poll, resident)
    after = before - {number} if number in before else before | {number}
    return _replace_vote(tx, services, poll, resident, after, options)


async def extend(tx: Tx, services: Services, poll: PollRecord, closes_at: datetime,
                 now: datetime | None = None) -> None:
    """A new closing time; ``now`` as in :func:`create`."""
    if poll.status not in repo.ACTIVE:
        raise UserError("{reference} has already ended.", reference=poll.reference)
    if closes_at - max(services.parse_time(poll.opens_at), now or services.now()) < MIN_DURATION:
        raise UserError("The poll must close at least 5 minutes after it opens.")
    await repo.set_closes_at(tx, poll.id, _iso(closes_at))
    plan(services, closes_at)


async def sweep(services: Services) -> tuple[int, int]:
    """Open polls whose opening time came and close those whose closing time passed (also after downtime).
    Each poll in its own transaction. Returns (opened, closed)."""
    from bot.engine import polls_results  # results import this module

    async with services.db.transaction() as tx:
        opening, closing = await repo.due(tx, services.now_iso())
    opened = closed = 0
    for poll_id in opening:
        async with services.db.transaction() as tx:
            poll = await repo.get(tx, poll_id)
            if poll is None or poll.status != "scheduled" or poll.closes_at <= services.now_iso():
                continue
            told = await open_poll(tx, services, poll)
            await tell_room(tx, services, poll, "opened", told)
            opened += 1
    for poll_id in closing:
        async with services.db.transaction() as tx:
            poll = await repo.get(tx, poll_id)
            if poll is None or poll.status not in repo.ACTIVE:
                continue
            await polls_results.close_poll(tx, services, poll, "scheduler")
            closed += 1
    if opened or closed:
        log.info("polls: %d opened, %d closed", opened, closed)
    return opened, closed


async def tell_room(tx: Tx, services: Services, poll: PollRecord, what: str, count: int) -> None:
    """A short note for the moderation room the poll was made in (e.g. when a scheduled poll opens)."""
    t = Translator(services.config.moderation.language, services.config.timezone)
    note = text.room_note(t, poll, what, count)
    await outbox.enqueue(tx, services, addresses.room(poll.room), Reply(text=note),
                         purpose="poll-note", subject=poll.reference)
