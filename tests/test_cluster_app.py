"""Two processes of one municipality on one PostgreSQL database (issue 17, point 5), as two App instances in one test
process with recording channels and a hand-moved clock; "kill -9" closes a process's presence connection without
a word, as the kernel does for a killed process. The whole thing with real processes, webhooks and Synapse is
tests/cluster/test_two_processes.py."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.app import App
from bot.channels.base import Address, Reply
from bot.clock import ManualClock
from bot.engine import polls
from bot.engine.outbox import enqueue
from bot.store import claims
from bot.store import turn as turn_repo
from tests.support import Person, Recorder, make_config

pytestmark = pytest.mark.postgresql_only


class Process:
    def __init__(self, app: App, telegram: Recorder, matrix: Recorder) -> None:
        self.app, self.telegram, self.matrix = app, telegram, matrix

    async def kill_9(self) -> None:
        """Its connections close without a word; PostgreSQL ends its sessions (and their locks)."""
        presence = self.app.coordinator.presence if self.app.coordinator else None
        assert presence is not None and presence._conn is not None
        pid = presence._conn.get_server_pid()
        presence._conn.terminate()
        conn = await asyncpg.connect(presence.dsn)
        try:
            for _ in range(1000):
                if not await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
                    return
                await asyncio.sleep(0.005)
        finally:
            await conn.close()


@pytest.fixture
async def two(tmp_path: Path, manual_clock: ManualClock, engine: str) -> AsyncIterator[tuple[Process, Process]]:
    config = make_config(tmp_path)  # the same folder: the same database (schema) for both
    made = []
    for _ in range(2):
        telegram, matrix = Recorder("telegram", can_send_files=True), Recorder("matrix", can_send_files=True)
        app = App(config, [telegram, matrix], clock=manual_clock)
        await app.start(background=False)
        made.append(Process(app, telegram, matrix))
    yield made[0], made[1]
    for process in made:
        await process.app.stop()


async def queue(app: App, count: int, purpose: str = "feedback") -> None:
    async with app.db.transaction() as tx:
        for n in range(count):
            await enqueue(tx, app.services, Address("telegram", str(9000 + n)), Reply(text=f"bericht {n}"),
                          purpose=purpose)


async def test_the_first_leads_the_second_follows(two: tuple[Process, Process]) -> None:
    first, second = two
    assert second.app.services.several_processes  # it saw the first: its turns take their person's lock
    assert first.app.coordinator is not None and not first.app.services.several_processes
    await first.app.coordinator.tick()  # the first counts the second at its next try
    assert first.app.services.several_processes
    assert first.app.coordinator and first.app.coordinator.leading
    assert second.app.coordinator and not second.app.coordinator.leading
    assert first.matrix.host is not None and second.matrix.host is None  # the Matrix sync: the leader's only
    assert "matrix" in second.app.outbox.paused and "matrix" not in first.app.outbox.paused


async def test_two_dispatchers_never_send_the_same_row(two: tuple[Process, Process]) -> None:
    first, second = two
    await queue(first.app, 300)
    await asyncio.gather(first.app.outbox.drain(batch=16), second.app.outbox.drain(batch=16))
    chats = Counter(r.address.chat_id for p in two for r in p.telegram.sent if r.address)
    assert len(chats) == 300 and set(chats.values()) == {1}
    assert first.telegram.sent and second.telegram.sent  # both took a share


async def test_the_rows_a_killed_process_claimed_come_back_at_once(two: tuple[Process, Process],
                                                                   manual_clock: ManualClock) -> None:
    first, second = two
    await queue(first.app, 20)
    now = manual_clock.now()
    async with first.app.db.transaction() as tx:  # claimed, then the process dies before sending
        claimed = await claims.next_due(tx, now.isoformat(timespec="seconds"), 20,
                                        owner=first.app.services.process_token,
                                        lease_until=(now + timedelta(seconds=60)).isoformat(timespec="seconds"),
                                        channels=["telegram"])
    assert len(claimed) == 20
    assert await second.app.outbox.drain() == 0  # the owner is alive and its lease runs: not the second's
    await first.kill_9()
    assert await second.app.outbox.drain() == 20  # gone: taken over without waiting for the lease
    assert not first.telegram.sent


async def test_a_killed_process_held_replies_are_released_only_once_it_is_gone(two: tuple[Process, Process]) -> None:
    first, second = two
    first.app.held.replied = lambda reply, result: None  # type: ignore[method-assign]  # dies before settling
    anna = Person(first.app, "1", channel="telegram")
    replies = await anna.say("/privacy", event_id="u1")
    assert replies
    assert await first.app.held.release(at_start=False) == 0  # the leader's sweep leaves its own turns' replies
    assert await second.app.held.release(at_start=False) == 0  # the first process lives: they are its own
    await first.kill_9()
    assert await second.app.held.release(at_start=False) == 1
    assert await second.app.outbox.drain() == 1
    assert second.telegram.texts("1")


async def test_an_event_sent_again_after_its_process_died_brings_that_process_held_replies_at_once(
        two: tuple[Process, Process]) -> None:
    """The first process commits a turn and dies before its answer is sent; Telegram sends the update again, to
    the second: the turn is not run twice, and the held answer goes out now, before the person's next message,
    not when a sweep releases it later (which would put it after the answers to the next ones)."""
    first, second = two
    first.app.held.replied = lambda reply, result: None  # type: ignore[method-assign]  # dies before settling
    anna_first, anna_second = Person(first.app, "1", channel="telegram"), Person(second.app, "1", channel="telegram")
    answered = await anna_first.say("/privacy", event_id="u7")
    again = await anna_second.say("/privacy", event_id="u7")
    assert again == []  # its owner is alive (a slow answer, not a dead process): nothing taken from it
    await first.kill_9()
    again = await anna_second.say("/privacy", event_id="u7")
    assert [reply.text for reply in again] == [reply.text for reply in answered]  # the same answer, in order
    assert all(reply.receipt for reply in again)
    for reply in again:
        second.app.replied(reply, await second.telegram.send(reply))
    await second.app.held.flush()
    assert await second.app.held.release(at_start=False) == 0  # sent and settled: nothing left to release
    assert await second.app.outbox.drain() == 0
    assert await anna_second.say("/privacy", event_id="u7") == []  # a third delivery: nothing more to send


async def test_the_taker_over_closes_a_poll_that_came_due_and_runs_the_matrix_sync(
        two: tuple[Process, Process], manual_clock: ManualClock) -> None:
    first, second = two
    closes = manual_clock.now() + timedelta(hours=1)
    async with first.app.db.transaction() as tx:
        draft = polls.Draft(question="Bankjes op het plein?", options=("Ja", "Nee"), neighbourhoods=("centrum",),
                            closes_at=closes)
        poll, _ = await polls.create(tx, first.app.services, draft, "!moderatie-centrum:example.org", "@org:x")
    await first.kill_9()
    manual_clock.advance(timedelta(hours=1, minutes=1))
    assert second.app.coordinator is not None and await second.app.coordinator.tick()
    assert second.matrix.host is not None and "matrix" not in second.app.outbox.paused
    async with second.app.db.transaction() as tx:
        assert (await polls.by_id(tx, poll.id)).status == "closed"


async def test_one_residents_turns_wait_for_each_other_across_processes(two: tuple[Process, Process]) -> None:
    first, second = two
    anna_second = Person(second.app, "7", channel="telegram")
    async with first.app.db.transaction() as tx:
        await turn_repo.lock_conversation(tx, "telegram", "7")  # a turn of hers runs on the first process
        waiting = asyncio.create_task(anna_second.say("/privacy", event_id="u2"))
        presence = first.app.coordinator.presence if first.app.coordinator else None
        assert presence is not None
        conn = await asyncpg.connect(presence.dsn)
        try:
            for _ in range(1000):  # the second process's turn is waiting for her lock in PostgreSQL
                if await conn.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"):
                    break
                await asyncio.sleep(0.005)
            else:
                raise AssertionError("the second turn did not wait")
        finally:
            await conn.close()
        assert not waiting.done()
    assert await waiting  # once the first turn committed, hers goes on


async def test_a_process_alone_takes_no_lock(tmp_path: Path, manual_clock: ManualClock, engine: str) -> None:
    """The lock costs round trips; a process alone on the database needs none (its turns are one at a time)."""
    app = App(make_config(tmp_path), [Recorder("telegram")], clock=manual_clock)
    await app.start(background=False)
    try:
        assert app.coordinator is not None and app.coordinator.leading
        assert not app.services.several_processes
    finally:
        await app.stop()
