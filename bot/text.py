"""Small text helpers shared by the dialogue engine and the domain."""

from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """Lower-case, accents and surrounding punctuation removed: for matching typed answers."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip(" .!?,;:'\"()")


def is_binary(text: str) -> bool:
    """Text that is not something a person typed: NUL bytes, control characters, undecodable bytes (replaced by
    U+FFFD, or kept as lone surrogates by Python's surrogateescape)."""
    return any(c == "\ufffd" or (unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\r\t") for c in text)
