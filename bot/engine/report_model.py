"""What a report holds: figures (numbers, each maybe hidden) and lists, ready for any renderer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.engine.report_professionals import ObservationLine, SignalLine
    from bot.engine.report_texts import Commitment, Deliberation, PollResult, Position, Quote, SaidDid

PERIODS = ("current", "previous")
ALL = ""  # neighbourhood or theme: all of the selection


@dataclass(frozen=True)
class Figure:
    """One number of the report. ``value`` is None when it is not shown; ``hidden`` says why."""

    section: str
    measure: str
    neighbourhood: str
    theme: str
    period: str
    category: str
    value: int | float | None
    hidden: str = ""


@dataclass
class Report:
    municipality: str
    language: str
    start: date
    end: date  # the last day of the period
    generated: str  # when the report was made (ISO, UTC)
    previous_start: date
    neighbourhoods: list[tuple[str, str]]  # (id, name)
    themes: list[str]  # themes with stories in either period, in the order of THEMES
    figures: list[Figure] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    said_did: list[SaidDid] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    polls: list[PollResult] = field(default_factory=list)
    deliberations: list[Deliberation] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    observations: list[ObservationLine] = field(default_factory=list)  # professionals' (issue 20)
    observation_counts: dict[str, int] = field(default_factory=dict)  # theme -> observations in the period
    signals: list[SignalLine] = field(default_factory=list)
    # (neighbourhood, period, made_at): periods shown with the figures an earlier report published (report_overlap)
    repeated: list[tuple[str, str, str]] = field(default_factory=list)
    _index: dict[tuple[str, str, str, str, str, str], Figure] = field(default_factory=dict, repr=False)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        self._index[(figure.section, figure.measure, figure.neighbourhood, figure.theme, figure.period,
                     figure.category)] = figure

    def get(self, section: str, measure: str, neighbourhood: str = ALL, theme: str = ALL, period: str = "current",
            category: str = "") -> Figure | None:
        return self._index.get((section, measure, neighbourhood, theme, period, category))

    def value(self, *key: str, **named: str) -> int | float | None:
        found = self.get(*key, **named)
        return None if found is None else found.value

    @property
    def several(self) -> bool:
        return len(self.neighbourhoods) > 1


