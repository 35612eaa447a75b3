"""The report's section on professionals (issue 20): their observations and the early signals of the period.
A section of its own, after what residents said and never mixed with it; observations are shown as scrubbed,
labelled with the role only (text about an individual was refused when it was recorded), at most
``OBSERVATIONS_PER_THEME`` a theme, each cut like residents' quotes."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.report_document import Block, Heading, Items, Paragraph, Table, theme_name
from bot.engine.report_model import Report
from bot.engine.report_texts import clean
from bot.engine.signals import SOURCE_NAMES
from bot.i18n import Translator
from bot.store import report as repo
from bot.store.report import Periods, Reader

OBSERVATIONS_PER_THEME = 3


@dataclass(frozen=True)
class ObservationLine:
    neighbourhood: str
    theme: str
    role: str
    text: str


@dataclass(frozen=True)
class SignalLine:
    reference: str
    neighbourhood: str
    theme: str
    source: str
    count: int
    expected: float
    acknowledged: bool


async def load(reader: Reader, hoods: list[str], p: Periods, report: Report) -> None:
    shown: dict[str, int] = {}
    for row in await repo.observations(reader, hoods, p):
        theme = str(row["theme"])
        shown[theme] = shown.get(theme, 0) + 1
        if shown[theme] <= OBSERVATIONS_PER_THEME:
            report.observations.append(ObservationLine(str(row["neighbourhood_id"]), theme, str(row["role"]),
                                                       clean(str(row["text_public"]))))
    report.observation_counts = shown
    report.signals = [SignalLine(str(row["reference"]), str(row["neighbourhood_id"]), str(row["theme"]),
                                 str(row["source"]), int(row["window_count"]), float(row["expected"]),
                                 row["acked_at"] is not None) for row in await repo.signals(reader, hoods, p)]


def section(report: Report, t: Translator) -> list[Block]:
    blocks: list[Block] = [Heading(2, t._("What professionals in the neighbourhood notice")),
                           Paragraph(t._("Observations of professionals (the neighbourhood police officer, the "
                                         "district nurse, youth workers) about patterns, not people; kept apart "
                                         "from what residents said."))]
    if not report.observation_counts:
        blocks.append(Paragraph(t._("No observations in this period.")))
    else:
        blocks.append(Table(t._("Observations per theme"), (t._("Theme"), t._("Observations")), tuple(
            (theme_name(t, theme), t.number(n)) for theme, n in sorted(report.observation_counts.items()))))
        names = dict(report.neighbourhoods)
        blocks.append(Items(tuple(t._("{theme}, {role} ({neighbourhood}): {text}", theme=theme_name(t, o.theme),
                                      role=o.role, neighbourhood=names.get(o.neighbourhood, o.neighbourhood),
                                      text=o.text) for o in report.observations)))
    blocks.append(Heading(2, t._("Early signals")))
    if not report.signals:
        return [*blocks, Paragraph(t._("No early signals in this period."))]
    names = dict(report.neighbourhoods)
    blocks.append(Table(t._("Early signals: a rise in two weeks that chance hardly explains"),
                        (t._("Signal"), t._("Neighbourhood"), t._("Theme"), t._("What rose"), t._("In two weeks"),
                         t._("Expected"), t._("Acknowledged")),
                        tuple((s.reference, names.get(s.neighbourhood, s.neighbourhood), theme_name(t, s.theme),
                               t._(SOURCE_NAMES[s.source]), t.number(s.count), t.number(s.expected),
                               t._("yes") if s.acknowledged else t._("no")) for s in report.signals)))
    return blocks
