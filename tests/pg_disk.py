"""Looking where an auditor looks on PostgreSQL: the files of every table, index and TOAST table of the test's
schema under the server's data directory (we run as root on the test machine, so they are readable), after a
CHECKPOINT has written every changed page to them. The counterpart of tests/disk.py for SQLite."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import App
from tests.disk import backup_copy, files_of


async def relation_files(app: App) -> dict[str, bytes]:
    """The bytes of every relation of the app's schema (all segments of each), by relation name."""
    async with app.db.pool.acquire() as conn:
        await conn.execute("CHECKPOINT")
        data = Path(await conn.fetchval("SHOW data_directory"))
        rows = await conn.fetch(
            "SELECT c.relname, pg_relation_filepath(c.oid) FROM pg_class c"
            " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'i', 't')"
            " UNION ALL SELECT t.relname, pg_relation_filepath(t.oid) FROM pg_class c JOIN pg_class t"
            " ON t.oid = c.reltoastrelid WHERE c.relnamespace = current_schema()::regnamespace"
            " UNION ALL SELECT i.relname, pg_relation_filepath(i.oid) FROM pg_class c JOIN pg_index x"
            " ON x.indrelid = c.reltoastrelid JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE c.relnamespace = current_schema()::regnamespace")
    return await asyncio.to_thread(_read, {name: data / relative for name, relative in rows if relative})


def _read(relations: dict[str, Path]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for name, base in relations.items():
        segments = [base, *sorted(base.parent.glob(base.name + ".[0-9]*"))]
        found[name] = b"".join(path.read_bytes() for path in segments if path.exists())
    return found


async def physical_order(app: App, table: str, column: str) -> list[object]:
    """``column`` of every row of ``table`` in the order the rows lie in its file (by ctid: page, then slot)."""
    async with app.db.transaction() as tx:
        rows = await tx.all(f"SELECT {column} FROM {table} ORDER BY ctid")
    return [row[0] for row in rows]


async def database_bytes(app: App) -> bytes:
    """Everything the database keeps on disk: SQLite's file and WAL, or PostgreSQL's relation files."""
    if app.db.dialect == "postgresql":
        return b"".join((await relation_files(app)).values())
    path = Path(app.db.path)
    return b"".join((await asyncio.to_thread(_read, {"db": path, "wal": path.with_name(path.name + "-wal")})).values())


async def on_disk(app: App, backup_to: Path | None = None) -> dict[str, bytes]:
    """Every file the database keeps, by name: SQLite's file, WAL and shared memory (and, with ``backup_to``, an
    online backup made there), or PostgreSQL's relation files."""
    if app.db.dialect == "postgresql":
        return await relation_files(app)
    return await asyncio.to_thread(_sqlite_files, Path(app.db.path), backup_to)


def _sqlite_files(database: Path, backup_to: Path | None) -> dict[str, bytes]:
    files = files_of(database)
    if backup_to is not None:
        files["backup"] = backup_copy(database, backup_to).read_bytes()
    return files
