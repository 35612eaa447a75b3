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

from bot.app import JOIN_MARGIN
from bot.channels.telegram.limiter import CREDIT, PACING, SHARED_FALLBACK, ChatPacer
from bot.cluster import RETRY, SharedBudget
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

    async def reserve(self, slots: int, interval: float, not_before: float = 0.0) -> float:
        await asyncio.sleep(0)  # a round trip
        if self.down:
            raise ConnectionError("the database is away")
        self.reservations += 1
        now = self.time.now
        start = max(self.next_slot, now - CREDIT, now + not_before)
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

    async def alone(slots: int, interval: float, not_before: float) -> float | None:
        nonlocal asked
        asked += 1
        return None

    pacer = ChatPacer(30.0, clock=time.clock, sleep=time.sleep)
    pacer.share(alone)
    times = await fan_out([pacer], api, time, 300)
    assert busiest_second(times) <= 30
    assert len(times) / (max(times) - min(times)) >= 0.95 * 30
    assert asked <= len(times) / 4  # asked a block at a time, answered without a round trip


class Presence:
    """The send_budget row as bot/store/cluster.py's reservation moves it (its SQL: tests/store/test_cluster.py)."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget

    async def reserve(self, name: str, slots: int, interval: float, now: float, credit: float,
                      not_before: float = 0.0) -> float:
        return await self.budget.reserve(slots, interval, not_before)


def processes(time: VirtualTime, sharing: tuple[bool, ...]) -> tuple[list[SharedBudget], list[ChatPacer]]:
    """A pacer per process, each with its view of the one budget (``sharing``: whether it counts others now)."""
    presence = Presence(Budget(time))
    budgets = [SharedBudget(presence, "telegram", several, clock=time.clock)  # type: ignore[arg-type]
               for several in sharing]
    pacers = [ChatPacer(30.0, clock=time.clock, sleep=time.sleep) for _ in sharing]
    for pacer, budget in zip(pacers, budgets, strict=True):
        pacer.share(budget)
    return budgets, pacers


async def at(time: VirtualTime, moment: float, action: Any) -> None:
    await time.sleep(moment - time.now)
    action()


async def test_when_the_other_process_dies_the_survivor_stays_under_the_limit_as_it_goes_on_alone() -> None:
    """kill -9 of the process that was sending a fan-out: the survivor finds itself alone at its next try and
    takes over the dead one's rows at once. The dead one's last second of slots is in the database only, so the
    survivor keeps reserving for a second, then paces alone after its last reserved slot."""
    time = VirtualTime()
    api = Api(time)  # type: ignore[arg-type]
    budgets, pacers = processes(time, sharing=(True, True))
    dying = [asyncio.create_task(request(pacers[1], api, 5000 + n, bulk=True)) for n in range(300)]
    survivor: list[asyncio.Task[Any]] = []

    def kill_and_take_over() -> None:
        for task in dying:
            task.cancel()
        pacers[1]._pump.cancel()  # type: ignore[union-attr]  # its event loop is gone with it
        budgets[0].others(False)  # the survivor's next try finds no other process alive
        survivor.extend(asyncio.create_task(request(pacers[0], api, 1000 + n, bulk=True)) for n in range(100))

    await time.run([asyncio.create_task(at(time, 4.0, kill_and_take_over))])
    await time.run(survivor)
    await pacers[0].shutdown()
    times = [moment for _, _, moment, _ in api.calls]
    assert len(times) > 100 + 100  # the dead one had sent for four seconds
    assert busiest_second(times) <= 30


async def test_a_process_that_joins_sends_only_after_the_other_left_its_own_pacing() -> None:
    """The first process paces alone; the second joins (its liveness lock), the first counts it at its next try
    (at most RETRY later) and reserves from the one budget from then on, starting after its own slots; the second
    sends only after RETRY + JOIN_MARGIN (bot/app.py)."""
    time = VirtualTime()
    api = Api(time)  # type: ignore[arg-type]
    budgets, pacers = processes(time, sharing=(False, True))
    first = [asyncio.create_task(request(pacers[0], api, 1000 + n, bulk=True)) for n in range(400)]
    joined: list[asyncio.Task[Any]] = []

    def counted() -> None:
        budgets[0].others(True)

    def join() -> None:
        joined.extend(asyncio.create_task(request(pacers[1], api, 5000 + n, bulk=True)) for n in range(300))

    await time.run([*first, asyncio.create_task(at(time, 2.0 + RETRY, counted)),
                    asyncio.create_task(at(time, 2.0 + RETRY + JOIN_MARGIN, join))])
    await time.run(joined)
    for pacer in pacers:
        await pacer.shutdown()
    times = [moment for _, _, moment, _ in api.calls]
    assert len(times) == 700
    assert busiest_second(times) <= 30
