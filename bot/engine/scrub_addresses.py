"""House numbers (after a street, after "huisnummer" or "op nummer", or postcode + house number) and Dutch
licence plates, for the scrubber.

The street name is a useful place hint and stays; only the number is personal, with its addition ("12a",
"12-II", "12 bis", "12 hs"). A postcode may be glued to its number ("1234AB12"). Plates are recognised in all
sidecodes 1-14 with dashes; without dashes ("GV123K") only in upper case without vowels (as issued since
1978) or right after the word "kenteken", so ordinary words and codes ("KL1234", "MP3", "A2") stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.engine.scrub_base import _SP, Regions, Span, _scan

# --------------------------------------------------------------------------------------------------
# House numbers: after a street name, or after a postcode

_HOUSE_NUMBER = rf"""
    [1-9][0-9]{{0,4}}
    (?:
        -[A-Za-z0-9]{{1,4}}(?!\w)
      | [A-Za-z](?!\w)
      | (?:hs|bg|hg|bis|huis)(?!\w)
      | {_SP}(?:[A-Z]|I{{1,3}}|IV|VI{{0,3}}|bis|hs|bg|huis|boven|beneden|zwart|rood|zw|rd)(?!\w)
    )?
"""

# Any house number standing alone, for texts that must hold none at all (a story's place hint: "Dorpsstraat 12a"
# -> "Dorpsstraat"); the scrubber itself removes only numbers that follow a street name or a postcode.
_ANY_HOUSE_NUMBER = re.compile(rf"\s*(?<![\w-])(?:{_HOUSE_NUMBER})(?!\w)", re.VERBOSE)


def without_house_numbers(text: str) -> str:
    """``text`` with every number that could be a house number (with its addition) left out."""
    return _ANY_HOUSE_NUMBER.sub("", text)


# A number followed by one of these is a date, time, quantity or amount, not a house number.
_NOT_HOUSE_NUMBER_AFTER = re.compile(
    rf"""{_SP}+(?:
        jan(?:uari)?|feb(?:ruari)?|maart|mrt|apr(?:il)?|mei|juni?|juli?|aug(?:ustus)?
      | sep(?:t(?:ember)?)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?
      | uur|u|keer|x|min(?:uut|uten)?|sec(?:onde|onden)?|jaar|jaren|dag|dagen|week|weken|maand|maanden
      | km|kilometer|meter|m|cm|mm|kg|gram|euro|eur|procent|%|graden|personen|mensen|kinderen
      | huizen|woningen|bewoners|auto'?s
    )(?![\w])""",
    re.VERBOSE | re.IGNORECASE,
)

_POSTCODE = re.compile(
    rf"""
    (?<![\w\-])
    [1-9][0-9]{{3}}{_SP}?(?P<letters>[A-Za-z]{{2}})
    (?:{_SP}*,{_SP}*|{_SP}+|(?=[1-9]))
    (?:(?:nr\.?|no\.?|huisnummer|huisnr\.?|nummer){_SP}?)?
    (?P<nr>{_HOUSE_NUMBER})
    (?![\w]|[.,:][0-9]|-\w)
    """,
    re.VERBOSE,
)

# Letter pairs that are never used in postcodes, and short Dutch words that are read as letters in
# "er waren 1234 en 12 ..." when written in lower case.
_POSTCODE_NEVER = frozenset({"SA", "SD", "SS"})
_POSTCODE_WORDS = frozenset({
    "en", "of", "in", "op", "te", "na", "om", "is", "al", "nu", "ja", "ze", "we", "je", "er", "de",
    "uw", "zo", "nr", "no", "km", "cm", "mm", "kg", "ha", "pm", "am", "ex", "tm", "ca", "mn", "to",
    "at", "on", "or", "an", "by", "as", "it", "be", "if", "so", "up", "me", "my", "vs",
})  # fmt: skip


def _validate_postcode(text: str, m: re.Match[str]) -> int | None:
    letters = m.group("letters")
    if letters.upper() in _POSTCODE_NEVER:
        return None
    if not letters.isupper() and letters.lower() in _POSTCODE_WORDS:
        return None
    if _NOT_HOUSE_NUMBER_AFTER.match(text, m.end()):
        return None
    return m.end()


def _find_postcode(text: str, where: Regions) -> Iterator[Span]:
    yield from _scan(_POSTCODE, text, _validate_postcode, where)


# The last word of a street name, then the house number ("Plein 1944 nr 3": 1944 is part of the name).
_ADDRESS = re.compile(
    rf"""
    (?<![\w'’\-])
    (?P<street>[^\W\d_][\w'’\-]*\.?)
    {_SP}{{1,2}}
    (?:[0-9]{{1,4}}{_SP}(?=(?:nr|nummer)\b))?
    (?:(?:nr\.?|no\.?|nummer){_SP}?)?
    (?P<nr>{_HOUSE_NUMBER})
    (?![\w]|[.,:][0-9]|-\w)
    """,
    re.VERBOSE,
)

# Suffixes recognised in capitalised street names ("Kerkstraat", "Van Goghlaan", "Coolsingel").
_STREET_SUFFIXES = (
    "straatweg", "straat", "straatje", "laan", "weg", "plein", "gracht", "kade", "singel", "dijk", "dreef",
    "hof", "park", "pad", "steeg", "steegje", "baan", "markt", "ring", "erf", "veld", "wal", "burgwal",
    "burg", "kwartier", "boulevard", "allee", "plantsoen", "haven", "kaai", "vliet", "sloot", "poort",
    "hoek", "brink", "weide", "dwarsweg", "promenade", "esplanade", "passage", "galerij", "wetering",
    "vaart", "zoom", "oever", "rak", "tuin", "tuinen", "heuvel", "horst", "kamp", "hoven", "lei",
)  # fmt: skip
_STREET_SUFFIXES_LONGEST_FIRST = tuple(sorted(set(_STREET_SUFFIXES), key=len, reverse=True))
# Suffixes that are street names on their own when capitalised ("Markt 5", "Plein 1944 nr 3").
_WHOLE_WORD_STREETS = frozenset({
    "plein", "markt", "dam", "brink", "kade", "singel", "dijk", "gracht", "wal", "dreef", "boulevard",
    "allee", "esplanade", "promenade", "haven", "rokin", "damrak", "coolsingel",
})  # fmt: skip
# Suffixes distinctive enough to also accept a street typed in lower case ("kerkstraat 12").
_STRONG_SUFFIXES = frozenset({
    "straat", "straatweg", "laan", "gracht", "singel", "steeg", "dreef", "kade", "dijk", "boulevard",
    "allee", "plantsoen", "burgwal", "weg", "plein",
})  # fmt: skip
# Words that end like a street but are not one (mostly places and adverbs).
_NOT_STREETS = frozenset({
    "onderweg", "halverwege", "snelweg", "autosnelweg", "tilburg", "valkenburg", "middelburg",
    "duisburg", "hamburg", "luxemburg", "limburg", "straatsburg", "oldenburg", "brandenburg",
    "edinburg", "petersburg", "augsburg", "magdeburg", "zijweg", "fietsweg", "wandelweg", "achterweg",
    "speelplein", "schoolplein", "marktplein",
})  # fmt: skip
# "Laan van Meerdervoort 12", "Plein van de Verenigde Naties 1": the street word comes first.
_LEADING_STREET = re.compile(
    r"(?<![\w'’\-])(?:Laan|Plein|Weg|Straat|Kade|Singel|Dijk|Hof|Park|Gracht|Markt|Dreef|Burgwal|Steeg)"
    r"(?:[ ](?:van|de|der|den|het|'t|op|aan|ten|ter|te|in|bij|over|tot|achter|voor|onder))+"
    r"(?:[ ][^\W\d_][\w'’\-]*){1,3}$"
)


def _is_street(text: str, m: re.Match[str]) -> bool:
    word = m.group("street")
    capitalised = word[0].isupper()
    lower = word.lower()
    if word.endswith("."):
        return capitalised and lower.endswith("str.") and len(lower) > 5
    if lower in _NOT_STREETS:
        return False
    if capitalised and lower in _WHOLE_WORD_STREETS:
        return True
    for suffix in _STREET_SUFFIXES_LONGEST_FIRST:
        if lower.endswith(suffix):
            stem = lower[: -len(suffix)]
            if len(stem) < 2:
                break
            if suffix == "ring" and stem[-1] in "aeiouy":  # vergadering, ervaring
                break
            if capitalised or (suffix in _STRONG_SUFFIXES and len(stem) >= 3):
                return True
            break
    return capitalised and _LEADING_STREET.search(text, max(0, m.start() - 80), m.end("street")) is not None


_YEAR = re.compile(r"(?:18|19|20)[0-9]{2}")


def _validate_address(text: str, m: re.Match[str]) -> int | None:
    if _YEAR.fullmatch(m.group("nr")):  # "Plein 1944", "herinrichting Grote Markt 2026": a name or a year
        return None
    if not _is_street(text, m) or _NOT_HOUSE_NUMBER_AFTER.match(text, m.end()):
        return None
    return m.end()


# "op huisnummer 23", "ik woon op nummer 14", "mevrouw Jansen van nummer 5": a house number without a street.
_NUMBER_WORD = re.compile(
    rf"""
    (?<![\[\w])(?:huisnummer|huisnr\.?
      | (?:op|van|uit|bij|naast|tegenover|achter|boven|onder|aan|buren[ ]van)[ ]+(?:nummer|nr\.?|no\.?))
    {_SP}*:?{_SP}*
    (?P<nr>{_HOUSE_NUMBER})
    (?![\w]|[.,:][0-9]|-\w)
    """,
    re.VERBOSE | re.IGNORECASE,
)


def _validate_number_word(text: str, m: re.Match[str]) -> int | None:
    return None if _NOT_HOUSE_NUMBER_AFTER.match(text, m.end()) else m.end()


def _find_address(text: str, where: Regions) -> Iterator[Span]:
    # Only the house number (and addition) is reported; the street name stays as a place hint.
    for pattern, validate in ((_ADDRESS, _validate_address), (_NUMBER_WORD, _validate_number_word)):
        for start, end in _scan(pattern, text, validate, where):
            m = pattern.match(text, start)
            yield (m.start("nr") if m else start), end


# --------------------------------------------------------------------------------------------------
# Dutch licence plates (kentekens), sidecodes 1-14 (L a letter, N a digit), with or without dashes
_SHAPES = (
    "LL-NN-NN", "NN-NN-LL", "NN-LL-NN", "LL-NN-LL", "LL-LL-NN", "NN-LL-LL", "NN-LLL-N",
    "N-LLL-NN", "LL-NNN-L", "L-NNN-LL", "LLL-NN-L", "L-NN-LLL", "N-LL-NNN", "NNN-LL-N",
)
_SHAPE_SET = frozenset(_SHAPES)
_COMPACT_SHAPES = frozenset(shape.replace("-", "") for shape in _SHAPES)
_PLATE = re.compile(r"(?<![\w\-])[A-Za-z0-9]{1,3}-[A-Za-z0-9]{2,3}-[A-Za-z0-9]{1,3}(?![\w]|-\w)")
# Without dashes: six letters and digits, at least one of each.
_PLATE_COMPACT = re.compile(r"(?<![\w\-])(?=[A-Za-z]{0,5}[0-9])(?=[0-9]{0,5}[A-Za-z])[A-Za-z0-9]{6}(?![\w]|-\w)")
_PLATE_CONTEXT = re.compile(r"(?<![\[\w])kenteken\w*\W{1,3}(?:\w+\W{1,3}){0,2}$", re.IGNORECASE)
_ISSUED_LETTERS = re.compile(r"[BDFGHJKLMNPRSTVWXZ]+")


def _shape(code: str) -> str:
    return "".join("N" if ch.isdigit() else "L" if ch.isalpha() else ch for ch in code)


def _validate_plate(text: str, m: re.Match[str]) -> int | None:
    return m.end() if _shape(m.group()) in _SHAPE_SET else None


def _validate_compact_plate(text: str, m: re.Match[str]) -> int | None:
    code = m.group()
    if _shape(code) not in _COMPACT_SHAPES:
        return None
    if _PLATE_CONTEXT.search(text, max(0, m.start() - 40), m.start()):
        return m.end()
    letters = "".join(ch for ch in code if ch.isalpha())
    if (code[:2].isalpha() and code[2:].isdigit()) or code[:4].isdigit():  # sidecodes 1 and 2
        return None
    return m.end() if _ISSUED_LETTERS.fullmatch(letters) else None


def _find_plate(text: str, where: Regions) -> Iterator[Span]:
    yield from _scan(_PLATE, text, _validate_plate, where)
    yield from _scan(_PLATE_COMPACT, text, _validate_compact_plate, where)
