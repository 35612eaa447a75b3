"""Reports of overlapping periods: no count under 5 by subtracting one report from another.

Each report's figures are protected on their own (``bot/engine/report_privacy.py``), but two reports over
overlapping periods could be subtracted: 1-31 January minus 1-30 January is the 31st, perhaps 3 stories; one
report's "period before" overlaps another's period; a report made later shows the same month after 2 stories were
decided. So every report made is recorded in a ledger (``bot/store/report_ledger.py``: per neighbourhood and period
the figures it published, hidden ones as hidden; aggregates only), and a new report is checked against it:

1. **The same period again shows the same figures.** A neighbourhood's period that an earlier report published is
   shown exactly as it was then (a later ``!report`` of January, or February's "period before"), so nothing that
   changed since (a late decision, an erased story) can be read from the difference. Hiding more is allowed.
2. **Overlapping periods differ by 0 or at least 5.** For each earlier period of the neighbourhood that overlaps a
   new one (nested, or partly), the differences of the figures both show form a table of their own, with the same
   sums (published + rejected + waiting = received, the themes = the total, ...). In that table no known difference
   may be 1 to 4, and no sum may give away one: where a set of differences would tell a hidden one (or hidden ones
   adding up to 1-4), the smallest known difference's figure is hidden in the new report. The residents registered
   at a period's end count from the beginning, so they are compared with every earlier report, and with the
   report's own period before (their difference is who joined in the period).
3. Repeat with the report's own rules (hiding one figure may require hiding another) until nothing changes.

What it does not cover: combinations of three or more reports whose pairwise differences are all fine but whose
sum of differences narrows further (e.g. 1-10, 11-20 and 1-20 January with a fourth report of 1-19), and totals
over several neighbourhoods (sums of the neighbourhoods' shown figures, so a difference of totals is a sum of
differences already checked). Periods of one fixed grid (months, quarters) never overlap partly; only a report
that cuts across the grid or repeats a period meets these rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.engine.report_model import ALL
from bot.engine.report_privacy import COMPLEMENT, FEWER, MIN_COUNT, CountSet, protect
from bot.store.db import Row
from bot.store.report_ledger import Cell

CUMULATIVE = frozenset({"registered"})  # counted from the beginning up to the end of the period
Key = tuple[str, str, str, str, str, str]  # section, measure, neighbourhood, theme, period, category
CellKey = tuple[str, str, str, str]  # section, measure, theme, category


@dataclass(frozen=True)
class Span:
    first: date
    last: date  # included

    def overlaps(self, other: Span) -> bool:
        return self.first <= other.last and other.first <= self.last


@dataclass
class Block:
    """One neighbourhood's figures of one period, as a report published them: value, or None with the reason."""

    hood: str
    span: Span
    cells: dict[CellKey, tuple[int | None, str]] = field(default_factory=dict)


@dataclass
class Ledger:
    seen: int = 0  # the last report recorded when it was read
    blocks: list[Block] = field(default_factory=list)  # oldest first

    @classmethod
    def from_rows(cls, seen: int, rows: Iterable[Row]) -> Ledger:
        blocks: dict[tuple[int, str, str, str], Block] = {}
        for row in rows:
            where = (int(row["report_id"]), str(row["neighbourhood_id"]), str(row["first_day"]), str(row["last_day"]))
            block = blocks.get(where)
            if block is None:
                block = blocks[where] = Block(where[1], Span(date.fromisoformat(where[2]),
                                                             date.fromisoformat(where[3])))
            value = None if row["value"] is None else int(row["value"])
            block.cells[(str(row["section"]), str(row["measure"]), str(row["theme"]), str(row["category"]))] = \
                (value, str(row["hidden"]))
        return cls(seen, list(blocks.values()))

    def same(self, hood: str, span: Span) -> Block | None:
        """The first publication of exactly this neighbourhood and period, if any."""
        return next((b for b in self.blocks if b.hood == hood and b.span == span), None)


def spans(start: date, end: date, previous_start: date) -> dict[str, Span]:
    return {"current": Span(start, end), "previous": Span(previous_start, start - timedelta(days=1))}


def protect_with(counts: dict[Key, int], sets: list[CountSet], periods: dict[str, Span],
                 ledger: Ledger) -> dict[Key, str]:
    """Which cells to hide: the report's own rules, the figures of periods published before (``counts`` takes
    their values), and the differences with overlapping earlier periods (see the module's text)."""
    fixed = _frozen_blocks(counts, periods, ledger)
    forced = _repeat_published(counts, periods, ledger)
    by_block: dict[tuple[str, str], list[Key]] = defaultdict(list)
    for key in counts:
        if key[2] != ALL:
            by_block[(key[2], key[4])].append(key)
    sets_of: dict[tuple[str, str], list[CountSet]] = defaultdict(list)
    for group in sets:
        first = group.total if group.total is not None else group.parts[0]
        sets_of[(first[2], first[4])].append(group)  # type: ignore[index]
    while True:
        hidden = protect(counts, sets, forced)
        more: set[Key] = set()
        for (hood, period), keys in by_block.items():
            if (hood, period) in fixed:
                continue  # shown as published before: its differences with every other report were checked then
            for earlier, cumulative_only in _earlier(hood, period, periods, ledger, counts, hidden):
                more |= _differences(keys, sets_of[(hood, period)], counts, hidden, earlier, periods[period],
                                     cumulative_only)
        more -= hidden.keys()
        if not more:
            return hidden
        forced = {**hidden, **{key: COMPLEMENT for key in more}}


def _frozen_blocks(counts: dict[Key, int], periods: dict[str, Span], ledger: Ledger) -> set[tuple[str, str]]:
    return {(k[2], k[4]) for k in counts if k[2] != ALL and ledger.same(k[2], periods[k[4]]) is not None}


def _repeat_published(counts: dict[Key, int], periods: dict[str, Span], ledger: Ledger) -> dict[Key, str]:
    """Cells of a neighbourhood's period published before take the value published then (hidden stays hidden;
    a figure that report did not have was 0 then, so it reads "fewer than 5")."""
    forced: dict[Key, str] = {}
    for key in counts:
        section, measure, hood, theme, period, category = key
        block = ledger.same(hood, periods[period]) if hood != ALL else None
        if block is None:
            continue
        value, reason = block.cells.get((section, measure, theme, category), (None, FEWER))
        if value is None:
            forced[key] = reason or COMPLEMENT
        else:
            counts[key] = value
    return forced


def _earlier(hood: str, period: str, periods: dict[str, Span], ledger: Ledger, counts: dict[Key, int],
             hidden: dict[Key, str]) -> Iterable[tuple[Block, bool]]:
    """The published periods to compare a new one with (and whether only the cumulative figures overlap): the
    ledger's for this neighbourhood, and the report's own other period (whose registered residents overlap)."""
    span = periods[period]
    for block in ledger.blocks:
        if block.hood == hood and block.span != span:
            yield block, not block.span.overlaps(span)
    other = "previous" if period == "current" else "current"
    own = Block(hood, periods[other])
    for key, value in counts.items():
        if key[2] == hood and key[4] == other and key[1] in CUMULATIVE:
            own.cells[(key[0], key[1], key[3], key[5])] = (None if key in hidden else value, "")
    yield own, True


def _differences(keys: list[Key], sets: list[CountSet], counts: dict[Key, int], hidden: dict[Key, str],
                 earlier: Block, span: Span, cumulative_only: bool) -> set[Key]:
    """Cells of the new period to hide so that its difference table with ``earlier`` tells no count of 1-4."""
    known: dict[Key, int] = {}
    for key in keys:
        if key in hidden or (cumulative_only and key[1] not in CUMULATIVE):
            continue
        value, _ = earlier.cells.get((key[0], key[1], key[3], key[5]), (None, ""))
        if value is not None:
            known[key] = counts[key] - value
    more = {key for key, d in known.items() if 0 < abs(d) < MIN_COUNT}
    for group in sets:
        parts = [k for k in group.parts if k in known]
        if group.total is None or not parts:
            continue
        unknown = len(group.parts) - len(parts)
        if group.total in known:
            told = known[group.total] - sum(known[k] for k in parts) if unknown else 0  # the unknown parts' sum
        elif unknown == 0:
            told = sum(known[k] for k in parts)  # the unknown total
        else:
            continue
        if 0 < abs(told) < MIN_COUNT:
            more.add(min(parts, key=lambda k: abs(known[k])))
    return more


def cells(counts: dict[Key, int], hidden: dict[Key, str], periods: dict[str, Span]) -> list[Cell]:
    """What to record of a report: every neighbourhood's figure, as published."""
    recorded = []
    for key in sorted(counts):
        section, measure, hood, theme, period, category = key
        if hood != ALL:
            recorded.append(Cell(hood, periods[period].first.isoformat(), periods[period].last.isoformat(), section,
                                 measure, theme, category, None if key in hidden else counts[key],
                                 hidden.get(key, "")))
    return recorded
