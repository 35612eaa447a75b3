"""Answers to "did you feel heard?" that /forget needs (the answers themselves are written by
``bot/engine/feedback.py``)."""

from __future__ import annotations

from bot.store.db import Tx


async def comments_of(tx: Tx, resident_id: int) -> list[tuple[str, str]]:
    """(feedback reference, comment) for every comment a resident left."""
    rows = await tx.all("SELECT f.reference, h.comment FROM heard h JOIN feedback f ON f.id = h.feedback_id"
                        " WHERE h.resident_id = ? AND h.comment IS NOT NULL AND h.comment != ''", (resident_id,))
    return [(row[0], row[1]) for row in rows]
