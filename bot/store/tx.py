"""What the engine sees of a transaction, whatever the engine underneath: :class:`Tx`, rows and records.

Each backend (``sqlite_backend.py``, ``pg_backend.py``) subclasses :class:`Tx` and decides how the statements
travel: SQLite sends them to aiosqlite's worker thread in batches, PostgreSQL over the network in as few round
trips as the protocol allows. The SQL is written once, with ``?`` placeholders; ``dialect`` names the engine for
the few statements in ``bot/store/`` that must differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, Protocol, Self

from bot.store.sql import mentions, written_table

Dialect = Literal["sqlite", "postgresql"]
Query = tuple[str, tuple[Any, ...]]


class Row(Protocol):
    """A result row: by column name or position, ``keys()``, iterable over its values (``sqlite3.Row``,
    ``asyncpg.Record`` and :class:`NamedRow` all are)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def keys(self) -> Any: ...


class NamedRow:
    """A row that came back as an anonymous record, its column names known apart (several queries answered by one
    statement, see ``pg_sql.py``)."""

    __slots__ = ("_keys", "_values")

    def __init__(self, keys: tuple[str, ...], values: tuple[Any, ...]) -> None:
        self._keys = keys
        self._values = values

    def __getitem__(self, key: Any, /) -> Any:
        if isinstance(key, str):
            return self._values[self._keys.index(key)]
        return self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> tuple[str, ...]:
        return self._keys


class Record:
    """For frozen dataclasses whose fields are the columns of a row: ``Thing.from_row(row)``."""

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(**dict(zip(row.keys(), tuple(row), strict=True)))


class Tx:
    """A running transaction: the only way handlers and engine services touch the database.

    ``execute``/``one``/``all``/``value``/``many`` run now and return what they found; :meth:`defer` holds a write
    whose outcome nobody reads until the next statement or the commit, so the backend can send it together with
    others (see each backend for what that saves). A deferred write that fails still fails the transaction,
    which is then rolled back as a whole. Rows read ahead (:meth:`read_ahead`) answer the same query again without
    a round trip.
    """

    dialect: Dialect

    def __init__(self) -> None:
        self.erasing = False  # personal data was erased: the backend clears what it left on disk after the COMMIT
        self._ahead: dict[Query, list[Row]] = {}

    def read_ahead(self, queries: Sequence[Query], found: Sequence[list[Row]]) -> None:
        """Keep the rows of queries read before anyone asked (a turn's opening read takes what its handler will
        read: bot/store/turn.py): the same query, same text and values, is answered from them until this
        transaction writes a table that the query mentions."""
        self._ahead.update(zip(queries, found, strict=True))

    def _wrote(self, sql: str) -> None:
        """Forget what was read ahead from the table ``sql`` writes (from every table: another statement)."""
        if self._ahead:
            table = written_table(sql)
            self._ahead = {} if table is None else {
                query: rows for query, rows in self._ahead.items() if table not in mentions(query[0])}

    async def _answer(self, statements: list[Query]) -> list[tuple[list[Row], int]]:
        if self._ahead:
            for sql, _ in statements:
                if not _is_query(sql):
                    self._wrote(sql)
            if all(statement in self._ahead for statement in statements):
                return [(rows, len(rows)) for rows in (self._ahead[statement] for statement in statements)]
        return await self._send(statements)

    def erased(self) -> None:
        """This transaction erases personal data: once it has committed, the backend makes sure the erased bytes
        are gone from its files too (SQLite: the WAL is truncated; PostgreSQL: the touched tables are rewritten)."""
        self.erasing = True

    def defer(self, sql: str, params: Iterable[Any] = ()) -> None:
        self._wrote(sql)
        self._hold([(sql, tuple(params))])

    def defer_disjoint(self, *writes: tuple[str, Iterable[Any]]) -> None:
        """Deferred writes that change different rows (of the same table, say: the options of a vote that go and
        those that stay), so PostgreSQL may run them as one statement; in order on SQLite."""
        for sql, _ in writes:
            self._wrote(sql)
        self._hold([(sql, tuple(params)) for sql, params in writes])

    def _hold(self, writes: list[Query]) -> None:
        """Keep deferred writes (one unit: see :meth:`defer_disjoint`) for the next statement or the commit."""
        raise NotImplementedError

    async def _send(self, statements: list[tuple[str, tuple[Any, ...]]]) -> list[tuple[list[Row], int]]:
        raise NotImplementedError

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run a statement now; the number of rows it changed."""
        return (await self._answer([(sql, tuple(params))]))[-1][1]

    async def one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The first row of a query that returns at most a few (a key lookup, ``RETURNING``)."""
        rows = (await self._answer([(sql, tuple(params))]))[-1][0]
        return rows[0] if rows else None

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return (await self._answer([(sql, tuple(params))]))[-1][0]

    async def value(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.one(sql, params)
        return None if row is None else row[0]

    async def many(self, *queries: tuple[str, Iterable[Any]]) -> list[list[Row]]:
        """Several statements in one round trip where the backend can, in order; the rows of each."""
        results = await self._answer([(sql, tuple(params)) for sql, params in queries])
        return [rows for rows, _ in results[len(results) - len(queries):]]


def _is_query(sql: str) -> bool:
    return sql.lstrip()[:6].upper() == "SELECT"
