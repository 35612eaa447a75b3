"""Understanding times the way organisers type them: "vrijdag 18:00", "over 3 dagen", "in 3 days",
"morgen 9:00", "15 december", "2026-12-15 12:00", "om 18 uur", "dinsdag om 18 uur", "volgende week dinsdag",
"morgen om half 8 's avonds", "at 6 pm", "next week Tuesday", "dinsdag volgende week", "vanavond om 8 uur",
"tomorrow evening", "over twee weken", "maandag 7 december", "December 15", "at 6 pm tomorrow". Dutch and English;
local time zone; always in the future.

An hour is read on the 24-hour clock ("om 8 uur" is 08:00) unless it says otherwise ("pm", "'s avonds"). Only
"half 8" alone is refused with a question: Dutch speakers use it for 07:30 and 19:30 alike. A time without a day
is today, or tomorrow once it has passed. "volgende week dinsdag" is the Tuesday of next week (Monday to
Sunday); "volgende dinsdag" and "next Tuesday" the first Tuesday to come. "vanavond", "morgenochtend", "tomorrow
afternoon": that day, with the hour read in that part of the day ("vanavond om 8 uur" is 20:00; alone 19:00,
09:00 or 14:00). A weekday with a date ("maandag 7 december") must be that date's weekday.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserError

WEEKDAYS = {
    "maandag": 0, "ma": 0, "monday": 0, "mon": 0,
    "dinsdag": 1, "di": 1, "tuesday": 1, "tue": 1,
    "woensdag": 2, "wo": 2, "wednesday": 2, "wed": 2,
    "donderdag": 3, "do": 3, "thursday": 3, "thu": 3,
    "vrijdag": 4, "vr": 4, "friday": 4, "fri": 4,
    "zaterdag": 5, "za": 5, "saturday": 5, "sat": 5,
    "zondag": 6, "zo": 6, "sunday": 6, "sun": 6,
}
MONTHS = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2, "maart": 3, "march": 3,
    "mrt": 3, "mar": 3, "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "june": 6, "jun": 6, "juli": 7,
    "july": 7, "jul": 7, "augustus": 8, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
UNITS = {
    "minuut": "minutes", "minuten": "minutes", "minute": "minutes", "minutes": "minutes", "min": "minutes",
    "uur": "hours", "hour": "hours", "hours": "hours",
    "dag": "days", "dagen": "days", "day": "days", "days": "days",
    "week": "weeks", "weken": "weeks", "weeks": "weeks",
}
_TIME = re.compile(
    r"^(?P<at>(?:om|at|rond|around)\s+)?(?P<half>half\s+)?(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?"
    r"\s*(?P<unit>uur|u|h|am|pm|a\.m\.|p\.m\.)?"
    r"(?:\s+(?P<part>'?s\s?(?:ochtends|morgens|middags|avonds|nachts)|in the (?:morning|afternoon|evening)))?$")
_EVENING = ("avonds", "evening")  # the hour is after noon
_AFTERNOON = ("middags", "afternoon")  # after noon from 1 to 6; "half 12 's middags" is 11:30
_RELATIVE = re.compile(r"^(?:over|in)\s+(\d{1,3})\s+([a-z]+)$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{1,2})[:.](\d{2}))?$")
_DAY_MONTH = re.compile(r"^(\d{1,2})\s+([a-z]+)(?:\s+(\d{4}))?$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[-/](\d{1,2})(?:[-/](\d{4}))?$")
DEFAULT_TIME = time(18, 0)  # a date without a time means the end of the working day
_MONTH_DAY = re.compile(r"^([a-z]+)\s+(\d{1,2})(?:\s+(\d{4}))?$")  # "December 15", "dec 15 2026"
NUMBER_WORDS = {
    "een": 1, "één": 1, "a": 1, "an": 1, "one": 1, "twee": 2, "two": 2, "drie": 3, "three": 3, "vier": 4,
    "four": 4, "vijf": 5, "five": 5, "zes": 6, "six": 6, "zeven": 7, "seven": 7, "acht": 8, "eight": 8,
    "negen": 9, "nine": 9, "tien": 10, "ten": 10,
}
# Parts of a day as one word or two: (days from today, the part the hour is read in, the hour when none is given)
DAY_PARTS = {
    "vanochtend": (0, "'s ochtends", 9), "vanmorgen": (0, "'s ochtends", 9), "vanmiddag": (0, "'s middags", 14),
    "vanavond": (0, "'s avonds", 19),
    "morgenochtend": (1, "'s ochtends", 9), "morgenvroeg": (1, "'s ochtends", 9),
    "morgenmiddag": (1, "'s middags", 14), "morgenavond": (1, "'s avonds", 19),
    "this morning": (0, "in the morning", 9), "this afternoon": (0, "in the afternoon", 14),
    "this evening": (0, "in the evening", 19), "tonight": (0, "in the evening", 19),
    "tomorrow morning": (1, "in the morning", 9), "tomorrow afternoon": (1, "in the afternoon", 14),
    "tomorrow evening": (1, "in the evening", 19), "tomorrow night": (1, "in the evening", 19),
}
_NEXT_WEEK = (("volgende", "week"), ("next", "week"))
_DAY_WORDS = ("vandaag", "today", "morgen", "tomorrow", "overmorgen")


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A moment in the future, timezone-aware (UTC); raises UserError when it cannot be understood."""
    typed = " ".join(text.lower().replace(",", " ").replace("’", "'").split())
    if not typed.endswith(("a.m.", "p.m.")):
        typed = typed.rstrip(".!?").rstrip()  # "om 18 uur." as typed at the end of a sentence
    local_now = now.astimezone(tz)
    result = _parse(typed, local_now, tz)
    if result is None:
        raise UserError("I do not understand the time '{text}'. Try for example 'vrijdag 18:00', 'om 18 uur', "
                        "'volgende week dinsdag', 'over 3 dagen', 'at 6 pm' or '2026-12-15 12:00'.", text=text[:40])
    if result <= local_now:
        raise UserError("That time has already passed: {text}.", text=text[:40])
    return result.astimezone(ZoneInfo("UTC"))


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz)


def _clock(rest: str) -> time | None:
    if not rest:
        return DEFAULT_TIME
    match = _TIME.match(rest)
    if not match:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    unit, part = match["unit"] or "", match["part"] or ""
    if match["half"]:  # "half 8" is half past seven
        if match["minute"] or unit not in ("", "am", "pm", "a.m.", "p.m.") or not 1 <= hour <= 24:
            return None
        hour, minute = hour - 1, 30
        if hour < 12 and not unit and not part:
            raise UserError("Do you mean {morning} or {evening}? Type the time as on a 24-hour clock, for example "
                            "'morgen {evening}'.", morning=f"{hour:02d}:30", evening=f"{hour + 12:02d}:30")
    if unit in ("am", "pm", "a.m.", "p.m."):  # 12 am is midnight, 12 pm noon
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if unit.startswith("p") else 0)
    elif part.endswith(_EVENING) or (part.endswith(_AFTERNOON) and hour < 7):
        hour += 12 if hour < 12 else 0
    elif part.endswith("nachts") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _time_alone(typed: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """ "om 18 uur", "at 6 pm", "18:00": today, or tomorrow once it has passed. A bare number is no time."""
    match = _TIME.match(typed)
    if not match or not (match["at"] or match["unit"] or match["minute"] or match["half"] or match["part"]):
        return None
    clock = _clock(typed)
    if clock is None:
        return None
    candidate = _at(now.date(), clock, tz)
    return candidate if candidate > now else _at(now.date() + timedelta(days=1), clock, tz)


def _parse(typed: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    found = _parse_in_order(typed, now, tz)
    if found is not None:
        return found
    words = typed.split(" ")
    for size in range(1, len(words)):  # the time first: "at 6 pm tomorrow", "om 18 uur vrijdag"
        head = " ".join(words[:size])
        if _TIME.match(head) and _parse_in_order(" ".join(words[:size]), now, tz) is not None:
            moved = _parse_in_order(" ".join(words[size:]) + " " + head, now, tz)
            if moved is not None:
                return moved
    return None


def _reordered(words: list[str]) -> list[str]:
    """ "dinsdag volgende week (om 18 uur)", "Tuesday next week", "volgende week op dinsdag": as "volgende week
    dinsdag …"."""
    for first, second in _NEXT_WEEK:
        for index in range(len(words) - 1):
            if (words[index], words[index + 1]) != (first, second):
                continue
            rest = words[:index] + words[index + 2:]
            if rest[:1] in (["op"], ["on"]):
                rest = rest[1:]
            if rest and rest[0] in WEEKDAYS:
                return [first, second, *rest]
    return words


def _parse_in_order(typed: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    relative = _RELATIVE.match(typed)
    if relative and relative.group(2) in UNITS:
        return now + timedelta(**{UNITS[relative.group(2)]: int(relative.group(1))})
    spelled = typed.split(" ")
    if len(spelled) == 3 and spelled[0] in ("over", "in") and spelled[1] in NUMBER_WORDS and spelled[2] in UNITS:
        return now + timedelta(**{UNITS[spelled[2]]: NUMBER_WORDS[spelled[1]]})  # "over twee weken", "in a week"
    iso = _ISO.match(typed)
    if iso:
        year, month, day = int(iso.group(1)), int(iso.group(2)), int(iso.group(3))
        clock = time(int(iso.group(4)), int(iso.group(5))) if iso.group(4) else DEFAULT_TIME
        try:
            return _at(date(year, month, day), clock, tz)
        except ValueError:
            return None
    alone = _time_alone(typed, now, tz)
    if alone is not None:
        return alone
    words = typed.split(" ")
    if words[0] in ("op", "on") and len(words) > 1:  # "op dinsdag om 18 uur", "on Tuesday at 6 pm"
        words = words[1:]
    words = _reordered(words)
    for size in (2, 1):
        part = DAY_PARTS.get(" ".join(words[:size]))
        if part is not None:
            return _in_part_of_day(part, " ".join(words[size:]), now, tz)
    head, rest = words[0], " ".join(words[1:])
    if words[:2] in (["volgende", "week"], ["next", "week"]) and len(words) > 2 and words[2] in WEEKDAYS:
        at = _clock(" ".join(words[3:]))  # the given day of next week, Monday to Sunday
        if at is None:
            return None
        monday = now.date() - timedelta(days=now.weekday()) + timedelta(days=7)
        return _at(monday + timedelta(days=WEEKDAYS[words[2]]), at, tz)
    for prefix, days in (("vandaag", 0), ("today", 0), ("morgen", 1), ("tomorrow", 1), ("overmorgen", 2)):
        if head == prefix:
            at = _clock(rest)
            return _at(now.date() + timedelta(days=days), at, tz) if at else None
    if head in ("volgende", "next") and len(words) > 1 and words[1] in WEEKDAYS:
        head, rest = words[1], " ".join(words[2:])
    if head in WEEKDAYS:
        dated = _calendar_date(words[1:], now, tz) if len(words) > 1 else None
        if dated is not None:  # "maandag 7 december": only if the 7th is a Monday
            return dated if dated.weekday() == WEEKDAYS[head] else None
        at = _clock(rest)
        if at is None:
            return None
        ahead = (WEEKDAYS[head] - now.weekday()) % 7
        candidate = _at(now.date() + timedelta(days=ahead), at, tz)
        return candidate if candidate > now else candidate + timedelta(days=7)
    return _calendar_date(words, now, tz)


def _in_part_of_day(part: tuple[int, str, int], rest: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """ "vanavond om 8 uur" is 20:00: the hour read in that part of the day, unless it says otherwise."""
    days, words, hour = part
    if not rest:
        return _at(now.date() + timedelta(days=days), time(hour, 0), tz)
    match = _TIME.match(rest)
    if not match or match["part"]:
        return None
    at = _clock(rest if match["unit"] in ("am", "pm", "a.m.", "p.m.") else f"{rest} {words}")
    return _at(now.date() + timedelta(days=days), at, tz) if at else None


def _calendar_date(words: list[str], now: datetime, tz: ZoneInfo) -> datetime | None:
    for size in (3, 2, 1):
        head, rest = " ".join(words[:size]), " ".join(words[size:])
        match = _DAY_MONTH.match(head)
        numeric = _NUMERIC_DATE.match(head)
        month_first = _MONTH_DAY.match(head)
        if match and match.group(2) in MONTHS:
            day, month, year = int(match.group(1)), MONTHS[match.group(2)], match.group(3)
        elif month_first and month_first.group(1) in MONTHS:
            day, month, year = int(month_first.group(2)), MONTHS[month_first.group(1)], month_first.group(3)
        elif numeric:
            day, month, year = int(numeric.group(1)), int(numeric.group(2)), numeric.group(3)
        else:
            continue
        clock = _clock(rest)
        if clock is None:
            return None
        try:
            candidate = _at(date(int(year) if year else now.year, month, day), clock, tz)
        except ValueError:
            return None
        if not year and candidate <= now:
            candidate = candidate.replace(year=now.year + 1)
        return candidate
    return None
