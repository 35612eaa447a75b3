"""Experiences residents shared, with their public (scrubbed) text and a reference like W-2026-0042."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.db import Record, Tx
from bot.store.sql import placeholders


@dataclass(frozen=True)
class Experience(Record):
    id: int
    reference: str
    resident_id: int | None
    neighbourhood_id: str
    theme: str
    text: str | None
    text_public: str
    scrubbed_kinds: str
    place_hint: str | None
    author_name: str | None
    photo_ref: str | None
    language: str
    status: str
    created_at: str
    decided_at: str | None = None
    decision_reason: str | None = None
    decision_category: str | None = None
    reminded_at: str | None = None



async def next_reference(tx: Tx, prefix: str, year: int) -> str:
    number = await tx.value(
        "INSERT INTO reference_counters (prefix, year, last) VALUES (?, ?, 1)"
        " ON CONFLICT (prefix, year) DO UPDATE SET last = reference_counters.last + 1 RETURNING last",
        (prefix, year),
    )
    return f"{prefix}-{year}-{int(number):04d}"


async def insert(tx: Tx, *, reference: str, resident_id: int, neighbourhood_id: str, theme: str, text: str,
                 text_public: str, scrubbed_kinds: str, place_hint: str | None, author_name: str | None,
                 photo_ref: str | None, language: str, now: str) -> Experience:
    row = await tx.one(
        "INSERT INTO experiences (reference, resident_id, neighbourhood_id, theme, text, text_public,"
        " scrubbed_kinds, place_hint, author_name, photo_ref, language, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (reference, resident_id, neighbourhood_id, theme, text, text_public, scrubbed_kinds, place_hint,
         author_name, photo_ref, language, now),
    )
    assert row is not None
    return Experience.from_row(row)


async def by_reference(tx: Tx, reference: str) -> Experience | None:
    row = await tx.one("SELECT * FROM experiences WHERE reference = ?", (reference.upper(),))
    return None if row is None else Experience.from_row(row)


async def of_resident(tx: Tx, resident_id: int) -> list[Experience]:
    rows = await tx.all("SELECT * FROM experiences WHERE resident_id = ? ORDER BY id", (resident_id,))
    return [Experience.from_row(r) for r in rows]


async def anonymise_of_resident(tx: Tx, resident_id: int) -> int:
    """Keep the scrubbed story, drop the author's own words and every link to them."""
    return await tx.execute(
        "UPDATE experiences SET resident_id = NULL, text = NULL, author_name = NULL, photo_ref = NULL"
        " WHERE resident_id = ?",
        (resident_id,),
    )


async def anonymise_older_than(tx: Tx, cutoff: str) -> int:
    """Retention: stories older than ``cutoff`` keep their scrubbed text only. Returns how many changed."""
    return await tx.execute(
        "UPDATE experiences SET resident_id = NULL, text = NULL, author_name = NULL, photo_ref = NULL"
        " WHERE created_at < ? AND (resident_id IS NOT NULL OR text IS NOT NULL OR author_name IS NOT NULL"
        " OR photo_ref IS NOT NULL)", (cutoff,))


async def delete_of_resident(tx: Tx, resident_id: int) -> int:
    return await tx.execute("DELETE FROM experiences WHERE resident_id = ?", (resident_id,))


async def waiting(tx: Tx, neighbourhood_ids: list[str]) -> list[Experience]:
    """Experiences nobody decided on yet, oldest first."""
    marks = placeholders(neighbourhood_ids)
    rows = await tx.all(f"SELECT * FROM experiences WHERE status = 'new' AND neighbourhood_id IN ({marks})"
                        " ORDER BY id", neighbourhood_ids)
    return [Experience.from_row(r) for r in rows]


async def decide(tx: Tx, experience_id: int, status: str, category: str | None, reason: str | None,
                 now: str) -> None:
    """A decision; a rejection has a category (bot/engine/moderation_reasons.py) and maybe the organiser's words."""
    await tx.execute("UPDATE experiences SET status = ?, decision_category = ?, decision_reason = ?, decided_at = ?"
                     " WHERE id = ?", (status, category, reason, now, experience_id))


async def set_public_text(tx: Tx, experience_id: int, text_public: str, kinds: str) -> None:
    await tx.execute("UPDATE experiences SET text_public = ?, scrubbed_kinds = ? WHERE id = ?",
                     (text_public, kinds, experience_id))


async def set_theme(tx: Tx, experience_id: int, theme: str) -> None:
    await tx.execute("UPDATE experiences SET theme = ? WHERE id = ?", (theme, experience_id))


async def mark_reminded(tx: Tx, experience_ids: list[int], now: str) -> None:
    for experience_id in experience_ids:
        await tx.execute("UPDATE experiences SET reminded_at = ? WHERE id = ?", (now, experience_id))
