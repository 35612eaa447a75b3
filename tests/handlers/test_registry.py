"""Every organisers' command is declared once (handlers/registry.py), and what organisers read about it agrees:
each one is routed, named in !help and in the README's sections for organisers."""

from __future__ import annotations

import re
from pathlib import Path

from bot.app import App
from bot.channels.base import Actor, Address, Incoming
from handlers.registry import ROOM_COMMANDS, readme_table, room_table
from tests.support import BASE

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_word_of_every_command_is_routed_to_its_handler() -> None:
    table = room_table()
    assert len(table) == sum(len(command.words) for command in ROOM_COMMANDS)
    for command in ROOM_COMMANDS:
        assert all(table[word] is command.handler for word in command.words), command.name


async def test_every_registered_command_is_in_the_help(app: App) -> None:
    room = BASE["neighbourhoods"][0]["moderation_room"]
    replies = await app.dispatch(Incoming(Actor("matrix", "@org:localhost"), Address("matrix", room, private=False),
                                          text="!help", command="help", moderator=True))
    help_text = "\n".join(reply.text for reply in replies)
    missing = [command.name for command in ROOM_COMMANDS  # !help itself is what prints it (its alias !hulp is named)
               if command.name != "help" and not re.search(rf"!{re.escape(command.name)}(?![\w-])", help_text)]
    assert "!hulp" in help_text
    assert missing == []


def test_the_readme_table_of_organisers_commands_is_the_registry() -> None:
    block = re.search(r"<!-- organiser-commands -->\n(.*?)\n<!-- /organiser-commands -->", README, re.S)
    assert block is not None and block.group(1) == readme_table()


def test_every_registered_command_and_alias_is_in_the_readme() -> None:
    missing = [word for command in ROOM_COMMANDS for word in command.words
               if not re.search(rf"!{re.escape(word)}(?![\w-])", README)]
    assert missing == []
