"""Broken storage while running (issue 13, point 7): the first transaction that finds the disk full marks the
database broken, and `wijkbot run` (App.run_until_signal) stops and raises the one-line StorageError."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.base import Host
from bot.clock import ManualClock
from bot.store.broken import StorageError
from tests.support import Person, Recorder, make_config


class Announcing(Recorder):
    """A recording channel that says when the app has started it (the database is open by then)."""

    def __init__(self) -> None:
        super().__init__("telegram")
        self.started = asyncio.Event()

    async def start(self, host: Host) -> None:
        await super().start(host)
        self.started.set()


async def test_a_full_disk_stops_a_running_bot_with_the_file_named(tmp_path: Path, manual_clock: ManualClock) -> None:
    telegram = Announcing()
    app = App(make_config(tmp_path), [telegram], clock=manual_clock)
    running = asyncio.create_task(app.run_until_signal())
    await asyncio.wait_for(telegram.started.wait(), 10)
    pages = (await (await app.db.conn.execute("PRAGMA page_count")).fetchone() or [0])[0]
    await app.db.conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from now on
    for number in range(200):
        await Person(app, f"resident-{number}", channel="telegram").onboard()
        if app.db.broken.is_set():
            break
    with pytest.raises(StorageError) as raised:
        await asyncio.wait_for(running, 10)
    assert str(raised.value) == f"The database {app.db.path} cannot be written: the disk is full"
    assert telegram.host is None  # the channel was stopped
