"""Deliberation results: the scheduled recompute, the closing summary, and the views built from the snapshot.

Votes do not trigger the math. Every ``[deliberation] recompute_minutes`` (default 5) a job recomputes each
deliberation whose votes changed since its last recompute, and stores a snapshot of aggregates plus each
participant's shown group; organisers can ask for it at once (``!recompute``, ``request``). The event loop is
never held for long: the votes arrive packed, one string per statement (the aggregation runs inside SQLite,
which releases the GIL), and parsing and the math run in a worker thread (``calculate``), so the longest stall
of the loop during a 10,000 x 300 recompute stays under 50 ms (bench/deliberation.py measures it). Closing
recomputes once more if needed, in the same transaction, and queues every participant's summary in their own
language.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.channels.base import Address, Reply
from bot.engine import deliberation, feedback, outbox
from bot.engine import deliberation_text as text
from bot.engine.deliberation_snapshot import Snapshot, calculate, dumps, loads, summary_of
from bot.engine.outbox import Dispatcher
from bot.errors import UserError
from bot.i18n import Translator
from bot.scheduler import Scheduler
from bot.services import Services
from bot.store import audit
from bot.store import deliberations as repo
from bot.store.db import Tx
from bot.store.deliberations import Deliberation
from bot.store.residents import Resident

log = logging.getLogger(__name__)

JOB_NAME = "deliberation-recompute"
NOW_JOB_NAME = "deliberation-recompute-now"


def install(scheduler: Scheduler, dispatcher: Dispatcher, services: Services) -> None:
    """Wire deliberation into the app: the recompute job and the outbox hooks."""

    async def job() -> None:
        await recompute_due(services)

    scheduler.every(JOB_NAME, timedelta(minutes=services.config.deliberation.recompute_minutes), job)
    services.timed["deliberation"] = lambda moment: scheduler.once(NOW_JOB_NAME, moment, job)
    dispatcher.on_sent("delib-statement", deliberation.remember_post)
    dispatcher.on_sent("delib-invite", feedback.offer_answers)  # typed "1" answers the Join button too


async def recompute(tx: Tx, services: Services, d: Deliberation) -> Snapshot:
    """Recompute one deliberation inside the caller's transaction (used when closing)."""
    rows = await repo.packed_votes(tx, d.id)
    snapshot, groups = await asyncio.to_thread(calculate, rows, d.id)
    await repo.save_results(tx, d.id, snapshot=dumps(snapshot), changes=d.changes, now=services.now_iso(),
                            groups=groups)
    return snapshot


async def recompute_due(services: Services) -> int:
    """The scheduled job: recompute every deliberation whose votes changed. Reading, the math and storing are
    separate steps, so conversations go on while the math runs; votes cast meanwhile count at the next run."""
    async with services.db.transaction() as tx:
        due = await repo.needing_recompute(tx)
    done = 0
    for deliberation_id in due:
        async with services.db.transaction() as tx:
            d = await repo.get(tx, deliberation_id)
            if d is None:
                continue
            rows = await repo.packed_votes(tx, d.id)
        snapshot, groups = await asyncio.to_thread(calculate, rows, d.id)
        async with services.db.transaction() as tx:
            await repo.save_results(tx, d.id, snapshot=dumps(snapshot), changes=d.changes, now=services.now_iso(),
                                    groups=groups)
        log.info("recomputed %s: %d participants, %d groups shown, %d too small", d.reference,
                 snapshot.participants, len(snapshot.overview.groups), snapshot.hidden_groups)
        done += 1
    return done


def request(services: Services, d: Deliberation) -> bool:
    """An organiser asks for new results now: the recompute job runs once, right after this turn commits (not
    inside it: the turn's transaction would hold every other resident's turn for the whole recompute). False
    when nothing changed since the last recompute (the results would be the same)."""
    if d.changes == d.computed_changes and d.snapshot is not None:
        return False
    services.timed["deliberation"](services.now())  # see install
    return True


async def _texts(tx: Tx, d: Deliberation) -> dict[int, str]:
    return {s.id: s.text for s in await repo.statements(tx, d.id, "approved")}


async def resident_results(tx: Tx, d: Deliberation, resident: Resident, t: Translator) -> str | None:
    """A participant's summary from the last recompute; None when there are no results yet."""
    snapshot = loads(d.snapshot)
    if snapshot is None:
        return None
    group = await repo.group_of(tx, d.id, resident.id)
    return text.resident_summary(t, d, snapshot, summary_of(snapshot, resident.id, group), await _texts(tx, d))


async def organiser_overview(tx: Tx, services: Services, d: Deliberation, t: Translator) -> str:
    hood = services.config.neighbourhood(d.neighbourhood_id)
    return text.organiser_overview(
        t, d, hood.name if hood else d.neighbourhood_id, loads(d.snapshot), await repo.statements(tx, d.id),
        await repo.counts(tx, d.id), services.parse_time(d.computed_at) if d.computed_at else None,
        services.config.deliberation.recompute_minutes)


async def close(tx: Tx, services: Services, d: Deliberation, actor: str) -> tuple[Deliberation, int]:
    """Close a deliberation: a last recompute if votes changed, then every participant's summary through the
    outbox (after their quiet hours). Returns the closed deliberation and how many residents will hear."""
    if not d.is_open:
        raise UserError("{reference} is already closed.", reference=d.reference)
    if d.changes != d.computed_changes or d.snapshot is None:
        await recompute(tx, services, d)
    now = services.now_iso()
    await repo.close(tx, d.id, actor, now)
    await audit.add(tx, d.reference, actor, "closed", None, now)
    closed = await repo.get(tx, d.id)
    assert closed is not None
    told = 0
    for resident in await repo.voters(tx, d.id):
        if resident.chat_id is None or resident.unreachable_at is not None:
            continue
        t = Translator(resident.language, services.config.timezone)
        summary = await resident_results(tx, closed, resident, t)
        if summary is None:
            continue
        await outbox.enqueue(tx, services, Address(resident.channel, resident.chat_id), Reply(text=summary),
                             purpose="delib-summary", subject=d.reference,
                             not_before=feedback.not_before(services, resident))
        told += 1
    return closed, told
