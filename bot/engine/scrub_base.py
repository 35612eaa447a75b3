"""Building blocks of the scrubber (bot/engine/scrub.py): spans, digit helpers and the scanning loop."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TypeAlias

_SPC = " \u00a0\u202f"  # space, no-break space, narrow no-break space (as pasted from documents)
_SP = f"[{_SPC}]"
_SEP = rf"(?:{_SP}?[-.]{_SP}?|{_SP})"  # between digit groups of an international number

Span: TypeAlias = tuple[int, int]
_Validator: TypeAlias = Callable[[str, re.Match[str]], int | None]  # returns the (possibly trimmed) end

_DIGIT_RUN = re.compile(r"\d+")
# What may not directly follow a number: a letter/digit, a dash, or a decimal/time continuation.
_BAD_RIGHT = re.compile(r"[\w\-]|[.,:]\d")


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdecimal())


def _right_ok(text: str, pos: int) -> bool:
    return _BAD_RIGHT.match(text, pos) is None


def _scan(pattern: re.Pattern[str], text: str, validate: _Validator) -> Iterator[Span]:
    """All validated matches of ``pattern``; after a rejected candidate, search again just after its start."""
    pos = 0
    length = len(text)
    while pos <= length:
        m = pattern.search(text, pos)
        if m is None:
            return
        end = validate(text, m)
        if end is not None and end > m.start():
            yield m.start(), end
            pos = end
        else:
            pos = m.start() + 1


def _longest_valid_prefix(text: str, m: re.Match[str], valid: Callable[[str], bool]) -> int | None:
    """The candidate, or the longest prefix of it ending after a digit group, that is valid."""
    cand = m.group()
    ends = [d.end() for d in _DIGIT_RUN.finditer(cand)]
    for e in reversed(ends):
        if e != len(cand) and not _right_ok(text, m.start() + e):
            continue
        if valid(cand[:e]):
            return m.start() + e
    return None
