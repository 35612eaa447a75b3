"""Wiring polls into the app: date jobs for opening and closing, rebuilt from the database at start, and the
outbox hook that remembers which message shows which poll.

Every poll's opening and closing moment gets an APScheduler date job (``poll-timer@<moment>``) that runs
:func:`bot.engine.polls.sweep`. Jobs live in memory only: at start :func:`restore` plans one for every moment
still ahead and runs the sweep once, so a poll whose closing time passed while the bot was down closes right
after start. Extending a poll plans its new moment; the old job still runs, finds nothing due, and does nothing.
"""

from __future__ import annotations

from datetime import datetime

from bot.engine import feedback, polls
from bot.engine.outbox import Dispatcher
from bot.engine.polls_results import OUTBOX_PLACEHOLDER
from bot.scheduler import Scheduler
from bot.services import Services
from bot.store import polls as repo
from bot.store.db import Tx
from bot.store.outbox import Pending

JOB_PREFIX = "poll-timer@"


def job_name(moment: datetime) -> str:
    return JOB_PREFIX + moment.isoformat(timespec="seconds")


def install(scheduler: Scheduler, dispatcher: Dispatcher, services: Services) -> None:
    """Let the engine plan date jobs, and remember where each announcement went."""

    async def sweep() -> None:
        await polls.sweep(services)

    def plan(moment: datetime) -> None:
        scheduler.once(job_name(moment), moment, sweep)

    services.timed["polls"] = plan
    dispatcher.on_sent("poll", remember_message)


async def restore(services: Services) -> tuple[int, int]:
    """At start: plan a date job for every opening and closing still ahead, then catch up on what passed while
    the bot was down. Returns the sweep's (opened, closed)."""
    now = services.now_iso()
    async with services.db.transaction() as tx:
        for poll in await repo.active(tx):
            for moment in (poll.opens_at, poll.closes_at):
                if moment > now and (moment == poll.closes_at or poll.status == "scheduled"):
                    polls.plan(services, moment)
    return await polls.sweep(services)


async def remember_message(tx: Tx, item: Pending, message_id: str | None, now: str) -> None:
    """After an announcement was delivered: which message shows which poll (Matrix responses refer to the poll
    event; results end it), and in a private chat let typed answers ("1", an option's text) count as votes."""
    if item.subject is None:
        return
    poll = await repo.by_reference(tx, item.subject)
    if poll is None:
        return
    await repo.add_message(tx, item.address.channel, message_id or f"{OUTBOX_PLACEHOLDER}{item.id}",
                           item.address.chat_id, item.address.private, poll.id)
    if item.address.private:
        await feedback.offer_answers(tx, item, message_id, now)
