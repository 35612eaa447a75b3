"""Professionals of a neighbourhood in config.toml (issue 20): ``[[neighbourhoods.professionals]]``.

Kept apart from ``bot/config.py`` (which calls in here), like the contact persons. Every problem names its key.

    [[neighbourhoods.professionals]]     # inside the [[neighbourhoods]] table it follows
    id = "centrum-wijkagent"             # stable key: the database recognises the term by it across restarts
    name = "Sanne Bakker"                # shown only inside the professionals' room
    role = "wijkagent"                   # the label of their observations everywhere else
    matrix_user = "@sanne:example.org"   # who may use the professionals' commands in the room
    since = 2025-01-01
    until = 2026-12-31                   # optional: the term's last day
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.config_contacts import _date, people_tables

if TYPE_CHECKING:
    from bot.config import _Reader

PROFESSIONAL_KEYS = {"id", "name", "role", "organisation", "matrix_user", "since", "until"}
_MATRIX_USER = re.compile(r"^@[^:\s]+:\S+$")


@dataclass(frozen=True)
class Professional:
    """A professional's term in a neighbourhood, as configured."""

    id: str
    name: str
    role: str
    matrix_user: str
    since: date
    organisation: str = ""
    until: date | None = None


def parse_professionals(r: _Reader, raw: Any, path: str, seen: set[str]) -> tuple[Professional, ...]:
    """The ``professionals`` array of one neighbourhood; ``seen`` collects ids across neighbourhoods."""
    result: list[Professional] = []
    for here, item, pid in people_tables(r, raw, path, PROFESSIONAL_KEYS, seen, "professionals"):
        user = r.string(item, "matrix_user", f"{here}.matrix_user") or ""
        if user and not _MATRIX_USER.match(user):
            r.problem(f"{here}.matrix_user", "must look like @sanne:example.org")
        since = _date(r, item, "since", f"{here}.since", required=True)
        until = _date(r, item, "until", f"{here}.until", required=False)
        if since and until and until < since:
            r.problem(f"{here}.until", "must not be before since")
        result.append(Professional(
            id=pid, name=r.string(item, "name", f"{here}.name") or pid, role=r.string(item, "role", f"{here}.role")
            or "", matrix_user=user, since=since or date.min, until=until,
            organisation=r.string(item, "organisation", f"{here}.organisation", required=False) or ""))
    return tuple(result)
