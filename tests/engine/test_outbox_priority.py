"""Interactive before bulk in the outbox, and a turn's replies kept with the turn until the channel sent them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.channels.base import SENDING_BULK, Actor, Address, Incoming, Reply, SendResult
from bot.engine import outbox
from bot.store import outbox as outbox_repo
from bot.store.db import Database
from tests.support import Person, Recorder, count_trips, database_url


async def rows(app: App, sql: str) -> list[Any]:
    async with app.db.transaction() as tx:
        return [tuple(row) for row in await tx.all(sql)]


async def test_interactive_rows_leave_before_bulk_rows_queued_earlier(app: App, telegram_recorder: Recorder) -> None:
    seen_bulk: list[tuple[str, bool]] = []
    send = telegram_recorder.send

    async def recording(reply: Reply) -> SendResult:
        seen_bulk.append((reply.text, SENDING_BULK.get()))
        return await send(reply)

    telegram_recorder.send = recording  # type: ignore[method-assign]
    async with app.db.transaction() as tx:
        for n in range(5):
            await outbox.enqueue(tx, app.services, Address("telegram", str(100 + n)), Reply(text=f"feedback {n}"),
                                 purpose="feedback")
        await outbox.enqueue(tx, app.services, Address("telegram", "7"), Reply(text="relayed answer"),
                             purpose="relay-answer")
    async with app.db.transaction() as tx:
        due = await outbox_repo.due(tx, app.services.now_iso(), 10)
    assert due[0].reply.text == "relayed answer"
    assert [item.priority for item in due] == [outbox_repo.INTERACTIVE] + [outbox_repo.BULK] * 5

    assert await app.outbox.drain() == 6
    assert seen_bulk[0] == ("relayed answer", False)  # first, and not marked bulk for the channel's limiter
    assert [bulk for _, bulk in seen_bulk[1:]] == [True] * 5
    assert not SENDING_BULK.get()  # the mark stays inside the sending task


async def test_a_turn_keeps_its_replies_in_its_own_transaction_and_settles_them_in_one_batch(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    people = [Person(app, f"p{n}", channel="telegram", language_hint="en") for n in range(3)]
    answered = []
    for n, person in enumerate(people):
        answered += await person.send(Incoming(person.actor, person.address, command="start", event_id=f"u{n}"))
    assert all(reply.receipt for reply in answered)
    held = await rows(app, "SELECT status, chat_id, priority FROM outbox WHERE purpose = 'reply' ORDER BY id")
    assert held == [("held", f"p{n}", 0) for n in range(3)]
    assert await app.outbox.drain() == 0  # the channel sends them, not the dispatcher

    warm = Person(app, "warm", channel="telegram", language_hint="en")  # PostgreSQL prepares a statement at its
    for reply in await warm.send(Incoming(warm.actor, warm.address, command="start", event_id="w")):  # first use
        app.replied(reply, SendResult(ok=True))
    await app.held.flush()

    trips = count_trips(app, monkeypatch)
    app.replied(answered[0], SendResult(ok=True))
    app.replied(answered[1], SendResult(ok=False, unreachable=True))  # blocked the bot: nothing to retry
    app.replied(answered[2], SendResult(ok=False, error="timeout"))
    assert await app.held.flush() == 3
    assert trips() == 1  # everything reported is settled in one round trip, never one per turn
    monkeypatch.undo()
    # Sent ones are gone (nothing of what they said stays); the failed one waits for the dispatcher.
    assert await rows(app, "SELECT status, chat_id FROM outbox WHERE purpose = 'reply'") == [("pending", "p2")]
    assert await app.outbox.drain() == 1


async def test_replies_held_by_a_process_that_died_are_sent_once_after_the_restart(
        app: App, telegram_recorder: Recorder) -> None:
    anna = Person(app, "anna", channel="telegram", language_hint="en")
    [answer] = await anna.send(Incoming(anna.actor, anna.address, command="help", event_id="u9"))
    # The process dies here: the answer never reached the channel. The next start releases it.
    assert await app.held.release() == 1
    assert await app.outbox.drain() == 1
    assert [reply.text for reply in telegram_recorder.sent] == [answer.text]
    assert await app.held.release() == 0 and await app.outbox.drain() == 0  # once
    # Telegram delivers the update again: it was handled, so nothing is answered twice.
    again = await anna.send(Incoming(anna.actor, anna.address, command="help", event_id="u9"))
    assert again == []


async def test_a_kept_reply_keeps_its_buttons_turn_and_the_message_it_edits(app: App) -> None:
    reply = Reply(text="Vote again?", address=Address("telegram", "5"), turn=4, edit_of="77",
                  choices=())
    async with app.db.transaction() as tx:
        outbox_repo.hold(tx, Address("telegram", "5"), reply, "telegram:u1:0", app.services.now_iso())
    async with app.db.transaction() as tx:
        await outbox_repo.release_held(tx, app.services.now_iso())
        [item] = await outbox_repo.due(tx, app.services.now_iso(), 5)
    assert (item.reply.turn, item.reply.edit_of, item.priority) == (4, "77", outbox_repo.INTERACTIVE)


async def test_replies_without_a_platform_event_id_are_not_kept(app: App) -> None:
    console = Person(app, "cleo")
    await console.send(Incoming(Actor("console", "cleo"), Address("console", "cleo"), command="help"))
    assert await rows(app, "SELECT id FROM outbox WHERE purpose = 'reply'") == []


async def test_rows_queued_before_the_upgrade_get_their_priority(tmp_path: Path, engine: str) -> None:
    db = Database(database_url(tmp_path, "old.sqlite3"))
    await db.open(migrate_to=16)
    async with db.transaction() as tx:
        for purpose in ("feedback", "digest", "relay", "moderation"):
            await tx.execute("INSERT INTO outbox (channel, chat_id, body, purpose, not_before, created_at)"
                             " VALUES ('telegram', '1', '{\"text\": \"x\"}', ?, '2026-01-01', '2026-01-01')",
                             (purpose,))
    await db.close()
    await db.open()
    async with db.transaction() as tx:
        rows = await tx.all("SELECT purpose, priority FROM outbox ORDER BY priority, id")
    await db.close()
    assert [(row["purpose"], row["priority"]) for row in rows] == [
        ("relay", 0), ("moderation", 0), ("feedback", 1), ("digest", 1)]
