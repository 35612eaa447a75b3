"""Helpers for the professionals' tests: a neighbourhood with a professionals' room, a professional who types
there, and generated histories of stories written straight into the database."""

from __future__ import annotations

import copy
import random
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.channels.base import Actor, Address, Incoming
from bot.clock import ManualClock
from bot.config import Config
from tests.support import BASE, Recorder, make_config

PRO_ROOM = "!pro-centrum:localhost"
SANNE = "@sanne:localhost"  # the neighbourhood police officer
HANNA = "@hanna:localhost"  # the housing contact person: signals about housing reach her
PROFESSIONALS: list[dict[str, Any]] = [
    {"id": "centrum-wijkagent", "name": "Sanne Bakker", "role": "wijkagent", "matrix_user": SANNE,
     "since": "2025-01-01"},
]
CONTACTS: list[dict[str, Any]] = [
    {"id": "hanna", "name": "Hanna", "role": "woonconsulent", "theme": "housing", "since": "2025-01-01",
     "matrix_user": HANNA},
]


def config_with_professionals(tmp_path: Path, **sections: Any) -> Config:
    hoods = copy.deepcopy(BASE["neighbourhoods"])
    hoods[0].update(professionals_room=PRO_ROOM, professionals=PROFESSIONALS, contacts=CONTACTS)
    hoods[1]["professionals_room"] = "!pro-noord:localhost"
    return make_config(tmp_path, neighbourhoods=hoods, **sections)


@pytest.fixture(name="app")
async def app_fixture(tmp_path: Path, manual_clock: ManualClock, matrix_recorder: Recorder,
                      telegram_recorder: Recorder) -> AsyncIterator[App]:
    """The whole app with a professionals' room in Centrum (and one in Noord), on the manual clock."""
    application = App(config_with_professionals(tmp_path), [matrix_recorder, telegram_recorder], clock=manual_clock)
    await application.start(background=False)
    yield application
    await application.stop()


async def pro(app: App, line: str, user: str = SANNE, room: str = PRO_ROOM) -> str:
    """What someone types in a professionals' room (no moderator rights there)."""
    word, _, args = line.lstrip("!").partition(" ")
    replies = await app.dispatch(Incoming(Actor("matrix", user), Address("matrix", room, private=False), text=line,
                                          command=word, args=args))
    return "\n".join(r.text for r in replies)


async def add_story(app: App, hood: str, theme: str, at: datetime, text: str = "Er is overlast bij het plein.",
                    status: str = "approved") -> str:
    async with app.db.transaction() as tx:
        number = await tx.value("SELECT COUNT(*) FROM experiences") + 1
        reference = f"W-{at.year}-{number:05d}"
        await tx.execute("INSERT INTO experiences (reference, neighbourhood_id, theme, text, text_public, language,"
                         " status, created_at) VALUES (?, ?, ?, ?, ?, 'nl', ?, ?)",
                         (reference, hood, theme, text, text, status, at.isoformat(timespec="seconds")))
    return reference


async def add_weeks(app: App, hood: str, theme: str, start: datetime, counts: list[int], rng: random.Random) -> None:
    """Stories spread at random moments over consecutive weeks from ``start``, ``counts[i]`` in week i."""
    for week, count in enumerate(counts):
        for _ in range(count):
            moment = start + timedelta(weeks=week, seconds=rng.randrange(7 * 24 * 3600))
            await add_story(app, hood, theme, moment)


async def outbox_to(app: App, purpose: str) -> list[tuple[str, str]]:
    """(chat, body) of queued messages with this purpose."""
    async with app.db.transaction() as tx:
        rows = await tx.all("SELECT chat_id, body FROM outbox WHERE purpose = ? ORDER BY id", (purpose,))
    return [(row[0], row[1]) for row in rows]
