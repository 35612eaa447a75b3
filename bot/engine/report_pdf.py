"""The report as a PDF, made in Python alone: fpdf2 with the Noto Sans fonts that pip installs (SIL Open Font
License, packages ``fontpkg-noto-sans`` and ``fontpkg-noto-sans-arabic``) and HarfBuzz's Python wheel
(``uharfbuzz``) to join Arabic letters and set them right to left. No system library or font is needed.

The PDF holds the same blocks as the HTML: the summary and every table; a chart appears as its table.
"""

from __future__ import annotations

import logging
from pathlib import Path

import fontpkg_noto_sans
import fontpkg_noto_sans_arabic
from fpdf import FPDF
from fpdf.fonts import FontFace

from bot.engine.report_document import Chart, Document, Heading, Items, Paragraph, QuoteBlock, Table

SIZES = {1: 18, 2: 14, 3: 12}
logging.getLogger("fontTools").setLevel(logging.WARNING)  # it tells every glyph it subsets at INFO


def _fonts(pdf: FPDF) -> None:
    """Noto Sans at its default weight (the variable fonts' other weights take seconds to instance; headings
    differ by size instead), Noto Sans Arabic for any Arabic letter."""
    latin = Path(fontpkg_noto_sans.__file__).parent / "files" / "NotoSans[wdth,wght].ttf"
    arabic = Path(fontpkg_noto_sans_arabic.__file__).parent / "files" / "NotoSansArabic[wdth,wght].ttf"
    pdf.add_font("Noto", "", str(latin))
    pdf.add_font("NotoArabic", "", str(arabic))
    pdf.set_fallback_fonts(["NotoArabic"])
    pdf.set_text_shaping(True)


def render(doc: Document) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(doc.title)
    pdf.set_lang(doc.language)
    pdf.set_auto_page_break(True, margin=15)
    _fonts(pdf)
    pdf.add_page()
    width = pdf.epw
    for block in doc.blocks:
        if isinstance(block, Heading):
            pdf.set_font("Noto", "", SIZES.get(block.level, 11))
            pdf.ln(2)
            pdf.multi_cell(width, 8, block.text, new_x="LMARGIN", new_y="NEXT")
        elif isinstance(block, Paragraph):
            pdf.set_font("Noto", "", 10)
            pdf.multi_cell(width, 5.5, block.text, new_x="LMARGIN", new_y="NEXT")
        elif isinstance(block, Items):
            pdf.set_font("Noto", "", 10)
            for item in block.items:
                pdf.multi_cell(width, 5.5, f"• {item}", new_x="LMARGIN", new_y="NEXT")
        elif isinstance(block, QuoteBlock):
            pdf.set_font("Noto", "", 10)
            align = "R" if block.language == "ar" else "L"
            pdf.multi_cell(width, 5.5, f"“{block.text}” ({block.theme})", align=align, new_x="LMARGIN",
                           new_y="NEXT")
        else:
            table = block if isinstance(block, Table) else _as_table(block)
            _table(pdf, table)
        pdf.ln(1)
    return bytes(pdf.output())


def _as_table(chart: Chart) -> Table:
    return Table(chart.title, ("", *chart.series), tuple((bar.label, *bar.texts) for bar in chart.bars))


def _table(pdf: FPDF, table: Table) -> None:
    pdf.set_font("Noto", "", 10)
    pdf.multi_cell(pdf.epw, 6, table.caption, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Noto", "", 8)
    with pdf.table(headings_style=FontFace(fill_color=(232, 238, 245)), line_height=4.5, text_align="LEFT") as grid:
        for row in (table.headers, *table.rows):
            line = grid.row()
            for value in row:
                line.cell(value)
