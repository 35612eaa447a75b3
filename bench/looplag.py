"""A loop-lag probe: how long the event loop was unable to run anything while some work was going on.

    async with LoopLag() as lag:
        await work()
    print(lag.max_ms, lag.p99_ms)

A task sleeps 1 ms in a loop and records how late it wakes up (``time.perf_counter``). A late wake-up is a
stall: for that long no other coroutine (a resident's turn, a Telegram long poll, a Matrix sync) could run.
The sleep itself and the loop's own bookkeeping cost a fraction of a millisecond on an idle loop, which is what
``max_ms`` shows when nothing stalls.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from types import TracebackType

TICK = 0.001  # seconds


class LoopLag:
    def __init__(self, tick: float = TICK) -> None:
        self.tick = tick
        self.lags: list[float] = []  # seconds late, per wake-up
        self._task: asyncio.Task[None] | None = None

    async def _probe(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.tick)
            self.lags.append(max(0.0, time.perf_counter() - before - self.tick))

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._probe(), name="loop-lag-probe")
        await asyncio.sleep(0)  # let the probe take its first step before the work starts
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    @property
    def max_ms(self) -> float:
        return max(self.lags, default=0.0) * 1000

    @property
    def p99_ms(self) -> float:
        if len(self.lags) < 2:
            return self.max_ms
        return statistics.quantiles(self.lags, n=100)[98] * 1000

    @property
    def wakeups(self) -> int:
        return len(self.lags)
