"""Building blocks of the scrubber (bot/engine/scrub.py): spans, digit helpers, the scanning loop and its
work meter.

Every finder reports its candidates through :func:`_scan` (or :func:`_count`), which adds the length of each
candidate it looked at to :data:`WORK`. The patterns themselves are anchored at token starts and have
bounded repetitions, so the regular-expression engine does a bounded amount of work per start; the meter
makes the rest (how often and how far the Python side rescans) measurable, and the tests use it to show that
no input makes the scrubber more than linear.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TypeAlias

_SPC = " \u00a0\u202f"  # space, no-break space, narrow no-break space (as pasted from documents)
_SP = f"[{_SPC}]"
_SEP = rf"(?:{_SP}?[-.]{_SP}?|{_SP})"  # between digit groups of an international number

Span: TypeAlias = tuple[int, int]
Regions: TypeAlias = list[Span]  # where a finder looks: sorted, non-overlapping windows of the text
_Validator: TypeAlias = Callable[[str, re.Match[str]], int | None]  # returns the (possibly trimmed) end

_DIGIT_RUN = re.compile(r"\d+")
# What may not directly follow a number: a letter/digit, a dash, or a decimal/time continuation.
_BAD_RIGHT = re.compile(r"[\w\-]|[.,:]\d")


class WorkMeter:
    """Characters of candidate matches examined by the finders (instrumentation only; never changes a result)."""

    def __init__(self) -> None:
        self.steps = 0

    def add(self, amount: int) -> None:
        self.steps += amount + 1


WORK = WorkMeter()


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdecimal())


def _right_ok(text: str, pos: int) -> bool:
    return _BAD_RIGHT.match(text, pos) is None


def regions(text: str, pattern: re.Pattern[str], before: int, after: int) -> Regions:
    """Windows of ``before`` characters before to ``after`` characters after each match, merged.

    Most kinds need a digit (or an "@"); looking only near them keeps ordinary text cheap. A window's start
    does not hide the text before it from look-behinds (``search(text, pos)``), and its end lies far enough
    after the last digit that no finding reaches it.
    """
    out: Regions = []
    length = len(text)
    for m in pattern.finditer(text):
        WORK.add(0)
        start, end = max(0, m.start() - before), min(length, m.end() + after)
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def everywhere(text: str) -> Regions:
    return [(0, len(text))]


def _finditer(pattern: re.Pattern[str], text: str, where: Regions) -> Iterator[re.Match[str]]:
    """All matches of ``pattern`` within the regions, metering each."""
    for start, end in where:
        for m in pattern.finditer(text, start, end):
            WORK.add(m.end() - m.start())
            yield m


def _scan(pattern: re.Pattern[str], text: str, validate: _Validator, where: Regions) -> Iterator[Span]:
    """All validated matches of ``pattern`` within the regions; after a rejected candidate, search again just
    after its start."""
    for start, end in where:
        pos = start
        while pos <= end:
            m = pattern.search(text, pos, end)
            if m is None:
                break
            WORK.add(m.end() - m.start())
            found = validate(text, m)
            if found is not None and found > m.start():
                yield m.start(), found
                pos = found
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
