"""The report as a PDF, made in Python alone: fpdf2 with the Noto Sans fonts that pip installs (SIL Open Font
License, packages ``fontpkg-noto-sans`` and ``fontpkg-noto-sans-arabic``) and HarfBuzz's Python wheel
(``uharfbuzz``) to join Arabic letters and set them right to left. No system library or font is needed.

The PDF holds the same blocks as the HTML: the summary and every table; a chart appears as its table. Lines
are broken here, word by word, and written with single-line cells: fpdf2's own ``multi_cell`` measures a line
again for every character it adds, which made a year's report of a big municipality take 40 s instead of 2.
Text shaping (slow, needed only for Arabic) is switched on just for text with Arabic letters.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import fontpkg_noto_sans
import fontpkg_noto_sans_arabic
from fpdf import FPDF

from bot.engine.report_document import Chart, Document, Heading, Items, Paragraph, QuoteBlock, Table

SIZES = {1: 18, 2: 14, 3: 12}
TEXT, SMALL = 10, 8
RTL = ("ar",)
ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
logging.getLogger("fontTools").setLevel(logging.WARNING)  # it tells every glyph it subsets at INFO


def _fonts(pdf: FPDF) -> None:
    """Noto Sans at its default weight (the variable fonts' other weights take seconds to instance; headings
    differ by size instead), Noto Sans Arabic for any Arabic letter."""
    latin = Path(fontpkg_noto_sans.__file__).parent / "files" / "NotoSans[wdth,wght].ttf"
    arabic = Path(fontpkg_noto_sans_arabic.__file__).parent / "files" / "NotoSansArabic[wdth,wght].ttf"
    pdf.add_font("Noto", "", str(latin))
    pdf.add_font("NotoArabic", "", str(arabic))


class _Writer:
    def __init__(self, doc: Document) -> None:
        self.pdf = pdf = FPDF(format="A4")
        pdf.set_title(doc.title)
        pdf.set_lang(doc.language)
        pdf.set_auto_page_break(False)
        _fonts(pdf)
        pdf.add_page()
        self.bottom = pdf.h - 15
        self.rtl = doc.language in RTL  # an Arabic report: right-aligned text, tables from right to left
        self.align = "R" if self.rtl else "L"

    def font(self, size: float) -> None:
        self.pdf.set_font("Noto", "", size)

    def cell(self, width: float, height: float, text: str, size: float, align: str) -> None:
        """One line (in the font the table set); Arabic letters with the Arabic font, joined and set right to left
        by HarfBuzz."""
        if not ARABIC.search(text):
            self.pdf.cell(width, height, text, align=align)
            return
        self.pdf.set_font("NotoArabic", "", size)
        self.pdf.set_text_shaping(True)
        self.pdf.cell(width, height, text, align=align)
        self.pdf.set_text_shaping(False)
        self.font(size)

    def lines(self, text: str, width: float) -> list[str]:
        """``text`` broken into lines of at most ``width`` mm (a word longer than that stands alone)."""
        measure, found, line = self.pdf.get_string_width, [], ""
        space = measure(" ")
        used = 0.0
        for word in text.split():
            size = measure(word)
            if line and used + space + size > width:
                found.append(line)
                line, used = word, size
            else:
                line, used = (f"{line} {word}" if line else word), used + (space if line else 0) + size
        return [*found, line] if line or not found else found

    def _measured(self, value: str, width: float) -> list[str]:
        if not ARABIC.search(value):
            return self.lines(value, width)
        self.pdf.set_font("NotoArabic", "", SMALL)
        found = self.lines(value, width)
        self.font(SMALL)
        return found

    def room(self, height: float) -> None:
        if self.pdf.get_y() + height > self.bottom:
            self.pdf.add_page()

    def text(self, text: str, size: float, height: float, indent: float = 0.0, align: str | None = None) -> None:
        pdf = self.pdf
        self.font(size)
        arabic = bool(ARABIC.search(text))
        if arabic:
            pdf.set_font("NotoArabic", "", size)
            pdf.set_text_shaping(True)
        for line in self.lines(text, pdf.epw - indent):
            self.room(height)
            pdf.set_x(pdf.l_margin + indent)
            pdf.cell(pdf.epw - indent, height, line, align=align or self.align, new_x="LMARGIN", new_y="NEXT")
        if arabic:
            pdf.set_text_shaping(False)

    def table(self, table: Table) -> None:
        pdf = self.pdf
        self.room(6 + 4 * 4.2 + 2)  # the caption, the header and a row or two stay together
        self.text(table.caption, TEXT, 6)
        self.font(SMALL)
        columns = len(table.headers)
        first = min(pdf.epw * 0.4, max(pdf.epw / columns, 35.0)) if columns > 1 else pdf.epw
        widths = [first] + [(pdf.epw - first) / (columns - 1)] * (columns - 1) if columns > 1 else [first]
        self._row(table.headers, widths, header=True)
        for row in table.rows:
            if self._row(row, widths, header=False):
                self._row(table.headers, widths, header=True)  # a new page repeats the header
                self._row(row, widths, header=False)

    def _row(self, row: tuple[str, ...], widths: list[float], header: bool) -> bool:
        """Writes the row; True (and nothing written) when it had to go to a new page first."""
        pdf, height = self.pdf, 4.2
        self.font(SMALL)
        cells = [self._measured(value, width - 2) for value, width in zip(row, widths, strict=False)]
        total = max(len(lines) for lines in cells) * height + 1
        if pdf.get_y() + total > self.bottom and not header:
            pdf.add_page()
            return True
        top, x = pdf.get_y(), pdf.l_margin
        columns = list(zip(cells, widths, strict=False))
        for lines, width in reversed(columns) if self.rtl else columns:  # right to left: the first column right
            pdf.set_fill_color(232, 238, 245)
            pdf.rect(x, top, width, total, style="DF" if header else "D")
            for number, line in enumerate(lines):
                pdf.set_xy(x + 1, top + 0.5 + number * height)
                self.cell(width - 2, height, line, SMALL, self.align)
            x += width
        self.font(SMALL)
        pdf.set_xy(pdf.l_margin, top + total)
        return False


def render(doc: Document) -> bytes:
    writer = _Writer(doc)
    for block in doc.blocks:
        if isinstance(block, Heading):
            writer.pdf.ln(2)
            writer.room(20)
            writer.text(block.text, SIZES.get(block.level, 11), 8)
        elif isinstance(block, Paragraph):
            writer.text(block.text, TEXT, 5.5)
        elif isinstance(block, Items):
            for item in block.items:
                writer.text(f"• {item}", TEXT, 5.5)
        elif isinstance(block, QuoteBlock):
            writer.text(f"“{block.text}” ({block.theme})", TEXT, 5.5, indent=5,
                        align="R" if block.language == "ar" else "L")
        else:
            writer.table(block if isinstance(block, Table) else _as_table(block))
        writer.pdf.ln(1)
    return bytes(writer.pdf.output())


def _as_table(chart: Chart) -> Table:
    return Table(chart.title, ("", *chart.series), tuple((bar.label, *bar.texts) for bar in chart.bars))
