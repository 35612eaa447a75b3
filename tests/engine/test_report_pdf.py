"""The PDF holds the summary and every table of the report, made without any system library."""

from __future__ import annotations

import io
import re
from typing import Any

import pypdf
import pytest
from fpdf import FPDF

from bot.app import App
from bot.clock import ManualClock
from bot.engine import report, report_sections
from bot.engine.report_document import Chart, Paragraph, Table
from bot.i18n import Translator
from tests.engine.report_support import seed
from tests.engine.test_report_figures import END, START


def _flat(text: str) -> str:
    return "".join(text.split())


async def test_the_pdf_text_contains_the_summary_and_every_table(app: App, manual_clock: ManualClock) -> None:
    await seed(app, manual_clock)
    files = await report.make(app.config, app.config.database, ["centrum"], START, END, "nl",
                              manual_clock.now())
    reader = pypdf.PdfReader(io.BytesIO(files.pdf))
    text = _flat("\n".join(page.extract_text() for page in reader.pages))
    doc = report_sections.build(files.report, Translator("nl", app.config.timezone))
    summary = [b.text for b in doc.blocks[2:9] if isinstance(b, Paragraph)]
    assert len(summary) == 3 and "Bewoners" in summary[0]
    for paragraph in summary:
        assert _flat(paragraph) in text
    tables = [b for b in doc.blocks if isinstance(b, Table | Chart)]
    assert len(tables) >= 6  # the chart, stories, feedback, promises, felt heard, taking part
    for table in tables:
        assert _flat(table.caption if isinstance(table, Table) else table.title) in text
        rows = table.rows if isinstance(table, Table) else tuple((bar.label, *bar.texts) for bar in table.bars)
        for row in rows:
            for value in row:
                for word in value.split():
                    assert _flat(word) in text, (table, value)


async def test_an_arabic_pdf_sets_its_tables_in_arabic_letters_from_right_to_left(
        app: App, manual_clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every cell with Arabic text is written in the Arabic font with HarfBuzz shaping (the Latin font has no
    Arabic letters: the cells came out empty), and a table's first column is on the right."""
    await seed(app, manual_clock)
    drawn: list[tuple[str, str, bool, float]] = []
    cell = FPDF.cell

    def recording(pdf: FPDF, w: float | None = None, h: float | None = None, text: str = "", *args: Any,
                  **kwargs: Any) -> Any:
        drawn.append((text, pdf.font_family, pdf.text_shaping is not None, pdf.get_x()))
        return cell(pdf, w, h, text, *args, **kwargs)

    monkeypatch.setattr(FPDF, "cell", recording)
    files = await report.make(app.config, app.config.database, ["centrum"], START, END, "ar",
                              manual_clock.now())
    assert files.pdf.startswith(b"%PDF")
    theme, received = Translator("ar")._("Theme"), Translator("ar")._("Received")
    arabic = [(text, family, shaped) for text, family, shaped, _ in drawn if re.search("[\u0600-\u06ff]", text)]
    assert arabic and all(family == "notoarabic" and shaped for _, family, shaped in arabic)
    x = {text: at for text, _, _, at in drawn}
    assert x[theme] > x[received]  # the theme column (the first) stands right of the counts
