"""Platform-neutral layout helpers for chat adapters: long texts, button rows, command lines, deep links.

Pure functions without platform imports, so they are tested on their own and shared by adapters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

SHORT_LABEL = 16  # characters; options this short are laid out two per row
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+(.*))?$", re.DOTALL)
_START_PARAMETER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def u16len(text: str) -> int:
    """Length in UTF-16 code units: the unit in which Telegram counts message length."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` UTF-16 units, preferring paragraph, line and word ends."""
    parts: list[str] = []
    rest = text
    while u16len(rest) > limit:
        # The longest prefix that fits, in Python characters.
        fit, size = 0, 0
        for index, char in enumerate(rest):
            size += 2 if ord(char) > 0xFFFF else 1
            if size > limit:
                break
            fit = index + 1
        window = rest[:fit]
        cut = 0
        for separator in ("\n\n", "\n", " "):
            position = window.rfind(separator)
            if position > fit // 2:
                cut = position
                break
        if cut == 0:
            cut = fit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


def numbered(text: str, labels: Sequence[str]) -> str:
    """Options as a numbered list under the text, for where they cannot be buttons; the dialogue accepts the
    number or the label typed."""
    lines = "\n".join(f"{number}. {label}" for number, label in enumerate(labels, start=1))
    return f"{text}\n\n{lines}" if text else lines


def button_rows(items: Sequence[T], labels: Sequence[str], short: int = SHORT_LABEL) -> list[list[T]]:
    """One item per row, or two per row when every label is short (yes/no, language names)."""
    per_row = 2 if len(items) > 1 and all(len(label) <= short for label in labels) else 1
    return [list(items[i:i + per_row]) for i in range(0, len(items), per_row)]


@dataclass(frozen=True)
class CommandLine:
    """``/word@bot args``: the command word (lower case), the bot it names (if any) and the rest."""

    command: str
    mention: str | None
    args: str


def parse_command(text: str | None) -> CommandLine | None:
    """A Telegram-style command line, or None when the text is not a command."""
    if not text:
        return None
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    word, mention, args = match.groups()
    return CommandLine(command=word.lower(), mention=mention, args=(args or "").strip())


def start_parameter(parameter: str) -> str:
    """``parameter`` if it can start a chat from a link (1-64 of A-Z, a-z, 0-9, _ and -), else ValueError."""
    if not _START_PARAMETER.match(parameter):
        raise ValueError(f"{parameter!r} cannot be a deep-link parameter (1-64 of A-Z, a-z, 0-9, _, -)")
    return parameter


def deep_link(bot_username: str, parameter: str | None = None) -> str:
    """``https://t.me/<bot>?start=<parameter>``; the parameter must be 1-64 of A-Z, a-z, 0-9, _ and -."""
    url = f"https://t.me/{bot_username}"
    return url if parameter is None else f"{url}?start={start_parameter(parameter)}"
