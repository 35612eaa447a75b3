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

from bot import config_addresses as addresses
from bot.channels.base import Attachment, AttachmentKind, Reply
from bot.config import Config
from bot.engine import outbox, report_data, report_figures, report_html, report_pdf, report_sections
from bot.engine.outbox import Dispatcher
from bot.engine.report_model import Report
from bot.engine.report_overlap import Ledger
from bot.errors import UserError
from bot.i18n import Translator
from bot.scheduler import Scheduler
from bot.services import Services
from bot.store import report as repo
from bot.store import report_ledger as ledger_repo
from bot.store.db import Database, DatabaseUrl, Tx
from bot.store.report import Reader
from bot.store.report_ledger import Cell


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


async def make(config: Config, database: Path | str | DatabaseUrl, hoods: list[str], start: date, end: date,
               language: str, now: datetime, prepare: bool = True, tx: Tx | None = None,
               db: Database | None = None) -> Files:
    """The report for ``start``..``end`` (local dates, both included), recorded in the ledger of reports made
    (``bot/engine/report_overlap.py``): in ``tx`` (the organiser's turn), in a transaction of ``db`` (the bot's
    database), or else through a connection of its own (``wijkbot report``). ``prepare`` first brings the
    database to this version, as the bot does at start (a missing one is created: its report is empty); the
    running bot has done so already."""
    unknown = [h for h in hoods if config.neighbourhood(h) is None]
    if unknown:
        raise UserError("Unknown neighbourhood: {ids}. Choose from: {known}.", ids=", ".join(unknown),
                        known=", ".join(n.id for n in config.neighbourhoods))
    if end < start:
        raise UserError("The end date {end} is before the start date {start}.", start=start.isoformat(),
                        end=end.isoformat())
    own = Database(database) if tx is None and db is None else None
    if own is not None or prepare:
        opened = own or Database(database)
        await opened.open()
        if own is None:
            await opened.close()
    try:
        for _ in range(ATTEMPTS):
            async with Reader.open(database) as reader:
                seen, rows = await ledger_repo.read(reader, hoods)
                report, recorded = await report_figures.build(reader, config, hoods, start, end, language, now,
                                                              Ledger.from_rows(seen, rows))
            if await _record(tx, db or own, seen, report, hoods, recorded):
                break
        else:  # other reports of these neighbourhoods were being made at the same moments
            raise UserError("Another report of these neighbourhoods was being made at the same time. Please try "
                            "again.")
    finally:
        if own is not None:
            await own.close()
    doc = report_sections.build(report, Translator(language, config.timezone))
    pdf = await asyncio.to_thread(report_pdf.render, doc)
    return Files(report, report_html.render(doc), report_data.to_csv(report), report_data.to_json(report), pdf)


ATTEMPTS = 3


async def _record(tx: Tx | None, db: Database | None, seen: int, report: Report, hoods: list[str],
                  recorded: list[Cell]) -> bool:
    args = (seen, hoods, report.generated, report.start.isoformat(), report.end.isoformat(),
            report.previous_start.isoformat(), recorded)
    if tx is not None:
        return await ledger_repo.record(tx, *args)
    assert db is not None
    async with db.transaction() as own:
        return await ledger_repo.record(own, *args)


def replies(t: Translator, files: Files, hoods: list[str]) -> list[Reply]:
    """The report as two files for a chat: the web page and the PDF."""
    r = files.report
    stem = file_stem(hoods, r.start, r.end)
    text = t._("The report back for {start} to {end}, as a web page and as a PDF. Numbers under 5 are not shown.",
               start=t.date(r.start), end=t.date(r.end))
    return [Reply(text=text, attachment=Attachment(kind=AttachmentKind.FILE, data=files.html.encode(),
                                                   filename=f"{stem}.html", mime_type="text/html")),
            Reply(text=t._("The same report as a PDF."), attachment=Attachment(
                kind=AttachmentKind.FILE, data=files.pdf, filename=f"{stem}.pdf", mime_type="application/pdf"))]


async def send_monthly(services: Services) -> int:
    """Last month's report to every moderation room, through the outbox, from ``report.day`` on; returns how many
    rooms got it now. Runs every morning: a room gets each month's report once (the outbox remembers it), also
    when the bot was down on the day itself."""
    config = services.config
    today = services.now().astimezone(config.timezone).date()
    if not config.report.monthly or today.day < config.report.day:
        return 0
    start, end = previous_month(today)
    language = config.report.language or config.moderation.language
    t = Translator(language, config.timezone)
    rooms: dict[str, list[str]] = {}
    for hood in config.neighbourhoods:
        if hood.moderation_room:
            rooms.setdefault(hood.moderation_room, []).append(hood.id)
    sent = 0
    for room, hoods in rooms.items():
        async with services.db.transaction() as tx:
            if await repo.already_queued(tx, room, start.isoformat()):
                continue
        files = await make(config, config.database, hoods, start, end, language, services.now(), prepare=False,
                           db=services.db)
        async with services.db.transaction() as tx:
            if await repo.already_queued(tx, room, start.isoformat()):
                continue
            for reply in replies(t, files, hoods):
                await outbox.enqueue(tx, services, addresses.room(room), reply, purpose="report",
                                     subject=start.isoformat())
        sent += 1
    return sent


def install(scheduler: Scheduler, dispatcher: Dispatcher, services: Services) -> None:
    """The monthly report, when configured: checked daily, sent from ``report.day`` on."""

    async def job() -> None:
        await send_monthly(services)

    if services.config.report.monthly:
        scheduler.daily("report-monthly", "09:00", job)
