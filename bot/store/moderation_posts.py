"""Which moderation-room message shows which story: written after the post was sent, read when an organiser
reacts on it."""

from __future__ import annotations

from bot.store.db import Tx
from bot.store.experiences import Experience


async def remember(tx: Tx, channel: str, chat_id: str, message_id: str, experience_id: int) -> None:
    await tx.execute("INSERT INTO moderation_posts (channel, message_id, chat_id, experience_id)"
                     " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", (channel, message_id, chat_id, experience_id))


async def story(tx: Tx, channel: str, chat_id: str, message_id: str) -> Experience | None:
    """The story the message in that very chat shows."""
    row = await tx.one("SELECT e.* FROM experiences e JOIN moderation_posts p ON p.experience_id = e.id"
                       " WHERE p.channel = ? AND p.message_id = ? AND p.chat_id = ?", (channel, message_id, chat_id))
    return None if row is None else Experience.from_row(row)
