"""Transactions send their statements to aiosqlite's worker together (bot/store/db.py, Tx): what that must never
change is what a transaction means — all or nothing, reads see earlier writes, order is kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.app import App
from bot.channels.base import Actor, Address, Incoming
from bot.clock import ManualClock
from bot.store.db import Database
from tests.support import Person, count_round_trips


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "t.sqlite3")
    await database.open()
    async with database.transaction() as tx:
        await tx.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)")
    yield database
    await database.close()


async def texts(db: Database) -> list[str]:
    async with db.transaction() as tx:
        return [row["text"] for row in await tx.all("SELECT text FROM notes ORDER BY id")]


async def test_deferred_writes_are_seen_by_later_reads_and_kept_in_order(db: Database) -> None:
    async with db.transaction() as tx:
        tx.defer("INSERT INTO notes (text) VALUES (?)", ("first",))
        tx.defer("UPDATE notes SET text = ? WHERE text = ?", ("first, changed", "first"))
        assert await tx.value("SELECT COUNT(*) FROM notes") == 1
        tx.defer("INSERT INTO notes (text) VALUES (?)", ("second",))  # only sent with the COMMIT
    assert await texts(db) == ["first, changed", "second"]


async def test_a_failing_deferred_write_undoes_the_whole_transaction(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO notes (text) VALUES ('kept')")
    with pytest.raises(aiosqlite.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO notes (text) VALUES ('undone')")
            tx.defer("INSERT INTO notes (text) VALUES ('kept')")  # violates UNIQUE at the COMMIT
    assert await texts(db) == ["kept"]
    async with db.transaction() as tx:  # and the connection is usable again
        await tx.execute("INSERT INTO notes (text) VALUES ('next')")
    assert await texts(db) == ["kept", "next"]


async def test_an_error_in_the_body_drops_deferred_writes(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            tx.defer("INSERT INTO notes (text) VALUES ('never')")
            raise RuntimeError("changed my mind")
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO notes (text) VALUES ('rolled back')")
            tx.defer("INSERT INTO notes (text) VALUES ('never either')")
            raise RuntimeError("changed my mind again")
    assert await texts(db) == []


async def test_many_returns_the_rows_of_each_query_after_what_was_deferred(db: Database) -> None:
    async with db.transaction() as tx:
        tx.defer("INSERT INTO notes (text) VALUES ('a')")
        counted, listed, nothing = await tx.many(("SELECT COUNT(*) FROM notes", ()),
                                                 ("SELECT text FROM notes WHERE text = ?", ("a",)),
                                                 ("SELECT text FROM notes WHERE text = ?", ("zz",)))
    assert counted[0][0] == 1 and [row["text"] for row in listed] == ["a"] and nothing == []


async def test_a_database_locked_by_another_process_fails_cleanly(db: Database, tmp_path: Path) -> None:
    other = await aiosqlite.connect(tmp_path / "t.sqlite3", isolation_level=None)
    try:
        await other.execute("PRAGMA busy_timeout=0")
        await other.execute("BEGIN IMMEDIATE")  # holds the write lock
        await db.conn.execute("PRAGMA busy_timeout=0")
        with pytest.raises(aiosqlite.OperationalError, match="locked"):  # the BEGIN's error, not a ROLLBACK's
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO notes (text) VALUES ('blocked')")
        await other.execute("ROLLBACK")
    finally:
        await other.close()
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO notes (text) VALUES ('later')")
    assert await texts(db) == ["later"]


async def test_a_transaction_cancelled_while_its_statements_run_is_undone(db: Database) -> None:
    async def write() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO notes (text) VALUES ('cancelled')")
            await tx.execute("INSERT INTO notes (text) VALUES ('never reached')")

    task = asyncio.create_task(write())
    await asyncio.sleep(0)  # the task has queued its first batch (BEGIN and the INSERT) for the worker
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with db.transaction() as tx:  # no transaction was left open behind the cancelled one
        await tx.execute("INSERT INTO notes (text) VALUES ('next')")
    assert await texts(db) == ["next"]


async def test_concurrent_transactions_follow_each_other_without_losing_an_update(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
        await tx.execute("INSERT INTO counter (n) VALUES (0)")

    async def increment() -> None:
        async with db.transaction() as tx:
            n = await tx.value("SELECT n FROM counter")
            tx.defer("UPDATE counter SET n = ?", (n + 1,))  # sent with the COMMIT, after the lock is given on

    await asyncio.gather(*(increment() for _ in range(50)))
    async with db.transaction() as tx:
        assert await tx.value("SELECT n FROM counter") == 50


async def test_a_commit_that_fails_leaves_the_next_transaction_a_clean_start(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO notes (text) VALUES ('taken')")

    async def failing() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO notes (text) VALUES ('undone')")
            tx.defer("INSERT INTO notes (text) VALUES ('taken')")  # violates UNIQUE in the COMMIT's batch

    async def next_one() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO notes (text) VALUES ('next')")

    results = await asyncio.gather(failing(), next_one(), return_exceptions=True)
    assert isinstance(results[0], aiosqlite.IntegrityError) and results[1] is None
    assert await texts(db) == ["taken", "next"]


async def test_a_dialogue_turn_takes_two_round_trips(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    anna = Person(app, "anna", channel="telegram", language_hint="en")
    await anna.onboard()
    await anna.say("/share")
    trips = count_round_trips(monkeypatch)
    incoming = Incoming(Actor("telegram", "anna"), Address("telegram", "anna"), choice="housing", event_id="u77")
    replies = await anna.send(incoming)
    assert "Tell us in your own words" in replies[0].text
    # BEGIN, the event's claim, the conversation and the resident; then the new state and the kept reply (held
    # until the channel sent it, bot/engine/replies.py) with the COMMIT.
    assert replies[0].receipt is not None
    assert trips() == 2


async def test_a_turn_on_a_new_day_notes_the_day_in_the_same_two_round_trips(app: App,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    anna = Person(app, "anna", channel="telegram", language_hint="en")
    await anna.onboard()
    clock = app.services.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(days=3))
    trips = count_round_trips(monkeypatch)
    await anna.send(Incoming(Actor("telegram", "anna"), Address("telegram", "anna"), text="/help", command="help",
                             event_id="u78"))
    assert trips() == 2  # the day travels with the turn's COMMIT
    monkeypatch.undo()
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT last_active FROM residents") == app.services.now().date().isoformat()
