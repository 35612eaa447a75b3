"""The report back's queries: aggregates for a period and the period before, read from one snapshot.

A report reads a lot (a year of a big municipality is 50,000 stories), so it never holds the bot's write lock:
:meth:`Reader.open` opens its own read-only connection and keeps one transaction open, so every query sees the
same moment while the bot goes on writing (SQLite's WAL; PostgreSQL: a read-only repeatable-read transaction).
Counting is left to SQL (``GROUP BY``); the one query that has to look at every story (time to first feedback) is
streamed from a cursor, a chunk at a time, so memory does not grow with the number of stories.
Timestamps are ISO-8601 text in UTC; a period is ``[start, end)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosqlite
import asyncpg

from bot.store.db import Row, Tx
from bot.store.pg_backend import settings
from bot.store.pg_sql import numbered
from bot.store.sql import placeholders
from bot.store.url import DatabaseUrl

CHUNK = 1000  # rows fetched per round trip to the worker thread when streaming


@dataclass(frozen=True)
class Periods:
    """The previous period, then the reported one: ``[previous, start)`` and ``[start, end)`` (ISO text, UTC)."""

    previous: str
    start: str
    end: str


def _period(column: str) -> str:
    """SQL naming the period a timestamp falls in (the WHERE clause keeps it inside ``[previous, end)``)."""
    return f"CASE WHEN {column} >= ? THEN 'current' ELSE 'previous' END"


class Reader:
    """A read-only snapshot of the database for one report."""

    def __init__(self, conn: aiosqlite.Connection | None = None, pg: asyncpg.Connection | None = None) -> None:
        self.conn = conn
        self.pg = pg

    @classmethod
    @asynccontextmanager
    async def open(cls, where: Path | str | DatabaseUrl) -> AsyncIterator[Reader]:
        url = where if isinstance(where, DatabaseUrl) else DatabaseUrl.sqlite(where)
        if url.dialect == "postgresql":
            pg = await asyncpg.connect(url.dsn, server_settings=settings(url))
            try:  # one snapshot for every query of the report, and no writes
                async with pg.transaction(isolation="repeatable_read", readonly=True):
                    yield cls(pg=pg)
            finally:
                await pg.close()
            return
        uri = "file:" + quote(url.path) + "?mode=ro"
        conn = await aiosqlite.connect(uri, uri=True, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA busy_timeout=5000")
            await conn.execute("BEGIN")  # one snapshot for every query of the report
            yield cls(conn)
            await conn.execute("COMMIT")
        finally:
            await conn.close()

    async def stream(self, sql: str, params: Sequence[Any] = ()) -> AsyncIterator[Row]:
        """The rows of a query, fetched a chunk at a time."""
        if self.pg is not None:
            async for record in self.pg.cursor(numbered(sql)[0], *params, prefetch=CHUNK):
                yield record
            return
        assert self.conn is not None
        async with self.conn.execute(sql, tuple(params)) as cursor:
            cursor.arraysize = CHUNK
            async for row in cursor:
                yield row

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """A query whose rows are aggregates (their number does not grow with the stories)."""
        return [row async for row in self.stream(sql, params)]


async def rejection_reasons(r: Reader, hoods: Sequence[str], p: Periods) -> list[Row]:
    """(neighbourhood_id, period, category, n): stories not published, by the category the organiser chose
    (``experiences.decision_category``; migration 18 filed older rejections)."""
    return await r.all(
        f"SELECT neighbourhood_id, {_period('created_at')} AS period, COALESCE(decision_category, 'other')"
        " AS category, COUNT(*) AS n FROM experiences"
        f" WHERE status = 'rejected' AND neighbourhood_id IN ({placeholders(hoods)})"
        " AND created_at >= ? AND created_at < ? GROUP BY neighbourhood_id, period, category",
        (p.start, *hoods, p.previous, p.end))


def first_feedback(r: Reader, hoods: Sequence[str], p: Periods) -> AsyncIterator[Row]:
    """Every story of either period (streamed): neighbourhood_id, theme, period, created_at and the moment of the
    first feedback linked to it before its period ended (``linked_at``, NULL when none)."""
    period_end = "CASE WHEN e.created_at >= ? THEN ? ELSE ? END"
    return r.stream(
        f"SELECT e.neighbourhood_id, e.theme, {_period('e.created_at')} AS period, e.created_at,"
        " (SELECT MIN(f.created_at) FROM feedback_experiences fe JOIN feedback f ON f.id = fe.feedback_id"
        f"   WHERE fe.experience_id = e.id AND f.created_at < {period_end}) AS linked_at"
        f" FROM experiences e WHERE e.neighbourhood_id IN ({placeholders(hoods)})"
        " AND e.created_at >= ? AND e.created_at < ?",
        (p.start, p.start, p.end, p.start, *hoods, p.previous, p.end))


async def theme_feedback(r: Reader, hoods: Sequence[str], p: Periods) -> list[Row]:
    """(neighbourhood_id, theme, created_at): feedback on a whole theme (everyone who wrote about it there hears
    it), given in either period; few rows, in time order."""
    return await r.all(
        "SELECT neighbourhood_id, theme, created_at FROM feedback WHERE theme IS NOT NULL"
        f" AND neighbourhood_id IN ({placeholders(hoods)}) AND created_at >= ? AND created_at < ? ORDER BY created_at",
        (*hoods, p.previous, p.end))


async def quotes(r: Reader, hoods: Sequence[str], p: Periods, per_theme: int) -> list[Row]:
    """(theme, text_public, language, published): the latest published stories of the period, at most
    ``per_theme`` a theme, with how many stories of that theme were published."""
    return await r.all(
        "SELECT theme, text_public, language, published FROM ("
        " SELECT theme, text_public, language, COUNT(*) OVER (PARTITION BY theme) AS published,"
        "  ROW_NUMBER() OVER (PARTITION BY theme ORDER BY decided_at DESC, id DESC) AS rank"
        f" FROM experiences WHERE status = 'approved' AND neighbourhood_id IN ({placeholders(hoods)})"
        " AND created_at >= ? AND created_at < ?) ranked WHERE rank <= ? ORDER BY theme, rank",
        (*hoods, p.start, p.end, per_theme))


async def heard_counts(r: Reader, hoods: Sequence[str], p: Periods) -> list[Row]:
    """(neighbourhood_id, theme, period, answer, n): "did you feel heard?" answers given in either period."""
    return await r.all(
        f"SELECT neighbourhood_id, COALESCE(theme, '') AS theme, {_period('at')} AS period, answer, COUNT(*) AS n"
        f" FROM heard WHERE neighbourhood_id IN ({placeholders(hoods)}) AND at >= ? AND at < ?"
        " GROUP BY neighbourhood_id, theme, period, answer",
        (p.start, *hoods, p.previous, p.end))


GROUPABLE = {("experiences", "theme"), ("experiences", "status"), ("experiences", "language"),
             ("residents", "channel"), ("residents", "language")}


async def counts(r: Reader, table: str, columns: tuple[str, ...], hoods: Sequence[str], p: Periods) -> list[Row]:
    """(neighbourhood_id, period, *columns, n): stories shared, or residents who joined, in either period."""
    assert columns and all((table, column) in GROUPABLE for column in columns)
    names = ", ".join(columns)
    return await r.all(
        f"SELECT neighbourhood_id, {_period('created_at')} AS period, {names}, COUNT(*) AS n"
        f" FROM {table} WHERE neighbourhood_id IN ({placeholders(hoods)}) AND created_at >= ? AND created_at < ?"
        f" GROUP BY neighbourhood_id, period, {names}",
        (p.start, *hoods, p.previous, p.end))


async def residents_registered(r: Reader, hoods: Sequence[str], p: Periods) -> list[Row]:
    """(neighbourhood_id, period, n): residents registered at the end of each period."""
    return await r.all(
        "SELECT neighbourhood_id, 'current' AS period, COUNT(*) AS n FROM residents"
        f" WHERE neighbourhood_id IN ({placeholders(hoods)}) AND created_at < ? GROUP BY neighbourhood_id"
        " UNION ALL SELECT neighbourhood_id, 'previous' AS period, COUNT(*) AS n FROM residents"
        f" WHERE neighbourhood_id IN ({placeholders(hoods)}) AND created_at < ? GROUP BY neighbourhood_id",
        (*hoods, p.end, *hoods, p.start))


async def feedback_items(r: Reader, hoods: Sequence[str], p: Periods, reopened_by: str) -> list[Row]:
    """Feedback of the neighbourhoods given in the period or with a commitment date in it: the commitments and
    the "you said, we did, because" lines. ``because`` is the staff's latest (not the bot's note when a "no" to
    "did you feel heard?" reopened it, whose author is ``reopened_by``); ``stories`` is how many stories it answers
    (linked ones); ``first_closed`` when it was first marked done or not done (a later reopening does not undo a
    kept promise)."""
    return await r.all(
        "SELECT f.reference, f.neighbourhood_id, COALESCE(f.theme, '') AS theme, f.status, f.what,"
        " COALESCE((SELECT u.because FROM feedback_updates u WHERE u.feedback_id = f.id AND u.author <> ?"
        " ORDER BY u.id DESC LIMIT 1), f.because) AS because,"
        " f.commitment_date, f.created_at, f.updated_at,"
        " (SELECT MIN(u.at) FROM feedback_updates u WHERE u.feedback_id = f.id AND u.status IN ('done', 'not_done'))"
        " AS first_closed,"
        " (SELECT COUNT(*) FROM feedback_experiences fe WHERE fe.feedback_id = f.id) AS stories"
        f" FROM feedback f WHERE f.neighbourhood_id IN ({placeholders(hoods)})"
        " AND ((f.updated_at >= ? AND f.created_at < ?) OR (f.commitment_date >= ? AND f.commitment_date < ?))"
        " ORDER BY f.created_at, f.id",
        (reopened_by, *hoods, p.start, p.end, p.start, p.end))


async def linked_themes(r: Reader, references: Sequence[str]) -> list[Row]:
    """(reference, theme): the themes of the stories each feedback answers."""
    return await r.all(
        "SELECT DISTINCT f.reference, e.theme FROM feedback f JOIN feedback_experiences fe ON fe.feedback_id = f.id"
        f" JOIN experiences e ON e.id = fe.experience_id WHERE f.reference IN ({placeholders(references)})",
        tuple(references))


async def polls_closed(r: Reader, hoods: Sequence[str], p: Periods) -> list[Row]:
    """Polls for these neighbourhoods that closed in the period (not cancelled ones)."""
    return await r.all(
        "SELECT id, reference, question, max_selections, youth_min, youth_max, closed_at FROM polls"
        " WHERE status = 'closed' AND closed_at >= ? AND closed_at < ?"
        f" AND id IN (SELECT poll_id FROM poll_neighbourhoods WHERE neighbourhood_id IN ({placeholders(hoods)}))"
        " ORDER BY closed_at, id",
        (p.start, p.end, *hoods))


async def poll_tally(r: Reader, poll_id: int) -> tuple[list[Row], int]:
    """The options with their counts (adult and youth votes together) and the number of voters."""
    options = await r.all(
        "SELECT o.number, o.label,"
        " (SELECT COUNT(*) FROM poll_votes v WHERE v.poll_id = o.poll_id AND v.option = o.number)"
        " + (SELECT COUNT(*) FROM poll_youth_votes y WHERE y.poll_id = o.poll_id AND y.option = o.number) AS n"
        " FROM poll_options o WHERE o.poll_id = ? ORDER BY o.number", (poll_id,))
    voters = await r.all(
        "SELECT (SELECT COUNT(DISTINCT resident_id) FROM poll_votes WHERE poll_id = ?)"
        " + (SELECT COUNT(DISTINCT voter) FROM poll_youth_votes WHERE poll_id = ?) AS n", (poll_id, poll_id))
    return options, int(voters[0]["n"])


async def deliberations(r: Reader, hoods: Sequence[str], p: Periods) -> list[Row]:
    """Conversations of these neighbourhoods that were open during the period, with their stored snapshot."""
    return await r.all(
        "SELECT id, reference, neighbourhood_id, question, status, opened_at, closed_at, snapshot FROM deliberations"
        f" WHERE neighbourhood_id IN ({placeholders(hoods)})"
        " AND opened_at < ? AND (closed_at IS NULL OR closed_at >= ?)"
        " ORDER BY opened_at, id",
        (*hoods, p.end, p.start))


async def statement_texts(r: Reader, statement_ids: Sequence[int]) -> dict[int, str]:
    rows = await r.all(f"SELECT id, text FROM deliberation_statements WHERE id IN ({placeholders(statement_ids)})",
                       tuple(statement_ids))
    return {int(row["id"]): str(row["text"]) for row in rows}


async def contact_terms(r: Reader, hoods: Sequence[str]) -> list[Row]:
    """Every term of a contact person in these neighbourhoods that has started (no names: role and organisation)."""
    return await r.all(
        "SELECT id, neighbourhood_id, theme, role, organisation, started_on, ended_on, succeeded_by FROM contacts"
        f" WHERE neighbourhood_id IN ({placeholders(hoods)}) AND activated_at IS NOT NULL"
        " ORDER BY neighbourhood_id, theme, started_on, id",
        tuple(hoods))


async def already_queued(tx: Tx, chat_id: str, subject: str) -> bool:
    """Whether a report with this subject (its period) was queued for this room (the monthly report, once)."""
    return await tx.value("SELECT 1 FROM outbox WHERE purpose = 'report' AND chat_id = ? AND subject = ? LIMIT 1",
                          (chat_id, subject)) is not None


async def observations(r: Reader, hoods: Sequence[str], p: Periods) -> list[Row]:
    """(neighbourhood_id, theme, role, text_public): professionals' observations of the period (issue 20)."""
    return await r.all(
        "SELECT neighbourhood_id, theme, role, text_public FROM observations"
        f" WHERE neighbourhood_id IN ({placeholders(hoods)}) AND created_at >= ? AND created_at < ?"
        " ORDER BY theme, created_at, id", (*hoods, p.start, p.end))


async def signals(r: Reader, hoods: Sequence[str], p: Periods) -> list[Row]:
    """Early signals raised in the period, with whether they were acknowledged (issue 20)."""
    return await r.all(
        "SELECT reference, neighbourhood_id, theme, source, window_count, expected, acked_at FROM signals"
        f" WHERE neighbourhood_id IN ({placeholders(hoods)})"
        " AND raised_at >= ? AND raised_at < ? ORDER BY raised_at, id",
        (*hoods, p.start, p.end))
