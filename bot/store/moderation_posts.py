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


async def of_story(tx: Tx, experience_id: int) -> list[tuple[str, str, str]]:
    """(channel, chat id, message id) of every moderation post that shows the story."""
    rows = await tx.all("SELECT channel, chat_id, message_id FROM moderation_posts WHERE experience_id = ?"
                        " ORDER BY channel, chat_id, message_id", (experience_id,))
    return [(str(row[0]), str(row[1]), str(row[2])) for row in rows]


async def in_room(tx: Tx, channel: str, chat_id: str, experience_id: int) -> str | None:
    """The message that shows the story in that very chat, if any."""
    value = await tx.value("SELECT MIN(message_id) FROM moderation_posts WHERE channel = ? AND chat_id = ?"
                           " AND experience_id = ?", (channel, chat_id, experience_id))
    return None if value is None else str(value)
