"""Pacing for the Cloud API: the phone number's throughput (80 messages a second by default) and Meta's pair
rate limit per recipient (error 131056), kept on our side so the limits are rarely met; when one is met anyway,
``channel.py`` waits and tries again. Also the 24-hour customer service window per resident."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

WINDOW = 24 * 3600.0  # seconds after a resident's last message in which free-form messages may be sent
PAIR_BURST = 30  # messages to one resident in a short time before Meta's pair rate limit (131056) bites
PAIR_INTERVAL = 6.0  # then one message per this many seconds


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; ``take`` waits for one."""

    def __init__(self, rate: float, burst: float, now: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._now = now
        self._tokens = burst
        self._at = now()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._now()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    async def take(self) -> None:
        async with self._lock:
            self._refill()
            while self._tokens < 1:
                await asyncio.sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1

    def full(self) -> bool:
        self._refill()
        return self._tokens >= self.burst


class Pacing:
    def __init__(self, throughput: int) -> None:
        # Meta counts messages in any one second: one saved up plus the rate stays within the tier.
        self.number = TokenBucket(max(throughput - 1.0, throughput / 2), 1.0)
        self._pairs: dict[str, TokenBucket] = {}

    async def before_send(self, chat_id: str) -> None:
        pair = self._pairs.get(chat_id)
        if pair is None:
            if len(self._pairs) > 10_000:  # forget residents whose bucket has filled up again
                self._pairs = {key: bucket for key, bucket in self._pairs.items() if not bucket.full()}
            pair = self._pairs[chat_id] = TokenBucket(1 / PAIR_INTERVAL, PAIR_BURST)
        await pair.take()
        await self.number.take()


class Windows:
    """When each resident last wrote (epoch seconds). In memory exactly; the database keeps the hour it began,
    rounded down (``hour``), so that after a restart the window is known again, never longer than Meta's: a
    message in the window's last minutes may then go as a template, which Meta always delivers, but never
    free-form to a closed window (131047). The hour, not the minute: a row that names the resident keeps no
    finer moment of what they did (the moment of a youth vote, for one; tests/engine/test_polls_youth_unlinkable.py).
    """

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self.now = now
        self._last: dict[str, float] = {}
        self._saved: dict[str, float] = {}  # the hour the database holds for the resident, as far as we know

    def opened(self, chat_id: str, at: float | None = None) -> None:
        """The resident wrote (at ``at``, Meta's timestamp, else now): the window runs 24 hours from then."""
        now = self.now()
        moment = now if at is None else min(at, now)
        if moment > self._last.get(chat_id, -1.0):
            self._last[chat_id] = moment

    def unsaved(self, chat_id: str) -> float | None:
        """The hour to store for the resident, when it is later than the one stored; else None."""
        last = self._last.get(chat_id)
        if last is None or last <= 0:
            return None
        hour = hour_of(last)
        return hour if hour > self._saved.get(chat_id, -1.0) else None

    def saved(self, chat_id: str, hour: float) -> None:
        self._saved[chat_id] = max(hour, self._saved.get(chat_id, -1.0))

    def known(self, chat_id: str) -> bool:
        return chat_id in self._last or chat_id in self._saved

    def loaded(self, chat_id: str, hour: float | None) -> None:
        """What the database holds (the hour the window began; None: nothing), after a restart."""
        self._saved[chat_id] = -1.0 if hour is None else hour
        if hour is not None:
            self.opened(chat_id, hour)

    def closed(self, chat_id: str) -> None:
        self._last[chat_id] = 0.0

    def forget(self, chat_id: str) -> None:
        self._last.pop(chat_id, None)
        self._saved.pop(chat_id, None)

    def open(self, chat_id: str) -> bool | None:
        """True inside the window, False outside it, None when not known."""
        last = self._last.get(chat_id)
        return None if last is None else self.now() - last < WINDOW


def hour_of(moment: float) -> float:
    """The start of the UTC hour ``moment`` (epoch seconds) falls in."""
    return moment - moment % 3600
