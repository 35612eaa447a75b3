"""The ``[database]`` section: ``url`` (or the older ``path``) and ``schema`` (see README, "PostgreSQL")."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.store.url import DatabaseUrl
from bot.store.url import parse as parse_database_url

if TYPE_CHECKING:
    from bot.config import _Reader


def parse_database(r: _Reader, database: Mapping[str, Any], base: Path) -> DatabaseUrl:
    """``database.url`` (``sqlite:///…`` or ``postgresql://…``, ``env:NAME`` for one holding a password), else the
    older ``database.path``; ``database.schema`` for PostgreSQL."""
    r.unknown(database, {"path", "url", "schema"}, "database")
    db_path = r.string(database, "path", "database.path", "data/wijkbot.sqlite3") or "data/wijkbot.sqlite3"
    default = DatabaseUrl.sqlite(Path(db_path) if db_path == ":memory:" else base / db_path)
    if "url" in database and "path" in database:
        r.problem("database.path", "give database.url or database.path, not both")
    text = r.string(database, "url", "database.url", required=False)
    schema = r.string(database, "schema", "database.schema", required=False)
    if text is None:
        if schema is not None:
            r.problem("database.schema", "is for PostgreSQL only (database.url = \"postgresql://…\")")
        return default
    try:
        return parse_database_url(text, base, schema)
    except ValueError as exc:
        key, _, message = str(exc).partition(": ") if str(exc).startswith("database.") else ("database.url", "", exc)
        r.problem(key, str(message))
        return default
