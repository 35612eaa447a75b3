"""The embedded engine: SQLite through aiosqlite, one connection, statements batched to its worker thread.

Every aiosqlite call is a round trip to its worker thread, and a round trip costs about 100 µs of CPU here (two
thread switches and a wake-up of the event loop) against 1-10 µs for the SQL of a turn. So statements travel
together: ``BEGIN`` waits for the first statement, deferred writes wait for the next statement or the
``COMMIT``, and ``Tx.many`` sends several queries at once. A dialogue turn that used to take seven round trips
takes two.

Erased means erased on disk: every connection sets ``secure_delete`` (deleted content is overwritten with zeros,
whatever the SQLite build's default), and after a transaction that erased personal data commits, the WAL, which
still holds the old page images, is checkpointed into the database file and truncated (:meth:`erase_checkpoint`).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store import broken
from bot.store.sqlite_worker import connect, in_worker
from bot.store.tx import Row, Tx

log = logging.getLogger(__name__)
PRAGMAS = ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=5000", "synchronous=NORMAL",
           "secure_delete=ON")  # secure_delete: not left to the build's default (module text)


class SqliteTx(Tx):
    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        super().__init__()
        self.conn = conn
        self._pending: list[tuple[str, tuple[Any, ...]]] = [("BEGIN IMMEDIATE", ())]
        self.begun = False  # whether BEGIN has reached SQLite

    def _hold(self, writes: list[tuple[str, tuple[Any, ...]]]) -> None:
        """Run writes with the next statement or the COMMIT, whichever comes first (one round trip fewer)."""
        self._pending.extend(writes)

    async def _send(self, statements: list[tuple[str, tuple[Any, ...]]]) -> list[tuple[list[Row], int]]:
        batch, self._pending = [*self._pending, *statements], []
        self.begun = True
        return await in_worker(self.conn, _run_statements, batch)

    def _commit_batch(self) -> list[tuple[str, tuple[Any, ...]]] | None:
        """What is still deferred and the COMMIT (None: no statement was ever made, nothing to send)."""
        batch, self._pending = [*self._pending, ("COMMIT", ())], []
        if not self.begun and len(batch) == 2:
            return None
        self.begun = True
        return batch


def _run_statements(raw: sqlite3.Connection, statements: list[tuple[str, tuple[Any, ...]]]
                    ) -> list[tuple[list[Row], int]]:
    """In aiosqlite's worker thread: each statement's rows and changed-row count."""
    results: list[tuple[list[Row], int]] = []
    for sql, params in statements:
        cursor = raw.execute(sql, params)
        try:
            results.append((cursor.fetchall(), cursor.rowcount))
        finally:
            cursor.close()
    return results


def _commit_statements(raw: sqlite3.Connection, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    """In the worker: the last deferred writes and the COMMIT, or a ROLLBACK when any of them fails."""
    try:
        _run_statements(raw, statements)
    except BaseException:
        _rollback_if_open(raw)
        raise


def _rollback_if_open(raw: sqlite3.Connection) -> None:
    """In the worker: ROLLBACK, unless the BEGIN itself failed (the database stayed locked)."""
    if raw.in_transaction:
        raw.execute("ROLLBACK")


def _checkpoint_truncate(raw: sqlite3.Connection) -> tuple[int, int, int]:
    """In the worker: (busy, WAL frames, frames checkpointed) of a TRUNCATE checkpoint."""
    row = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return int(row[0]), int(row[1]), int(row[2])


class SqliteBackend:
    """One aiosqlite connection. ``Database`` releases its lock as the COMMIT is queued, not when it has run: the
    worker runs what is queued in order, so the next transaction's BEGIN comes after this COMMIT anyway."""

    dialect = "sqlite"
    release_before_commit = True

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None

    @property
    def where(self) -> str:
        return self.path

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(exist_ok=True)  # a missing path above it is a mistake, not ours to make
        self._conn = await connect(self.path)
        self._conn.row_factory = aiosqlite.Row
        for pragma in PRAGMAS:
            await self._conn.execute(f"PRAGMA {pragma}")

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except sqlite3.Error as exc:
                log.warning("the database did not close cleanly (%s)", type(exc).__name__)

    def new_tx(self) -> SqliteTx:
        return SqliteTx(self.conn)

    async def commit(self, tx: Tx) -> None:
        assert isinstance(tx, SqliteTx)
        batch = tx._commit_batch()
        if batch is not None:
            await in_worker(self.conn, _commit_statements, batch)  # a failure has rolled back already

    async def rollback(self, tx: Tx) -> None:
        assert isinstance(tx, SqliteTx)
        if tx.begun:  # queued behind whatever was sent, so it also undoes a batch still running
            await in_worker(self.conn, _rollback_if_open)

    async def after_erasure(self, tx: Tx) -> bool:
        return await self.erase_checkpoint()

    async def erase_checkpoint(self) -> bool:
        """Copy the WAL into the database file and truncate it to zero bytes, so pages that held erased data
        survive nowhere (with ``secure_delete`` the file's own copies are zeroed). Between transactions only.
        False when a reader in another process (a running ``.backup``) kept it from finishing; the next one
        (or SQLite's own checkpoints) finishes the job."""
        try:
            busy, frames, _ = await in_worker(self.conn, _checkpoint_truncate)
        except sqlite3.Error as exc:  # the erasure itself has committed; only the tidying up failed
            log.warning("the database's WAL could not be truncated after an erasure (%s)", type(exc).__name__)
            return False
        log.debug("erasure: %d WAL frame(s) checkpointed, WAL truncated: %s", frames, not busy)
        if busy:
            log.warning("the database's WAL could not be truncated now (another process is reading it); erased"
                        " data leaves the WAL file at the next checkpoint")
        return not busy

    @staticmethod
    def problem(exc: BaseException, opening: bool = False) -> str | None:
        return broken.problem(exc, opening)
