"""Early signals (issue 20): the events the detector counts, and the signals it raised with their items."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from bot.store.db import Record, Tx
from bot.store.sql import placeholders


@dataclass(frozen=True)
class Signal(Record):
    id: int
    reference: str
    neighbourhood_id: str
    theme: str
    source: str
    window_count: int
    expected: float
    p_value: float
    window_start: str
    raised_at: str
    acked_at: str | None
    acked_by: str | None
    ack_note: str | None


# What the detector counts per source: (table, neighbourhood, theme, moment, reference, condition). "unheard" is
# a "no" to "did you feel heard?"; its reference is the feedback's. Rejected stories count too: they were told.
_EVENTS = {
    "stories": ("experiences e", "e.neighbourhood_id", "e.theme", "e.created_at", "e.reference", "1 = 1"),
    "observations": ("observations e", "e.neighbourhood_id", "e.theme", "e.created_at", "e.reference", "1 = 1"),
    "unheard": ("heard h JOIN feedback f ON f.id = h.feedback_id", "h.neighbourhood_id", "COALESCE(h.theme, '')",
                "h.at", "f.reference", "h.answer = 'no'"),
}
SOURCES = tuple(_EVENTS)


async def weekly_counts(tx: Tx, source: str, bounds: list[str]) -> list[dict[tuple[str, str], int]]:
    """Per week between consecutive ``bounds`` (ISO moments): (neighbourhood, theme) -> count, counted by SQL in
    one round trip, so a year of a big municipality never passes through Python row by row."""
    table, hood, theme, at, _, condition = _EVENTS[source]
    sql = (f"SELECT {hood}, {theme}, COUNT(*) FROM {table} WHERE {condition} AND {at} >= ? AND {at} < ?"
           f" GROUP BY {hood}, {theme}")
    weeks = await tx.many(*[(sql, (start, end)) for start, end in pairwise(bounds)])
    return [{(row[0], row[1]): int(row[2]) for row in rows} for rows in weeks]


async def references(tx: Tx, source: str, hood: str, theme: str, start: str, end: str, limit: int) -> list[str]:
    """The references behind a count (for a signal), oldest first."""
    table, hood_col, theme_col, at, reference, condition = _EVENTS[source]
    rows = await tx.all(f"SELECT {reference}, MIN({at}) FROM {table} WHERE {condition} AND {hood_col} = ?"
                        f" AND {theme_col} = ? AND {at} >= ? AND {at} < ? GROUP BY {reference} ORDER BY 2, 1"
                        " LIMIT ?", (hood, theme, start, end, limit))
    return [row[0] for row in rows]


async def latest(tx: Tx, hood: str, theme: str, source: str) -> Signal | None:
    row = await tx.one("SELECT * FROM signals WHERE neighbourhood_id = ? AND theme = ? AND source = ?"
                       " ORDER BY raised_at DESC, id DESC", (hood, theme, source))
    return Signal.from_row(row) if row else None


async def add(tx: Tx, *, reference: str, hood: str, theme: str, source: str, count: int, expected: float,
              p_value: float, window_start: str, now: str, items: list[str]) -> Signal:
    row = await tx.one(
        "INSERT INTO signals (reference, neighbourhood_id, theme, source, window_count, expected, p_value,"
        " window_start, raised_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (reference, hood, theme, source, count, expected, p_value, window_start, now))
    assert row is not None
    signal = Signal.from_row(row)
    if items:
        await tx.many(*[("INSERT INTO signal_items (signal_id, item_reference) VALUES (?, ?)"
                         " ON CONFLICT DO NOTHING", (signal.id, item)) for item in items])
    return signal


async def items(tx: Tx, signal_id: int) -> list[str]:
    rows = await tx.all("SELECT item_reference FROM signal_items WHERE signal_id = ? ORDER BY item_reference",
                        (signal_id,))
    return [row[0] for row in rows]


async def by_reference(tx: Tx, reference: str) -> Signal | None:
    row = await tx.one("SELECT * FROM signals WHERE reference = ?", (reference,))
    return Signal.from_row(row) if row else None


async def of_neighbourhoods(tx: Tx, hoods: list[str], since: str, until: str | None = None) -> list[Signal]:
    if not hoods:
        return []
    marks = placeholders(hoods)
    rows = await tx.all(f"SELECT * FROM signals WHERE neighbourhood_id IN ({marks}) AND raised_at >= ?"
                        " AND raised_at < ? ORDER BY raised_at, id", (*hoods, since, until or "9999"))
    return [Signal.from_row(row) for row in rows]


async def acknowledge(tx: Tx, signal_id: int, who: str, note: str, now: str) -> None:
    await tx.execute("UPDATE signals SET acked_at = ?, acked_by = ?, ack_note = ? WHERE id = ?",
                     (now, who, note, signal_id))
