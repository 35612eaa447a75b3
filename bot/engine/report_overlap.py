"""Reports of overlapping periods: no count under 5 by subtracting one report from another.

Each report's figures are protected on their own (``bot/engine/report_privacy.py``), but reports over
overlapping periods could be subtracted: 1-31 January minus 1-30 January is the 31st, perhaps 3 stories; one
report's "period before" overlaps another's period; three reports can cut out what no two of them do (24 January -
7 February minus 24-28 January minus 29 January - 2 February). So every report made is recorded in a ledger
(``bot/store/report_ledger.py``: per neighbourhood and period the figures it published, hidden ones as hidden;
aggregates only), and a new report is checked against it:

1. **The same period again shows the same figures.** A neighbourhood's period that an earlier report published is
   shown exactly as it was then (a later ``!report`` of January, or February's "period before"), so nothing that
   changed since (a late decision, an erased story) can be read from the difference. Hiding more is allowed.
2. **No count of 1 to 4 for any run of days a reader can cut out.** A shown figure over days ``a``..``b`` tells
   the difference of a running count between two days: R(b + 1) - R(a) (residents registered count from the
   beginning). Figures published for one neighbourhood and measure link days; any two linked days give the count
   between them. Per measure the linked days and their differences are kept (:class:`Links`, a weighted
   union-find). A new figure links the days linked to its first day with those linked to the day after its last:
   for every such pair the count between them is worked out, and for each pair the counts of all measures form a
   table with the report's sums (published + rejected + waiting = received, the themes add up, ...). No count that
   the new figure makes known may be 1 to 4, and no sum may give one away (one unknown member, or unknown members
   adding up to 1-4): else the new figure (the smallest that makes it known) is hidden. The report's period before
   is checked first and then links days for its period, so a report cannot be subtracted from itself either
   (residents registered at both ends tell who joined).
3. Repeat with the report's own rules (hiding one figure may require hiding another) until nothing changes.

What it does not cover: figures that changed between two reports of different periods (a decision or an erasure
in between) make the reports' equations disagree. A new figure whose days other figures already link must differ
from what they give by 0 or at least 5 (that difference is what changed), but the other differences are worked
out along the first figures that linked the days only. Totals over several neighbourhoods are "at least" the sum
of the shown figures of the neighbourhoods, so they tell nothing the neighbourhoods' figures do not.
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
EPOCH = date(1970, 1, 1)  # "the beginning" for cumulative figures
SAME = {"registered": ("participation", "joined", "", "")}  # counts the same people as another measure
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
    made_at: str = ""  # when that report was made (ISO, UTC)
    cells: dict[CellKey, tuple[int | None, str]] = field(default_factory=dict)


@dataclass
class Ledger:
    seen: int = 0  # the last report recorded when it was read
    blocks: list[Block] = field(default_factory=list)  # oldest first
    _first: dict[tuple[str, Span], Block] = field(default_factory=dict, repr=False)
    _indexed: int = field(default=-1, repr=False)

    @classmethod
    def from_rows(cls, seen: int, rows: Iterable[Row]) -> Ledger:
        blocks: dict[tuple[int, str, str, str], Block] = {}
        for row in rows:
            where = (int(row["report_id"]), str(row["neighbourhood_id"]), str(row["first_day"]), str(row["last_day"]))
            block = blocks.get(where)
            if block is None:
                block = blocks[where] = Block(where[1], Span(date.fromisoformat(where[2]),
                                                             date.fromisoformat(where[3])), str(row["made_at"]))
            value = None if row["value"] is None else int(row["value"])
            block.cells[(str(row["section"]), str(row["measure"]), str(row["theme"]), str(row["category"]))] = \
                (value, str(row["hidden"]))
        return cls(seen, list(blocks.values()))

    def same(self, hood: str, span: Span) -> Block | None:
        """The first publication of exactly this neighbourhood and period, if any."""
        if self._indexed != len(self.blocks):
            self._first, self._indexed = {}, len(self.blocks)
            for block in self.blocks:
                self._first.setdefault((block.hood, block.span), block)
        return self._first.get((hood, span))


def spans(start: date, end: date, previous_start: date) -> dict[str, Span]:
    return {"current": Span(start, end), "previous": Span(previous_start, start - timedelta(days=1))}


class Links:
    """Days whose running counts (of one measure of one neighbourhood) published figures link: for each day its
    root and R(day) - R(root)."""

    def __init__(self) -> None:
        self.parent: dict[date, date] = {}
        self.offset: dict[date, int] = {}  # R(day) - R(parent)
        self.members: dict[date, list[date]] = {}  # root -> every day linked to it

    def copy(self) -> Links:
        other = Links()
        other.parent, other.offset = dict(self.parent), dict(self.offset)
        other.members = {root: list(days) for root, days in self.members.items()}
        return other

    def find(self, day: date) -> tuple[date, int]:
        if day not in self.parent:
            return day, 0
        path = []
        while self.parent.get(day, day) != day:
            path.append(day)
            day = self.parent[day]
        total = 0
        for node in reversed(path):  # compress: every node on the path points at the root
            total += self.offset[node]
            self.offset[node], self.parent[node] = total, day
        return day, total if not path else self.offset[path[0]]

    def link(self, first: date, after: date, count: int) -> None:
        """R(after) - R(first) = count. A link between days already linked is left out."""
        (ra, oa), (rb, ob) = self.find(first), self.find(after)
        if ra == rb:
            return
        for root in (ra, rb):
            if root not in self.parent:
                self.parent[root], self.offset[root], self.members[root] = root, 0, [root]
        self.parent[rb], self.offset[rb] = ra, oa + count - ob
        self.members[ra] += self.members.pop(rb)

    def difference(self, first: date, after: date) -> int | None:
        """R(after) - R(first), when the two days are linked."""
        (ra, oa), (rb, ob) = self.find(first), self.find(after)
        return ob - oa if ra == rb else None

    def linked(self, day: date) -> list[tuple[date, int]]:
        """Every day linked to ``day`` with R(that day) - R(day)."""
        root, own = self.find(day)
        return [(d, self.find(d)[1] - own) for d in self.members.get(root, [day])]


def _ends(measure: str, span: Span) -> tuple[date, date]:
    """The two days a figure links: its first day (the beginning for a cumulative one) and the day after its last."""
    return (EPOCH if measure in CUMULATIVE else span.first), span.last + timedelta(days=1)


def protect_with(counts: dict[Key, int], sets: list[CountSet], periods: dict[str, Span],
                 ledger: Ledger) -> dict[Key, str]:
    """Which cells to hide: the report's own rules, the figures of periods published before (``counts`` takes
    their values), and every count a reader could cut out with the earlier reports (see the module's text)."""
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
    published = _published_links(ledger)
    while True:
        hidden = protect(counts, sets, forced)
        more: set[Key] = set()
        for hood in sorted({hood for hood, _ in by_block}):
            links = {k: v.copy() for k, v in published.get(hood, {}).items()}
            for period in ("previous", "current"):
                block = by_block.get((hood, period), [])
                # Figures that count the same people as another (registered = joined from the beginning) after it,
                # so that what the two tell together is checked too.
                for keys in ([k for k in block if k[1] not in SAME], [k for k in block if k[1] in SAME]):
                    if (hood, period) not in fixed:  # as published before: checked against every report then
                        more |= _check(keys, sets_of[(hood, period)], counts, hidden, links, periods[period])
                    for key in keys:
                        if key not in hidden:
                            links.setdefault(_cell(key), Links()).link(*_ends(key[1], periods[period]), counts[key])
        more -= hidden.keys()
        if not more:
            return hidden
        forced = {**hidden, **{key: COMPLEMENT for key in more}}


def _cell(key: Key) -> CellKey:
    """What a figure counts: residents registered at a day are everyone who joined before it (one measure)."""
    return SAME.get(key[1], (key[0], key[1], key[3], key[5]))


def _published_links(ledger: Ledger) -> dict[str, dict[CellKey, Links]]:
    links: dict[str, dict[CellKey, Links]] = defaultdict(dict)
    for block in ledger.blocks:
        for cell, (value, _) in block.cells.items():
            if value is not None:
                counted = SAME.get(cell[1], cell)
                links[block.hood].setdefault(counted, Links()).link(*_ends(cell[1], block.span), value)
    return links


def _check(keys: list[Key], sets: list[CountSet], counts: dict[Key, int], hidden: dict[Key, str],
           links: dict[CellKey, Links], span: Span) -> set[Key]:
    """Cells of a new period to hide so that no count between two linked days becomes 1-4 (see the module)."""
    # R(w) - R(u) that each shown new figure would make known: u linked to its first day, w to the day after.
    reach: dict[Key, tuple[dict[date, int], dict[date, int]]] = {}
    pairs: set[tuple[date, date]] = set()
    more: set[Key] = set()
    for key in keys:
        if key in hidden:
            continue
        found = links.setdefault(_cell(key), Links())
        first, after = _ends(key[1], span)
        implied = found.difference(first, after)
        if implied is not None and 0 < abs(counts[key] - implied) < MIN_COUNT:
            more.add(key)  # the days were linked by other figures: the difference is what changed since (1-4)
        before = dict(found.linked(first))  # u -> R(u) - R(first)
        beyond = dict(found.linked(after))  # w -> R(w) - R(after)
        reach[key] = before, beyond
        pairs |= {(u, w) for u in before for w in beyond if u != w and found.difference(u, w) is None}
    for u, w in pairs:
        known: dict[Key, int] = {}
        new: set[Key] = set()
        for key in keys:
            old = links[_cell(key)].difference(u, w) if _cell(key) in links else None
            if old is not None:
                known[key] = old
            elif key in reach and u in reach[key][0] and w in reach[key][1]:
                known[key] = reach[key][1][w] + counts[key] - reach[key][0][u]
                new.add(key)
        more |= {key for key in new if 0 < abs(known[key]) < MIN_COUNT}
        for group in sets:
            members = [k for k in (*group.parts, group.total) if k in known]
            if group.total is None or not new.intersection(members):
                continue
            parts = [k for k in group.parts if k in known]
            unknown = len(group.parts) - len(parts)
            if group.total in known:
                told = known[group.total] - sum(known[k] for k in parts) if unknown else 0
            elif unknown == 0:
                told = sum(known[k] for k in parts)
            else:
                continue
            if 0 < abs(told) < MIN_COUNT:
                more.add(min(new.intersection(members), key=lambda k: abs(known[k])))
    return more


def repeated(counts: dict[Key, int], periods: dict[str, Span], ledger: Ledger) -> list[tuple[str, str, str]]:
    """(neighbourhood, period, when it was first published) of every period shown as published before."""
    found = []
    for hood, period in sorted(_frozen_blocks(counts, periods, ledger)):
        block = ledger.same(hood, periods[period])
        if block is not None:
            found.append((hood, period, block.made_at))
    return found


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
