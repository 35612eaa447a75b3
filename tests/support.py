"""Test helpers: a config built in a temp dir, a recording channel, and a way to talk to the app."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.app import App
from bot.channels.base import Actor, Address, Host, Incoming, Reply, SendResult
from bot.channels.console import parse_line
from bot.clock import ManualClock
from bot.config import SUPPORTED_LANGUAGES, Config, parse
from bot.i18n import LANGUAGE_NAMES, best_language

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


def make_config(tmp_path: Path, **sections: Any) -> Config:
    data = copy.deepcopy(BASE)
    for key, value in sections.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return parse(data, tmp_path)


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
