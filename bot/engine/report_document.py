"""The report as a document: headings, a B1 summary, tables, charts and quotes, in the reader's language.

HTML (``report_html.py``) and PDF (``report_pdf.py``) render the same blocks, so both hold the same summary and
tables; every chart is also a table (its text alternative says what it shows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.channels import conventions
from bot.engine.report_model import ALL, Figure
from bot.engine.report_privacy import AT_LEAST, COMPLEMENT
from bot.engine.themes import THEMES
from bot.i18n import N_, Translator


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Items:
    items: tuple[str, ...]


@dataclass(frozen=True)
class QuoteBlock:
    text: str
    language: str
    theme: str


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # the first cell of a row is its header


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[float | None, ...]  # one per series; None: not shown
    texts: tuple[str, ...]  # the values as written in the table


@dataclass(frozen=True)
class Chart:
    title: str
    description: str  # the text alternative
    series: tuple[str, ...]
    bars: tuple[Bar, ...]


Block = Heading | Paragraph | Items | QuoteBlock | Table | Chart


@dataclass
class Document:
    title: str
    language: str
    blocks: list[Block] = field(default_factory=list)


MEASURES = {
    "received": N_("Received"), "published": N_("Published"), "rejected": N_("Not published"),
    "waiting": N_("Waiting for a decision"), "with_feedback": N_("With feedback"),
    "without_feedback": N_("Without feedback"), "share_with_feedback": N_("Share with feedback (%)"),
    "median_days": N_("Days to first feedback (median)"), "p90_days": N_("Days to first feedback (9 in 10 within)"),
    "yes": N_("Felt heard: yes"), "partly": N_("Felt heard: partly"), "no": N_("Felt heard: no"),
}
STATES = {"kept": N_("kept"), "late": N_("late"), "open": N_("open")}
FEEDBACK_STATUS = {"received": N_("received"), "in_progress": N_("in progress"), "done": N_("done"),
                   "not_done": N_("not done")}
CHANNELS = conventions.DISPLAY_NAMES
LANGUAGES = {"nl": "Nederlands", "en": "English", "tr": "Türkçe", "ar": "العربية", "pl": "Polski"}


def cell(t: Translator, figure: Figure | None) -> str:
    """A figure as written in a table: the number, "fewer than 5", or why it is hidden."""
    if figure is None:
        return "–"
    if figure.value is None:
        return t._("not shown") if figure.hidden == COMPLEMENT else t._("fewer than 5")
    if figure.hidden == AT_LEAST:
        return t._("at least {number}", number=t.number(figure.value))
    return t.number(figure.value)


def theme_name(t: Translator, theme: str) -> str:
    if theme == ALL:
        return t._("All themes")
    if theme == "general":
        return t._("The neighbourhood in general")
    return t._(THEMES.get(theme, theme))
