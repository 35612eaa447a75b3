"""Professionals' requests to the municipality and their answers on the commitment clock (issue 20)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.db import Record, Tx
from bot.store.sql import placeholders


@dataclass(frozen=True)
class Request(Record):
    id: int
    reference: str
    professional_id: int
    neighbourhood_id: str
    role: str
    needed: str
    why: str
    status: str
    what: str | None
    because: str | None
    commitment_date: str | None
    answered_by: str | None
    answered_at: str | None
    overdue_notified_at: str | None
    created_at: str


async def add(tx: Tx, *, reference: str, professional_id: int, hood: str, role: str, needed: str, why: str,
              now: str) -> Request:
    row = await tx.one("INSERT INTO professional_requests (reference, professional_id, neighbourhood_id, role, needed,"
                       " why, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
                       (reference, professional_id, hood, role, needed, why, now))
    assert row is not None
    return Request.from_row(row)


async def by_reference(tx: Tx, reference: str) -> Request | None:
    row = await tx.one("SELECT * FROM professional_requests WHERE reference = ?", (reference,))
    return Request.from_row(row) if row else None


async def answer(tx: Tx, request_id: int, *, status: str, what: str, because: str, commitment: str | None, who: str,
                 now: str) -> None:
    """A new answer; a new promised date starts the clock again."""
    await tx.execute("UPDATE professional_requests SET status = ?, what = ?, because = ?, commitment_date = ?,"
                     " answered_by = ?, answered_at = ?, overdue_notified_at = NULL WHERE id = ?",
                     (status, what, because, commitment, who, now, request_id))


async def overdue(tx: Tx, now: str) -> list[Request]:
    """Requests whose promised date passed without a final answer, not yet reported as overdue."""
    rows = await tx.all("SELECT * FROM professional_requests WHERE status NOT IN ('done', 'not_done')"
                        " AND commitment_date IS NOT NULL AND commitment_date <= ? AND overdue_notified_at IS NULL"
                        " ORDER BY commitment_date, id", (now,))
    return [Request.from_row(row) for row in rows]


async def mark_overdue_told(tx: Tx, request_id: int, now: str) -> None:
    await tx.execute("UPDATE professional_requests SET overdue_notified_at = ? WHERE id = ?", (now, request_id))


async def open_of(tx: Tx, hoods: list[str]) -> list[Request]:
    if not hoods:
        return []
    marks = placeholders(hoods)
    rows = await tx.all(f"SELECT * FROM professional_requests WHERE neighbourhood_id IN ({marks})"
                        " AND status NOT IN ('done', 'not_done') ORDER BY created_at, id", tuple(hoods))
    return [Request.from_row(row) for row in rows]
