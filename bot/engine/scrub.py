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
import sys
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import TextIO

from bot.engine.scrub_addresses import _find_address, _find_plate, _find_postcode
from bot.engine.scrub_base import Span
from bot.engine.scrub_contact import find_email, find_handle
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
    findings: tuple[Finding, ...]  # what was replaced
    flagged: tuple[Finding, ...] = ()  # likely names that were NOT replaced (kind "name"), for moderators

    @property
    def changed(self) -> bool:
        return bool(self.findings)

    @property
    def flagged_names(self) -> tuple[str, ...]:
        """The flagged names, each once, in order of appearance."""
        return tuple(dict.fromkeys(f.original for f in self.flagged))


_FINDERS: tuple[tuple[str, Callable[[str], Iterator[Span]]], ...] = (
    ("email", find_email),
    ("iban", find_iban),
    ("phone", find_phone),
    ("bsn", find_bsn),
    ("birthdate", find_birthdate),
    ("postcode", _find_postcode),
    ("address", _find_address),
    ("plate", _find_plate),
    ("handle", find_handle),
)


def _select(candidates: list[Finding]) -> list[Finding]:
    """Non-overlapping findings: higher priority kind first, then earlier, then longer."""
    candidates.sort(key=lambda f: (_PRIORITY[f.kind], f.start, f.start - f.end))
    chosen: list[Finding] = []
    starts: list[int] = []
    for f in candidates:
        i = bisect.bisect_left(starts, f.start)
        if i > 0 and chosen[i - 1].end > f.start:
            continue
        if i < len(chosen) and chosen[i].start < f.end:
            continue
        chosen.insert(i, f)
        starts.insert(i, f.start)
    return chosen


def _overlaps(chosen: list[Finding], starts: list[int], start: int, end: int) -> bool:
    i = bisect.bisect_left(starts, start)
    return (i > 0 and chosen[i - 1].end > start) or (i < len(chosen) and chosen[i].start < end)


def scrub(text: str, *, keep: Collection[str] = ()) -> ScrubResult:
    """Replace personal data in ``text`` by a marker per kind; findings carry offsets in ``text``.

    ``keep`` are names (and handles) never to replace or flag: the contact persons' names the bot shows.
    """
    if not text:
        return ScrubResult(text, ())
    kept = {k.casefold() for k in keep}
    candidates = [Finding(kind, start, end, text[start:end]) for kind, find in _FINDERS for start, end in find(text)]
    names = find_names(text, keep)
    candidates += [Finding("name", start, end, text[start:end]) for start, end in names.replaced]
    candidates = [f for f in candidates if f.original.casefold() not in kept]
    findings = _select(candidates)
    starts = [f.start for f in findings]
    flagged = tuple(Finding("name", s, e, text[s:e]) for s, e in names.flagged if not _overlaps(findings, starts, s, e))
    if not findings:
        return ScrubResult(text, (), flagged)
    parts: list[str] = []
    pos = 0
    for f in findings:
        parts.append(text[pos : f.start])
        parts.append(MARKERS[f.kind])
        pos = f.end
    parts.append(text[pos:])
    return ScrubResult("".join(parts), tuple(findings), flagged)


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
