"""Two processes, one municipality: which process runs what is the lock holder's, and the other takes over.

On PostgreSQL every process receives (Telegram webhooks through a reverse proxy that sends each update to either
process, WhatsApp webhooks likewise), handles turns (a per-conversation lock in the database keeps one person's
turns apart, ``bot/store/turn.py``) and sends from the outbox (rows claimed with ``FOR UPDATE SKIP LOCKED`` and a
lease, ``bot/store/claims.py``, within one shared sending budget, ``bot/store/cluster.py``). What must happen
once runs on the **leader** only, the holder of a session-level advisory lock on a dedicated connection:

- the scheduled jobs (poll opening and closing, digests, reminders, recomputes, retention, purges);
- the Matrix sync, with the one device and sync position of the bot's account (``bot/channels/matrix/``).

:class:`Coordinator` tries for the lock at start and then every ``retry`` seconds (5 by default). A process that
gets it calls ``on_lead`` (the app resumes the scheduler, rebuilds the poll timers from the database and closes
what came due meanwhile, starts the Matrix channel); one that loses it, because its connection broke, calls
``on_follow`` first thing (pause, stop). When the leader dies, even by ``kill -9``, PostgreSQL releases its lock
as soon as it notices the closed socket (at once on one machine; on a network, when TCP keepalive gives up:
configure ``tcp_keepalives_idle`` on the server), and the other process takes over at its next try: within
``retry`` seconds. A clean stop gives the lock back.

Each try also counts the other processes alive (``on_others``): while there are any, a turn takes its person's
lock in the database (``bot/store/turn.py``), which a process alone can do without. A process that starts beside
others waits one ``retry`` and a little more before it receives and sends (the app), so every other one has
counted it by then and reserves its Telegram slots from the one budget.

A leader whose connection to PostgreSQL breaks notices at its next try, so for at most ``retry`` seconds both
processes may run jobs; every job is idempotent (a poll closes once, a digest row is claimed once) and the
Matrix sync position is saved after each batch, so that costs at most a duplicate read of one batch, which the
dialogue drops by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from bot.store.cluster import Presence

log = logging.getLogger(__name__)

RETRY = 5.0  # seconds between tries for the lock (and checks of its connection)
SHARED_TAIL = 1.0  # seconds a process goes on reserving after it found itself alone (Telegram counts a second)


class Coordinator:
    def __init__(self, presence: Presence, on_lead: Callable[[], Awaitable[None]],
                 on_follow: Callable[[], Awaitable[None]], retry: float = RETRY,
                 sleep: Callable[[float], Awaitable[None]] | None = None,
                 on_others: Callable[[bool], None] | None = None) -> None:
        self.presence = presence
        self._on_others = on_others
        self._on_lead = on_lead
        self._on_follow = on_follow
        self.retry = retry
        self._sleep = sleep or asyncio.sleep
        self.leading = False
        self.others = 0  # other processes alive on the database at the last try
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        await self.presence.open()

    async def tick(self) -> bool:
        """One try: take or keep the lock, and run the hooks of a change; whether this process leads now."""
        try:
            if not self.presence.connected:
                await self.presence.open()
            leads = await self.presence.try_lead()
            self.others = len(await self.presence.alive_tokens() - {self.presence.token})
        except Exception as exc:  # a broken connection (or none yet): the lock is gone with it
            log.warning("cluster: the connection holding the locks failed (%s)", type(exc).__name__)
            self.presence.lost()
            leads, self.others = False, 1  # unknown: as if another were there
        if self._on_others is not None:
            self._on_others(self.others > 0)
        if leads and not self.leading:
            self.leading = True
            log.info("cluster: this process leads now (scheduled jobs, Matrix sync)")
            await self._on_lead()
        elif not leads and self.leading:
            self.leading = False
            log.warning("cluster: this process no longer leads; the other one takes over")
            await self._on_follow()
        return self.leading

    async def run(self) -> None:
        while True:
            await self._sleep(self.retry)
            try:
                await self.tick()
            except Exception:
                log.exception("cluster: taking over or handing over failed; trying again")

    def start(self) -> None:
        """Try again every ``retry`` seconds (the first try is the caller's :meth:`tick`, at start)."""
        self._task = asyncio.create_task(self.run(), name="cluster-leader")

    async def stop(self) -> None:
        """Stop trying and give the lock back (the other process takes over at its next try). The process stays
        alive for the others until :meth:`close`: what it still settles (its held replies) stays its own."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self.leading:
            self.leading = False
            with contextlib.suppress(Exception):
                await self._on_follow()
        with contextlib.suppress(Exception):
            await self.presence.resign()

    async def close(self) -> None:
        """Disconnect: from now on this process counts as gone."""
        await self.presence.close()


class SharedBudget:
    """A channel's overall sending budget, as the pacer of a process asks for its slots
    (``bot/channels/telegram/limiter.py``): from the one row in the database while other processes are alive,
    None while this one is alone, so it paces by itself without a round trip. The coordinator's tries tell it
    (:meth:`others`); after the others are gone it goes on reserving for ``SHARED_TAIL``, since their last
    slots are in the database only."""

    def __init__(self, presence: Presence, channel: str, several: bool = False,
                 clock: Callable[[], float] = time.time) -> None:
        self._presence = presence
        self._channel = channel
        self._clock = clock  # the wall clock: Telegram counts real time, and so do the processes together
        self.several = several
        self._until = 0.0

    def others(self, present: bool) -> None:
        """Whether other processes are alive, at the coordinator's last try."""
        if self.several and not present:
            self._until = self._clock() + SHARED_TAIL
        self.several = present

    async def __call__(self, slots: int, interval: float, not_before: float) -> float | None:
        now = self._clock()
        if not self.several and now >= self._until:
            return None
        return await self._presence.reserve(self._channel, slots, interval, now, 0.0, not_before)
