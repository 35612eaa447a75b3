"""The report back's figures: per neighbourhood and theme, for a period and the period before it.

Everything a report shows is made here, from the aggregates of ``bot/store/report.py``, and passes the privacy
rules of ``bot/engine/report_privacy.py`` on the way: a :class:`Figure` that must not be shown carries no value
at all, so no renderer can leak it. Texts (quotes, "you said, we did, because", statements) are scrubbed again.
Contact persons appear by role, never by name.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import Config
from bot.engine import report_overlap, report_professionals
from bot.engine.moderation_reasons import REASONS
from bot.engine.report_model import ALL, PERIODS, Figure, Report
from bot.engine.report_overlap import Ledger
from bot.engine.report_privacy import AT_LEAST, COMPLEMENT, FEWER, MIN_COUNT, CountSet, shown_sum
from bot.engine.report_texts import (
    commitments_and_lines,
    contact_positions,
    deliberation_results,
    poll_results,
    quotes_for,
)
from bot.engine.themes import THEMES
from bot.store import report as repo
from bot.store.db import Row
from bot.store.report import Periods, Reader
from bot.store.report_ledger import Cell

STATUSES = {"approved": "published", "rejected": "rejected"}  # anything else is still waiting
STORY_MEASURES = ("received", "published", "rejected", "waiting")
HEARD = ("yes", "partly", "no")


def previous_start(start: date, end: date) -> date:
    """Where the period before starts: as many whole calendar months before when the period is whole months
    (February's report compares with January, a quarter with the quarter before: periods of one grid, so the
    period before is a period another report may show, with the same figures, see report_overlap.py), else as
    many days before."""
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        index = start.year * 12 + start.month - 1 - months
        return date(index // 12, index % 12 + 1, 1)
    return start - timedelta(days=(end - start).days + 1)


def periods(start: date, end: date, tz: ZoneInfo) -> Periods:
    """The reported days ``start``..``end`` (local dates, both included) and the period before them."""

    def moment(day: date) -> str:
        return datetime.combine(day, time(), tz).astimezone(ZoneInfo("UTC")).isoformat(timespec="seconds")

    return Periods(previous=moment(previous_start(start, end)), start=moment(start),
                   end=moment(end + timedelta(days=1)))


def _percentile(histogram: Counter[int], percent: int) -> int:
    """Nearest rank: the smallest value with at least ``percent`` % of the observations at or below it."""
    total = sum(histogram.values())
    rank = max(1, -(-percent * total // 100))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return 0


def _hours(earlier: str, later: str) -> int:
    return int((datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds() // 3600)


Key = tuple[str, str, str, str, str, str]  # section, measure, neighbourhood, theme, period, category


class _Cells:
    """Counts about residents, protected together (a set may cross sections: with + without feedback = received)
    and then added to the report."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.counts: dict[Key, int] = defaultdict(int)
        self.sets: list[CountSet] = []
        self.recorded: list[Cell] = []  # what the ledger keeps of this report (bot/engine/report_overlap.py)

    def add_set(self, parts: Iterable[Key], total: Key | None) -> None:
        parts = tuple(parts)
        for key in (*parts, *(() if total is None else (total,))):
            self.counts.setdefault(key, 0)
        self.sets.append(CountSet(parts, total))

    def additive(self, section: str, measures: tuple[str, ...], total: str, hoods: list[str], themes: list[str],
                 category: str = "") -> None:
        """``measures`` add up to ``total`` per neighbourhood, theme and period; the themes add up to the
        neighbourhood's figure (theme ALL) per measure."""
        for hood in hoods:
            for period in PERIODS:
                for theme in [*themes, ALL]:
                    self.add_set(((section, m, hood, theme, period, category) for m in measures),
                                 ("stories" if total == "received" else section, total, hood, theme, period, category))
                for measure in (*measures, total):
                    sec = "stories" if measure == "received" else section
                    self.add_set(((sec, measure, hood, t, period, category) for t in themes),
                                 (sec, measure, hood, ALL, period, category))

    def publish(self, ledger: Ledger) -> None:
        periods = report_overlap.spans(self.report.start, self.report.end, self.report.previous_start)
        self.report.repeated = report_overlap.repeated(self.counts, periods, ledger)
        hidden = report_overlap.protect_with(self.counts, self.sets, periods, ledger)
        self.recorded = report_overlap.cells(self.counts, hidden, periods)
        for key, count in sorted(self.counts.items()):
            reason = hidden.get(key, "")
            self.report.add(Figure(*key, value=None if reason else count, hidden=reason))
        if self.report.several:  # the selection's totals, from the neighbourhoods' figures
            totals: dict[Key, list[tuple[int, int | float | None]]] = defaultdict(list)
            for (section, measure, hood, theme, period, category), count in self.counts.items():
                if hood != ALL:
                    totals[(section, measure, ALL, theme, period, category)].append(
                        (count, self.report.value(section, measure, hood, theme, period, category)))
            for key, values in sorted(totals.items()):
                self.report.add(_total(key, values))


def _total(key: Key, values: list[tuple[int, int | float | None]]) -> Figure:
    """A total over neighbourhoods (``values``: each one's count and shown figure). Exact when every figure is
    shown; else "at least" the sum of the shown ones (nothing hidden can be worked out from it), "fewer than 5"
    when the hidden ones are all there is and add up to less, and otherwise hidden."""
    shown = shown_sum(figure for _, figure in values)
    if all(figure is not None for _, figure in values):
        return Figure(*key, value=shown if shown >= MIN_COUNT else None, hidden="" if shown >= MIN_COUNT else FEWER)
    if sum(count for count, _ in values) < MIN_COUNT:
        return Figure(*key, value=None, hidden=FEWER)
    if shown >= MIN_COUNT:
        return Figure(*key, value=shown, hidden=AT_LEAST)
    return Figure(*key, value=None, hidden=COMPLEMENT)


async def build(reader: Reader, config: Config, hoods: list[str], start: date, end: date, language: str,
                now: datetime, ledger: Ledger | None = None) -> tuple[Report, list[Cell]]:
    """The report of ``start``..``end`` (local dates, both included) for these neighbourhoods, checked against
    the reports made before (``ledger``), and what the ledger is to keep of it."""
    p = periods(start, end, config.timezone)
    report = Report(municipality=config.municipality, language=language, start=start, end=end,
                    generated=now.isoformat(timespec="seconds"),
                    previous_start=previous_start(start, end),
                    neighbourhoods=[(h, _name(config, h)) for h in hoods], themes=[])
    story_rows = await repo.counts(reader, "experiences", ("theme", "status"), hoods, p)
    present = {str(row["theme"]) for row in story_rows}
    report.themes = [t for t in THEMES if t in present] + sorted(present - set(THEMES))
    cells = _Cells(report)
    _stories(cells, story_rows)
    cells.additive("stories", ("published", "rejected", "waiting"), "received", hoods, report.themes)
    await _reasons(cells, reader, hoods, p)
    waits = await _feedback(cells, reader, hoods, p)
    cells.additive("feedback", ("with_feedback", "without_feedback"), "received", hoods, report.themes)
    heard_themes = await _heard(cells, reader, hoods, p)
    for hood in hoods:
        for period in PERIODS:
            for theme in [*heard_themes, ALL]:
                cells.add_set((("heard", a, hood, theme, period, "") for a in HEARD),
                              ("heard", "answers", hood, theme, period, ""))
            for measure in (*HEARD, "answers"):
                cells.add_set((("heard", measure, hood, t, period, "") for t in heard_themes),
                              ("heard", measure, hood, ALL, period, ""))
    await _participation(cells, reader, hoods, p)
    cells.publish(ledger or Ledger())
    _times(report, waits)
    _per_thousand(report, config, hoods)
    report.quotes = await quotes_for(reader, hoods, p)
    report.said_did, report.commitments = await commitments_and_lines(reader, hoods, p, report)
    report.polls = await poll_results(reader, config, hoods, p, report)
    report.deliberations = await deliberation_results(reader, hoods, p, report)
    report.positions = await contact_positions(reader, hoods, p, report)
    await report_professionals.load(reader, hoods, p, report)
    return report, cells.recorded


def _name(config: Config, hood: str) -> str:
    found = config.neighbourhood(hood)
    return found.name if found else hood


def _stories(cells: _Cells, rows: Iterable[Row]) -> None:
    for row in rows:
        hood, theme, period, n = str(row["neighbourhood_id"]), str(row["theme"]), str(row["period"]), int(row["n"])
        measure = STATUSES.get(str(row["status"]), "waiting")
        for t in (theme, ALL):
            cells.counts[("stories", measure, hood, t, period, "")] += n
            cells.counts[("stories", "received", hood, t, period, "")] += n


async def _reasons(cells: _Cells, reader: Reader, hoods: list[str], p: Periods) -> None:
    """Stories not published, by the kind of reason; they add up to the neighbourhood's "rejected"."""
    for row in await repo.rejection_reasons(reader, hoods, p):
        cells.counts[("stories", "rejected_by_reason", str(row["neighbourhood_id"]), ALL, str(row["period"]),
                      str(row["category"]))] += int(row["n"])
    for hood in hoods:
        for period in PERIODS:
            cells.add_set((("stories", "rejected_by_reason", hood, ALL, period, c) for c in REASONS),
                          ("stories", "rejected", hood, ALL, period, ""))


Waits = dict[tuple[str, str, str], Counter[int]]


async def _feedback(cells: _Cells, reader: Reader, hoods: list[str], p: Periods) -> Waits:
    """Stories with and without feedback before their period ended: feedback linked to the story, or feedback
    on its theme in its neighbourhood given after it was shared (those residents hear it too). The hours to the
    first feedback are counted per hour, so memory stays small however many stories there are."""
    on_theme: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in await repo.theme_feedback(reader, hoods, p):
        on_theme[(str(row["neighbourhood_id"]), str(row["theme"]))].append(str(row["created_at"]))
    waits: Waits = defaultdict(Counter)
    async for row in repo.first_feedback(reader, hoods, p):
        hood, theme, period, created = (str(row["neighbourhood_id"]), str(row["theme"]), str(row["period"]),
                                        str(row["created_at"]))
        moments = [str(row["linked_at"])] if row["linked_at"] is not None else []
        given = on_theme.get((hood, theme), [])
        later = bisect_left(given, created)
        if later < len(given) and given[later] < (p.start if period == "previous" else p.end):
            moments.append(given[later])
        measure = "with_feedback" if moments else "without_feedback"
        for t in (theme, ALL):
            cells.counts[("feedback", measure, hood, t, period, "")] += 1
        if moments:
            hours = max(0, _hours(created, min(moments)))
            for key in ((hood, theme, period), (hood, ALL, period), (ALL, theme, period), (ALL, ALL, period)):
                waits[key][hours] += 1
    return waits


def _times(report: Report, waits: Waits) -> None:
    """Median and 90th percentile of the days to the first feedback (where at least 5 stories got feedback), and
    the share with feedback (where both counts behind it are shown)."""
    for (hood, theme, period), histogram in sorted(waits.items()):
        if hood == ALL and not report.several:
            continue
        with_count = report.get("feedback", "with_feedback", hood, theme, period)
        enough = sum(histogram.values()) >= MIN_COUNT  # a median of 5 or more tells no count
        for measure, share in (("median_days", 50), ("p90_days", 90)):
            value = round(_percentile(histogram, share) / 24, 1) if enough else None
            report.add(Figure("feedback", measure, hood, theme, period, "", value, "" if enough else FEWER))
        total = report.get("stories", "received", hood, theme, period)
        received = total.value if total is not None and not total.hidden else None  # exact counts only
        if with_count is not None and with_count.value is not None and not with_count.hidden and received:
            report.add(Figure("feedback", "share_with_feedback", hood, theme, period, "",
                              round(100 * with_count.value / received, 1)))


async def _heard(cells: _Cells, reader: Reader, hoods: list[str], p: Periods) -> list[str]:
    """The felt-heard barometer: yes / partly / no per theme; returns the themes answered about."""
    themes: set[str] = set()
    for row in await repo.heard_counts(reader, hoods, p):
        hood, theme, period, n = str(row["neighbourhood_id"]), str(row["theme"]) or "general", str(row["period"]), \
            int(row["n"])
        themes.add(theme)
        for t in (theme, ALL):
            cells.counts[("heard", str(row["answer"]), hood, t, period, "")] += n
            cells.counts[("heard", "answers", hood, t, period, "")] += n
    return [t for t in THEMES if t in themes] + sorted(themes - set(THEMES))


async def _participation(cells: _Cells, reader: Reader, hoods: list[str], p: Periods) -> None:
    """Residents who joined, by channel and by language; stories by language; residents registered."""
    for measure, table, column in (("joined_by_channel", "residents", "channel"),
                                   ("joined_by_language", "residents", "language"),
                                   ("stories_by_language", "experiences", "language")):
        categories: set[str] = set()
        for row in await repo.counts(reader, table, (column,), hoods, p):
            categories.add(str(row[column]))
            cells.counts[("participation", measure, str(row["neighbourhood_id"]), ALL, str(row["period"]),
                          str(row[column]))] += int(row["n"])
        total = "received" if measure == "stories_by_language" else "joined"
        for hood in hoods:
            for period in PERIODS:
                total_key = ("stories" if total == "received" else "participation", total, hood, ALL, period, "")
                cells.add_set((("participation", measure, hood, ALL, period, c) for c in sorted(categories)),
                              total_key)
                if total == "joined":
                    cells.counts[total_key] = sum(cells.counts[("participation", measure, hood, ALL, period, c)]
                                                  for c in categories)
    for row in await repo.residents_registered(reader, hoods, p):
        cells.counts[("participation", "registered", str(row["neighbourhood_id"]), ALL, str(row["period"]), "")] = \
            int(row["n"])
    for hood in hoods:
        for period in PERIODS:
            cells.counts.setdefault(("participation", "registered", hood, ALL, period, ""), 0)


def _per_thousand(report: Report, config: Config, hoods: list[str]) -> None:
    """Where the configuration gives a neighbourhood's number of residents: registered residents and stories per
    1,000 residents (from shown figures only)."""
    for hood in hoods:
        found = config.neighbourhood(hood)
        if found is None or not found.residents:
            continue
        for period in PERIODS:
            for measure, section, source in (("registered_per_1000", "participation", "registered"),
                                             ("stories_per_1000", "stories", "received")):
                value = report.value(section, source, hood, ALL, period)
                report.add(Figure("participation", measure, hood, ALL, period, "",
                                  None if value is None else round(1000 * value / found.residents, 1),
                                  "" if value is not None else FEWER))
