"""Contact persons and continuity in config.toml (issue 7): ``[[neighbourhoods.contacts]]`` and ``[continuity]``.

Kept apart from ``bot/config.py`` (which calls in here) so that module stays readable. Every problem names its
key, as in the rest of the configuration.

    [[neighbourhoods.contacts]]          # inside the [[neighbourhoods]] table it follows
    id = "centrum-anna"                  # stable key: the database recognises the person by it across restarts
    name = "Anna de Vries"
    role = "wijkcoördinator"
    since = 2024-03-01                   # first day as contact person (TOML date or "YYYY-MM-DD")
    ...
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.engine.themes import THEMES

if TYPE_CHECKING:
    from bot.config import _Reader

CONTACT_KEYS = {"id", "name", "role", "organisation", "reachable_how", "reachable_when", "theme", "since", "until",
                "photo", "language", "matrix_user", "telegram_chat"}
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
_MATRIX_USER = re.compile(r"^@[^:\s]+:\S+$")
_TELEGRAM_CHAT = re.compile(r"^-?\d{1,20}$")
_PHOTO_TYPES = (".jpg", ".jpeg", ".png", ".webp")


@dataclass(frozen=True)
class ContactPerson:
    """A contact person as configured. ``theme`` "" means the whole neighbourhood."""

    id: str
    name: str
    role: str
    since: date
    organisation: str = ""
    reachable_how: str = ""  # phone, e-mail, visiting address: shown to residents
    reachable_when: str = ""  # office hours: shown to residents
    theme: str = ""
    until: date | None = None
    photo: str | None = None  # an https URL, or an absolute path to a JPEG/PNG/WebP file
    language: str | None = None  # of the bot's messages to this person (default: moderation.language)
    matrix_user: str | None = None  # where the bot relays to: never shown to residents
    telegram_chat: str | None = None  # idem (the person must have started a chat with the bot)


@dataclass(frozen=True)
class ContinuityConfig:
    max_handovers_per_year: int = 2  # organisers are alerted when a neighbourhood has more in 12 months


def _date(r: _Reader, item: dict[str, Any], key: str, path: str, required: bool) -> date | None:
    value = item.get(key)
    if value is None:
        if required:
            r.problem(path, "missing (a date like 2024-03-01)")
        return None
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    r.problem(path, "must be a date like 2024-03-01")
    return None


def _photo(r: _Reader, item: dict[str, Any], path: str, base: Path) -> str | None:
    value = r.string(item, "photo", path, required=False)
    if not value:
        return None
    if value.startswith(("https://", "http://")):
        return value
    if not value.lower().endswith(_PHOTO_TYPES):
        r.problem(path, "must be a JPEG, PNG or WebP file, or an https:// address")
        return None
    photo = (base / value).resolve()
    if not photo.is_file():
        r.problem(path, f"file not found: {photo}")
        return None
    return str(photo)


def people_tables(r: _Reader, raw: Any, path: str, keys: set[str], seen: set[str],
                  table: str) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(key path, table, id) of each table in a neighbourhood's ``[[neighbourhoods.<table>]]`` array of people
    (contact persons, professionals), after the checks they share: a table, known keys, a well-formed id used once
    (``seen`` collects ids across neighbourhoods)."""
    if raw is None:
        return
    if not isinstance(raw, list):
        r.problem(path, f"must be an array of tables: [[neighbourhoods.{table}]]")
        return
    for index, item in enumerate(raw):
        here = f"{path}[{index}]"
        if not isinstance(item, dict):
            r.problem(here, "must be a table")
            continue
        r.unknown(item, keys, here)
        item_id = r.string(item, "id", f"{here}.id") or ""
        if item_id and not _ID.match(item_id):
            r.problem(f"{here}.id", "use lower-case letters, digits, '-' or '_' (at most 48)")
        elif item_id in seen:
            r.problem(f"{here}.id", f"{item_id!r} is used twice")
        seen.add(item_id)
        yield here, item, item_id


def parse_contacts(r: _Reader, raw: Any, path: str, base: Path, languages: tuple[str, ...],
                   seen: set[str]) -> tuple[ContactPerson, ...]:
    """The ``contacts`` array of one neighbourhood; ``seen`` collects ids across neighbourhoods."""
    result: list[ContactPerson] = []
    for here, item, cid in people_tables(r, raw, path, CONTACT_KEYS, seen, "contacts"):
        theme = r.string(item, "theme", f"{here}.theme", required=False) or ""
        if theme and theme not in THEMES:
            r.problem(f"{here}.theme", f"unknown theme {theme!r}; choose from {', '.join(THEMES)}")
        since = _date(r, item, "since", f"{here}.since", required=True)
        until = _date(r, item, "until", f"{here}.until", required=False)
        if since and until and until < since:
            r.problem(f"{here}.until", "must not be before since")
        language = r.string(item, "language", f"{here}.language", required=False)
        if language and language not in languages:
            r.problem(f"{here}.language", f"{language!r} has no translation; choose from {', '.join(languages)}")
        matrix_user = r.string(item, "matrix_user", f"{here}.matrix_user", required=False)
        if matrix_user and not _MATRIX_USER.match(matrix_user):
            r.problem(f"{here}.matrix_user", "must look like @anna:example.org")
        telegram_chat = item.get("telegram_chat")
        if isinstance(telegram_chat, int) and not isinstance(telegram_chat, bool):
            telegram_chat = str(telegram_chat)
            item = {**item, "telegram_chat": telegram_chat}
        telegram = r.string(item, "telegram_chat", f"{here}.telegram_chat", required=False)
        if telegram and not _TELEGRAM_CHAT.match(telegram):
            r.problem(f"{here}.telegram_chat", "must be the numeric chat id of the person's private chat with the bot")
        result.append(ContactPerson(
            id=cid, name=r.string(item, "name", f"{here}.name") or cid,
            role=r.string(item, "role", f"{here}.role") or "",
            since=since or date.min, until=until, theme=theme,
            organisation=r.string(item, "organisation", f"{here}.organisation", required=False) or "",
            reachable_how=r.string(item, "reachable_how", f"{here}.reachable_how", required=False) or "",
            reachable_when=r.string(item, "reachable_when", f"{here}.reachable_when", required=False) or "",
            photo=_photo(r, item, f"{here}.photo", base), language=language,
            matrix_user=matrix_user, telegram_chat=telegram,
        ))
    _check_terms(r, result, path)
    return tuple(result)


def _check_terms(r: _Reader, contacts: list[ContactPerson], path: str) -> None:
    """One contact person per position (neighbourhood + theme) at a time: terms may follow, not overlap."""
    by_theme: dict[str, list[tuple[int, ContactPerson]]] = {}
    for index, contact in enumerate(contacts):
        by_theme.setdefault(contact.theme, []).append((index, contact))
    for terms in by_theme.values():
        terms.sort(key=lambda pair: pair[1].since)
        for (_, before), (index, after) in pairwise(terms):
            if before.since == after.since:
                r.problem(f"{path}[{index}].since", f"{before.id!r} starts the same day in the same position")
            elif before.until is not None and before.until > after.since:
                r.problem(f"{path}[{index}].since", f"overlaps with {before.id!r}, whose term runs until "
                                                    f"{before.until.isoformat()}; one contact per position at a time")


def parse_continuity(r: _Reader, data: dict[str, Any]) -> ContinuityConfig:
    r.unknown(data, {"max_handovers_per_year"}, "continuity")
    return ContinuityConfig(max_handovers_per_year=r.integer(
        data, "max_handovers_per_year", "continuity.max_handovers_per_year", 2, 0, 52))
