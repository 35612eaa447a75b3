"""Migration 0012: stories posted before it can still be taken back by /forget, as far as the database still
knows where they went (delivered outbox rows not yet purged, moderation posts)."""

from __future__ import annotations

from pathlib import Path

from bot.store.db import Database
from tests.support import database_url


async def test_posts_known_before_version_12_are_remembered(tmp_path: Path, engine: str) -> None:
    old = Database(database_url(tmp_path, "old.sqlite3"))
    await old.open(migrate_to=11)
    async with old.transaction() as tx:
        await tx.execute("INSERT INTO residents (id, channel, user_id, chat_id, language, neighbourhood_id,"
                         " consent_at, created_at) VALUES (1, 'telegram', '42', '42', 'nl', 'centrum',"
                         " '2026-01-01', '2026-01-01')")
        await tx.execute("INSERT INTO experiences (id, reference, resident_id, neighbourhood_id, theme, text,"
                         " text_public, author_name, language, created_at) VALUES (7, 'W-2026-0007', 1, 'centrum',"
                         " 'safety', 'x', 'x', 'Anna', 'nl', '2026-01-02T10:00:00+00:00')")
        for purpose, chat, message, status in (("publish", "-100123", "55", "sent"),
                                               ("contact-story", "@c:localhost", "$c", "sent"),
                                               ("publish", "!pub:localhost", None, "pending"),
                                               ("decision", "42", "9", "sent")):
            await tx.execute("INSERT INTO outbox (channel, chat_id, private, body, purpose, subject, not_before,"
                             " status, message_id, created_at, sent_at) VALUES (?, ?, 0, '{}', ?, 'W-2026-0007',"
                             " '2026-01-03', ?, ?, '2026-01-03T09:00:00+00:00', '2026-01-03T09:00:05+00:00')",
                             ("telegram" if chat.startswith("-") else "matrix", chat, purpose, status, message))
        await tx.execute("INSERT INTO moderation_posts VALUES ('matrix', '$m', '!mod:localhost', 7)")
    await old.close()

    db = Database(database_url(tmp_path, "old.sqlite3"))
    await db.open()
    async with db.transaction() as tx:
        rows = await tx.all("SELECT channel, chat_id, message_id, purpose, named, posted_at FROM story_posts"
                            " WHERE experience_id = 7 ORDER BY purpose, chat_id")
    await db.close()
    assert [tuple(r) for r in rows] == [
        ("matrix", "@c:localhost", "$c", "contact-story", 0, "2026-01-03T09:00:05+00:00"),
        ("matrix", "!mod:localhost", "$m", "moderation", 1, "2026-01-02T10:00:00+00:00"),
        ("telegram", "-100123", "55", "publish", 1, "2026-01-03T09:00:05+00:00"),
    ]
