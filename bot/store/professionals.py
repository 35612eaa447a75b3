"""Professionals' terms in a neighbourhood and their observations (issue 20)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.store.db import Record, Tx
from bot.store.sql import placeholders


@dataclass(frozen=True)
class ProfessionalTerm(Record):
    id: int
    config_key: str | None
    neighbourhood_id: str
    name: str
    role: str
    organisation: str
    matrix_user: str
    started_on: str
    ended_on: str | None
    added_by: str
    created_at: str

    @property
    def reference(self) -> str:
        return f"PR-{self.id}"


@dataclass(frozen=True)
class Observation(Record):
    id: int
    reference: str
    professional_id: int
    neighbourhood_id: str
    theme: str
    role: str
    text_public: str
    scrubbed_kinds: str
    created_at: str


_COLUMNS = ("neighbourhood_id", "name", "role", "organisation", "matrix_user", "started_on", "ended_on")


async def upsert_configured(tx: Tx, key: str, values: dict[str, Any], now: str) -> None:
    """A term from config.toml: added once, its details updated; a term that ended is never reopened."""
    await tx.execute(
        "INSERT INTO professionals (config_key, neighbourhood_id, name, role, organisation, matrix_user, started_on,"
        " ended_on, added_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'config', ?)"
        " ON CONFLICT (config_key) DO UPDATE SET name = excluded.name, role = excluded.role,"
        " organisation = excluded.organisation, matrix_user = excluded.matrix_user,"
        " ended_on = COALESCE(professionals.ended_on, excluded.ended_on)",
        (key, *(values[c] for c in _COLUMNS), now))


async def insert(tx: Tx, values: dict[str, Any], added_by: str, now: str) -> ProfessionalTerm:
    row = await tx.one(
        "INSERT INTO professionals (neighbourhood_id, name, role, organisation, matrix_user, started_on, ended_on,"
        " added_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (*(values[c] for c in _COLUMNS), added_by, now))
    assert row is not None
    return ProfessionalTerm.from_row(row)


async def by_id(tx: Tx, term_id: int) -> ProfessionalTerm | None:
    row = await tx.one("SELECT * FROM professionals WHERE id = ?", (term_id,))
    return ProfessionalTerm.from_row(row) if row else None


async def end(tx: Tx, term_id: int, day: str) -> None:
    await tx.execute("UPDATE professionals SET ended_on = ? WHERE id = ? AND ended_on IS NULL", (day, term_id))


async def of_neighbourhoods(tx: Tx, hoods: list[str]) -> list[ProfessionalTerm]:
    if not hoods:
        return []
    marks = placeholders(hoods)
    rows = await tx.all(f"SELECT * FROM professionals WHERE neighbourhood_id IN ({marks})"
                        " ORDER BY neighbourhood_id, role, started_on, id", tuple(hoods))
    return [ProfessionalTerm.from_row(row) for row in rows]


async def active_of_user(tx: Tx, user: str, hoods: list[str], today: str) -> ProfessionalTerm | None:
    """The user's running term in one of these neighbourhoods (the newest), or None."""
    if not hoods:
        return None
    marks = placeholders(hoods)
    row = await tx.one(
        f"SELECT * FROM professionals WHERE matrix_user = ? AND neighbourhood_id IN ({marks})"
        " AND started_on <= ? AND (ended_on IS NULL OR ended_on > ?) ORDER BY started_on DESC, id DESC",
        (user, *hoods, today, today))
    return ProfessionalTerm.from_row(row) if row else None


async def add_observation(tx: Tx, *, reference: str, professional_id: int, neighbourhood_id: str, theme: str,
                          role: str, text_public: str, scrubbed_kinds: str, now: str) -> Observation:
    row = await tx.one(
        "INSERT INTO observations (reference, professional_id, neighbourhood_id, theme, role, text_public,"
        " scrubbed_kinds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (reference, professional_id, neighbourhood_id, theme, role, text_public, scrubbed_kinds, now))
    assert row is not None
    return Observation.from_row(row)


async def observations_between(tx: Tx, hoods: list[str], start: str, end: str) -> list[Observation]:
    if not hoods:
        return []
    marks = placeholders(hoods)
    rows = await tx.all(
        f"SELECT * FROM observations WHERE neighbourhood_id IN ({marks})"
        " AND created_at >= ? AND created_at < ? ORDER BY created_at, id", (*hoods, start, end))
    return [Observation.from_row(row) for row in rows]
