"""What the engine may need to know about a channel without naming it: how a command is spelled there, what the
channel is called in a report, and how a bot takes back what it posted. The adapters' classes carry the same
facts as attributes (``command_prefix``); tests/channels/test_conventions.py keeps the two in step."""

from __future__ import annotations

from datetime import timedelta

# Element treats /words as its own commands, so organisers and contact persons type !words in Matrix.
COMMAND_PREFIX = {"matrix": "!"}
DEFAULT_PREFIX = "/"
DISPLAY_NAMES = {"telegram": "Telegram", "matrix": "Matrix", "console": "Console", "whatsapp": "WhatsApp"}
# A bot may edit its messages at any age, but delete them only this long: https://core.telegram.org/bots/api#deletemessage
DELETE_WINDOW = {"telegram": timedelta(hours=48)}


def command_prefix(channel: str) -> str:
    return COMMAND_PREFIX.get(channel, DEFAULT_PREFIX)


def command(channel: str, word: str) -> str:
    """``reply`` -> ``!reply`` in Matrix, ``/reply`` elsewhere."""
    return command_prefix(channel) + word


def delete_window(channel: str) -> timedelta | None:
    """How long after posting the bot may still delete a message; None: no limit (Matrix redacts at any age).
    On a channel with a window, a post is edited in place instead when only a name has to go."""
    return DELETE_WINDOW.get(channel)
