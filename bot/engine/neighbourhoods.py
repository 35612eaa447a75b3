"""Finding a neighbourhood from what a resident types: its name, an alias, or a 4-digit postcode."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.config import Config, Neighbourhood
from bot.text import normalise

_POSTCODE = re.compile(r"^\s*([1-9][0-9]{3})\s*(?:[a-zA-Z]{2})?\s*$")


@dataclass(frozen=True)
class Match:
    neighbourhood: Neighbourhood | None
    postcode: str | None = None  # set when the person typed a postcode


def find(config: Config, typed: str) -> Match:
    postcode = _POSTCODE.match(typed)
    if postcode:
        code = postcode.group(1)
        found = next((n for n in config.neighbourhoods if code in n.postcodes), None)
        return Match(found, code)
    wanted = normalise(typed)
    if not wanted:
        return Match(None)
    for n in config.neighbourhoods:
        names = [n.id, n.name, *n.aliases]
        if any(normalise(name) == wanted for name in names):
            return Match(n)
    starts = [n for n in config.neighbourhoods
              if any(normalise(name).startswith(wanted) for name in [n.name, *n.aliases])]
    if len(starts) == 1 and len(wanted) >= 3:
        return Match(starts[0])
    return Match(None)
