"""``wijkbot db copy``: a municipality's whole database from one place to another (SQLite to PostgreSQL, back, or
between PostgreSQL schemas), while the bot is stopped.

The source is first brought to this version's schema (as the bot would at start); the target must be empty, gets
the same schema, and receives every row in ONE transaction: a failure leaves it empty again. Tables go in the
order their foreign keys need; a table that refers to itself (a contact person's successor) gets those columns
after all its rows are in. Only the columns both sides have are copied (PostgreSQL's explicit ``rowid`` of two
tables stands for SQLite's implicit one and is renumbered in the same order). At the end every table's rows are
counted on both sides, and PostgreSQL's identity sequences continue after the highest copied id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.store.db import Database, Tx
from bot.store.report import Reader
from bot.store.url import DatabaseUrl

BATCH = 1000


class CopyRefused(Exception):
    """The copy cannot start (the target holds data) or did not add up (row counts differ)."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]  # copied now
    later: tuple[str, ...]  # columns that refer to the table itself, set after all its rows are in
    key: tuple[str, ...]  # the primary key, to set ``later`` by


async def tables(tx: Tx) -> dict[str, tuple[list[str], set[str], list[str]]]:
    """Every table: (its columns in order, the tables it refers to, columns referring to itself)."""
    if tx.dialect == "sqlite":
        names = [r[0] for r in await tx.all("SELECT name FROM sqlite_master WHERE type = 'table'"
                                            " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        found: dict[str, tuple[list[str], set[str], list[str]]] = {}
        for name in names:
            columns = [r[0] for r in await tx.all("SELECT name FROM pragma_table_info(?) ORDER BY cid", (name,))]
            refs = await tx.all('SELECT "table", "from" FROM pragma_foreign_key_list(?)', (name,))
            found[name] = (columns, {r[0] for r in refs if r[0] != name}, [r[1] for r in refs if r[0] == name])
        return found
    rows = await tx.all("SELECT table_name, column_name FROM information_schema.columns"
                        " WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position")
    found = {}
    for row in rows:
        found.setdefault(row[0], ([], set(), []))[0].append(row[1])
    for row in await tx.all(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text, a.attname FROM pg_constraint c"
            " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
            " WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace"):
        if row[0] in found:
            if row[0] == row[1]:
                found[row[0]][2].append(row[2])
            else:
                found[row[0]][1].add(row[1])
    return found


async def primary_key(tx: Tx, table: str) -> tuple[str, ...]:
    if tx.dialect == "sqlite":
        rows = await tx.all("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", (table,))
    else:
        rows = await tx.all("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
                            " AND a.attnum = ANY (i.indkey) WHERE i.indrelid = CAST(? AS regclass) AND i.indisprimary"
                            " ORDER BY a.attnum", (table,))
    return tuple(r[0] for r in rows)


def in_order(found: dict[str, tuple[list[str], set[str], list[str]]]) -> list[str]:
    """The tables, each after the tables it refers to."""
    done: list[str] = []
    waiting = dict(sorted(found.items()))
    while waiting:
        ready = [name for name, (_, refs, _) in waiting.items() if refs <= set(done) | (refs - set(found))]
        if not ready:
            raise CopyRefused(f"the foreign keys of {', '.join(waiting)} form a cycle")
        for name in ready:
            done.append(name)
            del waiting[name]
    return done


async def is_empty(db: Database) -> bool:
    async with db.transaction() as tx:
        if tx.dialect == "sqlite":
            return not await tx.value("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
                                      " AND name NOT IN ('schema_version') AND name NOT LIKE 'sqlite_%'")
        return not await tx.value("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema ="
                                  " current_schema() AND table_name != 'schema_version'")


async def copy(source: DatabaseUrl, target: DatabaseUrl, say: Callable[[str], None] = print) -> dict[str, int]:
    """Copy everything; the number of rows per table (the same on both sides, or :class:`CopyRefused`)."""
    src = Database(source)
    await src.open()  # brought to this version's schema, as the bot would at start
    await src.close()
    dst = Database(target)
    await dst.open(migrate_to=0)
    try:
        if not await is_empty(dst):
            raise CopyRefused(f"{dst.path} already holds tables; copy only into an empty database or schema")
        await dst.migrate()
        async with dst.transaction() as tx:
            plan = await _plan(tx, source)
        async with Reader.open(source) as reader, dst.transaction() as tx:
            counts = {}
            for table in plan:
                counts[table.name] = await _copy_table(reader, tx, table)
                say(f"{table.name}: {counts[table.name]}")
            await _check_counts(reader, tx, counts)
            if tx.dialect == "postgresql":
                await _continue_identities(tx)
        return counts
    finally:
        await dst.close()


async def _plan(tx: Tx, source: DatabaseUrl) -> list[Table]:
    ours = await tables(tx)
    src = Database(source)
    await src.open()
    try:
        async with src.transaction() as stx:
            theirs = await tables(stx)
    finally:
        await src.close()
    plan = []
    for name in in_order(ours):
        if name == "schema_version":
            continue
        common = [c for c in ours[name][0] if c in theirs.get(name, ([], set(), []))[0]]
        later = tuple(c for c in ours[name][2] if c in common)
        plan.append(Table(name, tuple(c for c in common if c not in later), later, await primary_key(tx, name)))
    return plan


async def _copy_table(reader: Reader, tx: Tx, table: Table) -> int:
    columns = (*table.columns, *table.later)
    # SQLite's implicit rowid, PostgreSQL's explicit one (migrations/postgresql/0004_polls.sql): the order kept
    order = " ORDER BY rowid" if table.name in ("poll_messages", "poll_neighbourhoods") else ""
    insert = (f"INSERT INTO {table.name} ({', '.join(table.columns)})"
              f" VALUES ({', '.join('?' for _ in table.columns)})")
    batch: list[tuple[str, tuple[object, ...]]] = []
    later: list[tuple[object, ...]] = []
    count = 0
    async for row in reader.stream(f"SELECT {', '.join(columns)} FROM {table.name}{order}"):
        values = tuple(row)
        batch.append((insert, values[:len(table.columns)]))
        if table.later:
            later.append(values)
        count += 1
        if len(batch) == BATCH:
            await tx.many(*batch)
            batch = []
    if batch:
        await tx.many(*batch)
    if later:
        update = (f"UPDATE {table.name} SET {', '.join(f'{c} = ?' for c in table.later)}"
                  f" WHERE {' AND '.join(f'{c} = ?' for c in table.key)}")
        index = {c: i for i, c in enumerate(columns)}
        await tx.many(*[(update, (*row[len(table.columns):], *(row[index[k]] for k in table.key)))
                        for row in later])
    return count


async def _check_counts(reader: Reader, tx: Tx, counts: dict[str, int]) -> None:
    for name, copied in counts.items():
        there = (await reader.all(f"SELECT COUNT(*) FROM {name}"))[0][0]
        here = await tx.value(f"SELECT COUNT(*) FROM {name}")
        if not there == here == copied:
            raise CopyRefused(f"{name}: {there} row(s) in the source, {here} in the target; nothing was copied")


async def _continue_identities(tx: Tx) -> None:
    """PostgreSQL's identity sequences go on after the highest id copied."""
    for row in await tx.all("SELECT table_name, column_name FROM information_schema.columns"
                            " WHERE table_schema = current_schema() AND is_identity = 'YES'"
                            " AND identity_generation = 'BY DEFAULT'"):
        await tx.value(f"SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX({row[1]}), 0) + 1, false)"
                       f" FROM {row[0]}", (row[0], row[1]))
