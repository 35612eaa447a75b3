"""Opening and closing polls on time: APScheduler date jobs driven with the manual clock (no sleeps), rebuilt from
the database after a restart, and a poll whose closing time passed while the bot was down closes at start."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import App
from bot.clock import ManualClock
from bot.engine import polls
from tests.engine.polls_support import MOD_ROOM, MONDAY, join, poll_of, room, rows, sent_to, tap
from tests.support import Recorder, make_config

CLOSES = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)  # "over 3 dagen" from MONDAY


@asynccontextmanager
async def running(tmp_path: Path, clock: ManualClock, telegram: Recorder,
                  matrix: Recorder) -> AsyncIterator[App]:
    """The app on a database that outlives it (a restart is leaving this block and entering it again)."""
    app = App(make_config(tmp_path), [matrix, telegram], clock=clock)
    await app.start(background=False)
    try:
        yield app
    finally:
        await app.stop()


def due(app: App, clock: ManualClock) -> Callable[[], list[str]]:
    return lambda: [name for name, at in app.scheduler.planned().items() if at <= clock.now()]


async def test_a_scheduled_poll_opens_on_time(app: App, manual_clock: ManualClock, telegram_recorder: Recorder,
                                              matrix_recorder: Recorder) -> None:
    manual_clock.set(MONDAY)
    await join(app, "anna")
    answer = await room(app, "!poll Later? | Yes | No | opens morgen 9:00 | closes over 3 dagen")
    assert "is ready. It opens Tuesday, 3 March 2026 at 09:00" in answer
    assert sorted(app.scheduler.planned().values()) == [datetime(2026, 3, 3, 8, 0, tzinfo=UTC), CLOSES]
    await app.outbox.drain()
    assert sent_to(telegram_recorder, "anna") == []
    manual_clock.set(datetime(2026, 3, 3, 7, 59, tzinfo=UTC))
    assert await polls.sweep(app.services) == (0, 0)  # not yet
    manual_clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    [name] = due(app, manual_clock)()
    await app.scheduler.run(name)
    assert (await poll_of(app))["status"] == "open"
    await app.outbox.drain()
    assert "New poll for Centrum: Later?" in sent_to(telegram_recorder, "anna")[0].text
    assert any("P-2026-0001 is open now; 1 resident will hear of it." in r.text
               for r in sent_to(matrix_recorder, MOD_ROOM))


async def test_a_restart_between_opening_and_closing_keeps_votes_and_the_closing_job(
        tmp_path: Path, manual_clock: ManualClock, engine: str) -> None:
    telegram, matrix = Recorder("telegram"), Recorder("matrix")
    manual_clock.set(MONDAY)
    async with running(tmp_path, manual_clock, telegram, matrix) as app:
        anna = await join(app, "anna")
        await room(app, "!poll Survives? | Yes | No | closes over 3 dagen")
        await app.outbox.drain()
        await anna.send(tap(anna, "vote.1.1"))
    manual_clock.advance(timedelta(days=1))
    async with running(tmp_path, manual_clock, telegram, matrix) as app:
        assert list(app.scheduler.planned().values()) == [CLOSES]  # rebuilt from the database
        anna.app = app
        await anna.say("2")  # typed answers still count after the restart, and change the vote
        assert "Your vote: No" in anna.text()
        manual_clock.set(CLOSES)
        for name in due(app, manual_clock)():
            await app.scheduler.run(name)
        assert (await poll_of(app))["status"] == "closed"
        await app.outbox.drain()
        result = [r for r in sent_to(telegram, "anna") if "Results" in r.text]
        assert len(result) == 1 and "No: 1 vote (100%)" in result[0].text


async def test_a_poll_that_closed_while_the_bot_was_down_closes_right_after_start(
        tmp_path: Path, manual_clock: ManualClock, engine: str) -> None:
    telegram, matrix = Recorder("telegram"), Recorder("matrix")
    manual_clock.set(MONDAY)
    async with running(tmp_path, manual_clock, telegram, matrix) as app:
        anna = await join(app, "anna")
        await room(app, "!poll While down? | Yes | No | closes over 3 dagen")
        await room(app, "!poll Still open? | Yes | No | closes over 9 dagen")
        await app.outbox.drain()
        await anna.send(tap(anna, "vote.1.2"))
    manual_clock.set(CLOSES + timedelta(hours=5))  # the bot was down when P-2026-0001 should have closed
    async with running(tmp_path, manual_clock, telegram, matrix) as app:
        assert (await poll_of(app))["status"] == "closed"
        assert (await poll_of(app, "P-2026-0002"))["status"] == "open"
        assert list(app.scheduler.planned().values()) == [MONDAY + timedelta(days=9)]
        await app.outbox.drain()
        assert any("Results of the poll P-2026-0001" in r.text for r in sent_to(telegram, "anna"))


async def test_extending_moves_the_closing_and_the_old_job_does_nothing(app: App, manual_clock: ManualClock) -> None:
    manual_clock.set(MONDAY)
    await room(app, "!poll Longer? | Yes | No | closes over 3 dagen")
    await room(app, "!extend P-2026-0001 over 5 dagen")
    assert sorted(app.scheduler.planned().values()) == [CLOSES, MONDAY + timedelta(days=5)]
    manual_clock.set(CLOSES)
    for name in due(app, manual_clock)():
        await app.scheduler.run(name)
    assert (await poll_of(app))["status"] == "open"
    manual_clock.set(MONDAY + timedelta(days=5))
    await polls.sweep(app.services)
    assert (await poll_of(app))["status"] == "closed"
    assert await polls.sweep(app.services) == (0, 0)  # idempotent
    assert [r["action"] for r in await rows(app, "SELECT action FROM audit_log ORDER BY id")] == [
        "poll-created", "poll-closed"]


async def test_the_real_scheduler_runs_a_date_job_whose_moment_passed(app: App) -> None:
    """APScheduler itself: a date job for a moment already past is run at once, never dropped as a misfire."""
    ran = asyncio.Event()

    async def job() -> None:
        ran.set()

    app.scheduler.once("test-past", datetime.now(UTC) - timedelta(minutes=5), job)
    app.scheduler.start()
    await asyncio.wait_for(ran.wait(), 10)
