"""Personal-data scrubbing: find phone numbers, e-mail addresses, BSNs, IBANs, house numbers,
postcode + house number combinations and Dutch licence plates in free text and replace each by a
fixed (Dutch) marker per kind.

Stories are scrubbed before anyone but the author sees them. The function is pure: no I/O, no
state, only the standard library ``re``. All patterns are compiled once at import time and are
written so that every match can only start at a token boundary, which keeps scanning linear even
on large or junk input.

Design choices worth knowing:

* Ordinary numbers, years, times, amounts, dates and case numbers (``2024-123456``, ``Z-2024-00123``,
  ``W-2026-0042``) are left alone.
* A street name is a useful place hint, only the house number is personal: ``Kerkstraat 12`` becomes
  ``Kerkstraat [huisnummer]``; a street without a number stays untouched.
* A postcode on its own (``1234 AB``) is coarse and stays; postcode + house number is replaced as a whole.
* BSNs must pass the 11-test and IBANs the mod-97 check (and their country's length); invalid ones stay.
* Licence plates are only recognised with dashes (all sidecodes 1-14), otherwise too much else matches.
* This module holds the API, e-mail, phone, BSN and IBAN rules; house numbers, postcodes and plates are in
  ``scrub_addresses.py``, the shared scanning helpers in ``scrub_base.py``.
* Overlapping matches: the higher-priority kind wins (email > iban > phone > bsn > postcode > address >
  plate); within a kind the earlier, then the longer match wins.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

from bot.engine.scrub_addresses import _find_address, _find_plate, _find_postcode
from bot.engine.scrub_base import _DIGIT_RUN, _SEP, _SP, _SPC, Span, _digits, _longest_valid_prefix, _scan

KINDS = ("phone", "email", "bsn", "iban", "address", "postcode", "plate")

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
}

_PRIORITY: dict[str, int] = {
    kind: rank for rank, kind in enumerate(("email", "iban", "phone", "bsn", "postcode", "address", "plate"))
}


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


# --------------------------------------------------------------------------------------------------
# E-mail

_EMAIL = re.compile(
    r"""
    (?<![\w.%+'’\-])
    [\w.%+'’\-]+
    @
    (?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+
    [^\W\d_]{2,63}
    (?![\w\-]|\.[^\W_])
    """,
    re.VERBOSE,
)


def _find_email(text: str) -> Iterator[Span]:
    for m in _EMAIL.finditer(text):
        yield m.span()


# --------------------------------------------------------------------------------------------------
# Phone numbers

# Dutch national format: 0 + 9 digits, e.g. 06-12345678, 020 123 45 67, (020) 1234567.
_PHONE_NL = re.compile(
    rf"""
    (?<![\w+\-@])(?<!\d[.,])
    (?:\(0[1-9]\d{{0,3}}\){_SP}?\d+|0[1-9]\d*)
    (?:(?:{_SP}?-{_SP}?|{_SP})\d+){{0,4}}
    (?![\w\-]|[.,:]\d)
    """,
    re.VERBOSE,
)

# International format: +CC or 00CC, optional (0) trunk prefix or (area) in parentheses.
_PHONE_INTL = re.compile(
    rf"""
    (?<![\w+\-@])(?<!\d[.,])
    (?:\+{_SP}?|00)[1-9]\d*
    (?:{_SEP}?\(\d{{1,4}}\){_SP}?\d+|{_SEP}\d+){{0,7}}
    (?![\w\-]|[.,:]\d)
    """,
    re.VERBOSE,
)

# 01 03 2026 12 has ten digits starting with 0, but it is a date (and something else).
_DATE_LIKE = re.compile(r"0[1-9]\D{1,3}(?:0?[1-9]|1[0-2])\D{1,3}(?:19|20)\d\d(?!\d)")
_SEPARATORS = re.compile(r"\D+")


def _valid_nl_phone(cand: str) -> bool:
    groups = _DIGIT_RUN.findall(cand)
    digits = "".join(groups)
    if len(digits) != 10 or digits[0] != "0" or digits[1] == "0":
        return False
    if any(len(g) < 2 for g in groups[1:]):
        return False
    if max(len(g) for g in groups) <= 2 and groups[0] != "06":  # 06 12 34 56 78, not 01 02 03 04 05
        return False
    seps = _SEPARATORS.findall(cand.lstrip("("))
    if any("-" in s for s in seps[1:]):  # only 06-12345678 style; 01-03-2026 is a date
        return False
    return _DATE_LIKE.match(cand) is None


def _valid_intl_phone(cand: str) -> bool:
    via_00 = cand.startswith("00")
    digits = _digits(cand)
    if via_00:
        digits = digits[2:]
    if digits.startswith("31"):
        national = digits[2:]
        if national.startswith("0"):  # +31 (0)6 ..., or the common +31 06 ...
            national = national[1:]
        return len(national) == 9 and national[0] != "0"
    if "(0)" in cand:  # trunk prefix as in +44 (0)20 ...
        digits = _digits(cand.replace("(0)", ""))[2 if via_00 else 0 :]
    return (9 if via_00 else 8) <= len(digits) <= 15


def _find_phone(text: str) -> Iterator[Span]:
    yield from _scan(_PHONE_INTL, text, lambda t, m: _longest_valid_prefix(t, m, _valid_intl_phone))
    yield from _scan(_PHONE_NL, text, lambda t, m: _longest_valid_prefix(t, m, _valid_nl_phone))


# --------------------------------------------------------------------------------------------------
# BSN (burgerservicenummer): 9 digits passing the 11-test

_BSN = re.compile(
    rf"""
    (?<![\w+\-/@])(?<!\d[.,])
    (?:
        \d{{9}}
      | \d{{3}}(?P<s1>[.{_SPC}])\d{{3}}(?P=s1)\d{{3}}
      | \d{{4}}(?P<s2>[.{_SPC}])\d{{2}}(?P=s2)\d{{3}}
    )
    (?![\w]|[.,\-/:]\d)
    """,
    re.VERBOSE,
)

_AMOUNT_BEFORE = re.compile(r"(?:€|\beur|\$|£|ƒ)\s*$", re.IGNORECASE)
_AMOUNT_AFTER = re.compile(r"\s*(?:euro\b|eur\b|,-|€)", re.IGNORECASE)
# A number right after a label like "zaaknummer:" or "kenmerk" is a case number, not a BSN.
_CASE_LABEL = re.compile(
    r"(?<![\w])(?:zaak|dossier|kenmerk|referentie|ref|factuur|order|klant|melding|meld|ticket|registratie"
    r"|polis|contract|bestel|aanvraag|case|reference|invoice)\w*\.?\s*(?:nr\.?|nummer|no\.?|number|#)?"
    r"\s*[:#]?\s*$",
    re.IGNORECASE,
)


def elfproef(digits: str) -> bool:
    """The BSN 11-test: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is divisible by 11 (and not all zeros)."""
    if len(digits) != 9 or not digits.isdecimal() or int(digits) == 0:
        return False
    total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0


_LIST_BEFORE = re.compile(rf"\d{_SP}$")
_LIST_AFTER = re.compile(rf"{_SP}\d")


def _validate_bsn(text: str, m: re.Match[str]) -> int | None:
    if not elfproef(_digits(m.group())):
        return None
    start, end = m.span()
    spaced = any(ch in _SPC for ch in m.group())
    if spaced and (_LIST_BEFORE.search(text, max(0, start - 2), start) or _LIST_AFTER.match(text, end)):
        return None  # part of a list of numbers ("112 113 114 115"), not one number
    if _AMOUNT_BEFORE.search(text, max(0, start - 8), start) or _AMOUNT_AFTER.match(text, end):
        return None
    if _CASE_LABEL.search(text, max(0, start - 40), start):
        return None
    return end


def _find_bsn(text: str) -> Iterator[Span]:
    yield from _scan(_BSN, text, _validate_bsn)


# --------------------------------------------------------------------------------------------------
# IBAN: country code + 2 check digits + BBAN, mod-97

_IBAN = re.compile(
    rf"""
    (?<![^\W_])
    [A-Za-z]{{2}}[0-9]{{2}}
    (?:
        [A-Za-z0-9]{{11,30}}
      | (?:{_SP}[A-Za-z0-9]{{4}}){{2,7}}(?:{_SP}[A-Za-z0-9]{{1,3}})?
    )
    (?![^\W_])
    """,
    re.VERBOSE,
)

# Registered IBAN lengths per country (SWIFT IBAN registry).
_IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
    "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


def iban_checksum_ok(iban: str) -> bool:
    """Mod-97 check of a compact IBAN (no spaces, any case)."""
    compact = iban.upper()
    if not (15 <= len(compact) <= 34 and compact.isascii() and compact.isalnum()):
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def _validate_iban(text: str, m: re.Match[str]) -> int | None:
    cand = m.group()
    compact = "".join(ch for ch in cand if ch.isalnum())
    expected = _IBAN_LENGTHS.get(compact[:2].upper())
    end = m.end()
    if expected is not None:
        if len(compact) < expected:
            return None
        if len(compact) > expected:
            # Cut off trailing groups that are not part of it ("BE71 0961 2345 6769 TEST").
            cut = [i for i, ch in enumerate(cand) if ch.isalnum()][expected - 1] + 1
            if cand[cut] not in _SPC:
                return None
            compact = compact[:expected]
            end = m.start() + cut
    return end if iban_checksum_ok(compact) else None


def _find_iban(text: str) -> Iterator[Span]:
    yield from _scan(_IBAN, text, _validate_iban)


# --------------------------------------------------------------------------------------------------
# Putting it together

_FINDERS: tuple[tuple[str, Callable[[str], Iterator[Span]]], ...] = (
    ("email", _find_email),
    ("iban", _find_iban),
    ("phone", _find_phone),
    ("bsn", _find_bsn),
    ("postcode", _find_postcode),
    ("address", _find_address),
    ("plate", _find_plate),
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


def scrub(text: str) -> ScrubResult:
    """Replace personal data in ``text`` by a marker per kind; findings carry offsets in ``text``."""
    if not text:
        return ScrubResult(text, ())
    candidates = [Finding(kind, start, end, text[start:end]) for kind, find in _FINDERS for start, end in find(text)]
    if not candidates:
        return ScrubResult(text, ())
    findings = _select(candidates)
    parts: list[str] = []
    pos = 0
    for f in findings:
        parts.append(text[pos : f.start])
        parts.append(MARKERS[f.kind])
        pos = f.end
    parts.append(text[pos:])
    return ScrubResult("".join(parts), tuple(findings))


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
