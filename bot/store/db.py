"""The embedded database: SQLite through aiosqlite, numbered migrations, one transaction per change.

One connection serves the whole process. An asyncio lock makes every ``transaction()`` exclusive, so two
conversations never interleave inside one SQLite transaction. The SQL sticks to what PostgreSQL also runs
(``ON CONFLICT``, ``RETURNING``, ISO-8601 text timestamps, integer keys).

Erased means erased on disk: every connection sets ``secure_delete`` (deleted content is overwritten with zeros,
whatever the SQLite build's default), and a transaction that erased personal data (/forget, the retention sweep,
a youth poll's close) says so with :meth:`Tx.erased`; after its COMMIT the WAL, which still holds the old page
images, is checkpointed into the database file and truncated (:meth:`Database.erase_checkpoint`).

A migration is ``migrations/NNNN_name.sql`` (statements), or ``NNNN_name.py`` when a step needs Python (e.g.
reading JSON): its ``async def upgrade(tx: Tx) -> None`` runs in the same transaction that records the version,
through the same ``Tx`` as everything else, so it stays as portable as the rest of the store.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Self

import aiosqlite

from bot.store import broken
from bot.store.broken import StorageError
from bot.store.sqlite_worker import connect, in_worker

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.(sql|py)$")
Row = aiosqlite.Row


class Record:
    """For frozen dataclasses whose fields are the columns of a row: ``Thing.from_row(row)``."""

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(**dict(zip(row.keys(), tuple(row), strict=True)))


class DatabaseTooNew(Exception):
    """The database was written by a newer wijkbot; running older code on it could damage it."""


def to_hour(moment: str) -> str:
    """An ISO-8601 time (``2026-03-02T10:13:17+00:00``) cut to its hour (``2026-03-02T10:00:00+00:00``): for rows
    that need a rough age but must not record the moment someone did something."""
    return f"{moment[:13]}:00:00{moment[19:]}"


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, source) for every migration shipped with the code, in order (SQL or Python)."""
    found: list[tuple[int, str, str]] = []
    for entry in resources.files("bot.store").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


def latest_version() -> int:
    return len(migrations())


class Tx:
    """A running transaction: the only way handlers and engine services touch the database.

    Every aiosqlite call is a round trip to its worker thread, and a round trip costs about 100 µs of CPU here
    (two thread switches and a wake-up of the event loop) against 1-10 µs for the SQL of a turn. So statements
    travel together: ``BEGIN`` waits for the first statement, :meth:`defer` holds writes whose outcome nobody
    reads (the conversation state at the end of a turn) until the next statement or the ``COMMIT``, and
    :meth:`many` sends several queries at once. A dialogue turn that used to take seven round trips takes two.
    A deferred write that fails still fails the transaction, which is then rolled back as a whole.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._pending: list[tuple[str, tuple[Any, ...]]] = [("BEGIN IMMEDIATE", ())]
        self.begun = False  # whether BEGIN has reached SQLite
        self.erasing = False  # personal data was erased: truncate the WAL after the COMMIT

    def erased(self) -> None:
        """This transaction erases personal data: once it has committed, the WAL (which still holds the old page
        images) is checkpointed and truncated, so the erased bytes are gone from the files too."""
        self.erasing = True

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run a statement now; the number of rows it changed."""
        return (await self._send([(sql, tuple(params))]))[-1][1]

    def defer(self, sql: str, params: Iterable[Any] = ()) -> None:
        """Run a write with the next statement or the COMMIT, whichever comes first (one round trip fewer)."""
        self._pending.append((sql, tuple(params)))

    async def one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The first row of a query that returns at most a few (a key lookup, ``RETURNING``)."""
        rows = (await self._send([(sql, tuple(params))]))[-1][0]
        return rows[0] if rows else None

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return (await self._send([(sql, tuple(params))]))[-1][0]

    async def value(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.one(sql, params)
        return None if row is None else row[0]

    async def many(self, *queries: tuple[str, Iterable[Any]]) -> list[list[Row]]:
        """Several statements in one round trip, in order; the rows of each."""
        results = await self._send([(sql, tuple(params)) for sql, params in queries])
        return [rows for rows, _ in results[len(results) - len(queries):]]

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
    results = []
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


class Database:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self.failure: StorageError | None = None  # set when the storage broke while running (see broken.py)
        self.broken = asyncio.Event()

    async def open(self, migrate_to: int | None = None) -> None:
        """Open (creating the file, and its folder but not the folders above it) and migrate. A file that cannot
        be used raises :class:`StorageError`, with nothing left open and the file as it was."""
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(exist_ok=True)  # a missing path above it is a mistake, not ours to make
            self._conn = await connect(self.path)
            self._conn.row_factory = aiosqlite.Row
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=5000", "synchronous=NORMAL",
                           "secure_delete=ON"):  # secure_delete: not left to the build's default (module text)
                await self._conn.execute(f"PRAGMA {pragma}")
            await self.migrate(migrate_to)
        except BaseException as exc:
            await self.close()
            found = broken.problem(exc, opening=True)
            if found is not None:
                raise StorageError(self.path, found) from exc
            raise

    async def close(self) -> None:
        """Close the connection and its worker thread, also when the storage has failed."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except sqlite3.Error as exc:
                log.warning("the database did not close cleanly (%s)", type(exc).__name__)

    def _check(self, exc: BaseException) -> None:
        """A failure that means the file cannot be used marks the database broken (once; the app then stops)."""
        found = broken.problem(exc)
        if found is not None and self.failure is None:
            self.failure = StorageError(self.path, found)
            log.error("%s; stopping", self.failure)
            self.broken.set()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One logical change: everything inside commits together or not at all.

        The lock keeps other transactions from queueing statements for the worker while this one runs. It is
        released as the COMMIT is queued, not when it has run: the worker runs what is queued in order, so the
        next transaction's BEGIN comes after this COMMIT anyway. (Under load each round trip waits behind other
        work on the event loop; holding the lock through the COMMIT's made the lock the bottleneck.) Nothing can
        run between the release and the queueing: awaiting ``in_worker`` queues before it first suspends."""
        tx = Tx(self.conn)  # a closed database fails here, before taking the lock (which it would never give back)
        await self._lock.acquire()
        locked = True
        try:
            yield tx
            batch = tx._commit_batch()
            self._lock.release()
            locked = False
            if batch is not None:
                await in_worker(self.conn, _commit_statements, batch)  # a failure has rolled back already
            if tx.erasing:
                await self.erase_checkpoint()
        except BaseException as exc:
            self._check(exc)
            if locked and tx.begun:  # queued behind whatever was sent, so it also undoes a batch still running
                await in_worker(self.conn, _rollback_if_open)
            raise
        finally:
            if locked:
                self._lock.release()

    async def erase_checkpoint(self) -> bool:
        """Copy the WAL into the database file and truncate it to zero bytes, so pages that held erased data
        survive nowhere (with ``secure_delete`` the file's own copies are zeroed). Between transactions only.
        False when a reader in another process (a running ``.backup``) kept it from finishing; the next one
        (or SQLite's own checkpoints) finishes the job."""
        try:
            async with self._lock:
                busy, frames, _ = await in_worker(self.conn, _checkpoint_truncate)
        except sqlite3.Error as exc:  # the erasure itself has committed; only the tidying up failed
            log.warning("the database's WAL could not be truncated after an erasure (%s)", type(exc).__name__)
            return False
        log.debug("erasure: %d WAL frame(s) checkpointed, WAL truncated: %s", frames, not busy)
        if busy:
            log.warning("the database's WAL could not be truncated now (another process is reading it); erased"
                        " data leaves the WAL file at the next checkpoint")
        return not busy

    async def version(self) -> int:
        async with self.transaction() as tx:
            return await self._version(tx)

    @staticmethod
    async def _version(tx: Tx) -> int:
        await tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        return int(await tx.value("SELECT COALESCE(MAX(version), 0) FROM schema_version"))

    async def migrate(self, target: int | None = None) -> None:
        known = migrations()
        target = len(known) if target is None else target
        async with self.transaction() as tx:
            current = await self._version(tx)
        if current > len(known):
            raise DatabaseTooNew(
                f"The database {self.path} has schema version {current}, but this wijkbot knows only up to "
                f"{len(known)}. Upgrade wijkbot, or restore a backup made for this version."
            )
        for version, name, sql in known[current:target]:
            async with self.transaction() as tx:
                if name.endswith(".py"):
                    await _python_step(name).upgrade(tx)
                else:
                    for statement in _statements(sql):
                        await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, datetime('now'))",
                    (version, name),
                )
            log.info("database migrated to version %d (%s)", version, name)


def _python_step(name: str) -> Any:
    """The module of a Python migration (``0014_x.py``: not an identifier, so imported by name)."""
    return importlib.import_module(f"{__package__}.migrations.{name.removesuffix('.py')}")


def _statements(sql: str) -> list[str]:
    """Split a migration file on ';' at line ends (migrations contain no triggers or string semicolons)."""
    parts = re.split(r";\s*(?:--[^\n]*)?\n", sql + "\n")
    return [p.strip() for p in parts if p.strip() and not all(
        line.strip().startswith("--") or not line.strip() for line in p.splitlines())]
