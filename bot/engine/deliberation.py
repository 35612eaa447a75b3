"""Deliberation in the chat (issue 8): organisers open a conversation, residents vote on statements and add
their own, moderators approve those first. The math is in bot.engine.deliberation_math; recomputes and the
closing summary are in bot.engine.deliberation_results.

Who is invited: residents of the neighbourhood who are reachable and have not set feedback to "never"
(``feedback_mode != 'off'``, the one "hear from us" switch residents already have); anyone in the
neighbourhood can still join with /deliberate. Each change here is part of the caller's transaction; messages
leave through the outbox.
"""

from __future__ import annotations

import re

from bot.channels.base import Address, Choice, Reply
from bot.config import Config, Neighbourhood
from bot.engine import deliberation_text as text
from bot.engine import outbox
from bot.engine.deliberation_math import next_statements
from bot.engine.deliberation_snapshot import loads
from bot.engine.feedback import not_before
from bot.engine.moderation import APPROVE, REJECT, moderation_address, organisers_translator
from bot.engine.scrub import scrub
from bot.errors import StaleChoice, UserError
from bot.i18n import Translator
from bot.services import Services
from bot.store import audit
from bot.store import deliberations as repo
from bot.store import experiences as experiences_repo
from bot.store import residents as residents_repo
from bot.store.db import Tx
from bot.store.deliberations import Deliberation as Deliberation  # re-exported for handlers
from bot.store.deliberations import Statement as Statement
from bot.store.outbox import Pending
from bot.store.residents import Resident

CHOICE_PREFIX = "delib"  # global choices "delib.<id>.join" on invitations
ROUND_SIZE = 5
MIN_STATEMENT, MAX_STATEMENT = 10, 140  # residents' own statements
MAX_SEED = 140  # organisers' seed statements may be short ("Cameras")
MAX_QUESTION = 300
MAX_PENDING = 3  # a resident's statements waiting for moderation, per deliberation
VOTES = {"agree": 1, "disagree": -1, "pass": 0}
REACTIONS = (APPROVE, REJECT)
_STATEMENT = re.compile(r"^S-?(\d{1,9})$", re.IGNORECASE)
_JOIN = re.compile(rf"^{CHOICE_PREFIX}\.(\d{{1,9}})\.join$")
EXPIRED = "This button has expired. Please use the newest message."


def join_key(d: Deliberation) -> str:
    return f"{CHOICE_PREFIX}.{d.id}.join"


def parse_join_key(key: str | None) -> int | None:
    match = _JOIN.match(key or "")
    return int(match.group(1)) if match else None


def _clean(typed: str) -> str:
    return " ".join(typed.split()).strip().strip("\"“”„'").strip()


async def open_deliberation(tx: Tx, services: Services, hood: Neighbourhood, question: str, seeds: list[str],
                            actor: str) -> tuple[Deliberation, int, int]:
    """Open a deliberation with seed statements and invite the neighbourhood.
    Returns it, the number of statements and the number of residents invited."""
    question = _clean(question)
    if not question:
        raise UserError('Use: !deliberate "question" | statement | statement … (at least one statement).')
    if len(question) > MAX_QUESTION:
        raise UserError("The question is too long: at most {maximum} characters.", maximum=MAX_QUESTION)
    statements = list(dict.fromkeys(s for s in (_clean(seed) for seed in seeds) if s))
    if not statements:
        raise UserError('Use: !deliberate "question" | statement | statement … (at least one statement).')
    too_long = next((s for s in statements if len(s) > MAX_SEED), None)
    if too_long is not None:
        raise UserError("A statement may have at most {maximum} characters: {statement}", maximum=MAX_SEED,
                        statement=too_long[:40] + "…")
    now = services.now_iso()
    year = services.now().astimezone(services.config.timezone).year
    reference = await experiences_repo.next_reference(tx, "D", year)
    d = await repo.insert(tx, reference=reference, neighbourhood_id=hood.id, question=scrub(question).text,
                          opened_by=actor, now=now)
    for seed in statements:
        result = scrub(seed)
        await repo.add_statement(tx, d.id, result.text, ",".join(sorted({f.kind for f in result.findings})), None,
                                 "approved", now)
    await audit.add(tx, d.reference, actor, "opened", None, now)
    return d, len(statements), await _invite(tx, services, d, hood)


async def _invite(tx: Tx, services: Services, d: Deliberation, hood: Neighbourhood) -> int:
    residents = await residents_repo.reachable_in(tx, hood.id)
    for resident in residents:
        assert resident.chat_id is not None
        t = Translator(resident.language, services.config.timezone)
        reply = Reply(text=text.invitation(t, d, hood.name), choices=(Choice(join_key(d), t._("Join")),))
        await outbox.enqueue(tx, services, Address(resident.channel, resident.chat_id), reply,
                             purpose="delib-invite", subject=d.reference, not_before=not_before(services, resident))
    return len(residents)


async def find(tx: Tx, config: Config, room: str, reference: str) -> Deliberation:
    """The deliberation with this reference, if this room moderates its neighbourhood."""
    d = await repo.by_reference(tx, reference)
    hood = config.neighbourhood(d.neighbourhood_id) if d else None
    if d is None or hood is None or hood.moderation_room != room:
        raise UserError("I cannot find {reference} among the conversations of this room.", reference=reference[:20])
    return d


async def find_statement(tx: Tx, config: Config, room: str, reference: str) -> tuple[Statement, Deliberation]:
    match = _STATEMENT.match(reference.strip())
    s = await repo.statement(tx, int(match.group(1))) if match else None
    d = await repo.get(tx, s.deliberation_id) if s else None
    hood = config.neighbourhood(d.neighbourhood_id) if d else None
    if s is None or d is None or hood is None or hood.moderation_room != room:
        raise UserError("I cannot find {reference} among the statements of this room.", reference=reference[:20])
    return s, d


async def for_resident(tx: Tx, resident: Resident | None, deliberation_id: int) -> Deliberation:
    """A deliberation a resident may take part in (an open one in their neighbourhood); else the button expired."""
    d = await repo.get(tx, deliberation_id)
    if resident is None or d is None or d.neighbourhood_id != resident.neighbourhood_id:
        raise StaleChoice(EXPIRED)
    if not d.is_open:
        raise UserError("This neighbourhood conversation has closed. Type /deliberate to see the results.")
    return d


async def open_for(tx: Tx, resident: Resident) -> list[Deliberation]:
    return await repo.of_neighbourhoods(tx, [resident.neighbourhood_id], "open")


async def still_open(tx: Tx, deliberation_id: int) -> Deliberation | None:
    """The deliberation of a resident's dialogue while it is open; None once it closed (or never existed)."""
    d = await repo.get(tx, deliberation_id)
    return d if d is not None and d.is_open else None


async def taken_part(tx: Tx, resident: Resident) -> list[Deliberation]:
    """The conversations of the resident's neighbourhood they joined, newest first."""
    return await repo.took_part(tx, resident.id, resident.neighbourhood_id)


async def join(tx: Tx, d: Deliberation, resident_id: int, now: str) -> None:
    await repo.join(tx, d.id, resident_id, now)


async def approved_statement(tx: Tx, statement_id: int) -> Statement | None:
    """A statement residents may vote on; None once it is erased (its author used /forget) or not approved."""
    s = await repo.statement(tx, statement_id)
    return s if s is not None and s.status == "approved" else None


async def next_statement(tx: Tx, d: Deliberation, resident_id: int, queue: list[int]) -> Statement | None:
    """The first statement of ``queue`` still to answer (taken off it); erased or already answered ones are
    skipped. None when the queue is done."""
    voted = await repo.voted(tx, d.id, resident_id)
    while queue:
        s = await approved_statement(tx, queue.pop(0))
        if s is not None and s.id not in voted:
            return s
    return None


async def of_neighbourhoods(tx: Tx, neighbourhood_ids: list[str], limit: int = 20) -> list[Deliberation]:
    """The conversations of these neighbourhoods, newest first (an organisers' room's list)."""
    return await repo.of_neighbourhoods(tx, neighbourhood_ids, limit=limit)


async def counts(tx: Tx, d: Deliberation) -> dict[str, int]:
    """Participants and statements waiting for moderation."""
    return await repo.counts(tx, d.id)


async def statement_by_post(tx: Tx, channel: str, message_id: str) -> Statement | None:
    """The statement whose moderation post this is."""
    return await repo.by_post(tx, channel, message_id)


async def vote(tx: Tx, services: Services, d: Deliberation, resident_id: int, statement_id: int,
               answer: str) -> None:
    """Store a vote (agree / disagree / pass); voting again on the same statement replaces the earlier vote."""
    if answer not in VOTES:
        raise ValueError(answer)
    s = await repo.statement(tx, statement_id)
    if s is None or s.deliberation_id != d.id or s.status != "approved":
        raise StaleChoice(EXPIRED)
    if not d.is_open:
        raise UserError("This neighbourhood conversation has closed. Type /deliberate to see the results.")
    await repo.set_vote(tx, d.id, statement_id, resident_id, VOTES[answer], services.now_iso())


async def next_round(tx: Tx, d: Deliberation, resident_id: int, n: int = ROUND_SIZE) -> list[int]:
    """Up to ``n`` approved statements this resident has not voted on: new, rarely passed and informative
    statements first (Pol.is priority, from the counts and extremity of the last recompute)."""
    approved = {s.id for s in await repo.statements(tx, d.id, "approved")}
    snapshot = loads(d.snapshot)
    stats = {s: c for s, c in (snapshot.stats if snapshot else {}).items() if s in approved}
    return next_statements(n, seen=await repo.voted(tx, d.id, resident_id), stats=stats,
                           created={s: s for s in approved}, extremity=snapshot.extremity if snapshot else None)


async def submit(tx: Tx, services: Services, d: Deliberation, resident: Resident, typed: str) -> Statement:
    """A resident's own statement: checked, scrubbed, and shown to the moderation room first."""
    statement = " ".join(typed.split())
    if len(statement) < MIN_STATEMENT or len(statement) > MAX_STATEMENT:
        raise UserError("A statement needs {minimum} to {maximum} characters; yours has {length}.",
                        minimum=MIN_STATEMENT, maximum=MAX_STATEMENT, length=len(statement))
    if not d.is_open:
        raise UserError("This neighbourhood conversation has closed. Type /deliberate to see the results.")
    if await repo.pending_of_author(tx, d.id, resident.id) >= MAX_PENDING:
        raise UserError("You already have {n} statements waiting for a moderator. Please wait until they are "
                        "checked.", n=MAX_PENDING)
    result = scrub(statement)
    existing = {s.text.casefold() for s in await repo.statements(tx, d.id) if s.status != "rejected"}
    if result.text.casefold() in existing:
        raise UserError("This statement is already part of the conversation.")
    s = await repo.add_statement(tx, d.id, result.text, ",".join(sorted({f.kind for f in result.findings})),
                                 resident.id, "pending", services.now_iso())
    # As in Pol.is, the author agrees with their own statement, so it is never asked of them.
    await repo.set_vote(tx, d.id, s.id, resident.id, VOTES["agree"], services.now_iso())
    hood = services.config.neighbourhood(d.neighbourhood_id)
    address = moderation_address(hood) if hood else None
    if address is not None:
        post = text.moderation_post(organisers_translator(services.config), d, s)
        await outbox.enqueue(tx, services, address, Reply(text=post, reactions=REACTIONS), purpose="delib-statement",
                             subject=s.reference)
    return s


async def remember_post(tx: Tx, item: Pending, message_id: str | None, now: str) -> None:
    """After a statement was posted in the moderation room: remember the message, for reactions on it."""
    match = _STATEMENT.match(item.subject or "")
    if message_id is not None and match is not None and await repo.statement(tx, int(match.group(1))):
        await repo.remember_post(tx, item.address.channel, message_id, item.address.chat_id, int(match.group(1)))


def _undecided(s: Statement, d: Deliberation) -> None:
    if s.status == "approved":
        raise UserError("{statement} was already approved.", statement=s.reference)
    if s.status == "rejected":
        raise UserError("{statement} was already rejected.", statement=s.reference)
    if not d.is_open:
        raise UserError("{reference} is closed; its statements cannot change any more.", reference=d.reference)


async def approve_statement(tx: Tx, services: Services, s: Statement, d: Deliberation, actor: str) -> None:
    _undecided(s, d)
    now = services.now_iso()
    await repo.decide_statement(tx, s.id, "approved", None, actor, now)
    await audit.add(tx, s.reference, actor, "approved", None, now)
    await _tell_author(tx, services, s, approved=True, reason=None)


async def reject_statement(tx: Tx, services: Services, s: Statement, d: Deliberation, actor: str,
                           reason: str) -> None:
    _undecided(s, d)
    if not reason.strip():
        raise UserError("Please give a reason, for the author: !reject-statement {statement} reason.",
                        statement=s.reference)
    now = services.now_iso()
    await repo.decide_statement(tx, s.id, "rejected", reason.strip(), actor, now)
    await audit.add(tx, s.reference, actor, "rejected", reason.strip(), now)
    await _tell_author(tx, services, s, approved=False, reason=reason.strip())


async def _tell_author(tx: Tx, services: Services, s: Statement, *, approved: bool, reason: str | None) -> None:
    if s.author_id is None:
        return
    resident = await residents_repo.by_id(tx, s.author_id)
    if resident is None or resident.chat_id is None or resident.unreachable_at is not None:
        return
    t = Translator(resident.language, services.config.timezone)
    await outbox.enqueue(tx, services, Address(resident.channel, resident.chat_id),
                         Reply(text=text.decision(t, s, approved, reason)), purpose="delib-decision",
                         subject=s.reference, not_before=not_before(services, resident))
