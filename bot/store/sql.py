"""Small pieces of SQL text the repositories share."""

from __future__ import annotations

import re
from collections.abc import Sized
from functools import lru_cache


def placeholders(values: Sized, each: str = "?") -> str:
    """``?, ?, ?``: one ``each`` per value, for ``IN (...)`` or a multi-row ``VALUES`` (``each="(?, ?)"``).

    No values give ``NULL``: ``x IN (NULL)`` matches no row, where ``IN ()`` would be a syntax error."""
    return ", ".join(each for _ in range(len(values))) or "NULL"


_WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(\w+)", re.IGNORECASE)


@lru_cache(maxsize=4096)
def written_table(sql: str) -> str | None:
    """The table an INSERT, UPDATE or DELETE writes (None: any other statement)."""
    match = _WRITE.match(sql)
    return match.group(1).lower() if match else None


@lru_cache(maxsize=4096)
def mentions(sql: str) -> frozenset[str]:
    """Every word of ``sql``, lower case: the tables it reads are among them."""
    return frozenset(word.lower() for word in re.findall(r"\w+", sql))
