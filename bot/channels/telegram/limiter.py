"""The Telegram channel's rate limiter: one sending budget for the bot, paced per chat, answers before bulk.

Telegram allows a bot about 30 messages a second overall, about one a second into one private chat and 20 a
minute into a group; above that it answers 429 with a ``retry_after``. PTB's ``AIORateLimiter`` knows the
overall and group limits but has no order and no per-private-chat pacing, and while it waits out one 429 it
holds *every* request, so one chat's flood control stalls the whole bot. :class:`ChatPacer` replaces it:

- every request into a chat takes a slot of the overall budget (``per_second`` times ``PACING``; the slots are
  spaced evenly, with at most ``CREDIT`` seconds of catching up after the loop was late, so no one-second window
  sees more than the limit even with some jitter on the way);
- a message (``send*``, ``copyMessage``, ``forwardMessage``) into a chat waits until that chat's previous one is
  ``1 / chat_per_second`` (private) or ``60 / group_per_minute`` (group) seconds old, so consecutive replies are
  spaced, never rejected (edits and other calls into a chat are not spaced: Telegram counts messages);
- among the requests that could go, interactive ones go first; bulk ones (the outbox dispatcher sets
  :data:`~bot.channels.base.SENDING_BULK` around them) take what is left, oldest first; one chat's requests keep
  their order;
- a 429 holds only its own chat for its ``retry_after`` and the request is tried again then (up to
  ``max_retries`` times); the rest of the bot keeps sending;
- with ``paid_per_second`` (``telegram.allow_paid_broadcast``), bulk messages take slots of a second budget of
  that rate and carry ``allow_paid_broadcast``: Telegram then delivers up to 1,000 a second and charges Stars.

With several processes of one bot (PostgreSQL, ``bot/cluster.py``) the overall budget is the bot's, not the
process's: :meth:`ChatPacer.share` gives the pacer a way to reserve a few consecutive slots of the one budget in
the database (``bot/store/cluster.py``, one statement). The pump reserves slots for the requests that are ready to
go, a few (``SHARED_MIN``) to a block (``SHARED_AHEAD`` seconds of slots) at a time, in the background, and
again when half of them are used, so a round trip to the
database never holds a grant up; it lets the requests go at those moments instead of at its own;
per-chat spacing, priorities and 429 handling stay local (a chat's requests arrive at one process at a time, as
its turns do). A reserved slot nobody used within ``SHARED_LATE`` of its moment is let pass: a slot cannot move
later as the pacer's own do, since the next belongs to the other process, and letting a slot pass at the pacer's
4 ms ``CREDIT`` wasted a tenth of the budget under load (bench/twoproc.py); with 10 ms the bound below holds for
jitter under 15.6 ms (``CREDIT`` replaced by ``SHARED_LATE``). While the process is alone
the reservation answers None and the pacer paces by itself, without a round trip. Should the database not
answer, the pacer goes on alone at ``1 / SHARED_FALLBACK`` of the limit, so two processes still stay under it.
Between the two the budget stays one: each reservation carries this process's own next slot (its slots while it
paced alone come before any it reserves), and alone again it goes on after the last slot it reserved; the app
keeps reserving for a second after the other process is gone (its last slots are in the database only) and a
process that joins others sends only after they have counted it and moved to the shared budget (bot/app.py).

Requests without a chat (``answerCallbackQuery``, ``getMe`` …) are not limited, as with PTB. Nor is a chat action
(``sendChatAction``, "typing…"): Telegram's limits count messages, and it announces an answer that should not
wait behind a fan-out's slots; it is tried once (a retry would only come after the answer it announces), is not
sent into a chat a 429 holds, and a 429 on it holds its chat like any other. The clock and the sleep are
injectable, so tests run the pacing without waiting.

How close to the limit: slots ``1 / (PACING * R)`` apart, of which a late loop may use up to ``CREDIT`` seconds
late, put at most ``floor(PACING * R * (1 + CREDIT + J)) + 1`` messages into any one-second window as Telegram
counts them, ``J`` being how much the time from a slot to the request's arrival varies. That stays at or under
``R`` while ``J`` is under ``1 / PACING - 1 - CREDIT``: 21.6 ms with the values here. At 0.98 and 5 ms (15 ms)
a fan-out under load on shared cores drew 10 answers 429 in 10,000 (bench/latency.py); at 0.975, 6 to 7 (all
for the overall limit) while the emulator's garbage collector ran, none without it, using 96.2% to 97.4% of the
budget (a quiet machine is still to be measured).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.channels.base import SENDING_BULK, SharesBudget
from bot.channels.telegram.pacing import retry_after_seconds

log = logging.getLogger("bot.channels.telegram")

PACING = 0.975  # of each limit the pacer uses: room for the jitter of requests on their way (see below)
CREDIT = 0.004  # seconds of slots a late loop may catch up at once
_MESSAGES = ("copyMessage", "copyMessages", "forwardMessage", "forwardMessages")
FREE, PAID = 0, 1  # the two overall budgets
SHARED_AHEAD = 0.5  # seconds of a shared budget's slots booked at most ahead (15 slots at 30 a second)
SHARED_MIN = 4  # slots reserved at least at once while that many requests wait
SHARED_LATE = 0.010  # seconds a reserved slot may still be used after its moment (a late loop); then it is let go
SHARED_FALLBACK = 2  # without the database, each process paces at this fraction of the limit
# (slots, interval, not before) -> seconds until the first slot; None: this process is alone now and paces by
# itself. "Not before": seconds from now until this process's own next slot (its slots while it was alone).
Reserve = Callable[[int, float, float], Awaitable[float | None]]


@dataclass(order=True)
class _Waiter:
    priority: int  # 0: interactive, 1: bulk
    seq: int
    chat: str = field(compare=False)
    spacing: float = field(compare=False)  # seconds after the chat's previous message (0: not a message)
    budget: int = field(compare=False)
    granted: asyncio.Future[None] = field(compare=False)


def is_message(endpoint: str) -> bool:
    return (endpoint.startswith("send") and endpoint != "sendChatAction") or endpoint in _MESSAGES


def is_group(chat_id: object) -> bool:
    """Group and channel ids are negative (or an @username); private chats are a person's positive id."""
    try:
        return int(str(chat_id)) < 0
    except ValueError:
        return True


class ChatPacer(BaseRateLimiter[int]):
    def __init__(self, per_second: float = 30.0, *, chat_per_second: float = 1.0, group_per_minute: float = 20.0,
                 paid_per_second: float = 0.0, max_retries: int = 3, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], Awaitable[None]] | None = None) -> None:
        """``per_second`` 0 turns the overall limit off (a local Bot API server); ``paid_per_second`` 0 (the
        default) sends no paid broadcasts."""
        self._interval = [1 / (per_second * PACING) if per_second > 0 else 0.0,
                          1 / (paid_per_second * PACING) if paid_per_second > 0 else 0.0]
        self._paid = paid_per_second > 0
        self._private = 1 / (chat_per_second * PACING)
        self._group = 60 / (group_per_minute * PACING)
        self._max_retries = max_retries
        self._clock = clock
        self._sleep = sleep or asyncio.sleep
        self._next = [0.0, 0.0]  # per budget: when its next slot is free
        self._chat_next: dict[str, float] = {}  # chat -> when its next message may go
        self._chat_held: dict[str, float] = {}  # chat -> until when a 429 holds it
        self._waiting: list[_Waiter] = []  # in the order they are served: (priority, arrival)
        self._seq = itertools.count()
        self._changed: asyncio.Event | None = None
        self._pump: asyncio.Task[None] | None = None
        self._shared: Reserve | None = None
        self._pool: list[float] = []  # reserved slots of the shared budget not used yet, in order
        self._refilling: asyncio.Task[None] | None = None

    def share_from(self, host: object, channel: str) -> None:
        """Share the budget when ``host`` offers one for ``channel`` (:class:`~bot.channels.base.SharesBudget`)."""
        if isinstance(host, SharesBudget):
            self.share(host.send_budget(channel))

    def share(self, reserve: Reserve | None) -> None:
        """Take the overall (free) budget's slots from ``reserve`` (one budget for several processes) instead of
        pacing alone; None: alone again."""
        self._shared = reserve if self._interval[FREE] > 0 else None
        self._pool.clear()

    def now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    async def initialize(self) -> None:
        """Nothing to set up: the pump starts with the first request."""

    async def shutdown(self) -> None:
        if self._refilling is not None:
            self._refilling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refilling
            self._refilling = None
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[
            dict[str, Any]]]], args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
            rate_limit_args: int | None) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        if chat_id is None:
            return await callback(*args, **kwargs)
        chat = str(chat_id)
        if endpoint == "sendChatAction":
            return await self._chat_action(chat, callback, args, kwargs)
        bulk = SENDING_BULK.get()
        message = is_message(endpoint)
        spacing = (self._group if is_group(chat_id) else self._private) if message else 0.0
        budget = PAID if bulk and message and self._paid else FREE
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        seq = next(self._seq)
        for attempt in range(retries + 1):
            await self._turn(_Waiter(int(bulk), seq, chat, spacing, budget, asyncio.get_running_loop().create_future()))
            if budget == PAID:
                data["allow_paid_broadcast"] = True  # Bot API: up to 1,000 messages a second, for Stars
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                self._chat_held[chat] = max(self._chat_held.get(chat, 0.0), self.now() + wait)
                if attempt == retries:
                    raise
                log.info("telegram: flood control in one chat; that chat waits %.0f s, the others go on", wait)
        raise AssertionError("unreachable")

    async def _chat_action(self, chat: str, callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[
            dict[str, Any]]]], args: Any, kwargs: dict[str, Any]) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """No slot of the budget, no retry; nothing shown in a chat that a 429 holds."""
        if self._chat_held.get(chat, 0.0) > self.now():
            return True  # best effort: the answer it would announce waits for the chat anyway
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            self._chat_held[chat] = max(self._chat_held.get(chat, 0.0), self.now() + retry_after_seconds(exc))
            raise

    async def _turn(self, waiter: _Waiter) -> None:
        """Wait until ``waiter`` may go."""
        if self._changed is None:
            self._changed = asyncio.Event()
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._run(), name="telegram-pacer")
        bisect.insort(self._waiting, waiter)
        self._changed.set()
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
            raise

    async def _run(self) -> None:
        assert self._changed is not None
        while True:
            self._changed.clear()
            if self._shared is not None and self._refilling is None and (wanted := self._wanted()):
                self._refilling = asyncio.create_task(self._refilled(wanted), name="telegram-pacer-budget")
            delay = self.grant()
            if delay is None:
                await self._changed.wait()
                continue
            if delay == float("inf"):  # waiting only for shared slots the last refill did not reserve yet
                delay = self._interval[FREE]
            changed = asyncio.ensure_future(self._changed.wait())
            slept = asyncio.ensure_future(self._sleep(delay))
            try:
                await asyncio.wait((changed, slept), return_when=asyncio.FIRST_COMPLETED)
            finally:
                changed.cancel()
                slept.cancel()

    def _wanted(self) -> int:
        """How many shared slots to reserve now: when fewer are left than requests could go within a block's
        time, and fewer than half a block, one for each of those (at least ``SHARED_MIN`` when that many wait, so
        a fan-out does not reserve one at a time; never more than a block ahead, so a long queue does not book
        the budget for seconds to come, and slots booked alone are few when the process starts sharing; 0:
        none)."""
        now = self.now()
        self._pool = [slot for slot in self._pool if slot >= now - SHARED_LATE]  # passed unused: let go
        block = max(SHARED_MIN, round(SHARED_AHEAD / self._interval[FREE]))
        room = block - len(self._pool)
        if len(self._pool) >= block // 2:
            return 0  # enough booked ahead for now: refill once half a block is used
        horizon = now + SHARED_AHEAD
        ready = sum(1 for w in self._waiting if w.budget == FREE and not w.granted.done() and max(
            self._chat_held.get(w.chat, 0.0), self._chat_next.get(w.chat, 0.0) if w.spacing else 0.0) <= horizon)
        if len(self._pool) >= ready:
            return 0
        return min(max(ready - len(self._pool), min(ready, SHARED_MIN)), room)

    async def _refill(self, wanted: int) -> None:
        """Reserve ``wanted`` slots of the shared budget (in the background: the pump goes on granting the slots it
        has meanwhile)."""
        assert self._shared is not None
        at, interval = self.now(), self._interval[FREE]
        own = self._next[FREE]  # this process's next slot (after every slot it reserved, shared or its own)
        try:
            first = await self._shared(wanted, interval, own - at)
        except Exception as exc:  # the database is away: alone, at a share of the limit that keeps two under it
            log.warning("telegram: the shared sending budget is unreachable (%s); pacing alone meanwhile",
                        type(exc).__name__)
            first, interval = None, interval * SHARED_FALLBACK
        if first is None:  # alone (or unreachable): this process's own slots
            first = max(own, at - CREDIT) - at
        self._next[FREE] = max(self._next[FREE], at + first + wanted * interval)  # alone again: after these
        self._pool += [at + first + i * interval for i in range(wanted)]
        self._pool.sort()

    async def _refilled(self, wanted: int) -> None:
        try:
            await self._refill(wanted)
        finally:
            self._refilling = None
            if self._changed is not None:
                self._changed.set()

    def grant(self) -> float | None:
        """Let go every waiter that may go now, best first; seconds until the next could (None: nobody waits)."""
        while self._waiting:
            now = self.now()
            soonest = None
            for index, waiter in enumerate(self._waiting):
                if waiter.granted.done():  # cancelled by its caller
                    continue
                ready = max(self._chat_held.get(waiter.chat, 0.0), self._slot(waiter.budget),
                            self._chat_next.get(waiter.chat, 0.0) if waiter.spacing else 0.0)
                if ready <= now:
                    self._let_go(index, waiter, now)
                    break
                soonest = ready if soonest is None else min(soonest, ready)
            else:
                self._waiting = [w for w in self._waiting if not w.granted.done()]
                return None if soonest is None else soonest - now
        return None

    def _slot(self, budget: int) -> float:
        """When the budget's next slot is free."""
        if budget == FREE and self._shared is not None:
            return self._pool[0] if self._pool else float("inf")
        return self._next[budget]

    def _let_go(self, index: int, waiter: _Waiter, now: float) -> None:
        del self._waiting[index]
        budget = waiter.budget
        if budget == FREE and self._shared is not None:
            self._pool.pop(0)
        else:
            self._next[budget] = max(self._next[budget], now - CREDIT) + self._interval[budget]
        if waiter.spacing:
            if len(self._chat_next) > 4096:  # forget chats whose spacing has passed
                self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
                self._chat_held = {c: t for c, t in self._chat_held.items() if t > now}
            self._chat_next[waiter.chat] = now + waiter.spacing
        waiter.granted.set_result(None)
