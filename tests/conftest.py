from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import ManualClock
from tests.support import Recorder, make_config


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def matrix_recorder() -> Recorder:
    return Recorder("matrix", can_send_files=True)


@pytest.fixture
def telegram_recorder() -> Recorder:
    return Recorder("telegram", can_send_files=True, accepts_photos=True)


@pytest.fixture
async def app(tmp_path: Path, manual_clock: ManualClock, matrix_recorder: Recorder,
              telegram_recorder: Recorder) -> AsyncIterator[App]:
    """The whole application on a temp SQLite database, with recording channels and a manual clock."""
    application = App(make_config(tmp_path), [matrix_recorder, telegram_recorder], clock=manual_clock)
    await application.start(background=False)
    yield application
    await application.stop()
