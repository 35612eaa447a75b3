"""The 5-minute minimum of a poll holds to the second: "sluit over 5 minuten" is accepted even when the clock moves
while the command is handled, and anything shorter is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import ManualClock
from tests.engine.polls_support import MONDAY, poll_of, room
from tests.support import Recorder, make_config

REFUSED = "The poll must close at least 5 minutes after it opens."


class TickingClock(ManualClock):
    """Time moves a second every time someone reads it, as a real clock does while a command is handled."""

    def now(self) -> datetime:
        return self.advance(timedelta(seconds=1))


@pytest.fixture
async def ticking_app(tmp_path: Path, engine: str) -> AsyncIterator[App]:
    application = App(make_config(tmp_path), [Recorder("matrix"), Recorder("telegram")], clock=TickingClock(MONDAY))
    await application.start(background=False)
    yield application
    await application.stop()


@pytest.mark.parametrize("closes", ["sluit over 5 minuten", "closes in 5 minutes"])
async def test_a_poll_of_exactly_five_minutes_is_made(ticking_app: App, closes: str) -> None:
    answer = await room(ticking_app, f"!poll Lights? | Yes | No | {closes}")
    assert REFUSED not in answer and "P-2026-0001 is open until" in answer
    poll = await poll_of(ticking_app)
    opened, closing = datetime.fromisoformat(poll["opens_at"]), datetime.fromisoformat(poll["closes_at"])
    assert closing - opened == timedelta(minutes=5)


async def test_shorter_than_five_minutes_is_refused(ticking_app: App) -> None:
    assert REFUSED in await room(ticking_app, "!poll Lights? | Yes | No | sluit over 4 minuten")


async def test_extending_to_five_minutes_from_now_is_accepted(ticking_app: App) -> None:
    await room(ticking_app, "!poll Lights? | Yes | No | sluit over 1 uur")
    answer = await room(ticking_app, "!extend P-2026-0001 over 5 minuten")
    assert REFUSED not in answer and "P-2026-0001 now closes" in answer
    assert REFUSED in await room(ticking_app, "!extend P-2026-0001 over 4 minuten")
