"""The early-signal detector through the whole app, on generated histories written into the database, with the
injectable clock: a planted rise is flagged within two weeks and reaches the theme's contact person, the
professionals' room and the moderation room with the stories behind it; a flat noisy year raises nothing; a
tiny neighbourhood stays quiet; !signals lists and !ack acknowledges with a note in the audit log."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.engine import signals
from bot.store import audit
from tests.engine.contacts_support import room
from tests.engine.professionals_support import (
    HANNA,
    PRO_ROOM,
    add_weeks,
    config_with_professionals,
    outbox_to,
    pro,
)
from tests.engine.test_signals_math import poisson
from tests.support import Recorder

START = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)  # a Monday; 14 weeks of history before the first run


@pytest.fixture
async def app(tmp_path: Path, matrix_recorder: Recorder, telegram_recorder: Recorder,
              engine: str) -> AsyncIterator[App]:
    clock = ManualClock(START)
    application = App(config_with_professionals(tmp_path), [matrix_recorder, telegram_recorder], clock=clock)
    await application.start(background=False)
    yield application
    await application.stop()


def clock_of(app: App) -> ManualClock:
    clock = app.services.clock
    assert isinstance(clock, ManualClock)
    return clock


async def weekly_runs(app: App, weeks: int) -> list[tuple[int, list[str]]]:
    """Run the detector every Monday for ``weeks`` weeks: (week, references of the signals raised)."""
    raised = []
    for week in range(weeks):
        async with app.db.transaction() as tx:
            found = await signals.detect(tx, app.services)
        if found:
            raised.append((week, [s.reference for s in found]))
        clock_of(app).advance(timedelta(weeks=1))
    return raised


async def test_a_planted_rise_is_flagged_within_two_weeks_and_sent_with_its_stories(app: App) -> None:
    rng = random.Random(3)
    history = START - timedelta(weeks=14)
    await add_weeks(app, "centrum", "housing", history, [poisson(rng, 3.0) for _ in range(14)], rng)
    await add_weeks(app, "centrum", "housing", START, [poisson(rng, 3.0) for _ in range(4)], rng)
    rise = START + timedelta(weeks=4)
    await add_weeks(app, "centrum", "housing", rise, [15, 15, 15], rng)
    raised = await weekly_runs(app, 7)
    assert len(raised) == 1 and 5 <= raised[0][0] <= 6, raised  # the 1st or 2nd run after the rise began
    reference = raised[0][1][0]
    sent = await outbox_to(app, "signal")
    assert sorted(chat for chat, _ in sent) == sorted(["!mod-centrum:localhost", PRO_ROOM, HANNA])
    body = sent[0][1]
    assert reference in body and "Housing" in body and "Centrum" in body and "Behind it: W-" in body
    # Every reference listed is a housing story of the window.
    async with app.db.transaction() as tx:
        items = await tx.all("SELECT e.theme, e.created_at FROM signal_items i JOIN experiences e"
                             " ON e.reference = i.item_reference")
    assert items and {row[0] for row in items} == {"housing"}

    listed = await pro(app, "!signals")
    assert reference in listed and "Acknowledge with: !ack" in listed
    assert await room(app, "!signalen") == listed
    assert "Add a note" in await pro(app, f"!ack {reference}")
    assert "acknowledged" in await pro(app, f"!ack {reference} Ik ga met de corporatie praten")
    assert "Acknowledged by wijkagent: Ik ga met de corporatie praten" in await pro(app, "!signals")
    async with app.db.transaction() as tx:
        log = await audit.of_reference(tx, reference)
    assert [(e.actor, e.action, e.detail) for e in log] == [
        ("wijkbot", "signal", None), ("wijkagent", "acknowledged", "Ik ga met de corporatie praten")]
    assert "don't know signal" in await pro(app, "!ack SIG-2099-0001 nee")


async def test_a_flat_noisy_year_raises_no_signal(app: App) -> None:
    """Eight themes at 0.5 to 10 stories a week, Poisson noise, a year of weekly runs: no signal."""
    rng = random.Random(11)
    history = START - timedelta(weeks=14)
    rates = dict(zip(("upbringing", "schooling", "social", "work_income", "health", "housing", "safety", "other"),
                     (0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 10.0, 1.5), strict=True))
    for theme, rate in rates.items():
        await add_weeks(app, "centrum", theme, history, [poisson(rng, rate) for _ in range(14 + 52)], rng)
    assert await weekly_runs(app, 52) == []
    assert await outbox_to(app, "signal") == []


async def test_a_tiny_neighbourhood_stays_quiet(app: App) -> None:
    """Noord hears of one story now and then; four in two weeks after months of silence is not a signal."""
    rng = random.Random(5)
    history = START - timedelta(weeks=14)
    await add_weeks(app, "noord", "safety", history, [1 if week % 9 == 0 else 0 for week in range(14)], rng)
    await add_weeks(app, "noord", "safety", START, [2, 2], rng)
    assert await weekly_runs(app, 3) == []
    assert "No early signals" in await pro(app, "!signals")
