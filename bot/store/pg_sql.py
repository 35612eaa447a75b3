"""The store's SQL, as PostgreSQL takes it: placeholders, statements that travel together, migrations.

The store writes its SQL once, with ``?`` placeholders, in the part of SQL both engines share. For PostgreSQL:

- ``?`` becomes ``$1``, ``$2`` … (outside quotes and comments), once per distinct statement text (a cache);
  asyncpg then prepares each distinct text once per connection and keeps it (its statement cache).
- Several queries that only read become ONE statement: each query's rows as an array of records
  (``ARRAY(SELECT q FROM (…) AS q)``), which asyncpg decodes in binary, read back as
  :class:`~bot.store.tx.NamedRow` with the query's column names (learnt once per query text, see
  ``pg_backend.py``). Values stay parameters. (Each query's rows as JSON, ``json_agg``, carried the names along
  but cost the server and the client about a quarter more for a turn's opening read.)
- Several writes whose outcome nobody reads (``Tx.defer``) become ONE statement of data-modifying common table
  expressions, ``WITH w0 AS (INSERT …), w1 AS (UPDATE …) SELECT 1``. A single statement is atomic, so a turn
  whose only writes come at its end needs no ``BEGIN``/``COMMIT`` round trips at all. All parts of such a
  statement see the database as it was before it, so a write that reads or changes a table an earlier write of
  the group changed starts a new group (and the writes then run in an explicit transaction, in order).
- Migrations: a few mechanical rules (:func:`migration`) turn the SQLite schema into PostgreSQL's; a migration
  that cannot be rewritten has an override in ``migrations/postgresql/`` with the same name.

Values never become part of the SQL text: PostgreSQL logs the text of a failing statement, and residents' words
must not reach a log.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bot.store.sql import mentions, written_table

Statement = tuple[str, tuple[Any, ...]]
MAX_PARAMS = 32767  # the protocol's limit per statement

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|\?")
_LOCKING = re.compile(r"\bFOR\s+(?:UPDATE|NO\s+KEY\s+UPDATE|SHARE|KEY\s+SHARE)\b|\bpg_\w*lock", re.IGNORECASE)


@lru_cache(maxsize=4096)
def numbered(sql: str, start: int = 0) -> tuple[str, int]:
    """``sql`` with its ``?`` placeholders numbered ``$start+1`` …, and how many there were."""
    count = start

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) != "?":
            return match.group(0)
        count += 1
        return f"${count}"

    return _TOKENS.sub(number, sql), count - start


@lru_cache(maxsize=4096)
def read_only(sql: str) -> bool:
    """A plain query: it changes nothing and takes no lock, so it may run outside a transaction."""
    return sql.lstrip()[:6].upper() == "SELECT" and not _LOCKING.search(sql)


_OLD_ROWS = re.compile(r"\bDELETE\s+FROM\s+(\w+)|\bUPDATE\s+(\w+)\s+SET\b", re.IGNORECASE)
_UPSERT = re.compile(r"\bINSERT\s+INTO\s+(\w+)[^;]*?\bDO\s+UPDATE\b", re.IGNORECASE | re.DOTALL)


@lru_cache(maxsize=4096)
def leaves_old_rows(sql: str) -> frozenset[str]:
    """The tables in which ``sql`` leaves old row versions behind (UPDATE, DELETE, an upsert that updates)."""
    found = {(m.group(1) or m.group(2)).lower() for m in _OLD_ROWS.finditer(sql)}
    return frozenset(found | {m.group(1).lower() for m in _UPSERT.finditer(sql)})


def independent(units: list[list[Statement]], queries: list[Statement]) -> bool:
    """Whether ``queries`` read none of the tables the deferred writes change (so they see the same before them)."""
    changed = [written_table(sql) for unit in units for sql, _ in unit]
    tables = {table for table in changed if table is not None}
    return None not in changed and not any(tables & mentions(sql) for sql, _ in queries)


def groups(units: list[list[Statement]]) -> list[list[Statement]]:
    """Consecutive writes that may share one statement (see the module text), in order. A unit of several writes
    (``Tx.defer_disjoint``) changes different rows of its tables, so its writes always go together."""
    found: list[list[Statement]] = []
    changed: set[str] = set()
    params = 0
    for unit in units:
        tables = [written_table(sql) for sql, _ in unit]
        size = sum(len(values) for _, values in unit)
        fits = (bool(found) and None not in tables and written_table(found[-1][0][0]) is not None
                and not any(changed & mentions(sql) for sql, _ in unit) and params + size <= MAX_PARAMS)
        if not fits:
            found.append([])
            changed, params = set(), 0
        found[-1].extend(unit)
        changed.update(table for table in tables if table is not None)
        params += size
    return found


def combined_writes(group: list[Statement]) -> Statement:
    """One statement doing every write of a group (one write: itself)."""
    if len(group) == 1:
        return numbered(group[0][0])[0], group[0][1]
    return _combined_writes(tuple(sql for sql, _ in group)), tuple(v for _, params in group for v in params)


@lru_cache(maxsize=1024)
def _combined_writes(texts: tuple[str, ...]) -> str:
    parts: list[str] = []
    count = 0
    for index, sql in enumerate(texts):
        text, n = numbered(sql, count)
        parts.append(f"w{index} AS ({text})")
        count += n
    return "WITH " + ", ".join(parts) + " SELECT 1"


def combined_reads(queries: list[Statement]) -> Statement:
    """One statement answering every query: a column per query, its rows as an array of records."""
    return _combined_reads(tuple(sql for sql, _ in queries)), tuple(v for _, params in queries for v in params)


@lru_cache(maxsize=1024)
def _combined_reads(texts: tuple[str, ...]) -> str:
    columns: list[str] = []
    count = 0
    for sql in texts:
        text, n = numbered(sql, count)
        columns.append(f"ARRAY(SELECT q FROM ({text}) AS q)")
        count += n
    return "SELECT " + ", ".join(columns)


_DDL = re.compile(r"^\s*(?:CREATE|ALTER|DROP)\b", re.IGNORECASE)


def changes_columns(sql: str) -> bool:
    """A statement that may change which columns a query returns (``SELECT *`` after ``ALTER TABLE``)."""
    return _DDL.match(sql) is not None


def changed_rows(status: str) -> int:
    """The row count of a command status (``UPDATE 3``, ``INSERT 0 1``; 0 for others)."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


# The mechanical rules from SQLite's schema to PostgreSQL's (the order matters).
_RULES = (
    (re.compile(r"\bINTEGER PRIMARY KEY\b(?!\s*REFERENCES)", re.IGNORECASE),
     "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b", re.IGNORECASE), "BIGINT"),
    (re.compile(r"\bBLOB\b", re.IGNORECASE), "BYTEA"),
    (re.compile(r"\bREAL\b", re.IGNORECASE), "DOUBLE PRECISION"),
    (re.compile(r"\)\s*WITHOUT ROWID", re.IGNORECASE), ")"),
)


def migration(sql: str) -> str:
    """A SQLite migration as PostgreSQL runs it (integer keys become identity columns, 64-bit integers, bytes)."""
    for pattern, replacement in _RULES:
        sql = pattern.sub(replacement, sql)
    return sql
