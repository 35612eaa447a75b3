"""PostgreSQL through asyncpg: the same ``Tx`` over the network, in as few round trips as the protocol allows.

A round trip to the server costs more than the SQL of a turn, and asyncpg cannot pipeline different
parameterised statements. So a transaction starts optimistic (see ``pg_sql.py`` for the statement shapes):

- queries that only read run at once, outside any transaction, several of them as one statement
  (``Tx.many``); under PostgreSQL's default isolation (read committed) a query inside a transaction sees the
  same as one outside it, and ``Database`` runs one transaction of this process at a time. A query may even run
  before writes still deferred, when it reads none of the tables they write (the turn's claim of its event does
  not keep the handler from reading the resident's settings);
- writes whose outcome nobody reads (``Tx.defer``) wait for the commit and then go as ONE statement, which is
  atomic on its own: no ``BEGIN``, no ``COMMIT``. An ordinary dialogue turn is one read and one write: two round
  trips (tests/store/test_pg_round_trips.py counts them);
- the first statement that must see or make a change inside the transaction (a write whose result is read, a
  read after a deferred write, a locking read) sends ``BEGIN`` first, and from then on the transaction is an
  ordinary one, committed with ``COMMIT``.

Erased means erased on disk. PostgreSQL keeps an updated or deleted row's old version in the table's file (and
its index entries) until a vacuum reuses the space, and even then the bytes stay until overwritten; SQLite's
``secure_delete`` has no counterpart. So after a transaction that erased personal data (``Tx.erased``) commits,
every table it updated or deleted rows in (cascades included, read from ``pg_stat_xact_user_tables`` before the
COMMIT), and every table where this process's earlier transactions left old row versions since the last such
rewrite (a sent /mydata export, a handled inbox message, earlier dialogue states), is rewritten with
``VACUUM FULL``: the old row versions leave the table and index files. That locks each table for its rewrite
(README, "PostgreSQL"). A row version that another session may still see (its snapshot or transaction is
older than the erasure: an autovacuum's ANALYZE, a report, a ``pg_dump``, any transaction of the server still
running) survives any vacuum, so the rewrite first waits, briefly, for those to end; one that outlasts the wait
leaves its tables to the next erasure's rewrite. One municipality's tables live in one schema
(``database.schema``).
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from bot.store import pg_sql
from bot.store.tx import NamedRow, Row, Tx
from bot.store.url import DatabaseUrl

log = logging.getLogger(__name__)
Statement = pg_sql.Statement
HORIZON_WAIT = 10.0  # seconds an erasure waits for older snapshots of other sessions to end


class PgTx(Tx):
    dialect = "postgresql"

    def __init__(self, conn: asyncpg.Connection, columns: dict[str, tuple[str, ...]]) -> None:
        super().__init__()
        self.conn = conn
        self.columns = columns  # query text -> its column names (for combined reads; PgBackend keeps them)
        self.changed: set[str] = set()  # tables this transaction updated or deleted rows in (by its statements)
        self._pending: list[list[Statement]] = []  # deferred writes, in units (see Tx.defer_disjoint)
        self.begun = False  # whether BEGIN was sent
        self.touched: list[str] = []  # the tables an erasing transaction changed (rewritten after the COMMIT)
        self.xid = ""  # an erasing transaction's id

    def _hold(self, writes: list[Statement]) -> None:
        self._pending.append(writes)
        for sql, _ in writes:
            self._note(sql)

    def _note(self, sql: str) -> None:
        self.changed |= pg_sql.leaves_old_rows(sql)

    async def _send(self, statements: list[Statement]) -> list[tuple[list[Row], int]]:
        for sql, _ in statements:
            self._note(sql)
        if self.begun or not all(pg_sql.read_only(sql) for sql, _ in statements) or not pg_sql.independent(
                self._pending, statements):
            await self.begin()
            await self._flush()
        results: list[tuple[list[Row], int]] = []
        at = 0
        while at < len(statements):
            end = at + 1
            if pg_sql.read_only(statements[at][0]):  # consecutive queries: one statement
                while end < len(statements) and pg_sql.read_only(statements[end][0]):
                    end += 1
                results.extend(await self._reads(statements[at:end]))
            else:  # the same write with other values: asyncpg pipelines those (executemany)
                if pg_sql.changes_columns(statements[at][0]):
                    self.columns.clear()
                while (end < len(statements) and statements[end][0] == statements[at][0]
                       and "RETURNING" not in statements[at][0].upper()):
                    end += 1
                results.extend(await self._writes(statements[at:end]))
            at = end
        return results

    async def _reads(self, queries: list[Statement]) -> list[tuple[list[Row], int]]:
        if len(queries) == 1:
            rows = await self.conn.fetch(pg_sql.numbered(queries[0][0])[0], *queries[0][1])
            return [(list(rows), len(rows))]
        for text in dict.fromkeys(sql for sql, _ in queries if sql not in self.columns):
            # The records inside an array carry no column names: ask the server once per query text (one round
            # trip, as asyncpg's own first use of a statement text takes one to prepare it).
            described = await self.conn.prepare(pg_sql.numbered(text)[0])
            self.columns[text] = tuple(attribute.name for attribute in described.get_attributes())
        sql, values = pg_sql.combined_reads(queries)
        row = await self.conn.fetchrow(sql, *values)
        assert row is not None
        found: list[tuple[list[Row], int]] = []
        for (text, _), records in zip(queries, row, strict=True):
            names = self.columns[text]
            decoded: list[Row] = [NamedRow(names, tuple(record)) for record in records]
            found.append((decoded, len(decoded)))
        return found

    async def _writes(self, writes: list[Statement]) -> list[tuple[list[Row], int]]:
        sql = pg_sql.numbered(writes[0][0])[0]
        if len(writes) > 1:
            await self.conn.executemany(sql, [values for _, values in writes])
            return [([], 0) for _ in writes]
        if "RETURNING" in sql.upper():
            rows = await self.conn.fetch(sql, *writes[0][1])
            return [(list(rows), len(rows))]
        return [([], pg_sql.changed_rows(await self.conn.execute(sql, *writes[0][1])))]

    async def begin(self) -> None:
        if not self.begun:
            self.begun = True
            await self.conn.execute("BEGIN")

    async def _flush(self) -> None:
        pending, self._pending = self._pending, []
        for group in pg_sql.groups(pending):
            sql, values = pg_sql.combined_writes(group)
            await self.conn.execute(sql, *values)

    async def commit(self) -> list[str]:
        """Send what is deferred and end the transaction; the tables to rewrite when it erased personal data."""
        if not self.begun and not self.erasing:
            groups = pg_sql.groups(self._pending)
            if len(groups) <= 1:  # one statement (or none) is atomic on its own
                self._pending = []
                for group in groups:
                    sql, values = pg_sql.combined_writes(group)
                    await self.conn.execute(sql, *values)
                return []
        await self.begin()
        await self._flush()
        touched: list[str] = []
        if self.erasing:  # which tables, and this transaction's id (see PgBackend.after_erasure)
            row = await self.conn.fetchrow(
                "SELECT ARRAY(SELECT relname::text FROM pg_stat_xact_user_tables WHERE schemaname = current_schema()"
                " AND n_tup_upd + n_tup_del > 0 ORDER BY relname), pg_current_xact_id()::text")
            assert row is not None
            touched, self.xid = list(row[0]), str(row[1])
        await self.conn.execute("COMMIT")
        return touched


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PgBackend:
    """A pool of connections; one of them, held while the database is open, runs the transactions (one at a
    time, see ``Database``). The pool is there for work beside them (``Database.pool``)."""

    dialect = "postgresql"
    release_before_commit = False

    def __init__(self, url: DatabaseUrl, pool_size: int = 4) -> None:
        self.url = url
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._conn: asyncpg.Connection | None = None
        self.cascades: dict[str, set[str]] = {}  # table -> tables its deletes change too
        self.columns: dict[str, tuple[str, ...]] = {}  # query text -> its column names (see PgTx._reads)
        self._reach: dict[frozenset[str], frozenset[str]] = {}  # tables -> with the tables their deletes reach
        self.old_rows: set[str] = set()  # tables holding old row versions since the last erasure's rewrite

    @property
    def where(self) -> str:
        return self.url.shown

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database is not open")
        return self._pool

    @property
    def conn(self) -> asyncpg.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def open(self) -> None:
        await ensure_schema(self.url)
        self._pool = await asyncpg.create_pool(
            self.url.dsn, min_size=1, max_size=self.pool_size, statement_cache_size=1024,
            server_settings=settings(self.url))
        self._conn = await self._pool.acquire()
        for parent, child in await self._conn.fetch(  # whose deletes reach which tables (ON DELETE CASCADE/SET NULL)
                "SELECT confrelid::regclass::text, conrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
                " AND confdeltype IN ('c', 'n') AND connamespace = current_schema()::regnamespace"):
            self.cascades.setdefault(parent, set()).add(child)
        self._reach.clear()

    async def close(self) -> None:
        pool, conn, self._pool, self._conn = self._pool, self._conn, None, None
        if pool is None:
            return
        try:
            if conn is not None:
                await pool.release(conn)
            await pool.close()
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("the database did not close cleanly (%s)", type(exc).__name__)
            pool.terminate()

    def new_tx(self) -> PgTx:
        return PgTx(self.conn, self.columns)

    async def commit(self, tx: Tx) -> None:
        assert isinstance(tx, PgTx)
        tx.touched = await tx.commit()
        self.old_rows |= self._with_cascades(tx.changed)

    def _with_cascades(self, tables: set[str]) -> frozenset[str]:
        """``tables`` and every table their deletes reach (computed once for each set of tables)."""
        key = frozenset(tables)
        found = self._reach.get(key)
        if found is None:
            reached, todo = set(tables), list(tables)
            while todo:
                for child in self.cascades.get(todo.pop(), ()):
                    if child not in reached:
                        reached.add(child)
                        todo.append(child)
            found = self._reach[key] = frozenset(reached)
        return found

    async def rollback(self, tx: Tx) -> None:
        if self._conn is not None and self._conn.is_in_transaction():
            await self._conn.execute("ROLLBACK")

    async def after_erasure(self, tx: Tx) -> bool:
        """Rewrite the tables the erasing transaction changed, and those where earlier transactions of this
        process left old row versions (a sent /mydata export, an answered inbox message: see the module text)."""
        tables = sorted(set(tx.touched if isinstance(tx, PgTx) else []) | self.old_rows)
        if not tables:
            return True
        clear = await self._horizon_passed(tx.xid if isinstance(tx, PgTx) else "")
        await self.conn.execute("VACUUM FULL " + ", ".join(quoted(t) for t in tables))
        log.debug("erasure: %d table(s) rewritten", len(tables))
        if clear:
            self.old_rows.clear()
        else:  # rewritten again at the next erasure (README, "PostgreSQL")
            self.old_rows.update(tables)
            log.warning("another session of the database held a snapshot from before an erasure for %d s; the"
                        " erased rows leave the files at the next erasure", HORIZON_WAIT)
        return clear

    async def _horizon_passed(self, xid: str) -> bool:
        """Wait (up to HORIZON_WAIT seconds) until nothing may still see the database as it was before transaction
        ``xid``: until then a vacuum must keep the erased row versions, and VACUUM FULL would copy them. That is
        another session of this database with an older snapshot (an autovacuum's ANALYZE, a running report or
        pg_dump), and any older transaction still running, in any database of the server: the rewrite's own
        snapshot starts from the oldest of those."""
        if not xid:
            return True
        for attempt in range(int(HORIZON_WAIT / 0.02)):
            passed = await self.conn.fetchval(
                "SELECT pg_snapshot_xmin(pg_current_snapshot()) > $1::text::xid8 AND NOT EXISTS (SELECT 1"
                " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND age(backend_xmin) >= age($1::text::xid8::xid))", xid)
            if passed:
                return True
            await asyncio.sleep(0.02 * min(attempt + 1, 10))
        return False

    @staticmethod
    def problem(exc: BaseException, opening: bool = False) -> str | None:
        return problem(exc, opening)


def settings(url: DatabaseUrl) -> dict[str, str]:
    return {"search_path": quoted(url.schema), "application_name": "wijkbot"}


async def ensure_schema(url: DatabaseUrl) -> None:
    """Make the municipality's schema if it is not there yet (one short connection)."""
    if url.schema == "public":
        return
    conn = await asyncpg.connect(url.dsn)
    try:
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted(url.schema)}")
    finally:
        await conn.close()


async def reachable(url: DatabaseUrl) -> str | None:
    """What keeps the bot from connecting (None: it can); for ``check-config``."""
    try:
        conn = await asyncpg.connect(url.dsn, timeout=10)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        return problem(exc, opening=True) or f"cannot be used: {type(exc).__name__}: {exc}"
    try:
        await conn.fetchval("SELECT 1")
    finally:
        await conn.close()
    return None


def problem(exc: BaseException, opening: bool = False) -> str | None:
    """What keeps the bot from using the server, in a few words (None: some other failure)."""
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return "does not exist; create it (createdb) or fix database.url"
    if isinstance(exc, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        return f"refused the login: {exc}"
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return f"refused access: {exc}"
    if isinstance(exc, asyncpg.DiskFullError):
        return "cannot be written: the server's disk is full"
    if isinstance(exc, ConnectionError | asyncpg.ConnectionDoesNotExistError | asyncpg.CannotConnectNowError):
        return "cannot be reached (is PostgreSQL running, and are host and port right?)"
    if isinstance(exc, OSError | TimeoutError) and opening:
        return f"cannot be reached: {getattr(exc, 'strerror', None) or exc or 'timed out'}"
    return None
