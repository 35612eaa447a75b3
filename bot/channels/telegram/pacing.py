"""How the Telegram channel paces what it sends and orders what it receives."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, BaseUpdateProcessor
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.settings import BURST, PACING


def rate_limiter(per_second: float, max_retries: int) -> AIORateLimiter:
    """PTB's AIORateLimiter for a Bot API that allows ``per_second`` messages per second overall (0: no overall
    limit), paced evenly; Telegram's per-group limits stay as PTB sets them.

    PTB's default bucket holds a whole second's worth: after any pause it lets ``per_second`` messages out at
    once and keeps dripping, so a large fan-out sends up to twice the limit in its first second, gets 429s,
    and every 429 halts all sending for its ``retry_after``, after which the full bucket bursts again. Against
    the emulator's one-second window at 300/s that delivered a 3,000-message fan-out at about 55% of the limit,
    with a 429 and a pause every other second (bench/fanout.py). Here the bucket holds BURST of a second's worth
    (at least one message), enough to absorb the event loop's scheduling delays, and drips at the rest of PACING
    of the limit, so no one-second window sees more than PACING of the limit, leaving room for the jitter of
    requests in flight.
    """
    if per_second <= 0:
        return AIORateLimiter(overall_max_rate=0, max_retries=max_retries)
    burst = max(1.0, per_second * BURST)
    rate = per_second * PACING - burst
    return AIORateLimiter(overall_max_rate=burst, overall_time_period=burst / rate, max_retries=max_retries)


class ChatOrderedUpdates(BaseUpdateProcessor):
    """Updates of different chats are handled concurrently, each chat's strictly in the order they arrived.

    PTB's default handles one update at a time, so every update waits for all Bot API round trips of the ones
    before it: with Telegram ~50-100 ms away and a button press costing three calls (answer, edit, next
    question), the whole bot would manage only a few updates a second. Its concurrent mode has no order at all,
    but one person's dialogue must see their messages and presses in order. Here each chat (a private chat is
    one person) has a lock taken in arrival order; PTB starts the updates in arrival order, so the locks keep
    it. Database turns still take turns (one transaction at a time); only waiting overlaps.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[object, tuple[asyncio.Lock, int]] = {}  # key -> (lock, updates holding or awaiting it)

    @staticmethod
    def key(update: object) -> object:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return ("user", update.effective_user.id)
        return ("update", id(update))

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self.key(update)
        lock, count = self._chats.get(key) or (asyncio.Lock(), 0)
        self._chats[key] = (lock, count + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, count = self._chats[key]
            if count <= 1:
                del self._chats[key]
            else:
                self._chats[key] = (lock, count - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        return _seconds(exc.retry_after)
