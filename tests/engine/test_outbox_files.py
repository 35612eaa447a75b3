"""Attachments in the outbox are stored once (``outbox_files``, by SHA-256) however many messages carry them; rows
queued by an earlier version, with the bytes base64 in the body, are converted by migration 14 and delivered; the
nightly purge drops the files that no queued message needs any more."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.base import Address, Attachment, AttachmentKind, Reply
from bot.clock import ManualClock
from bot.engine import outbox, retention
from bot.store.db import Database
from tests.engine.polls_support import MONDAY, join, room, rows, sent_to, tap
from tests.support import Recorder, make_config

FORM = '!poll "What should come on the square?" | More light | Benches | A playground | closes over 3 dagen'
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16  # stands in for a chart: the outbox never looks inside
OLD_PNG = PNG + b"older"


def photo(data: bytes) -> Attachment:
    return Attachment(kind=AttachmentKind.PHOTO, data=data, filename="chart.png", mime_type="image/png",
                      alt_text="Bar chart")


async def file_count(app: App) -> int:
    return len(await rows(app, "SELECT digest FROM outbox_files"))


async def test_closing_a_poll_stores_its_chart_once_for_every_resident(
        app: App, manual_clock: ManualClock, telegram_recorder: Recorder, matrix_recorder: Recorder) -> None:
    manual_clock.set(MONDAY)
    residents = [await join(app, name) for name in ("anna", "ben", "cor", "dirk")]
    await join(app, "eva", channel="matrix")
    await room(app, FORM)
    await app.outbox.drain()
    for person in residents[:2]:
        await person.send(tap(person, "vote.1.3"))
    assert "the results go to 5 residents" in await room(app, "!close-poll P-2026-0001")

    results = await rows(app, "SELECT chat_id, body, file FROM outbox WHERE purpose = 'poll-results'")
    [stored] = await rows(app, "SELECT digest, data FROM outbox_files")
    assert stored["digest"] == hashlib.sha256(stored["data"]).hexdigest() and stored["data"].startswith(b"\x89PNG")
    assert len(results) == 8  # 5 residents, the moderation room, the public room and the Telegram group
    assert all(r["file"] == stored["digest"] for r in results)
    assert all('"data"' not in r["body"] and len(r["body"]) < 1500 for r in results)  # no base64 copy anywhere
    assert all(json.loads(r["body"])["attachment"]["alt_text"].startswith(("Bar chart", "Staafdiagram"))
               for r in results)

    await app.outbox.drain()  # everyone gets the chart, with its bytes, from the one stored copy
    for recorder, name in [(telegram_recorder, "anna"), (telegram_recorder, "dirk"), (matrix_recorder, "eva")]:
        [result] = [r for r in sent_to(recorder, name) if r.attachment is not None]
        assert result.attachment is not None and result.attachment.data == stored["data"]
        assert "Results of the poll P-2026-0001" in result.text and "Bar chart" in (result.attachment.alt_text or "")
    assert len([r for r in telegram_recorder.sent + matrix_recorder.sent if r.attachment is not None]) == 8


@pytest.fixture
async def upgraded(tmp_path: Path, manual_clock: ManualClock, telegram_recorder: Recorder,
                   engine: str) -> AsyncIterator[App]:
    """Results messages queued by wijkbot at schema version 8 (the chart base64 in each body: two for anna and ben,
    and one already delivered with an older chart), then the upgrade."""
    manual_clock.set(MONDAY)
    config = make_config(tmp_path)
    old = Database(config.database)
    await old.open(migrate_to=8)
    async with old.transaction() as tx:
        for chat, chart, status in (("anna", PNG, "pending"), ("ben", PNG, "pending"), ("cor", OLD_PNG, "sent")):
            body = {"text": "Results of the poll P-2025-0007", "attachment": {
                "kind": "photo", "filename": "P-2025-0007.png", "mime_type": "image/png", "alt_text": "Bar chart",
                "data": base64.b64encode(chart).decode("ascii")}}
            await tx.execute(
                "INSERT INTO outbox (channel, chat_id, private, body, purpose, subject, not_before, created_at,"
                " status) VALUES ('telegram', ?, 1, ?, 'poll-results', 'P-2025-0007', ?, ?, ?)",
                (chat, json.dumps(body), MONDAY.isoformat(), MONDAY.isoformat(), status))
    await old.close()
    application = App(config, [telegram_recorder], clock=manual_clock)
    await application.start(background=False)
    yield application
    await application.stop()


async def test_the_upgrade_moves_old_rows_bytes_into_the_stored_files(upgraded: App) -> None:
    """Migration 14: no body keeps a base64 copy; each chart is stored once and every row names its own."""
    found = await rows(upgraded, "SELECT chat_id, body, file FROM outbox ORDER BY id")
    assert all('"data"' not in r["body"] and json.loads(r["body"])["attachment"]["alt_text"] == "Bar chart"
               for r in found)
    assert [r["file"] for r in found] == [hashlib.sha256(c).hexdigest() for c in (PNG, PNG, OLD_PNG)]
    stored = {r["digest"]: bytes(r["data"]) for r in await rows(upgraded, "SELECT digest, data FROM outbox_files")}
    assert stored == {hashlib.sha256(c).hexdigest(): c for c in (PNG, OLD_PNG)}


async def test_a_row_queued_before_the_upgrade_is_delivered_with_its_bytes(
        upgraded: App, telegram_recorder: Recorder) -> None:
    assert await upgraded.outbox.drain() == 2
    for chat in ("anna", "ben"):
        [sent] = sent_to(telegram_recorder, chat)
        assert sent.text == "Results of the poll P-2025-0007"
        assert sent.attachment is not None and sent.attachment.kind is AttachmentKind.PHOTO
        assert (sent.attachment.data, sent.attachment.alt_text, sent.attachment.filename) == (
            PNG, "Bar chart", "P-2025-0007.png")
    assert sent_to(telegram_recorder, "cor") == []  # delivered before the upgrade: not sent again


async def test_the_purge_drops_files_no_queued_message_needs(app: App, manual_clock: ManualClock,
                                                             telegram_recorder: Recorder) -> None:
    manual_clock.set(MONDAY)
    old_chart, new_chart = PNG + b"old", PNG + b"new"
    later = (MONDAY + timedelta(days=40)).isoformat(timespec="seconds")
    async with app.db.transaction() as tx:
        for chat in ("anna", "ben"):
            await outbox.enqueue(tx, app.services, Address("telegram", chat), Reply("old", attachment=photo(old_chart)),
                                 purpose="test")
        await outbox.enqueue(tx, app.services, Address("telegram", "anna"), Reply("new", attachment=photo(new_chart)),
                             purpose="test")
        await outbox.enqueue(tx, app.services, Address("telegram", "cor"), Reply("new", attachment=photo(new_chart)),
                             purpose="test", not_before=later)  # e.g. after a long pause: still pending
    assert await file_count(app) == 2
    assert await app.outbox.drain() == 3

    manual_clock.advance(timedelta(days=31))
    swept = await retention.sweep(app.services)
    assert swept.outbox == 3  # the three delivered messages
    assert [r["digest"] for r in await rows(app, "SELECT digest FROM outbox_files")] == [
        hashlib.sha256(new_chart).hexdigest()]  # the old chart went with its last message; cor's still waits

    manual_clock.advance(timedelta(days=10))
    assert await app.outbox.drain() == 1
    [waited] = sent_to(telegram_recorder, "cor")
    assert waited.attachment is not None and waited.attachment.data == new_chart
    manual_clock.advance(timedelta(days=31))
    assert (await retention.sweep(app.services)).outbox == 1
    assert await file_count(app) == 0
