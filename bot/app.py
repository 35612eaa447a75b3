"""The composition root: builds the database, services, dialogue, scheduler and channels; starts and stops them.

Every channel runs on one asyncio event loop beside the scheduler. ``dispatch`` is what channels call with
each Incoming: replies for the same channel go back to the adapter that rendered the question (it may edit a
message), replies addressed to another channel are sent through that channel.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from bot.channels.base import Address, Channel, Incoming, Reply, SendResult, ShowsBusy
from bot.clock import Clock, SystemClock
from bot.cluster import Coordinator, SharedBudget
from bot.config import Config
from bot.dialogue import Dialogue
from bot.engine import (
    contacts,
    deliberation_results,
    feedback_clock,
    identity,
    moderation,
    picture,
    polls_schedule,
    privacy_posts,
    professionals,
    report,
    requests,
    retention,
    signals,
)
from bot.engine.outbox import Dispatcher, enqueue
from bot.engine.replies import HeldReplies
from bot.flood import FloodGate, Verdict, slow_down
from bot.scheduler import Scheduler
from bot.services import Services
from bot.store import channel_files
from bot.store import inbox as inbox_repo
from bot.store import outbox as outbox_repo
from bot.store import residents as residents_repo
from bot.store.cluster import Presence
from bot.store.db import Database
from bot.store.single import SingleProcess
from handlers import build_dialogue

log = logging.getLogger(__name__)
# A process that joins others waits one of their tries and this much more before it receives and sends: by then
# every other one has counted it, and the slots they sent alone are more than Telegram's one second behind.
JOIN_MARGIN = 1.5
# Features that run on a clock or after a message was sent, in the order they are wired in; each has
# ``install(scheduler, dispatcher, services)``.
FEATURES = (moderation, feedback_clock, retention, report, deliberation_results, contacts, polls_schedule,
            privacy_posts, signals, picture, requests)


class App:
    def __init__(self, config: Config, channels: Sequence[Channel] = (), clock: Clock | None = None) -> None:
        self.config = config
        self.channels = {channel.name: channel for channel in channels}
        self.db = Database(config.database)
        self.services = Services(
            config=config, db=self.db, clock=clock or SystemClock(),
            file_channels={c.name for c in channels if c.can_send_files},
            photo_channels={c.name for c in channels if c.accepts_photos},
        )
        self.dialogue: Dialogue = build_dialogue(self.services)
        self.held = HeldReplies(self.services)  # a turn's replies kept with the turn until sent
        self.dialogue.keep_replies = self.held.hold
        self.dialogue.resume_replies = self.held.resume
        self.outbox = Dispatcher(self.services, self.channels)
        self.scheduler = Scheduler(self.services)
        self.scheduler.every("outbox-retry", timedelta(seconds=30), self._drain)
        for feature in FEATURES:  # each installs its scheduled jobs and outbox hooks the same way
            feature.install(self.scheduler, self.outbox, self.services)
        self.flood = FloodGate(config.limits, self.services.clock)  # bot/flood.py
        self._started: list[Channel] = []
        self._flood_task: asyncio.Task[None] | None = None
        self.single: SingleProcess | None = None  # `wijkbot run` on SQLite: the one process on that file
        # Several processes on one PostgreSQL database (bot/cluster.py): the leader runs the scheduled jobs and the
        # channels that must run once (the Matrix sync; Telegram too when it polls instead of taking webhooks).
        self.coordinator: Coordinator | None = None
        self._budgets: dict[str, SharedBudget] = {}  # per channel: one sending budget for the processes
        self.leader_only: set[str] = set()
        target = postgres_target(config)
        if target is not None:
            presence = Presence(*target)
            self.services.process_token = presence.token
            self.coordinator = Coordinator(presence, self._lead, self._follow, on_others=self._others)
            polling = config.telegram is not None and config.telegram.mode != "webhook"
            self.leader_only = {"matrix", *(["telegram"] if polling else [])} & set(self.channels)
            self.outbox.paused |= self.leader_only
            self.scheduler.every("release-held", timedelta(seconds=10), self._release_held)

    async def _drain(self) -> None:
        if not self.outbox.busy:  # a running drain (a long fan-out) also takes up what comes due meanwhile
            await self.outbox.drain()

    async def start(self, background: bool = True) -> None:
        """Open the database and start the channels; ``background`` also starts the scheduler and the outbox
        dispatcher (tests leave them off and drive them with an injected clock)."""
        await self.db.open()
        if self.single is not None:
            try:
                self.single.acquire()  # before anything reads what another process may be working on
            except BaseException:
                await self.db.close()
                raise
        if self.coordinator is not None:
            await self.coordinator.open()  # this process's liveness lock, before it holds or claims anything
        await self.held.release()  # replies a dead process never confirmed sent: the dispatcher sends them
        if self.coordinator is None:
            await self._take_up()
        if self.coordinator is not None:
            await self.coordinator.tick()  # a process alone leads at once (its jobs, its Matrix sync)
            if self.coordinator.others and background:  # let the others count this one before it receives
                await asyncio.sleep(self.coordinator.retry + JOIN_MARGIN)
        for channel in self.channels.values():
            if channel.name not in self.leader_only:
                await self._start_channel(channel)
        if background:
            self.scheduler.start(paused=self.coordinator is not None and not self.coordinator.leading)
            self.outbox.start()
            if self.coordinator is not None:
                self.coordinator.start()  # tries again every few seconds (bot/cluster.py)
            if self.flood.enabled:
                self._flood_task = asyncio.create_task(self._release_flooded_forever(), name="flood-release")

    def _others(self, present: bool) -> None:
        self.services.several_processes = present
        for budget in self._budgets.values():
            budget.others(present)

    async def _release_held(self) -> None:
        """The leader, every few seconds: replies a dead process held and never sent go out (bot/store/claims.py)."""
        await self.held.release(at_start=False)

    async def _take_up(self) -> None:
        """What the one process, or the leader, does at start: configuration into the database, poll timers."""
        await contacts.sync_config(self.services)  # contact persons from config.toml
        await professionals.sync_config(self.services)  # professionals' terms from config.toml
        await polls_schedule.restore(self.services)  # date jobs from the database; close what passed while down

    async def _start_channel(self, channel: Channel) -> None:
        await channel.start(self)
        self._started.append(channel)
        log.info("channel %s started", channel.name)

    async def _lead(self) -> None:
        """This process holds the leader lock now: run the jobs, rebuild the poll timers from the database (a poll
        planned by the other process, one that came due during the handover), start the leader's channels."""
        await self._take_up()
        self.scheduler.resume()
        for name in sorted(self.leader_only):
            await self._start_channel(self.channels[name])
            self.outbox.paused.discard(name)
        self.services.outbox_kick.set()

    async def _follow(self) -> None:
        """Another process leads (this one lost its lock): no jobs, the leader's channels stopped here."""
        self.scheduler.pause()
        for name in sorted(self.leader_only):
            channel = self.channels[name]
            self.outbox.paused.add(name)
            if channel in self._started:
                self._started.remove(channel)
                try:
                    await channel.stop()
                except Exception:
                    log.exception("channel %s did not stop cleanly", name)

    def send_budget(self, channel: str) -> Callable[[int, float, float], Awaitable[float | None]] | None:
        """One sending budget for the bot's processes (bot/channels/telegram/limiter.py); None on SQLite."""
        if self.coordinator is None:
            return None
        budget = self._budgets.get(channel)
        if budget is None:
            budget = self._budgets[channel] = SharedBudget(self.coordinator.presence, channel,
                                                           self.services.several_processes)
        return budget

    async def files_load(self, channel: str) -> dict[str, bytes] | None:
        """A channel's files kept in the database when several processes may run it (Matrix), else None."""
        if self.coordinator is None:
            return None
        async with self.db.transaction() as tx:
            return await channel_files.load(tx, channel)

    async def files_save(self, channel: str, files: dict[str, bytes]) -> None:
        async with self.db.transaction() as tx:
            channel_files.save(tx, channel, files)

    async def stop(self) -> None:
        """Stop the background work that sends through the channels (flood releases, scheduled jobs, the outbox),
        then the channels, then settle what they sent; the database is closed even when a step before it fails or
        is interrupted (a connection left open outlives the app).

        The senders stop first: an outbox row sent while its channel was closing found matrix-nio's HTTP session
        closed, and nio opened a new one that nobody closed (the garbage collector's "Unclosed client session")."""
        try:
            try:
                if self._flood_task is not None:
                    self._flood_task.cancel()
                    await asyncio.gather(self._flood_task, return_exceptions=True)
                    self._flood_task = None
                self.scheduler.shutdown()
            finally:
                await self.outbox.stop()
            if self.coordinator is not None:
                await self.coordinator.stop()  # the leader's channels stop; the other process takes over
            for channel in reversed(self._started):
                try:
                    await channel.stop()
                except Exception:
                    log.exception("channel %s did not stop cleanly", channel.name)
            self._started.clear()
            await self.held.stop()
        finally:
            if self.coordinator is not None:
                await self.coordinator.close()  # gone for the others only now (bot/cluster.py)
            await self.db.close()
            if self.single is not None:
                self.single.release()

    async def dispatch(self, incoming: Incoming) -> list[Reply]:
        admission = self.flood.admit(incoming)  # in memory; see bot/flood.py
        for earlier in admission.earlier:
            await self._answer_held(earlier)
        if admission.verdict is Verdict.WARN:
            return [await slow_down(self.config, self.db, incoming)]
        if admission.verdict is Verdict.HOLD:
            return []
        return await self._route(incoming, await self._handle(incoming))

    async def _handle(self, incoming: Incoming) -> list[Reply]:
        channel, busy = self.channels.get(incoming.actor.channel), self.dialogue.busy(incoming)
        if busy is not None and isinstance(channel, ShowsBusy):
            await channel.busy(incoming.address, busy)  # e.g. "sending a file…" while /mydata is prepared
        return await self.dialogue.handle(incoming)

    async def release_flooded(self) -> int:
        """Answer what is held for every flooder who has paused (bot/flood.py); returns how many messages."""
        held = self.flood.due()
        for incoming in held:
            await self._answer_held(incoming)
        return len(held)

    async def _answer_held(self, incoming: Incoming) -> None:
        replies = await self._route(incoming, await self._handle(incoming))
        channel = self.channels.get(incoming.actor.channel)
        for reply in replies:  # each one's copy held with the turn is settled like a direct answer's
            self.replied(reply, await channel.send(reply) if channel is not None
                         else SendResult(ok=False, error=f"channel {incoming.actor.channel} not running"))

    async def _release_flooded_forever(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.flood.quiet))
            try:
                await self.release_flooded()
            except Exception:
                log.exception("answering held messages failed")

    async def _route(self, incoming: Incoming, replies: list[Reply]) -> list[Reply]:
        """Send replies for other channels; return those for the incoming's own channel."""
        own: list[Reply] = []
        for reply in replies:
            target = reply.address.channel if reply.address else incoming.actor.channel
            if target == incoming.actor.channel:
                own.append(reply)
            elif target in self.channels and target not in self.outbox.paused:
                self.replied(reply, await self.channels[target].send(reply))
            else:  # its held copy waits for that channel in the outbox
                self.held.replied(reply, SendResult(ok=False, error=f"channel {target} not running"))
        return own

    def replied(self, reply: Reply, result: SendResult) -> None:
        self.held.replied(reply, result)

    async def unreachable(self, address: Address) -> None:
        """A person blocked the bot: mark them so nothing more is queued for them."""
        async with self.db.transaction() as tx:
            await residents_repo.mark_unreachable(tx, address.channel, address.chat_id, self.services.now_iso())
            await outbox_repo.drop_for_chat(tx, address.channel, address.chat_id)

    async def delivery_failed(self, address: Address, message_id: str, reason: str) -> None:
        """The platform accepted a message, then reported that it could not deliver it: its outbox row (if it was
        one) is marked failed with the reason, so the organisers' overview counts it."""
        async with self.db.transaction() as tx:
            await outbox_repo.failed_after_sent(tx, address.channel, message_id, reason)

    async def inbox_keep(self, channel: str, items: list[tuple[str, str]]) -> None:
        """A webhook's messages, kept before the platform gets its 200 (bot/store/inbox.py)."""
        async with self.db.transaction() as tx:
            await inbox_repo.keep(tx, channel, items)

    async def inbox_done(self, channel: str, event_id: str) -> None:
        async with self.db.transaction() as tx:
            inbox_repo.done(tx, channel, event_id)

    async def inbox_left(self, channel: str) -> list[str]:
        async with self.db.transaction() as tx:
            return await inbox_repo.left(tx, channel)

    async def queue(self, reply: Reply, purpose: str) -> None:
        """Keep a reply a channel could not send now in the outbox (it names the chat in ``reply.address``)."""
        assert reply.address is not None
        async with self.db.transaction() as tx:
            await enqueue(tx, self.services, reply.address, reply, purpose=purpose)

    async def delivery(self, address: Address, message_id: str, state: str) -> None:
        """The platform says a sent message was delivered or read: its outbox row (if it was one) keeps the state."""
        async with self.db.transaction() as tx:
            await outbox_repo.delivery(tx, address.channel, message_id, state)

    async def link(self, channel: str, old: str, new: str) -> bool:
        """The person known by ``old`` is known by ``new`` from now on (bot/engine/identity.py)."""
        async with self.db.transaction() as tx:
            return await identity.link(tx, channel, old, new)

    async def wrote(self, address: Address, hour: str | None, reopened: bool) -> bool:
        """The resident of this private chat wrote (a channel with a 24-hour window, in one transaction): keep
        ``hour`` (ISO, rounded down) for a restart, and when her window had been closed, what waited for it after
        a failed attempt is due now, not at its next retry (quiet hours' rows were never tried and keep waiting).
        False when the hour was not kept: no such resident (yet)."""
        async with self.db.transaction() as tx:
            kept = hour is not None and await residents_repo.wrote(tx, address.channel, address.chat_id, hour)
            if reopened and await outbox_repo.due_now(tx, address.channel, address.chat_id, self.services.now_iso()):
                self.services.outbox_kick.set()
        return kept

    async def window_of(self, address: Address) -> str | None:
        async with self.db.transaction() as tx:
            resident = await residents_repo.by_chat(tx, address.channel, address.chat_id)
        return resident.last_message_hour if resident else None

    async def language_of(self, address: Address) -> str | None:
        """The language of the resident whose private chat ``address`` is (channels use it for what they add
        themselves, such as a template's language)."""
        async with self.db.transaction() as tx:
            resident = await residents_repo.by_chat(tx, address.channel, address.chat_id)
        return resident.language if resident else None

    async def run_until_signal(self) -> None:
        """Run until SIGINT or SIGTERM, then stop cleanly. Broken storage stops it too: StorageError."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        if self.coordinator is None:  # SQLite serves one process (bot/store/single.py)
            self.single = SingleProcess(self.config.database.path)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await self.start()
            log.info("wijkbot is running; stop with Ctrl-C")
            await self.until(stop.wait())
            log.info("stopping")
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            await self.stop()
        if self.db.failure is not None:
            raise self.db.failure

    async def until(self, done: Awaitable[object]) -> None:
        """Wait for ``done``, or until the database breaks (a full disk, say): carrying on would only fail."""
        waiting = [asyncio.ensure_future(done), asyncio.ensure_future(self.db.broken.wait())]
        try:
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waiting:
                task.cancel()


def postgres_target(config: Config) -> tuple[str, str] | None:
    """(connection URL, schema) when the database is PostgreSQL: several processes may share it."""
    url = config.database
    return (url.dsn, url.schema) if url.dialect == "postgresql" else None
