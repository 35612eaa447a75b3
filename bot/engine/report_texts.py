"""The report's lists: quotes, "you said, we did, because", commitments, polls, conversations, contact persons.

Every text that goes into a report is scrubbed again here (``bot.engine.scrub.scrub``), even though it was
scrubbed when it was written: the scrubber may have learnt more since. Quotes are public texts of published
stories only, never the author's own words or first name, and only from themes with at least 5 published stories
in the period. Poll results follow the bot's own rule (no results under ``polls.min_results`` voters, never under
5), conversations show only groups of at least 5. Facts about the municipality's own work (commitments, contact
persons' terms) are not about residents and are shown as they are; contact persons appear by role, not by name.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from bot.config import Config
from bot.engine import deliberation_snapshot
from bot.engine.feedback import REOPENED_BY
from bot.engine.report_model import Figure, Report
from bot.engine.report_privacy import FEWER, MIN_COUNT, CountSet, protect
from bot.engine.scrub import scrub
from bot.store import report as repo
from bot.store.report import Periods, Reader

QUOTES_PER_THEME = 2
QUOTE_LENGTH = 300


@dataclass(frozen=True)
class Quote:
    theme: str
    text: str
    language: str


@dataclass(frozen=True)
class SaidDid:
    reference: str
    neighbourhood: str
    themes: tuple[str, ...]  # the themes residents wrote about ("you said")
    stories: int | None  # how many linked stories (None: fewer than 5)
    status: str
    what: str
    because: str


@dataclass(frozen=True)
class Commitment:
    reference: str
    neighbourhood: str
    theme: str
    what: str
    due: date
    state: str  # kept, late or open
    themes: tuple[str, ...] = ()  # the themes of the stories it answers, and its own theme


@dataclass(frozen=True)
class PollResult:
    reference: str
    question: str
    closed: date
    youth: bool
    voters: int | None  # None: too few voters, no results shown
    options: tuple[tuple[str, int | None, str], ...]  # label, votes (None: hidden), why hidden


@dataclass(frozen=True)
class Deliberation:
    reference: str
    neighbourhood: str
    question: str
    participants: int | None
    common_ground: tuple[str, ...]
    divisive: tuple[str, ...]
    groups: tuple[int | None, ...]  # sizes of the groups shown (each at least 5; None: hidden, see below)


@dataclass(frozen=True)
class Position:
    neighbourhood: str
    theme: str
    role: str  # of the contact person at the end of the period ("" when vacant)
    organisation: str
    since: date | None
    tenure_days: int | None
    handovers: int  # new terms that followed an earlier one in the period
    vacant_days: int  # days of the period without a contact person


def clean(text: str, limit: int = QUOTE_LENGTH) -> str:
    """Scrubbed again, on one line, at most ``limit`` characters."""
    result = " ".join(scrub(text).text.split())
    return result if len(result) <= limit else result[:limit - 1].rstrip() + "…"


def _day(value: str) -> date:
    return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value[:10])


async def quotes_for(reader: Reader, hoods: list[str], p: Periods) -> list[Quote]:
    """A few published stories per theme, so that every theme with enough published stories is heard."""
    return [Quote(str(row["theme"]), clean(str(row["text_public"])), str(row["language"]))
            for row in await repo.quotes(reader, hoods, p, QUOTES_PER_THEME) if int(row["published"]) >= MIN_COUNT]


async def commitments_and_lines(reader: Reader, hoods: list[str], p: Periods,
                                report: Report) -> tuple[list[SaidDid], list[Commitment]]:
    rows = await repo.feedback_items(reader, hoods, p, REOPENED_BY)
    themes: dict[str, list[str]] = defaultdict(list)
    for row in await repo.linked_themes(reader, [str(r["reference"]) for r in rows]):
        themes[str(row["reference"])].append(str(row["theme"]))
    lines: list[SaidDid] = []
    commitments: list[Commitment] = []
    for row in rows:
        reference = str(row["reference"])
        said = tuple(sorted(set(themes[reference]) | ({str(row["theme"])} if row["theme"] else set())))
        if p.start <= str(row["updated_at"]) and str(row["created_at"]) < p.end:
            stories = int(row["stories"])
            lines.append(SaidDid(reference, str(row["neighbourhood_id"]), said,
                                 stories if stories >= MIN_COUNT else None, str(row["status"]),
                                 clean(str(row["what"]), 500), clean(str(row["because"]), 500)))
        if row["commitment_date"]:
            due = str(row["commitment_date"])
            closed = row["first_closed"]  # reopened after an unhappy answer: the promise was still kept or late
            done = closed is not None
            if done and str(closed) <= due:
                state = "kept"
            elif done or due < min(p.end, report.generated):
                state = "late"
            else:
                state = "open"
            commitments.append(Commitment(reference, str(row["neighbourhood_id"]), str(row["theme"] or ""),
                                          clean(str(row["what"]), 500), _day(due), state, said))
    for state in ("kept", "late", "open"):
        for hood in [h for h, _ in report.neighbourhoods]:
            report.add(Figure("commitments", state, hood, "", "current", "",
                              sum(1 for c in commitments if c.state == state and c.neighbourhood == hood)))
    return lines, commitments


async def poll_results(reader: Reader, config: Config, hoods: list[str], p: Periods,
                       report: Report) -> list[PollResult]:
    minimum = max(MIN_COUNT, config.polls.min_results)
    results = []
    for poll in await repo.polls_closed(reader, hoods, p):
        options, voters = await repo.poll_tally(reader, int(poll["id"]))
        youth = poll["youth_min"] is not None
        reference = str(poll["reference"])
        if voters < minimum:
            results.append(PollResult(reference, clean(str(poll["question"])), _day(str(poll["closed_at"])), youth,
                                      None, ()))
            report.add(Figure("polls", "voters", "", reference, "current", "", None, FEWER))
            continue
        counts = {str(o["number"]): int(o["n"]) for o in options}
        sets = [CountSet(tuple(counts), "voters")] if int(poll["max_selections"]) == 1 else []
        hidden = protect({**counts, "voters": voters}, sets)
        shown = tuple((clean(str(o["label"]), 120), None if str(o["number"]) in hidden else int(o["n"]),
                       hidden.get(str(o["number"]), "")) for o in options)
        results.append(PollResult(reference, clean(str(poll["question"])), _day(str(poll["closed_at"])), youth,
                                  voters, shown))
        report.add(Figure("polls", "voters", "", reference, "current", "", voters))
        for label, votes, why in shown:
            report.add(Figure("polls", "votes", "", reference, "current", label, votes, why))
    return results


async def deliberation_results(reader: Reader, hoods: list[str], p: Periods, report: Report) -> list[Deliberation]:
    found = []
    for row in await repo.deliberations(reader, hoods, p):
        snapshot = deliberation_snapshot.loads(row["snapshot"])
        participants = snapshot.participants if snapshot else 0
        board = snapshot.overview if snapshot else deliberation_snapshot.EMPTY_OVERVIEW
        enough = participants >= MIN_COUNT
        ids = [*board.common_ground, *board.divisive] if enough else []
        texts = await repo.statement_texts(reader, ids) if ids else {}
        reference = str(row["reference"])
        sizes = {str(n): g.size for n, g in enumerate(board.groups, 1) if g.size >= MIN_COUNT} if enough else {}
        # the participants outside the groups shown (too small a group, too few votes) are a part of the same
        # set: when they are fewer than 5, a group's size is hidden too, so subtraction tells nothing
        others = participants - sum(sizes.values())
        hidden = protect({**sizes, "others": others, "all": participants},
                         [CountSet((*sizes, "others"), "all")]) if sizes else {}
        groups = tuple(None if n in hidden else size for n, size in sizes.items())
        found.append(Deliberation(reference, str(row["neighbourhood_id"]), clean(str(row["question"])),
                                  participants if enough else None,
                                  tuple(clean(texts[s]) for s in board.common_ground if s in texts),
                                  tuple(clean(texts[s]) for s in board.divisive if s in texts), groups))
        report.add(Figure("deliberations", "participants", str(row["neighbourhood_id"]), reference, "current", "",
                          participants if enough else None, "" if enough else FEWER))
        for number, size in sizes.items():
            report.add(Figure("deliberations", "group_size", str(row["neighbourhood_id"]), reference, "current",
                              number, None if number in hidden else size, hidden.get(number, "")))
    return found


async def contact_positions(reader: Reader, hoods: list[str], p: Periods, report: Report) -> list[Position]:
    """Per position: who holds it at the end of the period (by role), since when, handovers and vacant days."""
    first, last = report.start, report.end
    terms: dict[tuple[str, str], list[tuple[date, date | None, str, str]]] = defaultdict(list)
    for row in await repo.contact_terms(reader, hoods):
        terms[(str(row["neighbourhood_id"]), str(row["theme"]))].append(
            (_day(str(row["started_on"])), _day(str(row["ended_on"])) if row["ended_on"] else None,
             str(row["role"]), str(row["organisation"])))
    positions = []
    for (hood, theme), spans in sorted(terms.items()):
        if all(start > last for start, _, _, _ in spans):
            continue
        holder = next((s for s in reversed(spans) if s[0] <= last and (s[1] is None or s[1] > last)), None)
        handovers = sum(1 for i, s in enumerate(spans) if i > 0 and first <= s[0] <= last)
        covered = set()
        for start, end, _, _ in spans:
            day = max(start, first)
            stop = min(end or last, last) if end is None else min(end, last)
            while day <= stop and (end is None or day < end):
                covered.add(day)
                day = day.fromordinal(day.toordinal() + 1)
        vacant = (last - first).days + 1 - len(covered)
        position = Position(hood, theme, holder[2] if holder else "", holder[3] if holder else "",
                            holder[0] if holder else None, (last - holder[0]).days if holder else None,
                            handovers, vacant)
        positions.append(position)
        for measure, value in (("tenure_days", position.tenure_days), ("handovers", handovers),
                               ("vacant_days", vacant)):
            report.add(Figure("contacts", measure, hood, theme, "current", "", value))
    return positions

