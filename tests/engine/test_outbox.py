"""The outbox: delivery with retries and backoff, unreachable people, nothing lost."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.channels.base import Address, Reply, SendResult
from bot.clock import ManualClock
from bot.engine import outbox
from bot.store import outbox as outbox_repo
from tests.support import Person, Recorder


async def queue(app: App, address: Address, text: str) -> None:
    async with app.db.transaction() as tx:
        await outbox.enqueue(tx, app.services, address, Reply(text=text), purpose="test")


async def test_transient_failures_back_off_and_then_deliver(app: App, telegram_recorder: Recorder,
                                                            manual_clock: ManualClock) -> None:
    await queue(app, Address("telegram", "42"), "hello")
    telegram_recorder.fail_with = SendResult(ok=False, error="timeout")
    assert await app.outbox.drain() == 0
    telegram_recorder.fail_with = None
    assert await app.outbox.drain() == 0  # not due yet: backing off
    manual_clock.advance(timedelta(seconds=5))
    assert await app.outbox.drain() == 1
    assert telegram_recorder.texts("42") == ["hello"]
    assert await app.outbox.drain() == 0  # never twice


async def test_retry_after_is_honoured(app: App, telegram_recorder: Recorder, manual_clock: ManualClock) -> None:
    await queue(app, Address("telegram", "42"), "hello")
    telegram_recorder.fail_with = SendResult(ok=False, retry_after=30)
    await app.outbox.drain()
    telegram_recorder.fail_with = None
    manual_clock.advance(timedelta(seconds=29))
    assert await app.outbox.drain() == 0
    manual_clock.advance(timedelta(seconds=1))
    assert await app.outbox.drain() == 1


async def test_gives_up_after_max_attempts(app: App, telegram_recorder: Recorder, manual_clock: ManualClock) -> None:
    await queue(app, Address("telegram", "42"), "hello")
    telegram_recorder.fail_with = SendResult(ok=False, error="500")
    for _ in range(outbox.MAX_ATTEMPTS):
        await app.outbox.drain()
        manual_clock.advance(timedelta(hours=1))
    async with app.db.transaction() as tx:
        assert await outbox_repo.counts(tx) == {"failed": 1}


async def test_a_blocked_bot_marks_the_person_unreachable(app: App, telegram_recorder: Recorder) -> None:
    anna = Person(app, "anna", channel="telegram")
    await anna.onboard()
    await queue(app, Address("telegram", "anna"), "one")
    await queue(app, Address("telegram", "anna"), "two")
    telegram_recorder.fail_with = SendResult(ok=False, unreachable=True)
    await app.outbox.drain()
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT unreachable_at FROM residents") is not None
        assert await outbox_repo.counts(tx) == {"unreachable": 2}
    await anna.say("/help")  # writing again makes them reachable
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT unreachable_at FROM residents") is None


async def test_a_channel_that_is_not_running_keeps_the_message(app: App) -> None:
    await queue(app, Address("signal", "x"), "later")
    await app.outbox.drain()
    async with app.db.transaction() as tx:
        assert await outbox_repo.counts(tx) == {"pending": 1}
