"""BSNs, IBANs and dates of birth, for the scrubber.

BSNs and IBANs are checked with python-stdnum (the 11-test; the IBAN's mod-97, its country's length and BBAN
structure from the registry data that python-stdnum keeps current), so invalid numbers stay. An IBAN is
replaced as a whole in any grouping and case ("NL91 ABNA 0417 1643 00", "nl91abna0417164300", "NL 91 ABNA
041 716 4300"): the bank code never stays behind. A BSN may be grouped with dots, dashes or spaces; after a
label ("BSN", "burgerservicenummer", "sofinummer") any grouping counts.

A date of birth is a date right after "geboren", "geb.", "geboortedatum" (and English "born", "date of
birth"); only the date is replaced. Other dates stay.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from stdnum import iban as stdnum_iban
from stdnum import numdb
from stdnum.nl import bsn as stdnum_bsn

from bot.engine.scrub_base import _SPC, Regions, Span, _digits, _finditer, _scan

# --------------------------------------------------------------------------------------------------
# BSN

_BSN = re.compile(r"(?<![\w+\-/@])(?<!\d[.,])\d(?:[ .\-\u00a0\u202f]?\d){8}(?![\w]|[.,\-/:]\d)")
_REGULAR_GROUPS = frozenset({(9,), (3, 3, 3), (4, 2, 3), (2, 3, 2, 2), (3, 2, 2, 2)})
_BSN_LABEL = re.compile(r"(?<![\[\w])(?:bsn|burgerservice|sofi)[\w\-]*\.?[ :]*(?:nummer|nr\.?)?[ :]*(?:is[ :]+)?$",
                        re.IGNORECASE)
_AMOUNT_BEFORE = re.compile(r"(?:€|\beur|\$|£|ƒ)\s*$", re.IGNORECASE)
_AMOUNT_AFTER = re.compile(r"\s*(?:euro\b|eur\b|,-|€)", re.IGNORECASE)
# A number right after a label like "zaaknummer:" or "kenmerk" is a case number, not a BSN.
_CASE_LABEL = re.compile(
    r"(?<![\[\w])(?:zaak|dossier|kenmerk|referentie|ref|factuur|order|klant|melding|meld|ticket|registratie"
    r"|polis|contract|bestel|aanvraag|case|reference|invoice)\w*\.?\s*(?:nr\.?|nummer|no\.?|number|#)?"
    r"\s*[:#]?\s*(?:is\s+)?$",
    re.IGNORECASE,
)
_LIST_BEFORE = re.compile(r"\d[ \u00a0\u202f]$")
_LIST_AFTER = re.compile(r"[ \u00a0\u202f]\d")
_GROUP_SPLIT = re.compile(r"[ .\-\u00a0\u202f]")


def elfproef(digits: str) -> bool:
    """The BSN 11-test on exactly nine digits (python-stdnum's check)."""
    return len(digits) == 9 and digits.isdecimal() and stdnum_bsn.is_valid(digits)


def _validate_bsn(text: str, m: re.Match[str]) -> int | None:
    if not elfproef(_digits(m.group())):
        return None
    start, end = m.span()
    labelled = _BSN_LABEL.search(text, max(0, start - 40), start) is not None
    groups = tuple(len(g) for g in _GROUP_SPLIT.split(m.group()))
    separators = set(_GROUP_SPLIT.findall(m.group()))
    if not labelled and (groups not in _REGULAR_GROUPS or len(separators) > 1):
        return None
    spaced = any(ch in _SPC for ch in m.group())
    if spaced and (_LIST_BEFORE.search(text, max(0, start - 2), start) or _LIST_AFTER.match(text, end)):
        return None  # part of a list of numbers ("112 113 114 115"), not one number
    if _AMOUNT_BEFORE.search(text, max(0, start - 8), start) or _AMOUNT_AFTER.match(text, end):
        return None
    if _CASE_LABEL.search(text, max(0, start - 40), start):
        return None
    return end


def find_bsn(text: str, where: Regions) -> Iterator[Span]:
    yield from _scan(_BSN, text, _validate_bsn, where)


# --------------------------------------------------------------------------------------------------
# IBAN

_IBAN = re.compile(
    r"""
    (?<![^\W_])
    [A-Za-z]{2}[ \-\u00a0]?[0-9]{2}
    (?:[ \-.\u00a0]?[A-Za-z0-9]){11,30}
    """,
    re.VERBOSE,
)
_IBAN_SEPARATORS = " -.\u00a0"


def iban_checksum_ok(iban: str) -> bool:
    """A valid IBAN (compact or grouped, any case), by python-stdnum: mod-97, length and structure."""
    return bool(iban) and stdnum_iban.is_valid(iban.replace("\u00a0", " "))


_IBAN_DB = numdb.get("iban")
_BBAN_PART = re.compile(r"(\d+)!?[nace]")


@functools.lru_cache(maxsize=256)
def _iban_length(country: str) -> int | None:
    """The registered length of the country's IBANs (python-stdnum's registry data), or None."""
    info = _IBAN_DB.info(country)
    bban = info[0][1].get("bban") if info and info[0][0] == country else None
    return None if not bban else 4 + sum(int(n) for n in _BBAN_PART.findall(bban))


def _validate_iban(text: str, m: re.Match[str]) -> int | None:
    cand = m.group()
    length = _iban_length(cand[:2].upper())
    if length is None:
        return None
    alnum = [i for i, ch in enumerate(cand) if ch.isalnum()]
    if len(alnum) < length:
        return None
    cut = alnum[length - 1] + 1  # the IBAN ends there; what follows must be a separate word
    after = cand[cut] if cut < len(cand) else text[m.start() + cut : m.start() + cut + 1]
    if after and after not in _IBAN_SEPARATORS and (after.isalnum() or after == "_"):
        return None
    return m.start() + cut if iban_checksum_ok(cand[:cut]) else None


def find_iban(text: str, where: Regions) -> Iterator[Span]:
    yield from _scan(_IBAN, text, _validate_iban, where)


# --------------------------------------------------------------------------------------------------
# Date of birth

_MONTHS = (
    r"jan(?:uari|uary)?|feb(?:ruari|ruary)?|maart|march|mrt|mar|apr(?:il)?|mei|may|jun[ei]?|jul[iy]?"
    r"|aug(?:ustus|ust)?|sep(?:t(?:ember)?)?|okt(?:ober)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_BIRTH = re.compile(
    rf"""
    (?<![\[\w])(?:geboren|geb\.?|geboortedatum|geboorte[ -]?datum|geb\.?[ ]?datum|born|date[ ]of[ ]birth|dob)
    (?:[ \u00a0]*[:,(]?[ \u00a0]*(?:is|was|op|on|de|in|:)?){{0,3}}[ \u00a0]*
    (?P<date>
        (?:0?[1-9]|[12][0-9]|3[01])[\-./ ](?:0?[1-9]|1[0-2])[\-./ ](?:19|20)?[0-9]{{2}}
      | (?:0?[1-9]|[12][0-9]|3[01])[ ](?:{_MONTHS})\.?(?:[ ](?:19|20)[0-9]{{2}})?
      | (?:19|20)[0-9]{{2}}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])
    )
    (?![\w]|[\-./][0-9])
    """,
    re.VERBOSE | re.IGNORECASE,
)


def find_birthdate(text: str, where: Regions) -> Iterator[Span]:
    for m in _finditer(_BIRTH, text, where):
        yield m.span("date")  # only the date; the word "geboren" stays
