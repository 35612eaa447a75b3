"""E-mail addresses (also written around filters) and social media handles, for the scrubber.

"anna [at] gmail punt com", "anna(at)gmail.com", "anna apenstaartje gmail punt com", "anna at gmail dot com"
and "anna @ gmail . com" are e-mail addresses like any other (kind "email"). Written around a filter, the last
part must be a known top-level domain, so ordinary sentences with "at" or "punt" stay. A handle is "@name" (at
least one letter) or a Matrix id "@name:server.org"; "@ het buurthuis" and "@ 19.00" stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.engine.scrub_base import Regions, Span, _finditer

_EMAIL = re.compile(
    r"""
    (?<![\w.%+'’\-])
    [\w.%+'’\-]{1,64}
    @
    (?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.){1,8}
    [^\W\d_]{2,63}
    (?![\w\-]|\.[^\W_])
    """,
    re.VERBOSE,
)

_TLDS = (
    "nl", "com", "net", "org", "be", "de", "eu", "info", "io", "tr", "ma", "pl", "sr", "fr", "uk", "co", "nu",
    "biz", "me", "online", "app", "es", "it", "cw", "aw", "ch", "at", "dk", "se", "no", "fi", "ie", "pt",
    "gov", "edu", "live", "email", "mail", "xyz", "site", "shop", "frl", "amsterdam", "gent", "brussels",
)  # fmt: skip
_OPEN, _CLOSE = r"[\[\({<]", r"[\]\)}>]"
_S = r"[ \u00a0\u202f]"
_AT = rf"(?:{_S}*{_OPEN}{_S}*(?:at|@|apenstaartje|apestaartje){_S}*{_CLOSE}{_S}*|{_S}+(?:at|apenstaartje|apestaartje){_S}+|{_S}+@{_S}*|{_S}*@{_S}+)"  # noqa: E501
_DOT = rf"(?:{_S}*{_OPEN}{_S}*(?:dot|punt|\.){_S}*{_CLOSE}{_S}*|{_S}+(?:dot|punt){_S}+|{_S}*\.{_S}*)"
_LABEL = r"[^\W_](?:[\w\-]{0,61}[^\W_])?"
_WRAPPED_EMAIL = re.compile(
    rf"""
    (?<![\w.%+'’\-])
    [\w.%+'’\-]{{1,64}}
    {_AT}
    (?:{_LABEL}{_DOT}){{1,6}}
    (?:{"|".join(_TLDS)})
    (?![\w\-]|\.[^\W_])
    """,
    re.VERBOSE | re.IGNORECASE,
)


# Where an e-mail address may be: around an "@" or a word standing for it.
AT_HINT = re.compile(r"@|[ \[({<]at[ \])}>]|apen?staartje", re.IGNORECASE)


def find_email(text: str, where: Regions) -> Iterator[Span]:
    """E-mail addresses within ``where`` (windows around AT_HINT)."""
    for m in _finditer(_EMAIL, text, where):
        yield m.span()
    for m in _finditer(_WRAPPED_EMAIL, text, where):
        yield m.span()


_HANDLE = re.compile(
    r"(?<![\w@.+\-])(?P<user>@(?=[\w.]{0,29}[^\W\d_])[A-Za-z0-9_](?:[\w.]{0,29}\w)?)"
    r"(?::[\w\-]+(?:\.[\w\-]+)+)?(?![\w@])"
)


def find_handle(text: str, where: Regions) -> Iterator[Span]:
    for m in _finditer(_HANDLE, text, where):
        yield m.span()
        if m.end("user") != m.end():
            yield m.span("user")  # should the server part be taken by an overlapping e-mail address
