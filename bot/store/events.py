"""Platform event ids already handled: a redelivered update is recognised and changes nothing. The time kept is
only the hour (enough to forget the ids after a week), never the moment of, say, a vote."""

from __future__ import annotations

from bot.store.db import Tx, to_hour


def claim_query(channel: str, event_id: str, now: str) -> tuple[str, tuple[str, ...]]:
    """Record the event as handled; returns a row unless it was handled before (for ``Tx.many``)."""
    return ("INSERT INTO processed_events (channel, event_id, processed_at) VALUES (?, ?, ?)"
            " ON CONFLICT (channel, event_id) DO NOTHING RETURNING 1", (channel, event_id, to_hour(now)))


def handled_query(channel: str, event_id: str) -> tuple[str, tuple[str, ...]]:
    """Whether the event was handled before (one row, one column)."""
    return ("SELECT EXISTS (SELECT 1 FROM processed_events WHERE channel = ? AND event_id = ?)", (channel, event_id))


def claim(tx: Tx, channel: str, event_id: str, now: str) -> None:
    """Record the event as handled, with the transaction's next statement or its commit."""
    tx.defer(*claim_query(channel, event_id, now))


async def purge(tx: Tx, before: str) -> int:
    return await tx.execute("DELETE FROM processed_events WHERE processed_at < ?", (before,))
