"""Test helpers: a config built in a temp dir, a recording channel, and a way to talk to the app."""

from __future__ import annotations

import asyncio
import copy
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.app import App
from bot.channels.base import Actor, Address, Host, Incoming, Reply, SendResult
from bot.channels.console import parse_line
from bot.clock import ManualClock
from bot.config import SUPPORTED_LANGUAGES, Config, parse
from bot.i18n import LANGUAGE_NAMES, best_language
from bot.store.url import DatabaseUrl

BASE: dict[str, Any] = {
    "municipality": {"name": "Gemeente Teststad", "timezone": "Europe/Amsterdam"},
    "languages": {"offered": ["nl", "en", "tr", "ar", "pl"], "default": "nl"},
    "database": {"path": "wijkbot.sqlite3"},
    "privacy": {"controller": "Gemeente Teststad", "contact": "privacy@teststad.nl",
                "statement_url": "https://teststad.nl/privacy", "retention_months": 24},
    "moderation": {"language": "en", "remind_after_hours": 48},
    # Tests type faster than any resident and mostly on a clock that stands still: no flood protection, except
    # where a test turns it on (tests/test_flood*.py).
    "limits": {"flood_messages": 0},
    "neighbourhoods": [
        {"id": "centrum", "name": "Centrum", "aliases": ["binnenstad"], "postcodes": ["1011", "1012"],
         "moderation_room": "!mod-centrum:localhost", "public_rooms": ["!public-centrum:localhost"],
         "telegram_chat": "-100123"},
        {"id": "noord", "name": "Noord", "postcodes": ["1021"]},
    ],
}


class Engine:
    """The database engine of the running test (set by the ``engine`` fixture, tests/conftest.py): SQLite, or
    PostgreSQL in the test run's own database (``dsn``), one schema per test folder."""

    name = "sqlite"
    dsn = ""


def schema_for(folder: Path) -> str:
    """The PostgreSQL schema that stands for a test's data folder: the same folder, the same schema."""
    return "t_" + hashlib.sha1(str(folder).encode()).hexdigest()[:20]


def database_url(folder: Path, file: str = "wijkbot.sqlite3") -> DatabaseUrl:
    """Where the test's database is: ``folder/file`` on SQLite, a schema of its own on PostgreSQL."""
    if Engine.name == "postgresql":
        return DatabaseUrl("postgresql", dsn=Engine.dsn, schema=schema_for(folder / file))
    return DatabaseUrl.sqlite(folder / file)


async def table_names(tx: Any) -> list[str]:
    """Every table of the test's database (SQLite's catalogue, or the schema's in PostgreSQL)."""
    if tx.dialect == "sqlite":
        return [r[0] for r in await tx.all("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [r[0] for r in await tx.all("SELECT table_name FROM information_schema.tables"
                                       " WHERE table_schema = current_schema() ORDER BY table_name")]


async def column_names(tx: Any, table: str) -> list[str]:
    if tx.dialect == "sqlite":
        return [r[1] for r in await tx.all(f"PRAGMA table_info({table})")]
    return [r[0] for r in await tx.all("SELECT column_name FROM information_schema.columns WHERE table_schema ="
                                       " current_schema() AND table_name = ? ORDER BY ordinal_position", (table,))]


def database_toml(folder: Path) -> str:
    """The ``[database]`` lines of a config file in ``folder`` for this test's engine (see ``database_url``)."""
    if Engine.name == "postgresql":
        return f'url = "{Engine.dsn}"\nschema = "{schema_for(folder / "wijkbot.sqlite3")}"'
    return 'path = "wijkbot.sqlite3"'


def make_config(tmp_path: Path, **sections: Any) -> Config:
    data = copy.deepcopy(BASE)
    if Engine.name == "postgresql":
        data["database"] = {"url": Engine.dsn, "schema": schema_for(tmp_path / "wijkbot.sqlite3")}
    for key, value in sections.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return parse(data, tmp_path)


def count_round_trips(monkeypatch: Any) -> Callable[[], int]:
    """From now on, count the round trips to aiosqlite's worker thread (``pytest.MonkeyPatch``); the count."""
    import aiosqlite

    trips = 0
    execute = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal trips
        trips += 1
        return await execute(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return lambda: trips


# asyncpg's protocol calls that each go to the server and wait for its answer (one round trip each).
_PG_CALLS = ("prepare", "bind_execute", "bind_execute_many", "bind", "execute", "query", "close_statement")


class _CountingProtocol:
    """Stands in for an asyncpg connection's protocol object and counts the calls that wait for the server."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._real, name)
        if name not in _PG_CALLS:
            return attribute

        async def counted(*args: Any, **kwargs: Any) -> Any:
            query = args[0] if args and isinstance(args[0], str) else getattr(args[0], "query", "") if args else ""
            self.calls.append(f"{name}: {query[:150]}")
            return await attribute(*args, **kwargs)
        return counted


def count_trips(app: App, monkeypatch: Any) -> Callable[[], int]:
    """From now on, the app's round trips to its database, whichever the engine; the count."""
    if app.db.dialect == "postgresql":
        calls = count_pg_round_trips(app, monkeypatch)
        return lambda: len(calls)
    return count_round_trips(monkeypatch)


def count_pg_round_trips(app: App, monkeypatch: Any) -> list[str]:
    """From now on, the protocol calls (round trips) of the app's PostgreSQL connection, as a growing list."""
    conn = app.db.backend.conn
    conn = getattr(conn, "_con", conn)  # the connection behind the pool's proxy
    counting = _CountingProtocol(conn._protocol)
    monkeypatch.setattr(conn, "_protocol", counting)
    return counting.calls


class Recorder:
    """A channel that records what the bot sends; used as 'matrix' or 'telegram' stand-in in engine tests."""

    def __init__(self, name: str, can_send_files: bool = False, accepts_photos: bool = False) -> None:
        self.name = name
        self.can_send_files = can_send_files
        self.accepts_photos = accepts_photos
        self.sent: list[Reply] = []
        self.deleted: list[tuple[Address, str]] = []
        self.host: Host | None = None
        self.fail_with: SendResult | None = None
        self._next_id = 0
        self._changed = asyncio.Condition()

    async def start(self, host: Host) -> None:
        self.host = host

    async def stop(self) -> None:
        self.host = None

    async def send(self, reply: Reply) -> SendResult:
        if self.fail_with is not None:
            return self.fail_with
        self.sent.append(reply)
        async with self._changed:
            self._changed.notify_all()
        if reply.edit_of is not None:  # as the platforms do: an edited message keeps its id
            return SendResult(ok=True, message_id=reply.edit_of)
        self._next_id += 1
        return SendResult(ok=True, message_id=f"${self.name}-{self._next_id}")

    async def delete(self, address: Address, message_id: str) -> SendResult:
        """Take back a message this channel sent: it is recorded in ``deleted``."""
        if self.fail_with is not None:
            return self.fail_with
        self.deleted.append((address, message_id))
        async with self._changed:
            self._changed.notify_all()
        return SendResult(ok=True)

    async def wait_for(self, predicate: Callable[[list[Reply]], bool], deadline: float = 20.0) -> None:
        """Wait (event driven) until what was sent satisfies ``predicate``."""
        async with asyncio.timeout(deadline), self._changed:
            await self._changed.wait_for(lambda: predicate(self.sent))

    def texts(self, chat_id: str | None = None) -> list[str]:
        return [r.text for r in self.sent if chat_id is None or (r.address and r.address.chat_id == chat_id)]


class Person:
    """Someone talking to the app on one channel, the way a channel adapter would pass it on."""

    def __init__(self, app: App, user: str, channel: str = "console", language_hint: str | None = None) -> None:
        self.app = app
        self.actor = Actor(channel, user, display_name=user, language_hint=language_hint)
        self.address = Address(channel, user)
        self.last: list[Reply] = []

    async def say(self, line: str, event_id: str | None = None) -> list[Reply]:
        incoming = parse_line(line, self.actor, self.address)
        if event_id is not None:
            incoming = Incoming(**{**incoming.__dict__, "event_id": event_id})
        self.last = await self.app.dispatch(incoming)
        return self.last

    async def press(self, key: str) -> list[Reply]:
        """Press the button ``key`` of the last question, as a channel with buttons passes it on."""
        turn = next((r.turn for r in reversed(self.last) if r.choices), None)
        return await self.send(Incoming(self.actor, self.address, choice=key, choice_turn=turn))

    async def send(self, incoming: Incoming) -> list[Reply]:
        self.last = await self.app.dispatch(incoming)
        return self.last

    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    async def onboard(self, neighbourhood: str = "centrum", language: str = "English") -> None:
        """/start, language, neighbourhood, consent. With an offered app language the bot starts in it: another
        language is then chosen with the 🌐 option."""
        await self.say("/start")
        hinted = any(choice.key == "language" for reply in self.last for choice in reply.choices)
        if not hinted or LANGUAGE_NAMES[best_language(self.actor.language_hint, SUPPORTED_LANGUAGES, "nl")] \
                != language:
            if hinted:
                await self.press("language")
            await self.say(language)
        await self.say(neighbourhood)
        await self.say("1")  # yes, I agree


def clock() -> ManualClock:
    return ManualClock()
