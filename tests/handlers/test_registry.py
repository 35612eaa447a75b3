"""Every organisers' command is declared once (handlers/registry.py), and what organisers read about it agrees:
each one is routed, named in !help and in the README's sections for organisers."""

from __future__ import annotations

import re
from pathlib import Path

from bot.app import App
from bot.channels.base import Actor, Address, Incoming
from bot.clock import ManualClock
from handlers.registry import ROOM_COMMANDS, SECTIONS, readme_table, room_table
from tests.support import BASE, Recorder, make_config

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_word_of_every_command_is_routed_to_its_handler() -> None:
    table = room_table()
    assert len(table) == sum(len(command.words) for command in ROOM_COMMANDS)
    for command in ROOM_COMMANDS:
        assert all(table[word] is command.handler for word in command.words), command.name


async def help_in(app: App, word: str = "help") -> str:
    room = BASE["neighbourhoods"][0]["moderation_room"]
    replies = await app.dispatch(Incoming(Actor("matrix", "@org:localhost"), Address("matrix", room, private=False),
                                          text=f"!{word}", command=word, moderator=True))
    return "\n".join(reply.text for reply in replies)


async def test_every_registered_command_is_in_the_help(app: App) -> None:
    help_text = await help_in(app)
    missing = [command.name for command in ROOM_COMMANDS  # !help itself is what prints it (its alias !hulp is named)
               if command.name != "help" and not re.search(rf"!{re.escape(command.name)}(?![\w-])", help_text)]
    assert "!hulp" in help_text
    assert missing == []


async def test_the_help_is_built_from_the_registry_under_its_sections(app: App) -> None:
    """Each command is one line, `!name args – its help line`, under the heading of its section, sections in
    order; the Dutch names are listed at the end (an English room)."""
    lines = (await help_in(app)).splitlines()
    assert {command.feature for command in ROOM_COMMANDS} <= set(SECTIONS)
    headings = [lines.index(section) for section in SECTIONS]
    assert headings == sorted(headings)
    for command in ROOM_COMMANDS:
        line = " ".join(("!" + command.name, *([command.args] if command.args else []))) + " – " + command.help
        assert line in lines, line
        section = SECTIONS.index(command.feature)
        after, before = headings[section], headings[section + 1] if section + 1 < len(SECTIONS) else len(lines)
        assert after < lines.index(line) < before, command.name
    dutch = next(line for line in lines if line.startswith("Dutch works too: "))
    assert all(f"!{command.aliases[0]}" in dutch.split(": ", 1)[1].split(", ") for command in ROOM_COMMANDS)


async def test_a_dutch_room_reads_the_help_in_dutch_with_the_dutch_command_names(tmp_path: Path,
                                                                                manual_clock: ManualClock,
                                                                                    engine: str) -> None:
    config = make_config(tmp_path, moderation={"language": "nl", "remind_after_hours": 48})
    app = App(config, [Recorder("matrix"), Recorder("telegram")], clock=manual_clock)
    await app.start(background=False)
    try:
        lines = (await help_in(app, "hulp")).splitlines()
    finally:
        await app.stop()
    assert lines[0] == "Moderatie" and "Peilingen" in lines and "Wijkgesprekken" in lines
    assert "!goedkeuren REF – een verhaal publiceren (of reageer met ✅)" in lines
    assert "!afwijzen REF reden [eigen woorden] – niet publiceren; de schrijver hoort de reden (zie onder) en je " \
           "eigen woorden (of reageer met 🚫)" in lines
    assert "4 · dubbel – al gemeld" in lines  # the reasons, with the words a Dutch room reads
    assert '!peiling "Vraag?" | optie | optie | sluit … – een peiling openen; zonder meer vraagt het alles stap ' \
           "voor stap" in lines
    assert "!sluit-gesprek D-REF – een gesprek sluiten; iedereen die meedeed krijgt een samenvatting" in lines
    commands = [line.split(" ", 1)[0] for line in lines if line.startswith("!")]
    assert commands == [f"!{command.aliases[0]}" for command in ROOM_COMMANDS]  # every one, in Dutch, in order
    english = next(line for line in lines if line.startswith("Engels werkt ook: "))
    assert english.split(": ", 1)[1].split(", ") == [f"!{command.name}" for command in ROOM_COMMANDS]


def test_the_readme_table_of_organisers_commands_is_the_registry() -> None:
    block = re.search(r"<!-- organiser-commands -->\n(.*?)\n<!-- /organiser-commands -->", README, re.S)
    assert block is not None and block.group(1) == readme_table()


def test_every_registered_command_and_alias_is_in_the_readme() -> None:
    missing = [word for command in ROOM_COMMANDS for word in command.words
               if not re.search(rf"!{re.escape(word)}(?![\w-])", README)]
    assert missing == []
