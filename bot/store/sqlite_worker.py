"""The one place that relies on aiosqlite's internals.

``Tx`` batches a turn's statements into one round trip to aiosqlite's worker thread (see ``bot/store/db.py``).
aiosqlite has no public call for "run this function on the raw connection in your thread", so this adapter uses
exactly three private names, the ones aiosqlite's own Cursor uses, unchanged from 0.17 to 0.22 (pyproject pins
<0.23):

- ``Connection._execute(fn, *args)``: queue a callable on the worker thread, await its result;
- ``Connection._conn``: the worker's ``sqlite3.Connection``;
- ``Connection._thread``: the worker thread (joined when connecting fails, so it cannot outlive the loop).

tests/store/test_sqlite_worker.py names them: after an aiosqlite upgrade that one test fails, with the name that
changed, instead of every database test. A PostgreSQL backend (asyncpg) sits beside this module, not inside it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")
PRIVATE_NAMES = ("_execute", "_conn", "_thread")


async def in_worker(conn: aiosqlite.Connection, function: Callable[..., T], *args: Any) -> T:
    """Run ``function(raw_connection, *args)`` in the connection's worker thread, in one round trip. The call is
    queued before the first suspension (``Database.transaction`` relies on it)."""
    result: T = await conn._execute(function, conn._conn, *args)  # type: ignore[no-untyped-call]
    return result


async def connect(path: str) -> aiosqlite.Connection:
    """aiosqlite's connect in autocommit mode (``BEGIN``/``COMMIT`` are ours); when it fails, its worker thread
    stops on its own, and this waits for that, so the thread cannot outlive the event loop."""
    connecting = aiosqlite.connect(path, isolation_level=None)
    try:
        return await connecting
    except BaseException:
        await asyncio.to_thread(connecting._thread.join, 5.0)
        raise
