"""What every organisers' command shares: the room it is for (after the one authorization rule,
``bot/engine/authority.py``) and how a command's words (name and aliases) become one routing table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from bot.dialogue import Context, Handler
from bot.engine import authority

T = TypeVar("T")


def organisers_room(ctx: Context) -> str:
    """The room this command or reaction is for; raises when the person may not moderate there."""
    return authority.organisers_room(ctx.services.config, ctx.incoming)


def words_table(entries: Iterable[tuple[tuple[str, ...], T]]) -> dict[str, T]:
    """(words, target) pairs -> word -> target; the first word is the name, the others its aliases."""
    return {word: target for words, target in entries for word in words}


@dataclass(frozen=True)
class RoomCommand:
    """One organisers' command: declared once in ``handlers/registry.py``."""

    name: str
    aliases: tuple[str, ...]
    args: str  # how it is typed after the command word, as the README's tables show it ("REF reason")
    handler: Handler
    feature: str  # the README section that explains it, also the heading it is listed under in !help (a msgid)
    help: str  # its line in !help (a msgid, marked with N_ where it is declared)
    who: str = "moderators"  # "moderators" (organisers_room decides) or "the organiser in the form" (its own check)

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def spoken(self, language: str) -> str:
        """The command word a room in ``language`` reads in hints and ``!help``: the Dutch name (the first alias) in a
        Dutch room, the name elsewhere; every alias works whatever the room's language."""
        return self.aliases[0] if language == "nl" and self.aliases else self.name
