"""Where the database is: ``database.url`` (``sqlite:///path`` or ``postgresql://user@host/db``) and its schema."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bot.store.tx import Dialect

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class DatabaseUrl:
    dialect: Dialect
    path: str = ""  # SQLite: the file (or ":memory:")
    dsn: str = ""  # PostgreSQL: the connection URL, as asyncpg takes it (may hold a password)
    schema: str = "public"  # PostgreSQL: the schema holding this municipality's tables

    @classmethod
    def sqlite(cls, path: Path | str) -> DatabaseUrl:
        return cls("sqlite", path=str(path))

    @property
    def shown(self) -> str:
        """For messages and logs: the file, or the URL without its password, and the schema."""
        if self.dialect == "sqlite":
            return self.path
        parts = urlsplit(self.dsn)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        user = f"{parts.username}@" if parts.username else ""
        shown = urlunsplit((parts.scheme, user + host, parts.path, "", ""))
        return shown if self.schema == "public" else f"{shown} (schema {self.schema})"


def parse(text: str, base: Path, schema: str | None = None) -> DatabaseUrl:
    """``sqlite:///relative/or/absolute`` (relative to ``base``, the config file's folder) or a PostgreSQL URL;
    ValueError says what is wrong."""
    if text.startswith("sqlite://"):
        if schema is not None:
            raise ValueError("database.schema is for PostgreSQL only")
        rest = text.removeprefix("sqlite://")
        if not rest.startswith("/") or rest == "/":
            raise ValueError("write sqlite:///data/wijkbot.sqlite3 (three slashes, then the file)")
        path = rest[1:]
        return DatabaseUrl.sqlite(path if path == ":memory:" or path.startswith("/") else base / path)
    if text.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(text)
        if not parts.path.strip("/"):
            raise ValueError("name the database: postgresql://user@host/database")
        if schema is not None and not _SCHEMA.match(schema):
            raise ValueError("database.schema: lower-case letters, digits and _ (e.g. utrecht)")
        return DatabaseUrl("postgresql", dsn=text, schema=schema or "public")
    raise ValueError("must start with sqlite:/// or postgresql://")
