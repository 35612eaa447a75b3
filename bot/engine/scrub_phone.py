"""Phone numbers for the scrubber: Dutch and international numbers in every form people type, and Dutch
numbers spelled out in words ("nul zes twaalf vierendertig ...").

Digits are read as groups with the separators people use between them (spaces, dots, dashes, slashes,
brackets); a phone number is a window of at most eight consecutive groups that passes the checks below. The
groups are found once, left to right, so the work is linear in the text.

Kept on purpose: emergency (112) and service numbers (0800, 0900 and 14 + area code: too short), dates
("01-03-2026 12"), times, amounts, years and case numbers (they do not start like a phone number or have the
wrong length).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.engine.scrub_base import WORK, Regions, Span, _finditer, _scan

_DIGIT_GROUP = re.compile(r"\d+")
_GAP = re.compile(r"[ \u00a0\u202f().\-/]{1,4}")
_MAX_GROUPS = 8
_INTL_PREFIX = re.compile(r"(?:\(\+|\+[ \u00a0\u202f]?)$")
_DATE_YEAR = re.compile(r"(?:19|20)\d\d")


def _groups_to_windows(text: str, where: Regions) -> Iterator[list[re.Match[str]]]:
    """Chains of digit groups joined by short separators."""
    chain: list[re.Match[str]] = []
    for g in _finditer(_DIGIT_GROUP, text, where):
        if chain and _GAP.fullmatch(text, chain[-1].end(), g.start()) is None:
            yield chain
            chain = []
        chain.append(g)
    if chain:
        yield chain


def _is_date(groups: list[str]) -> bool:
    if len(groups) < 3:
        return False
    day, month, year = groups[0], groups[1], groups[2]
    return (len(day) <= 2 and len(month) <= 2 and 1 <= int(day) <= 31 and 1 <= int(month) <= 12
            and _DATE_YEAR.fullmatch(year) is not None)


def valid_nl(groups: list[str]) -> bool:
    """A Dutch national number: 0 + nine digits, grouped the way people group them."""
    digits = "".join(groups)
    if len(digits) != 10 or digits[0] != "0" or digits[1] == "0" or len(groups) > 6:
        return False
    if sum(len(g) == 1 for g in groups) > 2:
        return False
    if max(len(g) for g in groups) <= 2 and not digits.startswith("06"):  # 06 12 34 56 78, not 01 02 03 04 05
        return False
    return not _is_date(groups)


def valid_intl(groups: list[str], via_00: bool) -> bool:
    """+CC or 00CC and the rest; +31 must be a Dutch number, others 8 to 15 digits in all."""
    if via_00:
        groups = [groups[0][2:], *groups[1:]]
    digits = "".join(groups)
    if digits.startswith("31"):
        national = digits[2:]
        if national.startswith("0"):  # +31 (0)6 ..., or the common +31 06 ...
            national = national[1:]
        return len(national) == 9 and national[0] != "0"
    if len(groups) == 1 and len(digits) < 10:
        return False
    return (9 if via_00 else 8) <= len(digits) <= 15


def _left_ok(text: str, start: int) -> bool:
    if start == 0:
        return True
    before = text[start - 1]
    if before.isalnum() or before in "_@-":
        return False
    return not (before in ".," and start >= 2 and text[start - 2].isdigit())


def _right_ok(text: str, end: int) -> bool:
    if end >= len(text):
        return True
    after = text[end]
    if after.isalnum() or after == "_":
        return False
    return not (after in ".,:" and end + 1 < len(text) and text[end + 1].isdigit())


def _window(text: str, chain: list[re.Match[str]], i: int) -> tuple[int, int] | None:
    """The longest phone number starting at group ``i``: (index of its last group, start offset)."""
    first = chain[i]
    prefix = _INTL_PREFIX.search(text, max(0, first.start() - 2), first.start())
    intl = prefix is not None
    via_00 = not intl and first.group().startswith("00") and len(first.group()) >= 3
    start = prefix.start() if prefix is not None else first.start()
    if not intl and start > 0 and text[start - 1] == "(" and text.startswith(")", first.end()):
        start -= 1  # (020) 612 34 56
    if (not intl and not _left_ok(text, start)) or (first.group() == "0" and text.startswith((".", ","), first.end())):
        return None  # ... or a decimal: 0.123456782
    groups: list[str] = []
    best: int | None = None
    for j in range(i, min(len(chain), i + _MAX_GROUPS)):
        g = chain[j].group()
        trunk = j > i and g == "0" and text[chain[j].start() - 1 : chain[j].end() + 1] == "(0)"
        if not trunk:
            groups.append(g)
        if sum(map(len, groups)) > 17:
            break
        ok = valid_intl(groups, via_00) if intl or via_00 else valid_nl(groups)
        if ok and _right_ok(text, chain[j].end()):
            best = j
    return None if best is None else (best, start)


def _can_start(text: str, g: re.Match[str]) -> bool:
    """A phone number starts with 0 (national, or 00 + country) or after a +."""
    return g.group()[0] == "0" or text[max(0, g.start() - 2) : g.start()].endswith(("+", "+ ", "+\u00a0"))


def _numeric_phones(text: str, where: Regions) -> Iterator[Span]:
    for chain in _groups_to_windows(text, where):
        i = 0
        while i < len(chain):
            if not _can_start(text, chain[i]):
                i += 1
                continue
            WORK.add(_MAX_GROUPS)
            found = _window(text, chain, i)
            if found is None:
                i += 1
                continue
            last, start = found
            yield start, chain[last].end()
            i = last + 1


# --------------------------------------------------------------------------------------------------
# Spelled out: "nul zes twaalf vierendertig zesenvijftig achtenzeventig", "nul zes 12345678"

_UNITS = ("nul", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen")
_TEENS = ("tien", "elf", "twaalf", "dertien", "veertien", "vijftien", "zestien", "zeventien", "achttien",
          "negentien")
_TENS = ("twintig", "dertig", "veertig", "vijftig", "zestig", "zeventig", "tachtig", "negentig")
_EN_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _number_words() -> dict[str, str]:
    words = {w: str(d) for d, w in enumerate(_UNITS)} | {w: str(d) for d, w in enumerate(_EN_UNITS)}
    words |= {"één": "1", "oh": "0"}
    words |= {w: str(10 + d) for d, w in enumerate(_TEENS)}
    for t, tens in enumerate(_TENS, start=2):
        words[tens] = str(10 * t)
        for u, unit in enumerate(_UNITS[1:], start=1):
            joiner = "ën" if unit.endswith("e") else "en"
            words[f"{unit}{joiner}{tens}"] = str(10 * t + u)
            words[f"{unit}en{tens}"] = str(10 * t + u)
    return words


_WORDS = _number_words()
_WORD_ALT = "|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True))
_SPELLED = re.compile(
    rf"(?<![\w-])(?:nul|zero|0\d{{0,9}}(?=[ ,\-]{{1,3}}(?:{_WORD_ALT})(?![\w])))"
    rf"(?:[ ,\-]{{1,3}}(?:(?:{_WORD_ALT})(?![\w])|\d{{1,8}}(?![\w]))){{1,11}}",
    re.IGNORECASE,
)
_TOKEN = re.compile(rf"(?:{_WORD_ALT})(?![\w])|\d+", re.IGNORECASE)


def _validate_spelled(text: str, m: re.Match[str]) -> int | None:
    digits = ""
    words = 0
    for t in _TOKEN.finditer(text, m.start(), m.end()):
        word = t.group().lower()
        words += not word.isdigit()
        digits += word if word.isdigit() else _WORDS[word]
        if len(digits) >= 2 and (digits[0] != "0" or digits[1] == "0"):
            return None
        if len(digits) >= 10:
            # plain digits are the numeric scanner's business
            ok = len(digits) == 10 and digits[0] == "0" and digits[1] != "0" and words > 0
            return t.end() if ok else None
    return None


def find_phone(text: str, where: Regions) -> Iterator[Span]:
    """Phone numbers within ``where`` (windows around digits and the words "nul" and "zero")."""
    yield from _numeric_phones(text, where)
    yield from _scan(_SPELLED, text, _validate_spelled, where)
