"""Answers to "did you feel heard?" that /forget needs (the answers themselves are written by
``bot/store/feedback.py``)."""

from __future__ import annotations

from bot.store.db import Tx


async def comments_of(tx: Tx, resident_id: int) -> list[tuple[str, str]]:
    """(feedback reference, comment) for every comment a resident left."""
    rows = await tx.all("SELECT f.reference, h.comment FROM heard h JOIN feedback f ON f.id = h.feedback_id"
                        " WHERE h.resident_id = ? AND h.comment IS NOT NULL AND h.comment != ''", (resident_id,))
    return [(row[0], row[1]) for row in rows]


async def export_of(tx: Tx, resident_id: int) -> list[dict[str, str | None]]:
    """Every answer a resident gave, for their data export."""
    rows = await tx.all("SELECT f.reference, h.answer, h.comment, h.at FROM heard h JOIN feedback f"
                        " ON f.id = h.feedback_id WHERE h.resident_id = ?", (resident_id,))
    return [dict(zip(("feedback", "answer", "comment", "at"), tuple(row), strict=True)) for row in rows]


async def erase_comments(tx: Tx, resident_id: int) -> None:
    """The answers stay (they count in the tally, linked to no words); the resident's own words go."""
    await tx.execute("UPDATE heard SET comment = NULL WHERE resident_id = ?", (resident_id,))
