"""The ledger of reports made: which figures each report back published, per neighbourhood and period.

Read in the report's own snapshot (:class:`bot.store.report.Reader`), written in a transaction of the bot's
database after the report was made (``record``), which first checks that no report was recorded for these
neighbourhoods since the snapshot (else the caller makes the report again). Aggregates only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.store.db import Row, Tx
from bot.store.report import Reader
from bot.store.sql import placeholders


@dataclass(frozen=True)
class Cell:
    neighbourhood: str
    first_day: str  # ISO local dates, both included
    last_day: str
    section: str
    measure: str
    theme: str
    category: str
    value: int | None
    hidden: str


async def read(r: Reader, hoods: Sequence[str]) -> tuple[int, list[Row]]:
    """(the last report id, every recorded figure of these neighbourhoods, oldest report first)."""
    last = await r.all("SELECT COALESCE(MAX(id), 0) AS id FROM report_ledger")
    rows = await r.all(
        "SELECT c.report_id, l.made_at, c.neighbourhood_id, c.first_day, c.last_day, c.section, c.measure, c.theme,"
        " c.category, c.value, c.hidden FROM report_ledger_cells c JOIN report_ledger l ON l.id = c.report_id"
        f" WHERE c.neighbourhood_id IN ({placeholders(hoods)}) ORDER BY c.report_id",
        tuple(hoods))
    return int(last[0]["id"]), rows


async def record(tx: Tx, seen: int, hoods: Sequence[str], made_at: str, first_day: str, last_day: str,
                 previous_first_day: str, cells: Iterable[Cell]) -> bool:
    """Record a report's figures, unless a report about any of these neighbourhoods was recorded after ``seen``
    (False: make it again, knowing that one)."""
    newer = await tx.value(
        "SELECT 1 FROM report_ledger_cells WHERE report_id > ?"
        f" AND neighbourhood_id IN ({placeholders(hoods)}) LIMIT 1", (seen, *hoods))
    if newer is not None:
        return False
    report_id = await tx.value(
        "INSERT INTO report_ledger (made_at, neighbourhoods, first_day, last_day, previous_first_day)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id", (made_at, ",".join(hoods), first_day, last_day, previous_first_day))
    for c in cells:
        tx.defer("INSERT INTO report_ledger_cells (report_id, neighbourhood_id, first_day, last_day, section,"
                 " measure, theme, category, value, hidden) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (report_id, c.neighbourhood, c.first_day, c.last_day, c.section, c.measure, c.theme, c.category,
                  c.value, c.hidden))
    return True
