"""Erased means gone from the files: secure_delete is wijkbot's own setting, and the WAL is truncated after an
erasure (issue 13, point 3). The test session opens every SQLite connection with secure_delete off (tests/conftest.py),
as a build with that compile-time default would. On PostgreSQL the same tests read every relation file of the
schema after a CHECKPOINT (tests/pg_disk.py): the tables an erasure touched were rewritten (issue 17, point 4)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.base import SendResult
from bot.clock import ManualClock
from bot.engine import retention
from bot.store.db import Database
from tests.disk import holding
from tests.engine.test_moderation import shared_story
from tests.pg_disk import on_disk
from tests.support import Person

USER = "anna-7731"
PHONE = "06-12345678"  # in the story's own words (kept for the author only); scrubbed from what others see


@pytest.mark.sqlite_only  # SQLite's setting
async def test_every_connection_wijkbot_opens_deletes_securely(app: App, tmp_path: Path) -> None:
    plain = sqlite3.connect(tmp_path / "other.sqlite3")
    assert plain.execute("PRAGMA secure_delete").fetchone() == (0,)  # what this test session's builds default to
    plain.close()
    assert tuple(await (await app.db.conn.execute("PRAGMA secure_delete")).fetchone() or ()) == (1,)
    other = Database(tmp_path / "second.sqlite3")
    await other.open()
    try:
        async with other.transaction() as tx:
            assert await tx.value("PRAGMA secure_delete") == 1
    finally:
        await other.close()


async def test_forget_leaves_neither_words_nor_account_in_the_files(app: App, tmp_path: Path) -> None:
    await shared_story(app, user=USER)
    await app.outbox.drain()
    files = (await on_disk(app))
    assert holding(files, USER, PHONE)  # the test looks in the right place: both are on disk before
    anna = Person(app, USER, channel="telegram")
    await anna.say("/forget")
    await anna.say("Erase me and my stories")
    assert "erased your data" in anna.text()
    files = await on_disk(app, tmp_path / "backup.sqlite3")
    assert files.get("-wal", b"") == b""  # truncated after the erasure
    assert holding(files, USER, PHONE) == {}


async def test_the_retention_sweep_leaves_neither_words_nor_account_in_the_files(
        app: App, manual_clock: ManualClock) -> None:
    await shared_story(app, user=USER)
    await app.outbox.drain()
    manual_clock.advance(timedelta(days=800))
    swept = await retention.sweep(app.services)
    assert swept.residents == 1
    files = (await on_disk(app))
    assert files.get("-wal", b"") == b""
    assert holding(files, USER, PHONE) == {}


async def test_an_abandoned_draft_leaves_the_files_when_it_is_dropped(app: App, manual_clock: ManualClock) -> None:
    anna = Person(app, USER, channel="telegram")
    await anna.onboard()
    for line in ("/share", "Safety and crime", f"Bel {PHONE}, de lantaarnpaal is kapot."):
        await anna.say(line)
    assert holding((await on_disk(app)), PHONE)  # the draft is in the dialogue state
    manual_clock.advance(timedelta(days=2))
    await app.scheduler.run("purge-idle")  # abandoned dialogues go after a day
    files = (await on_disk(app))
    assert files.get("-wal", b"") == b"" and holding(files, PHONE) == {}


async def forget_over_telegram(app: App, failing: bool) -> Person:
    """/forget with platform event ids, so its answers are kept with their turns (bot/engine/replies.py) and
    settled as a channel does; ``failing``: the answer to the erasure could not be sent at first."""
    await shared_story(app, user=USER)
    await app.outbox.drain()
    anna = Person(app, USER, channel="telegram")
    for number, line in enumerate(("/forget", "Erase me and my stories")):
        for reply in await anna.say(line, event_id=f"u{number}"):
            app.replied(reply, SendResult(ok=not (failing and number == 1), error="timeout"))
        await app.held.flush()
    assert "erased your data" in anna.text()
    return anna


async def test_the_kept_answer_to_forget_leaves_no_account_in_the_files(app: App, tmp_path: Path) -> None:
    await forget_over_telegram(app, failing=False)
    files = await on_disk(app, tmp_path / "backup.sqlite3")
    assert files.get("-wal", b"") == b"" and holding(files, USER, PHONE) == {}


async def test_the_answer_to_forget_sent_later_by_the_outbox_leaves_no_account_in_the_files(
        app: App, manual_clock: ManualClock) -> None:
    await forget_over_telegram(app, failing=True)
    assert holding((await on_disk(app)), USER)  # its row waits for the dispatcher, naming the chat
    manual_clock.advance(timedelta(minutes=5))
    await app.outbox.drain()
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM outbox WHERE purpose LIKE 'reply%'") == 0  # sent, so gone
    files = (await on_disk(app))
    assert files.get("-wal", b"") == b"" and holding(files, USER, PHONE) == {}
