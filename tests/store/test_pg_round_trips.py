"""A dialogue turn takes at most two round trips to PostgreSQL (issue 17, point 2): one statement that reads the
event's claim, the conversation and the resident, and one that writes everything the turn changed (the state,
the claim, the held replies) and is atomic on its own, so it needs no BEGIN or COMMIT. A turn whose handler reads
more (the settings menu reads two opt-ins) takes no more round trips than on SQLite; a press on a poll's button
reads its poll with the opening read, so a vote takes two as well. Counted at asyncpg's
protocol, where each call waits for the server, and at aiosqlite's worker thread."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import ManualClock
from tests.engine.polls_support import MONDAY, join, room, tap
from tests.support import Person, Recorder, count_pg_round_trips, count_round_trips, make_config

pytestmark = pytest.mark.postgresql_only
TURNS = {"help": ["/help", "/help", "/help"], "share": ["/share", "/cancel", "/share"],
         "settings": ["/settings", "/cancel", "/settings"]}


async def round_trips(app: App, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The round trips of the last of alike turns (the first ones prepare their statements, once per connection)."""
    anna = Person(app, "anna")
    await anna.onboard()
    found: dict[str, int] = {}
    for name, lines in TURNS.items():
        for n, line in enumerate(lines[:-1]):
            await anna.say(line, event_id=f"{name}-warm-{n}")
        if app.db.dialect == "postgresql":
            calls = count_pg_round_trips(app, monkeypatch)
            await anna.say(lines[-1], event_id=f"{name}-counted")
            found[name] = len(calls)
        else:
            count = count_round_trips(monkeypatch)
            await anna.say(lines[-1], event_id=f"{name}-counted")
            found[name] = count()
        monkeypatch.undo()
    return found


async def test_an_ordinary_turn_takes_two_round_trips_and_none_takes_more_than_on_sqlite(
        app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_postgresql = await round_trips(app, monkeypatch)
    sqlite_app = App(make_config(tmp_path / "sqlite", database={"path": "wijkbot.sqlite3"}),
                     [Recorder("telegram")], clock=ManualClock())
    await sqlite_app.start(background=False)
    try:
        on_sqlite = await round_trips(sqlite_app, monkeypatch)
    finally:
        await sqlite_app.stop()
    assert on_postgresql["help"] <= 2 and on_postgresql["share"] <= 2, on_postgresql
    assert all(on_postgresql[name] <= on_sqlite[name] for name in TURNS), (on_postgresql, on_sqlite)


POLLS = {"ordinary, single choice": "",
         "ordinary, multiple choice": " | multiple 2",
         "youth, single choice": " | jongeren 12-17",
         "youth, multiple choice": " | multiple 2 | jongeren 12-17"}


async def vote_round_trips(app: App, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The round trips of a button press under each kind of poll, the last of alike presses (a press in a
    multiple-choice poll adds or removes an option, so the turn reads the current vote too)."""
    kid = await join(app, "kid", band="12-14")
    found: dict[str, int] = {}
    for number, (kind, parts) in enumerate(POLLS.items(), start=1):
        assert "will hear of it" in await room(
            app, f"!poll Skatepark or football cage? | Skatepark | Football cage{parts} | closes over 3 dagen")
        for n, option in enumerate((1, 2)):
            await kid.send(replace(tap(kid, f"vote.{number}.{option}"), event_id=f"{kind}-warm-{n}"))
        pressed = replace(tap(kid, f"vote.{number}.1"), event_id=f"{kind}-counted")
        if app.db.dialect == "postgresql":
            calls = count_pg_round_trips(app, monkeypatch)
            receipt = await kid.send(pressed)
            found[kind] = len(calls)
        else:
            count = count_round_trips(monkeypatch)
            receipt = await kid.send(pressed)
            found[kind] = count()
        monkeypatch.undo()
        assert "✓" in receipt[0].text or any("✓" in c.label for c in receipt[0].choices), receipt
    return found


async def test_a_vote_takes_two_round_trips_in_every_kind_of_poll(
        app: App, tmp_path: Path, manual_clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ordinary and youth polls, single and multiple choice: the press's poll, options and current vote are read
    with the turn's opening read (a youth poll's voter hash needs the poll's key, kept from the press before)."""
    manual_clock.set(MONDAY)
    on_postgresql = await vote_round_trips(app, monkeypatch)
    sqlite_clock = ManualClock()
    sqlite_clock.set(MONDAY)
    sqlite_app = App(make_config(tmp_path / "sqlite", database={"path": "wijkbot.sqlite3"}),
                     [Recorder("telegram"), Recorder("matrix")], clock=sqlite_clock)
    await sqlite_app.start(background=False)
    try:
        on_sqlite = await vote_round_trips(sqlite_app, monkeypatch)
    finally:
        await sqlite_app.stop()
    assert all(trips <= 2 for trips in on_postgresql.values()), on_postgresql
    assert all(on_postgresql[kind] <= on_sqlite[kind] for kind in POLLS), (on_postgresql, on_sqlite)
