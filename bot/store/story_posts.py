"""Where the bot posted each story: the moderation post, the publications, the contact person's copy.

Filled when the outbox row that carries a story is confirmed sent (``bot/engine/privacy_posts.py``), and kept as
long as the story, so /forget can still take the messages back after the delivered outbox rows are purged.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.base import Address
from bot.store.db import Tx
from bot.store.sql import placeholders


@dataclass(frozen=True)
class Post:
    address: Address
    message_id: str
    experience_id: int
    purpose: str
    named: bool  # the message shows the author's first name
    posted_at: str


async def remember(tx: Tx, address: Address, message_id: str, experience_id: int, purpose: str, named: bool,
                   now: str) -> None:
    await tx.execute(
        "INSERT INTO story_posts (channel, chat_id, message_id, private, experience_id, purpose, named, posted_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (address.channel, address.chat_id, message_id, int(address.private), experience_id, purpose, int(named),
         now))


async def of_experiences(tx: Tx, experience_ids: list[int]) -> list[Post]:
    if not experience_ids:
        return []
    marks = placeholders(experience_ids)
    rows = await tx.all(f"SELECT * FROM story_posts WHERE experience_id IN ({marks})"
                        " ORDER BY posted_at, channel, chat_id, message_id", experience_ids)
    return [Post(Address(r["channel"], r["chat_id"], private=bool(r["private"])), r["message_id"],
                 int(r["experience_id"]), r["purpose"], bool(r["named"]), r["posted_at"]) for r in rows]


async def forget(tx: Tx, posts: list[Post]) -> None:
    """These messages are being taken back: nothing needs to find them any more."""
    for post in posts:
        tx.defer("DELETE FROM story_posts WHERE channel = ? AND chat_id = ? AND message_id = ?",
                 (post.address.channel, post.address.chat_id, post.message_id))


async def unnamed(tx: Tx, post: Post) -> None:
    """The message no longer shows the author's name (it was edited)."""
    await tx.execute("UPDATE story_posts SET named = 0 WHERE channel = ? AND chat_id = ? AND message_id = ?",
                     (post.address.channel, post.address.chat_id, post.message_id))


def rekey(tx: Tx, channel: str, old: str, new: str) -> None:
    tx.defer("UPDATE story_posts SET chat_id = ? WHERE channel = ? AND chat_id = ? AND private = 1",
             (new, channel, old))
