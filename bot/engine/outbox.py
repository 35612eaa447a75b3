"""The outbox dispatcher: delivers queued messages through each channel, with retries and no losses.

Causes write outbox rows in their own transaction (``enqueue``). ``drain`` sends what is due, a bounded
number at a time per channel (the channel's own rate limiter paces them), and records each result in its own
short transaction. A row is marked sent only after the platform accepted it, so a crash re-sends at most the
messages that were in flight. Transient failures back off exponentially; a person who blocked the bot is
marked unreachable and nothing more is queued for them. A ``delete`` row (``enqueue_delete``) goes out through
the channel's ``delete``; a failure the platform says no retry will change (``SendResult.final``) is given up
at once.

Interactive rows (a relayed message, a moderation post, a deletion, a turn's reply after a restart) are taken
before bulk ones (the purposes in ``BULK``), and a bulk row is sent with ``SENDING_BULK`` set, so a channel's
limiter lets every interactive request — the direct answers of dialogue turns included — go first. Batches are
small enough that an interactive row queued during a fan-out waits for a few seconds' worth of bulk at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import timedelta

from bot.channels.base import SENDING_BULK, Address, Channel, Reply, SendResult, ServesSome
from bot.services import Services
from bot.store import claims
from bot.store import outbox as repo
from bot.store import residents as residents_repo
from bot.store.db import Tx
from bot.store.outbox import Pending

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
STOP_GRACE = 5.0  # seconds the sends in flight at stop may take to finish and be recorded
WAITING_ATTEMPTS = 30 * 24  # a row that waits for the person (SendResult.waiting), retried hourly: 30 days
IN_FLIGHT_PER_CHANNEL = 16
LEASE = timedelta(seconds=60)  # how long a claimed row is this process's (several processes: bot/store/claims.py)
BATCH = 64  # rows read at a time, the next ones when half are sent: at 30 a second, about a second apart
# What goes to many people at once, or can wait: everything else answers someone and goes first.
BULK = frozenset({"feedback", "digest", "poll", "poll-results", "delib-invite", "delib-summary", "contact-intro",
                  "overdue"})
AfterSent = Callable[[Tx, Pending, str | None, str], Awaitable[None]]  # tx, item, message id, now


async def enqueue(tx: Tx, services: Services, address: Address, reply: Reply, *, purpose: str,
                  subject: str | None = None, not_before: str | None = None) -> int:
    """Queue a message in the caller's transaction; it leaves once that transaction commits (bulk purposes
    after everything interactive)."""
    row_id = await repo.add(tx, address, reply, purpose=purpose, subject=subject, now=services.now_iso(),
                            not_before=not_before, priority=repo.BULK if purpose in BULK else repo.INTERACTIVE)
    services.outbox_kick.set()
    return row_id


async def enqueue_delete(tx: Tx, services: Services, address: Address, message_id: str) -> int:
    """Queue taking back a message the bot posted (the channel's ``delete``), like any other outgoing action."""
    row_id = await repo.add_delete(tx, address, message_id, services.now_iso())
    services.outbox_kick.set()
    return row_id


async def undelivered(tx: Tx) -> tuple[int, int]:
    """Messages to residents that could not go out: (still waiting after a failed attempt, given up for good)."""
    return await repo.undelivered(tx)


async def delivered(tx: Tx) -> tuple[int, int, int]:
    """Messages to residents sent in the last 30 days (until purged): (sent, arrived, read), as far as the
    platform reports delivery (status webhooks)."""
    return await repo.delivered_counts(tx)


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … capped at one hour."""
    return timedelta(seconds=min(5 * 2 ** attempts, 3600))


class Dispatcher:
    def __init__(self, services: Services, channels: Mapping[str, Channel]) -> None:
        self.services = services
        self.channels = channels
        self.after_sent: dict[str, AfterSent] = {}  # purpose -> hook run in the transaction marking it sent
        self._task: asyncio.Task[None] | None = None
        # One drain at a time: a second one (the scheduler's retry job beside run()) would read the same pending
        # rows and send them again. A fan-out that takes longer than the retry interval did exactly that
        # (bench/fanout.py: duplicates, per-chat 429s, a tenth of the rate).
        self._draining = asyncio.Lock()
        self.paused: set[str] = set()  # channels another process runs now (Matrix on the leader, bot/cluster.py)
        self._drains: set[asyncio.Task[object]] = set()  # tasks inside drain(), cancelled at stop after the grace
        self._stopping = False
        self.stop_grace = STOP_GRACE

    @property
    def busy(self) -> bool:
        """Whether a drain is running."""
        return self._draining.locked()

    def on_sent(self, purpose: str, hook: AfterSent) -> None:
        """Run ``hook`` when a row of ``purpose`` was sent, after the hooks registered before it."""
        earlier = self.after_sent.get(purpose)
        if earlier is None:
            self.after_sent[purpose] = hook
            return

        async def both(tx: Tx, item: Pending, message_id: str | None, now: str) -> None:
            await earlier(tx, item, message_id, now)
            await hook(tx, item, message_id, now)

        self.after_sent[purpose] = both

    async def drain(self, batch: int = BATCH) -> int:
        """Send everything that is due now; returns how many messages were delivered. A drain that starts while
        another runs waits for it, then sends what is still due."""
        task = asyncio.current_task()
        async with self._draining:
            if task is None:  # not in a task (cannot happen under asyncio.run): nothing to cancel at stop
                return await self._drain(batch)
            self._drains.add(task)
            try:
                return await self._drain(batch)
            finally:
                self._drains.discard(task)

    async def _drain(self, batch: int) -> int:
        """Keep the channels busy without gaps: read ``batch`` due rows, send them (bulk ones at most
        IN_FLIGHT_PER_CHANNEL at a time per channel, interactive ones at once: the channel's limiter orders them),
        and read the next rows when half are done, not when the last is (a batch's tail used to leave the budget
        unused). Each row is tried once per drain; what failed waits for its backoff and the next drain."""
        delivered = 0
        running: dict[int, asyncio.Task[int]] = {}
        tried: set[int] = set()
        gates: dict[str, asyncio.Semaphore] = {}
        try:
            while True:
                due: list[Pending] = []
                if not self._stopping:  # stopping: only the sends under way finish
                    now = self.services.now()
                    async with self.services.db.transaction() as tx:  # several processes: claimed for this one
                        due = await claims.next_due(
                            tx, now.isoformat(timespec="seconds"), batch + len(running),
                            owner=self.services.process_token, lease_until=(now + LEASE).isoformat(timespec="seconds"),
                            channels=[name for name in self.channels if name not in self.paused])
                fresh = [item for item in due if item.id not in tried and item.address.channel not in self.paused]
                for item in fresh:
                    tried.add(item.id)
                    channel = self.channels.get(item.address.channel)
                    if isinstance(channel, ServesSome) and not channel.serves(item.address):
                        continue  # another session's person or room (a console on the same database): left queued
                    gate = gates.setdefault(item.address.channel, asyncio.Semaphore(IN_FLIGHT_PER_CHANNEL))
                    running[item.id] = asyncio.create_task(self._send_one(item, gate))
                if not running:
                    return delivered
                target = batch // 2 if fresh else 0
                while len(running) > target:
                    done, _ = await asyncio.wait(running.values(), return_when=asyncio.FIRST_COMPLETED)
                    for item_id in [i for i, task in running.items() if task in done]:
                        delivered += running.pop(item_id).result()
        finally:
            for task in running.values():
                task.cancel()
            await asyncio.gather(*running.values(), return_exceptions=True)

    async def _send_one(self, item: Pending, gate: asyncio.Semaphore) -> int:
        channel = self.channels.get(item.address.channel)
        if channel is None:  # not running in this process: try again later, it may be configured then
            await self._record(item, SendResult(ok=False, error=f"channel {item.address.channel} not running"))
            return 0
        bulk = item.priority == repo.BULK
        SENDING_BULK.set(bulk)  # this task's own context: only this send
        async with gate if bulk else contextlib.nullcontext():
            if self._stopping:  # it waited for its turn while the dispatcher began to stop: it stays queued
                return 0
            try:
                result = await (channel.send(replace(item.reply, purpose=item.purpose)) if item.deletes is None
                                else channel.delete(item.address, item.deletes))
            except Exception as exc:  # a channel should report, not raise; never lose the row over it
                log.exception("channel %s raised while sending outbox item %d", channel.name, item.id)
                result = SendResult(ok=False, error=type(exc).__name__)
        await self._record(item, result)
        return 1 if result.ok else 0

    async def _record(self, item: Pending, result: SendResult) -> None:
        now = self.services.now()
        async with self.services.db.transaction() as tx:
            if result.ok and item.purpose in (repo.REPLY, repo.ERASING_REPLY):  # a turn's reply: nothing of it stays
                await repo.delete_reply(tx, item.id)
                if item.purpose == repo.ERASING_REPLY:  # it named the chat of someone who is gone
                    tx.erased()
            elif result.ok:
                await repo.sent(tx, item.id, result.message_id, now.isoformat(timespec="seconds"))
                hook = self.after_sent.get(item.purpose)
                if hook is not None:
                    await hook(tx, item, result.message_id, now.isoformat(timespec="seconds"))
            elif result.unreachable:
                await repo.unreachable(tx, item.id, now.isoformat(timespec="seconds"))
                if item.address.private:
                    await residents_repo.mark_unreachable(tx, item.address.channel, item.address.chat_id,
                                                          now.isoformat(timespec="seconds"))
                    await repo.drop_for_chat(tx, item.address.channel, item.address.chat_id)
            else:
                wait = timedelta(seconds=result.retry_after) if result.retry_after else backoff(item.attempts)
                limit = WAITING_ATTEMPTS if result.waiting else MAX_ATTEMPTS
                give_up = result.final or item.attempts + 1 >= limit
                await repo.retry(tx, item.id, (now + wait).isoformat(timespec="seconds"), result.error, give_up)
                if give_up:
                    log.warning("gave up on outbox item %d (%s) after %d attempts%s", item.id, item.purpose,
                                item.attempts + 1, " (the platform refuses it for good)" if result.final else "")

    async def run(self, interval: float = 5.0) -> None:
        """Drain whenever something is queued, and every ``interval`` seconds for retries."""
        kick = self.services.outbox_kick
        while not self._stopping:
            kick.clear()
            try:
                await self.drain()
            except Exception:
                log.exception("outbox drain failed; trying again shortly")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):  # not wait_for: in 3.11 it can swallow stop()'s cancellation
                    await kick.wait()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self.run(), name="outbox-dispatcher")

    async def stop(self) -> None:
        """Start nothing new; let the sends under way finish and be recorded (up to ``stop_grace`` seconds), then
        cancel what is left. Whatever was not sent stays queued for the next start. App.stop calls this before it
        stops the channels, so no channel is sent through while it closes."""
        self._stopping = True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.stop_grace), self._draining:
                pass  # a drain under way has finished
        tasks = [task for task in (self._task, *self._drains) if task is not None and not task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
