"""What the SQLite worker adapter relies on in aiosqlite, named one by one: after an aiosqlite upgrade that
breaks one of them, this test says which, instead of every database test failing."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import aiosqlite

from bot.store import sqlite_worker


async def test_aiosqlite_still_offers_the_three_private_names(tmp_path: Path) -> None:
    conn = await sqlite_worker.connect(str(tmp_path / "w.db"))
    try:
        assert sqlite_worker.PRIVATE_NAMES == ("_execute", "_conn", "_thread")
        assert callable(conn._execute), "aiosqlite.Connection._execute (queue a callable on the worker) is gone"
        assert isinstance(conn._conn, sqlite3.Connection), "aiosqlite.Connection._conn is no sqlite3 connection"
        assert isinstance(conn._thread, threading.Thread), "aiosqlite.Connection._thread is no thread"
        assert conn._conn.isolation_level is None  # autocommit: BEGIN and COMMIT are the store's own
    finally:
        await conn.close()


async def test_a_call_runs_on_the_worker_thread_and_is_queued_before_the_first_suspension(tmp_path: Path) -> None:
    conn = await sqlite_worker.connect(str(tmp_path / "w.db"))
    try:
        seen: list[str] = []

        def work(raw: sqlite3.Connection, tag: str) -> str:
            seen.append(tag)
            return threading.current_thread().name if raw.execute("SELECT 1").fetchone() == (1,) else ""

        first = asyncio.ensure_future(sqlite_worker.in_worker(conn, work, "first"))
        second = asyncio.ensure_future(sqlite_worker.in_worker(conn, work, "second"))
        names = await asyncio.gather(first, second)
        assert seen == ["first", "second"]
        assert all(name and name != threading.current_thread().name for name in names)
    finally:
        await conn.close()


async def test_a_failed_connect_leaves_no_worker_thread(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    try:
        await sqlite_worker.connect(str(tmp_path / "missing" / "w.db"))
    except (sqlite3.Error, aiosqlite.Error):
        pass
    else:
        raise AssertionError("connecting in a folder that does not exist should fail")
    left = [t for t in set(threading.enumerate()) - before if not t.name.startswith("asyncio_")]  # to_thread's pool
    assert left == []
