"""The database: one interface (``Database``, ``Tx``) over two engines, numbered migrations, one transaction per
change.

``database.url`` picks the engine: SQLite through aiosqlite (``sqlite_backend.py``, the embedded default: one
file) or PostgreSQL through asyncpg (``pg_backend.py``). The engine and handlers see only :class:`Tx`; the SQL in
``bot/store/`` is written once, with ``?`` placeholders, in what both engines run (``ON CONFLICT``,
``RETURNING``, ISO-8601 text timestamps, integer keys); ``tx.dialect`` names the engine for the few statements
that must differ. An asyncio lock makes every ``transaction()`` exclusive within the process, so two
conversations never interleave inside one transaction.

A migration is ``migrations/NNNN_name.sql`` (statements), or ``NNNN_name.py`` when a step needs Python (e.g.
reading JSON): its ``async def upgrade(tx: Tx) -> None`` runs in the same transaction that records the version,
through the same ``Tx`` as everything else, so it runs on both engines. PostgreSQL runs the SQL files through a
few mechanical rewrites (``pg_sql.migration``), or ``migrations/postgresql/NNNN_name.sql`` where one exists. A
database newer than the code is refused on both.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store import pg_sql
from bot.store.broken import StorageError
from bot.store.pg_backend import PgBackend
from bot.store.sqlite_backend import SqliteBackend
from bot.store.tx import Dialect, NamedRow, Record, Row, Tx
from bot.store.url import DatabaseUrl

__all__ = ["Database", "DatabaseTooNew", "DatabaseUrl", "NamedRow", "Record", "Row", "StorageError", "Tx",
           "latest_version", "migrations", "to_hour"]

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.(sql|py)$")


class DatabaseTooNew(Exception):
    """The database was written by a newer wijkbot; running older code on it could damage it."""


def to_hour(moment: str) -> str:
    """An ISO-8601 time (``2026-03-02T10:13:17+00:00``) cut to its hour (``2026-03-02T10:00:00+00:00``): for rows
    that need a rough age but must not record the moment someone did something."""
    return f"{moment[:13]}:00:00{moment[19:]}"


def migrations(dialect: Dialect = "sqlite") -> list[tuple[int, str, str]]:
    """(version, file name, source) for every migration shipped with the code, in order (SQL or Python), as
    ``dialect`` runs it."""
    folder = resources.files("bot.store").joinpath("migrations")
    overrides = folder.joinpath("postgresql")
    found: list[tuple[int, str, str]] = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            source = entry.read_text(encoding="utf-8")
            if dialect == "postgresql" and entry.name.endswith(".sql"):
                override = overrides.joinpath(entry.name)
                source = override.read_text(encoding="utf-8") if override.is_file() else pg_sql.migration(source)
            found.append((int(match.group(1)), entry.name, source))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


def latest_version() -> int:
    return len(migrations())


class Database:
    """``Database(path)`` is SQLite; ``Database(DatabaseUrl)`` (or a ``postgresql://`` string) picks by URL."""

    def __init__(self, where: Path | str | DatabaseUrl) -> None:
        if isinstance(where, str) and where.startswith(("postgresql://", "postgres://")):
            where = DatabaseUrl("postgresql", dsn=where)
        self.url = where if isinstance(where, DatabaseUrl) else DatabaseUrl.sqlite(where)
        self.dialect: Dialect = self.url.dialect
        self.backend: SqliteBackend | PgBackend = (
            SqliteBackend(self.url.path) if self.dialect == "sqlite" else PgBackend(self.url))
        self.path = self.backend.where  # the file, or the server's URL without its password
        self._lock = asyncio.Lock()
        self.failure: StorageError | None = None  # set when the storage broke while running (see broken.py)
        self.broken = asyncio.Event()

    async def open(self, migrate_to: int | None = None) -> None:
        """Open (SQLite: creating the file, and its folder but not the folders above it) and migrate. A database
        that cannot be used raises :class:`StorageError`, with nothing left open and the file as it was."""
        try:
            await self.backend.open()
            await self.migrate(migrate_to)
        except BaseException as exc:
            await self.close()
            found = self.backend.problem(exc, opening=True)
            if found is not None:
                raise StorageError(self.path, found) from exc
            raise

    async def close(self) -> None:
        """Close the connections (and SQLite's worker thread), also when the storage has failed."""
        await self.backend.close()

    def _check(self, exc: BaseException) -> None:
        """A failure that means the database cannot be used marks it broken (once; the app then stops)."""
        found = self.backend.problem(exc)
        if found is not None and self.failure is None:
            self.failure = StorageError(self.path, found)
            log.error("%s; stopping", self.failure)
            self.broken.set()

    @property
    def conn(self) -> aiosqlite.Connection:
        """SQLite's connection (tests read its settings)."""
        if not isinstance(self.backend, SqliteBackend):
            raise RuntimeError("not an SQLite database")
        return self.backend.conn

    @property
    def pool(self) -> Any:
        """PostgreSQL's connection pool (``asyncpg.Pool``), for work beside the transactions."""
        if not isinstance(self.backend, PgBackend):
            raise RuntimeError("not a PostgreSQL database")
        return self.backend.pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One logical change: everything inside commits together or not at all.

        The lock keeps other transactions from sending statements while this one runs. With SQLite it is released
        as the COMMIT is queued, not when it has run: the worker runs what is queued in order, so the next
        transaction's BEGIN comes after this COMMIT anyway (under load, holding the lock through the COMMIT made
        the lock the bottleneck); nothing can run between the release and the queueing, as awaiting the commit
        queues it before it first suspends. PostgreSQL's connection takes one command at a time: its lock is held
        through the COMMIT."""
        tx = self.backend.new_tx()  # a closed database fails here, before taking the lock (never given back)
        await self._lock.acquire()
        locked = True
        try:
            yield tx
            if self.backend.release_before_commit:
                self._lock.release()
                locked = False
            await self.backend.commit(tx)  # a failure has rolled back already (SQLite)
            if tx.erasing:
                if not locked:
                    await self._lock.acquire()
                    locked = True
                await self.backend.after_erasure(tx)
        except BaseException as exc:
            self._check(exc)
            if locked:
                await self.backend.rollback(tx)
            raise
        finally:
            if locked:
                self._lock.release()

    async def erase_checkpoint(self) -> bool:
        """SQLite: copy the WAL into the database file and truncate it (see ``sqlite_backend``)."""
        if not isinstance(self.backend, SqliteBackend):
            return True
        async with self._lock:
            return await self.backend.erase_checkpoint()

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
        known = migrations(self.dialect)
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
                await tx.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                                 (version, name, datetime.now(UTC).isoformat(timespec="seconds")))
            log.info("database migrated to version %d (%s)", version, name)


def _python_step(name: str) -> Any:
    """The module of a Python migration (``0014_x.py``: not an identifier, so imported by name)."""
    return importlib.import_module(f"{__package__}.migrations.{name.removesuffix('.py')}")


def _statements(sql: str) -> list[str]:
    """Split a migration file on ';' at line ends (migrations contain no triggers or string semicolons)."""
    parts = re.split(r";\s*(?:--[^\n]*)?\n", sql + "\n")
    return [p.strip() for p in parts if p.strip() and not all(
        line.strip().startswith("--") or not line.strip() for line in p.splitlines())]
