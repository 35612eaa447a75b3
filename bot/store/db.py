"""The embedded database: SQLite through aiosqlite, numbered SQL migrations, one transaction per change.

One connection serves the whole process. An asyncio lock makes every ``transaction()`` exclusive, so two
conversations never interleave inside one SQLite transaction. The SQL sticks to what PostgreSQL also runs
(``ON CONFLICT``, ``RETURNING``, ISO-8601 text timestamps, integer keys).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Self

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
Row = aiosqlite.Row


class Record:
    """For frozen dataclasses whose fields are the columns of a row: ``Thing.from_row(row)``."""

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(**dict(zip(row.keys(), tuple(row), strict=True)))


class DatabaseTooNew(Exception):
    """The database was written by a newer wijkbot; running older code on it could damage it."""


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every migration shipped with the code, in order."""
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

    Every aiosqlite call is a round trip to its worker thread (20-75 µs of CPU here, more on a busy machine), so each
    method makes exactly one: a statement and its rows in one call (``execute_fetchall``), and no separate
    cursor close (the statement has run to completion; the cursor is freed with it, as BEGIN's is).
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        cursor = await self.conn.execute(sql, tuple(params))
        return cursor.rowcount

    async def one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The first row of a query that returns at most a few (a key lookup, ``RETURNING``)."""
        rows = await self.conn.execute_fetchall(sql, tuple(params))
        return next(iter(rows), None)

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return list(await self.conn.execute_fetchall(sql, tuple(params)))

    async def value(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.one(sql, params)
        return None if row is None else row[0]


class Database:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self, migrate_to: int | None = None) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA synchronous=NORMAL")
        self._conn = conn
        try:
            await self.migrate(migrate_to)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One logical change: everything inside commits together or not at all."""
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self.conn)
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

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
                for statement in _statements(sql):
                    await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, datetime('now'))",
                    (version, name),
                )
            log.info("database migrated to version %d (%s)", version, name)


def _statements(sql: str) -> list[str]:
    """Split a migration file on ';' at line ends (migrations contain no triggers or string semicolons)."""
    parts = re.split(r";\s*(?:--[^\n]*)?\n", sql + "\n")
    return [p.strip() for p in parts if p.strip() and not all(
        line.strip().startswith("--") or not line.strip() for line in p.splitlines())]
