"""What the professionals' neighbourhood picture reads (issue 20): stories per theme, open commitments, closed
polls and conversations of a neighbourhood in a period."""

from __future__ import annotations

from bot.store.db import Tx


async def stories_between(tx: Tx, hood: str, start: str, end: str) -> list[tuple[str, str, str, str]]:
    """(theme, created_at, reference, scrubbed public text) of every story told there, rejected ones included
    (they were still told; their text is left out by the caller)."""
    rows = await tx.all("SELECT theme, created_at, reference, CASE WHEN status = 'rejected' THEN '' ELSE text_public"
                        " END FROM experiences WHERE neighbourhood_id = ? AND created_at >= ? AND created_at < ?"
                        " ORDER BY created_at, id", (hood, start, end))
    return [(row[0], row[1], row[2], row[3]) for row in rows]


async def open_commitments(tx: Tx, hood: str) -> list[tuple[str, str, str | None]]:
    """(reference, what, commitment date) of feedback not done or not-done yet, oldest promise first."""
    rows = await tx.all("SELECT reference, what, commitment_date FROM feedback WHERE neighbourhood_id = ?"
                        " AND status IN ('received', 'in_progress') ORDER BY commitment_date, id", (hood,))
    return [(row[0], row[1], row[2]) for row in rows]


async def polls_closed_between(tx: Tx, hood: str, start: str, end: str) -> list[tuple[str, str, str, int, int]]:
    """(reference, question, leading option, its votes, all votes) of ordinary polls closed in the period."""
    rows = await tx.all(
        "SELECT p.reference, p.question, o.label, COUNT(v.resident_id),"
        " (SELECT COUNT(DISTINCT w.resident_id) FROM poll_votes w WHERE w.poll_id = p.id)"
        " FROM polls p JOIN poll_neighbourhoods n ON n.poll_id = p.id AND n.neighbourhood_id = ?"
        " JOIN poll_options o ON o.poll_id = p.id"
        " LEFT JOIN poll_votes v ON v.poll_id = p.id AND v.option = o.number"
        " WHERE p.status = 'closed' AND p.youth_min IS NULL AND p.closed_at >= ? AND p.closed_at < ?"
        " GROUP BY p.id, p.reference, p.question, o.number, o.label"
        " ORDER BY p.closed_at, p.id, COUNT(v.resident_id) DESC, o.number", (hood, start, end))
    best: dict[str, tuple[str, str, str, int, int]] = {}
    for row in rows:
        best.setdefault(row[0], (row[0], row[1], row[2], int(row[3]), int(row[4])))
    return list(best.values())


async def deliberations_closed_between(tx: Tx, hood: str, start: str, end: str) -> list[tuple[str, str]]:
    rows = await tx.all("SELECT reference, question FROM deliberations WHERE neighbourhood_id = ?"
                        " AND status = 'closed' AND closed_at >= ? AND closed_at < ? ORDER BY closed_at", (hood, start,
                                                                                                          end))
    return [(row[0], row[1]) for row in rows]
