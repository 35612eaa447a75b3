"""Small pieces of SQL text the repositories share."""

from __future__ import annotations

from collections.abc import Sized


def placeholders(values: Sized, each: str = "?") -> str:
    """``?, ?, ?``: one ``each`` per value, for ``IN (...)`` or a multi-row ``VALUES`` (``each="(?, ?)"``).

    No values give ``NULL``: ``x IN (NULL)`` matches no row, where ``IN ()`` would be a syntax error."""
    return ", ".join(each for _ in range(len(values))) or "NULL"
