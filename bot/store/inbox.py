"""The durable inbox: webhook messages kept from the moment the platform got its 200 until they were handled.

A channel whose platform does not redeliver an acknowledged webhook writes each verified message here before
answering, deletes it once handled, and handles whatever is left at start (a crash in between loses nothing).
The body is what the channel needs to handle the message again; it is personal data and lives only seconds.
"""

from __future__ import annotations

from bot.store.db import Tx


async def keep(tx: Tx, channel: str, items: list[tuple[str, str]]) -> None:
    """Keep (event id, body) pairs; one already kept (a redelivery) is kept once."""
    for event_id, body in items:
        tx.defer("INSERT INTO inbox (channel, event_id, body) VALUES (?, ?, ?)"
                 " ON CONFLICT (channel, event_id) DO NOTHING", (channel, event_id, body))


def done(tx: Tx, channel: str, event_id: str) -> None:
    """Deferred to the transaction's next statement or commit (a turn's: no extra round trip)."""
    tx.defer("DELETE FROM inbox WHERE channel = ? AND event_id = ?", (channel, event_id))


async def left(tx: Tx, channel: str) -> list[str]:
    """The bodies of the messages not yet handled, oldest first."""
    return [row["body"] for row in await tx.all("SELECT body FROM inbox WHERE channel = ? ORDER BY id", (channel,))]
