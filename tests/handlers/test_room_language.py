"""The room's language everywhere (issue 21, point 4): a Dutch moderation room reads the Dutch command names, in
every hint and in !help; the registry knows which alias each language reads."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from bot.app import App
from bot.clock import ManualClock
from handlers.registry import ROOM_COMMANDS
from tests.engine.test_moderation import MOD_ROOM, organiser
from tests.support import Recorder, make_config

ROOT = Path(__file__).resolve().parent.parent.parent
ENGLISH_ONLY = {c.name: c.spoken("nl") for c in ROOM_COMMANDS if c.spoken("nl") != c.name}
TYPED = re.compile(r"!([a-z][\w-]*)(?![\w-])")


def test_the_registry_gives_each_language_its_own_command_word() -> None:
    close_poll = next(c for c in ROOM_COMMANDS if c.name == "close-poll")
    assert close_poll.spoken("nl") == "sluit-peiling" and close_poll.spoken("en") == "close-poll"
    for command in ROOM_COMMANDS:  # the word a room reads is always one the bot understands
        assert command.spoken("nl") in command.words and command.spoken("tr") == command.name


def test_no_dutch_hint_names_an_english_command() -> None:
    with open(ROOT / "locales/nl/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle, locale="nl")
    wrong = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for line in (line for text in strings for line in (text or "").split("\n")):
            dutch_part = line.split("Engels")[0]  # "Engels werkt ook: !approve …" names English words on purpose
            wrong += [(word, line) for word in TYPED.findall(dutch_part) if word in ENGLISH_ONLY]
    assert wrong == []


async def test_help_in_a_dutch_room_shows_the_dutch_command_names(tmp_path: Path, manual_clock: ManualClock,
                                                                  engine: str) -> None:
    config = make_config(tmp_path, moderation={"language": "nl", "remind_after_hours": 48})
    app = App(config, [Recorder("matrix"), Recorder("telegram")], clock=manual_clock)
    await app.start(background=False)
    try:
        shown = "\n".join(r.text for r in await app.dispatch(organiser(app, "!hulp", room=MOD_ROOM)))
    finally:
        await app.stop()
    for english, dutch in ENGLISH_ONLY.items():
        if f"!{dutch}" in shown:
            assert not re.search(rf"^!{re.escape(english)}(?![\w-])", shown, re.MULTILINE), english
    for word in ("goedkeuren", "afwijzen", "terugkoppeling", "peiling", "praatmee", "contactpersoon", "rapport"):
        assert f"!{word}" in shown
