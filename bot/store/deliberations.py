"""Deliberations (D-2026-0001), their statements (S-12), votes and participants: the SQL, nothing else.

Votes are personal data: nothing here logs them, and ``forget_resident`` erases a resident's votes, groups and
statements (see bot/engine/privacy.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.db import Record, Row, Tx
from bot.store.residents import Resident
from bot.store.sql import placeholders


@dataclass(frozen=True)
class Deliberation(Record):
    id: int
    reference: str
    neighbourhood_id: str
    question: str
    status: str  # open, closed
    opened_by: str
    opened_at: str
    closed_by: str | None
    closed_at: str | None
    changes: int  # bumped by every vote and erasure
    computed_changes: int  # ``changes`` at the last recompute
    computed_at: str | None
    snapshot: str | None  # JSON, see bot/engine/deliberation_snapshot.py


    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class Statement(Record):
    id: int
    deliberation_id: int
    text: str  # scrubbed
    scrubbed_kinds: str
    author_id: int | None  # None: a seed statement by organisers, or the author was erased
    status: str  # pending, approved, rejected
    reason: str | None
    created_at: str
    decided_at: str | None
    decided_by: str | None


    @property
    def reference(self) -> str:
        return f"S-{self.id}"


async def insert(tx: Tx, *, reference: str, neighbourhood_id: str, question: str, opened_by: str,
                 now: str) -> Deliberation:
    row = await tx.one("INSERT INTO deliberations (reference, neighbourhood_id, question, opened_by, opened_at)"
                       " VALUES (?, ?, ?, ?, ?) RETURNING *", (reference, neighbourhood_id, question, opened_by, now))
    assert row is not None
    return Deliberation.from_row(row)


async def get(tx: Tx, deliberation_id: int) -> Deliberation | None:
    row = await tx.one("SELECT * FROM deliberations WHERE id = ?", (deliberation_id,))
    return None if row is None else Deliberation.from_row(row)


async def by_reference(tx: Tx, reference: str) -> Deliberation | None:
    row = await tx.one("SELECT * FROM deliberations WHERE reference = ?", (reference.strip().upper(),))
    return None if row is None else Deliberation.from_row(row)


async def of_neighbourhoods(tx: Tx, neighbourhood_ids: list[str], status: str | None = None,
                            limit: int = 50) -> list[Deliberation]:
    """Newest first."""
    marks = placeholders(neighbourhood_ids)
    rows = await tx.all(f"SELECT * FROM deliberations WHERE neighbourhood_id IN ({marks})"
                        f" AND (CAST(? AS TEXT) IS NULL OR status = ?) ORDER BY id DESC LIMIT ?",
                        (*neighbourhood_ids, status, status, limit))
    return [Deliberation.from_row(r) for r in rows]


async def needing_recompute(tx: Tx) -> list[int]:
    rows = await tx.all("SELECT id FROM deliberations WHERE changes != computed_changes ORDER BY id")
    return [int(r[0]) for r in rows]


async def close(tx: Tx, deliberation_id: int, actor: str, now: str) -> None:
    await tx.execute("UPDATE deliberations SET status = 'closed', closed_by = ?, closed_at = ? WHERE id = ?",
                     (actor, now, deliberation_id))


async def add_statement(tx: Tx, deliberation_id: int, text: str, kinds: str, author_id: int | None, status: str,
                        now: str) -> Statement:
    row = await tx.one("INSERT INTO deliberation_statements (deliberation_id, text, scrubbed_kinds, author_id,"
                       " status, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
                       (deliberation_id, text, kinds, author_id, status, now))
    assert row is not None
    return Statement.from_row(row)


async def statement(tx: Tx, statement_id: int) -> Statement | None:
    row = await tx.one("SELECT * FROM deliberation_statements WHERE id = ?", (statement_id,))
    return None if row is None else Statement.from_row(row)


async def statements(tx: Tx, deliberation_id: int, status: str | None = None) -> list[Statement]:
    rows = await tx.all("SELECT * FROM deliberation_statements WHERE deliberation_id = ?"
                        " AND (CAST(? AS TEXT) IS NULL OR status = ?) ORDER BY id", (deliberation_id, status, status))
    return [Statement.from_row(r) for r in rows]


async def pending_of_author(tx: Tx, deliberation_id: int, resident_id: int) -> int:
    return int(await tx.value("SELECT COUNT(*) FROM deliberation_statements WHERE deliberation_id = ?"
                              " AND author_id = ? AND status = 'pending'", (deliberation_id, resident_id)))


async def decide_statement(tx: Tx, statement_id: int, status: str, reason: str | None, actor: str,
                           now: str) -> None:
    await tx.execute("UPDATE deliberation_statements SET status = ?, reason = ?, decided_by = ?, decided_at = ?"
                     " WHERE id = ?", (status, reason, actor, now, statement_id))
    if status == "rejected":  # the author's own agree vote goes too
        await tx.execute("DELETE FROM deliberation_votes WHERE statement_id = ?", (statement_id,))


async def join(tx: Tx, deliberation_id: int, resident_id: int, now: str) -> None:
    await tx.execute("INSERT INTO deliberation_participants (deliberation_id, resident_id, joined_at)"
                     " VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (deliberation_id, resident_id, now))


async def set_vote(tx: Tx, deliberation_id: int, statement_id: int, resident_id: int, vote: int, now: str) -> None:
    """One vote per resident and statement; a new vote replaces the old one (latest wins)."""
    await join(tx, deliberation_id, resident_id, now)
    await tx.execute("INSERT INTO deliberation_votes (statement_id, resident_id, deliberation_id, vote, at)"
                     " VALUES (?, ?, ?, ?, ?) ON CONFLICT (statement_id, resident_id)"
                     " DO UPDATE SET vote = excluded.vote, at = excluded.at",
                     (statement_id, resident_id, deliberation_id, vote, now))
    await tx.execute("UPDATE deliberations SET changes = changes + 1 WHERE id = ?", (deliberation_id,))


async def voted(tx: Tx, deliberation_id: int, resident_id: int) -> set[int]:
    """Statements this resident has voted on (pass included): never asked again."""
    rows = await tx.all("SELECT statement_id FROM deliberation_votes WHERE deliberation_id = ? AND resident_id = ?",
                        (deliberation_id, resident_id))
    return {int(r[0]) for r in rows}


async def vote_rows(tx: Tx, deliberation_id: int) -> list[tuple[int, int, int]]:
    """(resident, statement, vote) for every approved statement: the input of the recompute."""
    rows = await tx.all("SELECT v.resident_id, v.statement_id, v.vote FROM deliberation_votes v"
                        " JOIN deliberation_statements s ON s.id = v.statement_id"
                        " WHERE v.deliberation_id = ? AND s.status = 'approved'", (deliberation_id,))
    return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]


# One row per approved statement: its id and every vote on it packed as resident_id * 4 + vote + 1, joined by
# commas. A million votes then cross from SQLite into Python as about 300 strings (parsed by numpy in the
# recompute's worker thread, bot.engine.deliberation_snapshot.unpack) instead of a million row tuples: about 0.15 s
# instead of 0.5 s, nearly all of it inside SQLite, where the GIL is released. PostgreSQL spells the aggregate
# string_agg(..., ','), as SQLite does from 3.44 on; the packing is plain integer arithmetic in both.
PACKED_VOTES_SQL = (
    "SELECT v.statement_id, group_concat(CAST(v.resident_id * 4 + v.vote + 1 AS TEXT), ',')"
    " FROM deliberation_votes v JOIN deliberation_statements s ON s.id = v.statement_id"
    " WHERE v.deliberation_id = ? AND s.status = 'approved' GROUP BY v.statement_id ORDER BY v.statement_id")


async def packed_votes(tx: Tx, deliberation_id: int) -> list[tuple[int, str]]:
    """Every vote on an approved statement, packed per statement (see PACKED_VOTES_SQL): the recompute's input."""
    sql = PACKED_VOTES_SQL if tx.dialect == "sqlite" else PACKED_VOTES_SQL.replace("group_concat(", "string_agg(")
    rows = await tx.all(sql, (deliberation_id,))
    return [(int(r[0]), str(r[1])) for r in rows]


async def save_results(tx: Tx, deliberation_id: int, *, snapshot: str, changes: int, now: str,
                       groups: dict[int, int | None]) -> None:
    """Store one recompute: the aggregate snapshot and every participant's (shown) group."""
    await tx.execute("UPDATE deliberations SET snapshot = ?, computed_changes = ?, computed_at = ? WHERE id = ?",
                     (snapshot, changes, now, deliberation_id))
    # Every participant's group in one round trip to the worker (not one per participant: 10,000 round trips
    # kept the transaction, and with it every resident's turn, waiting for a quarter of a second).
    await tx.many(("UPDATE deliberation_participants SET group_id = NULL WHERE deliberation_id = ?",
                   (deliberation_id,)),
                  *(("UPDATE deliberation_participants SET group_id = ? WHERE deliberation_id = ? AND resident_id = ?",
                     (group, deliberation_id, resident_id)) for resident_id, group in groups.items()
                    if group is not None))


async def group_of(tx: Tx, deliberation_id: int, resident_id: int) -> int | None:
    value = await tx.value("SELECT group_id FROM deliberation_participants WHERE deliberation_id = ?"
                           " AND resident_id = ?", (deliberation_id, resident_id))
    return None if value is None else int(value)


async def voters(tx: Tx, deliberation_id: int) -> list[Resident]:
    """Residents who took part (at least one vote), reachable or not."""
    rows = await tx.all("SELECT r.* FROM residents r WHERE r.id IN (SELECT resident_id FROM deliberation_votes"
                        " WHERE deliberation_id = ?) ORDER BY r.id", (deliberation_id,))
    return [Resident.from_row(r) for r in rows]


async def took_part(tx: Tx, resident_id: int, neighbourhood_id: str) -> list[Deliberation]:
    """Deliberations in this neighbourhood the resident voted in, newest first."""
    rows = await tx.all("SELECT d.* FROM deliberations d WHERE d.neighbourhood_id = ? AND d.id IN"
                        " (SELECT deliberation_id FROM deliberation_votes WHERE resident_id = ?) ORDER BY d.id DESC",
                        (neighbourhood_id, resident_id))
    return [Deliberation.from_row(r) for r in rows]


async def counts(tx: Tx, deliberation_id: int) -> dict[str, int]:
    """participants (who voted), votes, approved and pending statements."""
    row = await tx.one(
        "SELECT (SELECT COUNT(DISTINCT resident_id) FROM deliberation_votes WHERE deliberation_id = ?),"
        " (SELECT COUNT(*) FROM deliberation_votes WHERE deliberation_id = ?),"
        " (SELECT COUNT(*) FROM deliberation_statements WHERE deliberation_id = ? AND status = 'approved'),"
        " (SELECT COUNT(*) FROM deliberation_statements WHERE deliberation_id = ? AND status = 'pending')",
        (deliberation_id,) * 4)
    assert row is not None
    return {"participants": int(row[0]), "votes": int(row[1]), "approved": int(row[2]), "pending": int(row[3])}


async def remember_post(tx: Tx, channel: str, message_id: str, chat_id: str, statement_id: int) -> None:
    await tx.execute("INSERT INTO deliberation_posts (channel, message_id, chat_id, statement_id)"
                     " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", (channel, message_id, chat_id, statement_id))


async def by_post(tx: Tx, channel: str, message_id: str) -> Statement | None:
    row = await tx.one("SELECT s.* FROM deliberation_statements s JOIN deliberation_posts p"
                       " ON p.statement_id = s.id WHERE p.channel = ? AND p.message_id = ?", (channel, message_id))
    return None if row is None else Statement.from_row(row)


async def votes_of(tx: Tx, resident_id: int) -> list[Row]:
    """A resident's votes, for /mydata."""
    return await tx.all("SELECT d.reference AS deliberation, s.id AS statement, s.text, v.vote, v.at"
                        " FROM deliberation_votes v JOIN deliberation_statements s ON s.id = v.statement_id"
                        " JOIN deliberations d ON d.id = v.deliberation_id WHERE v.resident_id = ?"
                        " ORDER BY v.deliberation_id, v.at, s.id", (resident_id,))


async def statements_of(tx: Tx, resident_id: int) -> list[Row]:
    """A resident's own statements, for /mydata."""
    return await tx.all("SELECT d.reference AS deliberation, s.id AS statement, s.text, s.status, s.reason,"
                        " s.created_at FROM deliberation_statements s JOIN deliberations d"
                        " ON d.id = s.deliberation_id WHERE s.author_id = ? ORDER BY s.id", (resident_id,))


async def forget_resident(tx: Tx, resident_id: int, keep_statements: bool) -> None:
    """Erase a resident's votes, participation and statements. With ``keep_statements`` their approved
    statements stay (they are public and scrubbed), without any link to them; anything else is deleted.
    Affected deliberations are recomputed at the next run, so the aggregates drop the erased votes too."""
    await tx.execute("UPDATE deliberations SET changes = changes + 1 WHERE id IN"
                     " (SELECT deliberation_id FROM deliberation_participants WHERE resident_id = ?"
                     "  UNION SELECT deliberation_id FROM deliberation_statements WHERE author_id = ?)",
                     (resident_id, resident_id))
    await tx.execute("DELETE FROM deliberation_votes WHERE resident_id = ?", (resident_id,))
    await tx.execute("DELETE FROM deliberation_participants WHERE resident_id = ?", (resident_id,))
    if keep_statements:
        await tx.execute("UPDATE deliberation_statements SET author_id = NULL WHERE author_id = ?"
                         " AND status = 'approved'", (resident_id,))
    await tx.execute("DELETE FROM deliberation_statements WHERE author_id = ?", (resident_id,))


async def posts_of_author(tx: Tx, resident_id: int, keep_approved: bool) -> list[tuple[str, str, str, str]]:
    """The statements /forget erases (all of a resident's, or all but the approved ones), as (reference, and
    where the moderation room showed it: channel, chat, message id, or three empty strings)."""
    rows = await tx.all("SELECT s.id, p.channel, p.chat_id, p.message_id FROM deliberation_statements s"
                        " LEFT JOIN deliberation_posts p ON p.statement_id = s.id WHERE s.author_id = ?"
                        + (" AND s.status != 'approved'" if keep_approved else "") + " ORDER BY s.id",
                        (resident_id,))
    return [(f"S-{row[0]}", row[1] or "", row[2] or "", row[3] or "") for row in rows]


def rekey_posts(tx: Tx, channel: str, old: str, new: str) -> None:
    """Statements shown in a person's private chat follow the person's new key (a room never has such a key)."""
    tx.defer("UPDATE deliberation_posts SET chat_id = ? WHERE channel = ? AND chat_id = ?", (new, channel, old))
