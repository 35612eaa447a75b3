"""Two processes, one municipality (issue 17, point 5), on a real PostgreSQL: exactly one leads, the other takes
over after the leader's connection dies as with kill -9, liveness is what PostgreSQL knows, and the sending budget
is one budget for both."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable

import pytest

from bot.cluster import Coordinator
from bot.store.cluster import Presence
from tests.store.pg_cluster import gone, pg_dsn

__all__ = ["pg_dsn"]


class Process:
    """What one wijkbot process does with leadership: a log of its hooks."""

    def __init__(self, dsn: str, name: str, schema: str = "public") -> None:
        self.name = name
        self.events: list[str] = []
        self.coordinator = Coordinator(Presence(dsn, schema), self._hook("lead"), self._hook("follow"), retry=5.0)

    def _hook(self, what: str) -> Callable[[], Awaitable[None]]:
        async def hook() -> None:
            self.events.append(what)
        return hook

    def kill_9(self) -> int:
        """Close the socket without a word, as the kernel does for a process killed by SIGKILL; its session's pid."""
        conn = self.coordinator.presence._conn
        pid = int(conn.get_server_pid())
        conn.terminate()
        return pid


async def test_one_leads_and_the_other_takes_over_when_its_connection_dies(pg_dsn: str) -> None:
    a, b = Process(pg_dsn, "a"), Process(pg_dsn, "b")
    await a.coordinator.open()
    await b.coordinator.open()
    try:
        assert await a.coordinator.tick() and not await b.coordinator.tick()
        for _ in range(3):  # tries every few seconds change nothing while the leader lives
            assert await a.coordinator.tick() and not await b.coordinator.tick()
        assert (a.events, b.events) == (["lead"], [])
        await gone(pg_dsn, a.kill_9())
        assert await b.coordinator.tick()  # its next try, within `retry` seconds
        assert b.events == ["lead"]
        assert not await a.coordinator.tick()  # the dead one, were it only cut off, learns it lost and pauses
        assert a.events == ["lead", "follow"]
        assert not await a.coordinator.tick() and await b.coordinator.tick()  # reconnected, it follows
    finally:
        for process in (a, b):
            await process.coordinator.stop()
            await process.coordinator.close()


async def test_a_clean_stop_hands_over_at_the_next_try(pg_dsn: str) -> None:
    a, b = Process(pg_dsn, "a"), Process(pg_dsn, "b")
    await a.coordinator.open()
    await b.coordinator.open()
    try:
        assert await a.coordinator.tick() and not await b.coordinator.tick()
        await a.coordinator.stop()
        assert a.events == ["lead", "follow"]
        assert await b.coordinator.tick()
    finally:
        await a.coordinator.close()
        await b.coordinator.stop()
        await b.coordinator.close()


async def test_each_schema_has_its_own_leader(pg_dsn: str) -> None:
    north, south = Process(pg_dsn, "north", schema="noord"), Process(pg_dsn, "south", schema="zuid")
    await north.coordinator.open()
    await south.coordinator.open()
    try:
        assert await north.coordinator.tick() and await south.coordinator.tick()
    finally:
        for process in (north, south):
            await process.coordinator.stop()
            await process.coordinator.close()


async def test_liveness_is_the_open_connection(pg_dsn: str) -> None:
    a, b = Presence(pg_dsn), Presence(pg_dsn)
    await a.open()
    await b.open()
    try:
        assert {a.token, b.token} <= await b.alive_tokens()
        conn = a._conn
        pid = int(conn.get_server_pid())
        conn.terminate()
        await gone(pg_dsn, pid)
        assert a.token not in await b.alive_tokens() and b.token in await b.alive_tokens()
    finally:
        await a.close()
        await b.close()


@pytest.mark.parametrize("late", [0.0, 0.003])
async def test_two_processes_share_one_budget(pg_dsn: str, late: float) -> None:
    """Reservations by two processes, interleaved, hand out one row of slots: none closer together than the
    interval, and never more than the limit in any second, whoever reserved them."""
    a, b = Presence(pg_dsn), Presence(pg_dsn)
    await a.open()
    await b.open()
    rate, interval, now = 30.0, 1 / 30.0, 1_800_000_000.0
    slots: list[float] = []
    try:
        for step in range(60):
            who = a if step % 3 else b
            moment = now + step * 0.05 + late
            first = await who.reserve("telegram", 4, interval, moment, credit=0.004)
            assert first >= -0.004
            slots += [moment + first + i * interval for i in range(4)]
    finally:
        await a.close()
        await b.close()
    slots.sort()
    assert all(later - earlier >= interval - 1e-6 for earlier, later in itertools.pairwise(slots))
    assert max(sum(1 for s in slots if start <= s < start + 1) for start in slots) <= rate


async def test_a_reservation_starts_after_the_slots_the_process_used_alone(pg_dsn: str) -> None:
    """A process that paced alone until now passes its own next slot: the one budget starts after it, for it and,
    since the row moved on, for whoever reserves next."""
    a, b = Presence(pg_dsn), Presence(pg_dsn)
    await a.open()
    await b.open()
    try:
        now = 1_800_000_000.0
        assert await a.reserve("telegram", 4, 0.1, now, 0.0, not_before=0.35) == pytest.approx(0.35)
        assert await b.reserve("telegram", 1, 0.1, now, 0.0) == pytest.approx(0.75)  # after a's four
        fresh = await a.reserve("whatsapp", 2, 0.1, now, 0.0, not_before=0.2)  # the row's first reservation
        assert fresh == pytest.approx(0.2)
        assert await a.reserve("whatsapp", 1, 0.1, now + 5, 0.0, not_before=-3.0) == pytest.approx(0.0)  # past
    finally:
        await a.close()
        await b.close()


async def test_only_the_same_municipality_counts_as_alive(pg_dsn: str) -> None:
    """Processes of another schema (another municipality on the same server) are not this one's others."""
    here, elsewhere = Presence(pg_dsn, "noord"), Presence(pg_dsn, "zuid")
    await here.open()
    await elsewhere.open()
    try:
        assert await here.alive_tokens() == {here.token}
        assert await elsewhere.alive_tokens() == {elsewhere.token}
    finally:
        await here.close()
        await elsewhere.close()
