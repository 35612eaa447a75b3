"""Personal-data scrubbing: find phone numbers, e-mail addresses (also written around filters), social media
handles, BSNs, IBANs, dates of birth, house numbers, postcode + house number combinations, Dutch licence
plates and people's names in free text, and replace each by a fixed (Dutch) marker per kind. Likely names
that are not clear enough to replace are flagged for moderators instead.

Stories are scrubbed before anyone but the author sees them. The function is pure: no I/O, no state; BSNs and
IBANs are checked with python-stdnum. Every pattern is compiled once at import time and written so that a
match can only start at a token boundary with bounded repetitions, and every finder goes once over the text,
which keeps scanning linear even on large or junk input (measured by ``scrub_base.WORK``).

Where the rules live:

* ``scrub_contact.py``: e-mail addresses and handles; ``scrub_phone.py``: phone numbers (also spelled out);
* ``scrub_numbers.py``: BSNs, IBANs (python-stdnum) and dates of birth;
* ``scrub_addresses.py``: house numbers, postcodes with a house number, licence plates;
* ``scrub_names.py`` (word lists in ``scrub_names_data.py``): names, replaced or flagged;
* ``scrub_base.py``: spans, the scanning loop and the work meter.

What stays on purpose: times, amounts, bus and tram lines, 112 and service numbers (0800, 0900, 14 + area
code), years, percentages, dates that are not dates of birth, case numbers and the bot's own references, street
names without a number, postcodes alone, places and organisations, and the names in ``keep``.

Overlapping matches: the higher-priority kind wins (email > iban > phone > bsn > birthdate > postcode >
address > plate > handle > name); within a kind the earlier, then the longer match wins.
"""

from __future__ import annotations

import bisect
import re
import sys
from array import array
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import TextIO

from bot.engine.scrub_addresses import _find_address, _find_plate, _find_postcode
from bot.engine.scrub_base import WORK, Regions, Span, regions
from bot.engine.scrub_contact import AT_HINT, find_email, find_handle
from bot.engine.scrub_names import find_names
from bot.engine.scrub_numbers import elfproef, find_birthdate, find_bsn, find_iban, iban_checksum_ok
from bot.engine.scrub_phone import find_phone

__all__ = ["KINDS", "MARKERS", "Finding", "ScrubResult", "elfproef", "iban_checksum_ok", "redact_stream", "scrub"]

KINDS = ("phone", "email", "bsn", "iban", "address", "postcode", "plate", "name", "handle", "birthdate")

# Stored content is canonical Dutch, so the markers are fixed Dutch strings. For "address" only the
# house number (and its addition) is replaced; the street name stays as a place hint.
MARKERS: dict[str, str] = {
    "phone": "[telefoonnummer]",
    "email": "[e-mailadres]",
    "bsn": "[BSN]",
    "iban": "[IBAN]",
    "address": "[huisnummer]",
    "postcode": "[postcode+huisnummer]",
    "plate": "[kenteken]",
    "name": "[naam]",
    "handle": "[account]",
    "birthdate": "[geboortedatum]",
}

_ORDER = ("email", "iban", "phone", "bsn", "birthdate", "postcode", "address", "plate", "handle", "name")
_PRIORITY: dict[str, int] = {kind: rank for rank, kind in enumerate(_ORDER)}


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    start: int  # offsets in the ORIGINAL text
    end: int
    original: str


@dataclass(frozen=True)
class ScrubResult:
    text: str  # scrubbed text
    findings: tuple[Finding, ...]
    flagged: tuple[Finding, ...] = ()  # likely names that were not replaced: shown to the author and organisers

    @property
    def changed(self) -> bool:
        return bool(self.findings)

    @property
    def flagged_names(self) -> tuple[str, ...]:
        """The flagged names, each once, in order of appearance."""
        return tuple(dict.fromkeys(f.original for f in self.flagged))


_Finder = Callable[[str, Regions], Iterator[Span]]
_DIGIT_HINT = re.compile(r"[0-9]+")
_SPELLED_HINT = re.compile(r"\b(?:nul|zero)\b", re.IGNORECASE)
_HANDLE_HINT = re.compile("@")
_NEAR = 80  # characters around a hint (a digit, an "@") that a finder looks at

# (kind, finder, where it looks)
_FINDERS: tuple[tuple[str, _Finder, str], ...] = (
    ("email", find_email, "at"),
    ("iban", find_iban, "digits"),
    ("phone", find_phone, "phone"),
    ("bsn", find_bsn, "digits"),
    ("birthdate", find_birthdate, "digits"),
    ("postcode", _find_postcode, "digits"),
    ("address", _find_address, "digits"),
    ("plate", _find_plate, "digits"),
    ("handle", find_handle, "handle"),
)


def _merge(a: Regions, b: Regions) -> Regions:
    out: Regions = []
    for start, end in sorted(a + b):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _intersect(a: Regions, b: Regions) -> Regions:
    out: Regions = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _hint_regions(text: str) -> dict[str, Regions]:
    digits = regions(text, _DIGIT_HINT, _NEAR, _NEAR)
    return {
        "digits": digits,
        "phone": _merge(digits, regions(text, _SPELLED_HINT, 0, 3 * _NEAR)),
        "at": regions(text, AT_HINT, _NEAR, 2 * _NEAR),
        "handle": regions(text, _HANDLE_HINT, 0, _NEAR),
    }


def _select(candidates: list[Finding], length: int) -> tuple[list[Finding], set[Finding]]:
    """Non-overlapping findings (higher priority kind first, then earlier, then longer), and those of them that
    won over another candidate: what that one leaves over may be found once the winner is a marker.

    Which characters are taken, and by which finding, is kept per character, so the choice costs the total
    length of the candidates: linear, however many there are."""
    candidates.sort(key=lambda f: (_PRIORITY[f.kind], f.start, f.start - f.end))
    owner = array("l", [0]) * length  # per character: 1 + the index in ``chosen`` of the finding there, or 0
    chosen: list[Finding] = []
    contested: set[Finding] = set()
    for f in candidates:
        WORK.add(f.end - f.start)
        taken = next((o for o in owner[f.start : f.end] if o), 0)
        if taken:
            contested.add(chosen[taken - 1])
            continue
        chosen.append(f)
        owner[f.start : f.end] = array("l", [len(chosen)]) * (f.end - f.start)
    chosen.sort(key=lambda f: f.start)
    return chosen, contested


def _candidates(text: str, where: dict[str, Regions] | Regions, kept: set[str]) -> list[Finding]:
    """Everything but names: candidates of every kind, possibly overlapping."""
    found = [
        Finding(kind, start, end, text[start:end])
        for kind, find, hint in _FINDERS
        for start, end in find(text, where if isinstance(where, list) else where[hint])
    ]
    return [f for f in found if f.original.casefold() not in kept]


def _render(text: str, findings: list[Finding]) -> tuple[str, list[tuple[int, int, int]]]:
    """The scrubbed text, and its unchanged segments as (start in the result, start in ``text``, length)."""
    parts: list[str] = []
    segments: list[tuple[int, int, int]] = []
    pos = out = 0
    for f in findings:
        segments.append((out, pos, f.start - pos))
        parts += [text[pos : f.start], MARKERS[f.kind]]
        out += f.start - pos + len(MARKERS[f.kind])
        pos = f.end
    segments.append((out, pos, len(text) - pos))
    parts.append(text[pos:])
    return "".join(parts), segments


_LOOSE = frozenset(" \t\n\u00a0\u202f,;!?()\"“”")
_AGAIN_NEAR = 32  # a street name and a house number fit


def _again(text: str, findings: list[Finding], contested: set[Finding], scrubbed: str,
           segments: list[tuple[int, int, int]], kept: set[str]) -> list[Finding]:
    """Findings that a marker brought out ("12a-NL91 ..." becomes "12a-[IBAN]", and 12a stands alone).

    Only a marker glued to its neighbour (not separated by a space or punctuation), or one that won over an
    overlapping candidate, can do that; the scrubbed text is searched again near those markers, and what lies
    in unchanged text is mapped back to ``text``.
    """
    near: Regions = []
    for f, (out, _, length), (nxt, _, _) in zip(findings, segments, segments[1:], strict=False):
        glued = (f.start > 0 and text[f.start - 1] not in _LOOSE) or (f.end < len(text) and text[f.end] not in _LOOSE)
        if glued or f in contested:
            near.append((max(0, out + length - _AGAIN_NEAR), min(len(scrubbed), nxt + _AGAIN_NEAR)))
    if not near:
        return []
    near = _merge(near, [])
    ends = {end for _, end in near if end < len(scrubbed)}
    where = {hint: _intersect(near, found) for hint, found in _hint_regions(scrubbed).items()}
    found = [f for f in _candidates(scrubbed, where, kept) if f.end not in ends and f.end + 1 not in ends]
    return _map_back(text, segments, [(f.kind, f.start, f.end) for f in found])  # not cut off by a window


def _map_back(text: str, segments: list[tuple[int, int, int]], spans: list[tuple[str, int, int]]) -> list[Finding]:
    """Spans of the scrubbed text that lie within unchanged text, as findings in ``text``."""
    starts = [s[0] for s in segments]
    mapped: list[Finding] = []
    for kind, a, b in spans:
        out, orig, length = segments[bisect.bisect_right(starts, a) - 1]
        if b <= out + length:
            start = orig + a - out
            mapped.append(Finding(kind, start, start + b - a, text[start : start + b - a]))
    return mapped


def scrub(text: str, *, keep: Collection[str] = ()) -> ScrubResult:
    """Replace personal data in ``text`` by a marker per kind; findings carry offsets in ``text``.

    ``keep`` are names (and handles) never to replace or flag: the contact persons' names the bot shows.
    Names are looked for last, in the text with every other kind already replaced, so a name's context is the
    same when the scrubbed text is scrubbed again. A marker can change its neighbours' context ("12a-NL91 …"
    becomes "12a-[IBAN]"; "12 Jan" is a date, "12 [naam]" a house number), so the text near glued markers,
    markers that won over another candidate, and names is looked at again, for a few rounds, until nothing
    new turns up: scrubbing is idempotent.
    """
    if not text:
        return ScrubResult(text, ())
    kept = {k.casefold() for k in keep}
    findings, contested = _select(_candidates(text, _hint_regions(text), kept), len(text))
    scrubbed, segments = _render(text, findings)
    flagged: tuple[Finding, ...] = ()
    names_current = False
    for _ in range(4):
        extra = _again(text, findings, contested, scrubbed, segments, kept)
        if extra:
            findings, more = _select(findings + extra, len(text))
            contested |= more
        elif names_current:
            break
        else:
            names = find_names(scrubbed, keep)
            named = [f for f in _map_back(text, segments, [("name", a, b) for a, b in names.replaced])
                     if f.original.casefold() not in kept]
            flagged = tuple(_map_back(text, segments, [("name", a, b) for a, b in names.flagged]))
            findings = sorted(findings + named, key=lambda f: f.start)
            contested |= set(named)  # what a name stood next to is looked at again
        names_current = not extra
        scrubbed, segments = _render(text, findings)
    starts = [f.start for f in findings]
    flagged = tuple(f for f in flagged if not _overlaps(findings, starts, f.start, f.end))
    return ScrubResult(scrubbed, tuple(findings), flagged)


def _overlaps(chosen: list[Finding], starts: list[int], start: int, end: int) -> bool:
    i = bisect.bisect_left(starts, start)
    return (i > 0 and chosen[i - 1].end > start) or (i < len(chosen) and chosen[i].start < end)


def redact_stream(inp: TextIO, out: TextIO) -> int:
    """Scrub ``inp`` line by line into ``out``; returns the number of findings."""
    count = 0
    for line in inp:
        result = scrub(line)
        out.write(result.text)
        count += len(result.findings)
    return count


if __name__ == "__main__":  # python -m bot.engine.scrub < in.txt > out.txt
    redact_stream(sys.stdin, sys.stdout)
