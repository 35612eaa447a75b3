"""One sending budget for two processes (issue 17, point 5): two pacers that reserve their slots from one shared
budget (as bot/store/cluster.py does in PostgreSQL; its SQL is tested in tests/store/test_cluster.py) together
stay under Telegram's overall limit in every second and still use nearly all of it; two pacers alone would send
twice the limit. Time is virtual: sleeps wait for a driver that moves the clock to the next wake-up."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from typing import Any

import pytest

from bot.channels.telegram.limiter import CREDIT, PACING, SHARED_FALLBACK, ChatPacer
from tests.channels.telegram.test_pacer import Api, request

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class VirtualTime:
    """A clock shared by several pumps: each sleep waits until the driver has moved time to its end."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._seq), wake))
        await wake

    async def run(self, tasks: list[asyncio.Task[Any]]) -> None:
        """Let everything run that can; then move time to the next wake-up; until every task is done."""
        while not all(task.done() for task in tasks):
            for _ in range(30):
                await asyncio.sleep(0)
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)
            if self._sleepers:
                moment, _, wake = heapq.heappop(self._sleepers)
                self.now = max(self.now, moment)
                wake.set_result(None)


class Budget:
    """The shared budget's rule, as the send_budget row applies it."""

    def __init__(self, time: VirtualTime) -> None:
        self.time = time
        self.next_slot = float("-inf")
        self.reservations = 0
        self.down = False

    async def reserve(self, slots: int, interval: float) -> float:
        await asyncio.sleep(0)  # a round trip
        if self.down:
            raise ConnectionError("the database is away")
        self.reservations += 1
        now = self.time.now
        start = max(self.next_slot, now - CREDIT)
        self.next_slot = start + slots * interval
        return start - now


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + 1) for start in times)


async def fan_out(pacers: list[ChatPacer], api: Api, time: VirtualTime, count: int) -> list[float]:
    """``count`` bulk messages to distinct chats, spread over the pacers as the outbox claims spread them, and a
    few answers to residents in between; the moments they reached the API."""
    tasks = [asyncio.create_task(request(pacers[n % len(pacers)], api, 1000 + n, bulk=True)) for n in range(count)]
    tasks += [asyncio.create_task(request(pacers[n % len(pacers)], api, 50 + n)) for n in range(10)]
    await time.run(tasks)
    for pacer in pacers:
        await pacer.shutdown()
    return [at for _, _, at, _ in api.calls]


async def test_two_processes_sharing_the_budget_stay_under_the_limit_and_use_it() -> None:
    time = VirtualTime()
    api = Api(time)  # type: ignore[arg-type]  # it only reads .now
    budget = Budget(time)
    pacers = [ChatPacer(30.0, clock=time.clock, sleep=time.sleep) for _ in range(2)]
    for pacer in pacers:
        pacer.share(budget.reserve)
    times = await fan_out(pacers, api, time, 600)
    assert len(times) == 610
    assert busiest_second(times) <= 30
    rate = len(times) / (max(times) - min(times))
    assert rate >= 0.95 * 30, rate  # the one budget nearly used (the pacer aims at PACING of it)
    assert rate <= 30 * PACING + 0.5
    assert budget.reservations <= len(times) / 2  # slots are reserved a few at a time, not one round trip each


async def test_two_processes_each_alone_would_send_twice_the_limit() -> None:
    time = VirtualTime()
    api = Api(time)  # type: ignore[arg-type]
    times = await fan_out([ChatPacer(30.0, clock=time.clock, sleep=time.sleep) for _ in range(2)], api, time, 600)
    assert busiest_second(times) > 50


async def test_without_the_database_each_paces_alone_at_a_share_that_keeps_both_under_the_limit() -> None:
    time = VirtualTime()
    api = Api(time)  # type: ignore[arg-type]
    budget = Budget(time)
    budget.down = True
    pacers = [ChatPacer(30.0, clock=time.clock, sleep=time.sleep) for _ in range(2)]
    for pacer in pacers:
        pacer.share(budget.reserve)
    times = await fan_out(pacers, api, time, 300)
    assert len(times) == 310
    assert busiest_second(times) <= 30
    assert len(times) / (max(times) - min(times)) >= 0.9 * 30 / SHARED_FALLBACK * 2 * PACING


async def test_a_process_alone_paces_by_itself_without_reserving() -> None:
    time = VirtualTime()
    api = Api(time)  # type: ignore[arg-type]
    asked = 0

    async def alone(slots: int, interval: float) -> float | None:
        nonlocal asked
        asked += 1
        return None

    pacer = ChatPacer(30.0, clock=time.clock, sleep=time.sleep)
    pacer.share(alone)
    times = await fan_out([pacer], api, time, 300)
    assert busiest_second(times) <= 30
    assert len(times) / (max(times) - min(times)) >= 0.95 * 30
    assert asked <= len(times) / 4  # asked a block at a time, answered without a round trip
