"""Everything that happens on a clock, driven by APScheduler 3.11 on the bot's event loop.

Jobs are plain coroutines that take the current time from the injected clock, so tests call ``run(name)``
with a ManualClock instead of waiting. Jobs that depend on stored data (poll closing, digests) are rebuilt
from the database at start.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.services import Services
from bot.store import conversations, events

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[None]]


class Scheduler:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._scheduler = AsyncIOScheduler(timezone=services.config.timezone)
        self.jobs: dict[str, Job] = {}
        self.every("purge-idle", timedelta(hours=1), self.purge_idle)

    def every(self, name: str, interval: timedelta, job: Job) -> None:
        self.jobs[name] = job
        self._scheduler.add_job(self._guarded, IntervalTrigger(seconds=interval.total_seconds()), args=[name],
                                id=name, replace_existing=True, coalesce=True, max_instances=1)

    def daily(self, name: str, at: str, job: Job, day_of_week: str | None = None) -> None:
        """Run at a local time ("18:00"), every day or on given days ("mon", "fri")."""
        hour, minute = (int(part) for part in at.split(":"))
        self.jobs[name] = job
        self._scheduler.add_job(self._guarded, CronTrigger(hour=hour, minute=minute, day_of_week=day_of_week,
                                                           timezone=self.services.config.timezone),
                                args=[name], id=name, replace_existing=True, coalesce=True, max_instances=1,
                                misfire_grace_time=3600)

    def once(self, name: str, at: datetime, job: Job) -> None:
        """Run once at ``at`` (a date job, e.g. a poll's closing). A moment that passed runs at once; the job is
        never dropped as a misfire. The same name again replaces the earlier job."""
        self.jobs[name] = job
        self._scheduler.add_job(self._guarded, DateTrigger(run_date=at), args=[name], id=name, replace_existing=True,
                                coalesce=True, max_instances=1, misfire_grace_time=None)

    def planned(self) -> dict[str, datetime]:
        """The date jobs waiting to run, by name, with their moment (tests and diagnostics)."""
        return {job.id: job.trigger.run_date for job in self._scheduler.get_jobs()
                if isinstance(job.trigger, DateTrigger)}

    async def _guarded(self, name: str) -> None:
        try:
            await self.jobs[name]()
        except Exception:
            log.exception("scheduled job %s failed; it runs again at its next time", name)

    async def run(self, name: str) -> None:
        """Run a job now (tests, and catching up right after start)."""
        await self.jobs[name]()

    def start(self, paused: bool = False) -> None:
        """Start the scheduler; ``paused``: jobs are planned but run only after :meth:`resume` (a process that does not
        lead, bot/cluster.py)."""
        self._scheduler.start(paused=paused)

    def pause(self) -> None:
        """Run nothing until :meth:`resume` (another process leads now); what comes due meanwhile waits."""
        if self._scheduler.running:
            self._scheduler.pause()

    def resume(self) -> None:
        if self._scheduler.running:
            self._scheduler.resume()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def purge_idle(self) -> None:
        """Forget abandoned dialogues after a day and handled-event ids after a week."""
        now = self.services.now()
        async with self.services.db.transaction() as tx:
            dropped = await conversations.purge_idle(tx, (now - timedelta(days=1)).isoformat(timespec="seconds"))
            await events.purge(tx, (now - timedelta(days=7)).isoformat(timespec="seconds"))
            if dropped:
                tx.erased()  # an abandoned draft may hold a story's words: out of the WAL too
        if dropped:
            log.info("forgot %d abandoned dialogue(s)", dropped)
