"""The one-line poll form organisers type in a moderation room, understood in English and Dutch.

    !poll "Question?" | option 1 | option 2 [| option …] [| optional parts …]

The question comes first (quotes are optional), then 2 to 10 options, then any of these optional parts, in any
order (Dutch words in brackets):

    closes vrijdag 18:00     when voting ends; required (sluit, tot, until, ends). Any time as organisers type it:
                             "vrijdag 18:00", "over 3 dagen", "in 3 days", "morgen 9:00", "15 december",
                             "2026-12-15 12:00"; local time
    opens morgen 9:00        when it opens and is announced; default now (opent, vanaf, from, starts)
    youth 12-17              a youth poll for these ages (jongeren, jeugd); the range starts and ends at the edges
                             of the age groups residents can state: 12-14, 15-17, 18-20, 21-23
    everyone                 everyone may vote; the default (iedereen)
    multiple                 multiple choice, any number of options (meerkeuze, meerdere); "multiple 2" allows at
                             most 2; "single" is the default (enkel, één)
    centrum noord            the neighbourhoods, by id, name or alias, separated by spaces or commas; "wijk …"
                             (neighbourhood, in) says so explicitly; "all" (alle) is every neighbourhood of the
                             room; default: every neighbourhood of the room

Example: ``!poll Wat moet er op het plein komen? | Meer licht | Bankjes | Een speeltuin | sluit over 7 dagen |
jongeren 12-17``. Because options come first, a part is read as an optional part only after at least two
options; after the first optional part, everything must be one.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import Neighbourhood
from bot.engine import polls, times
from bot.errors import UserError
from bot.i18n import N_

CLOSES = ("closes", "close", "closing", "until", "ends", "sluit", "sluiting", "tot", "eindigt")
OPENS = ("opens", "open", "from", "starts", "start", "opent", "vanaf", "begint")
EVERYONE = ("everyone", "everybody", "all residents", "iedereen", "alle bewoners")
MULTIPLE = ("multiple", "multiple choice", "multi", "meerkeuze", "meerdere", "meer keuzes")
SINGLE = ("single", "single choice", "one", "enkel", "één", "een", "één keuze", "enkele keuze")
HOOD_WORDS = ("wijk", "wijken", "neighbourhood", "neighbourhoods", "in", "buurt", "buurten")
ALL = ("all", "alle", "allemaal", "alles")
_YOUTH = re.compile(r"^(?:youth|young people|jongeren|jeugd)\s+(\d{1,2})\s*[-–—]\s*(\d{1,2})$")
_YOUTH_WORD = re.compile(r"^(?:youth|young people|jongeren|jeugd)\b")
_COUNT = re.compile(r"^(?:max|up to|tot|maximaal)?\s*(\d{1,2})$")
USAGE = N_("Use: !poll Question? | option 1 | option 2 | closes vrijdag 18:00, with optional parts such as "
           "| opens morgen 9:00 | youth 12-17 | multiple | centrum. Or type !poll alone and I will ask step by step.")


def _plain(text: str) -> str:
    return " ".join(text.casefold().split())


def _keyword(part: str, words: tuple[str, ...]) -> str | None:
    """The rest of ``part`` after one of ``words`` (longest first), or None."""
    lowered = _plain(part)
    for word in sorted(words, key=len, reverse=True):
        if lowered == word:
            return ""
        if lowered.startswith(word + " "):
            return part.strip()[len(word):].strip()
    return None


def neighbourhoods(typed: str, hoods: list[Neighbourhood]) -> tuple[str, ...] | None:
    """The room's neighbourhoods named in ``typed`` (ids, names, aliases; 'all'), or None if something else."""
    rest = _keyword(typed, HOOD_WORDS)
    words = _plain(rest if rest is not None else typed)
    if words in ALL:
        return tuple(h.id for h in hoods)
    by_word = {key: h.id for h in hoods for key in (h.id, _plain(h.name), *(_plain(a) for a in h.aliases))}
    found: list[str] = []
    for chunk in (c.strip() for c in words.split(",")):  # "de pijp, noord" or "centrum noord"
        names = [chunk] if chunk in by_word else chunk.split()
        if not names or any(name not in by_word for name in names):
            return None
        found += [by_word[name] for name in names]
    return tuple(dict.fromkeys(found))


def audience(typed: str) -> tuple[int, int] | bool | None:
    """(low, high) for a youth part, None for 'everyone', False if this part is not about the audience."""
    plain = _plain(typed)
    if plain in EVERYONE:
        return None
    match = _YOUTH.match(plain)
    if match:
        return polls.youth_range(int(match.group(1)), int(match.group(2)))
    if _YOUTH_WORD.match(plain):
        raise UserError("Give the ages of a youth poll, for example 'youth 12-17'.")
    return False


def selections(typed: str, options: int) -> int | None:
    """How many options a voter may choose, from 'multiple', 'multiple 2', 'single'; None if not about that."""
    if _plain(typed) in SINGLE:
        return 1
    rest = _keyword(typed, MULTIPLE)
    if rest is None:
        return None
    if not rest:
        return options
    match = _COUNT.match(_plain(rest))
    if match is None or not 2 <= int(match.group(1)) <= options:
        raise UserError("With 'multiple', give how many options people may choose: at least 2 and at most the "
                        "number of options, for example 'multiple 2'.")
    return int(match.group(1))


def moment(typed: str, now: datetime, tz: ZoneInfo) -> datetime:
    return times.parse_when(typed, now, tz)


def parse(args: str, hoods: list[Neighbourhood], now: datetime, tz: ZoneInfo) -> polls.Draft:
    """A Draft from the one-line form; UserError names what is wrong."""
    parts = [p.strip() for p in args.split("|")]
    if len(parts) < 3 or not parts[0]:
        raise UserError(USAGE)
    question, options = parts[0], list[str]()
    rest = parts[1:]
    while rest and (len(options) < 2 or not _is_optional(rest[0], hoods)):
        options.append(rest.pop(0))
    closes: datetime | None = None
    opens: datetime | None = None
    youth: tuple[int, int] | None = None
    chosen_hoods: tuple[str, ...] = tuple(h.id for h in hoods)
    multiple = 1
    for part in rest:
        if (typed := _keyword(part, CLOSES)) is not None:
            closes = moment(typed, now, tz)
        elif (typed := _keyword(part, OPENS)) is not None:
            opens = moment(typed, now, tz)
        elif (who := audience(part)) is not False:
            youth = who if isinstance(who, tuple) else None
        elif (count := selections(part, len(options))) is not None:
            multiple = count
        elif (found := neighbourhoods(part, hoods)) is not None:
            chosen_hoods = found
        else:
            raise UserError("I do not understand '{part}'. Options come right after the question; after them "
                            "only parts such as 'closes …', 'opens …', 'youth 12-17', 'multiple' or neighbourhood "
                            "names.", part=part[:40])
    if closes is None:
        raise UserError("When does the poll close? Add for example '| closes vrijdag 18:00' or "
                        "'| sluit over 3 dagen'.")
    return polls.Draft(question=question, options=tuple(options), neighbourhoods=chosen_hoods, closes_at=closes,
                       opens_at=opens, youth=youth, max_selections=multiple)


def _is_optional(part: str, hoods: list[Neighbourhood]) -> bool:
    """Whether ``part`` reads as an optional part (after at least two options)."""
    if _keyword(part, CLOSES) is not None or _keyword(part, OPENS) is not None:
        return True
    plain = _plain(part)
    if plain in EVERYONE or plain in SINGLE or _YOUTH_WORD.match(plain) or _keyword(part, MULTIPLE) is not None:
        return True
    return neighbourhoods(part, hoods) is not None
