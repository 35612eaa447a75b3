"""The report back: one call makes the HTML, CSV, JSON and PDF of a period for some neighbourhoods.

Used by ``wijkbot report`` (bot/cli.py), ``!report`` in a moderation room (handlers/report_rooms.py) and the
monthly report (the scheduler). The figures are read from a read-only snapshot of the database (see
``bot/store/report.py``), so a report never holds up the bot; the PDF is made in a worker thread.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.config import Config
from bot.engine import report_data, report_figures, report_html, report_pdf, report_sections
from bot.engine.report_model import Report
from bot.errors import UserError
from bot.i18n import Translator
from bot.store.report import Reader


@dataclass(frozen=True)
class Files:
    report: Report
    html: str
    csv: str
    json: str
    pdf: bytes

    def write(self, folder: Path, stem: str) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for suffix, content in (("html", self.html), ("csv", self.csv), ("json", self.json), ("pdf", self.pdf)):
            path = folder / f"{stem}.{suffix}"
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            paths.append(path)
        return paths


def file_stem(hoods: list[str], start: date, end: date) -> str:
    return f"wijkbot-report-{'-'.join(hoods)}-{start.isoformat()}-{end.isoformat()}"


def previous_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


async def make(config: Config, database: Path | str, hoods: list[str], start: date, end: date, language: str,
               now: datetime) -> Files:
    """The report for ``start``..``end`` (local dates, both included)."""
    unknown = [h for h in hoods if config.neighbourhood(h) is None]
    if unknown:
        raise UserError("Unknown neighbourhood: {ids}. Choose from: {known}.", ids=", ".join(unknown),
                        known=", ".join(n.id for n in config.neighbourhoods))
    if end < start:
        raise UserError("The end date {end} is before the start date {start}.", start=start.isoformat(),
                        end=end.isoformat())
    async with Reader.open(database) as reader:
        report = await report_figures.build(reader, config, hoods, start, end, language, now)
    doc = report_sections.build(report, Translator(language, config.timezone))
    pdf = await asyncio.to_thread(report_pdf.render, doc)
    return Files(report, report_html.render(doc), report_data.to_csv(report), report_data.to_json(report), pdf)
