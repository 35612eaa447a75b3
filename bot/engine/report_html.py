"""The report as one self-contained HTML file: no scripts, no fonts or images from elsewhere, charts inline as SVG.

For everyone: real headings and data tables (``<caption>``, ``<th scope>``) that a screen reader follows; each
chart is an ``<svg role="img">`` with a title and a description, and its numbers are in the table beside it;
the two periods differ by pattern (solid or hatched) and by label, not by colour alone, so they survive
greyscale printing and colour blindness; quotes carry their language and direction (Arabic right to left); a
print stylesheet keeps tables and charts whole on paper.
"""

from __future__ import annotations

from html import escape

from bot.engine.report_document import Bar, Block, Chart, Document, Heading, Items, Paragraph, QuoteBlock, Table

RTL = {"ar"}
STYLE = """
:root { color: #111; background: #fff; font-family: system-ui, sans-serif; line-height: 1.5; }
body { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem; }
h1 { font-size: 1.8rem; } h2 { font-size: 1.4rem; border-bottom: 2px solid #1f4e79; margin-top: 2rem; }
h3 { font-size: 1.15rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; width: 100%; }
caption { text-align: start; font-weight: 600; padding: 0.25rem 0; }
th, td { border: 1px solid #666; padding: 0.3rem 0.5rem; text-align: start; vertical-align: top; }
td.n { text-align: end; font-variant-numeric: tabular-nums; }
thead th { background: #e8eef5; }
blockquote { border-inline-start: 4px solid #1f4e79; margin: 0.75rem 0; padding: 0.25rem 1rem; }
blockquote footer { font-size: 0.9rem; color: #333; }
figure { margin: 1rem 0; } figcaption { font-weight: 600; }
figure svg { direction: ltr; }
svg text { font-family: system-ui, sans-serif; font-size: 13px; fill: #111; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-before: auto; break-after: avoid; } h3 { break-after: avoid; }
  table, figure, blockquote { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
"""
ROW, LABEL, TRACK, PAD = 22, 230, 360, 8


def render(doc: Document) -> str:
    direction = "rtl" if doc.language in RTL else "ltr"
    body = "\n".join(_block(block, index, direction == "rtl") for index, block in enumerate(doc.blocks))
    return (f'<!DOCTYPE html>\n<html lang="{escape(doc.language)}" dir="{direction}">\n<head>\n'
            f'<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(doc.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n"
            "</main>\n</body>\n</html>\n")


def _block(block: Block, index: int, rtl: bool = False) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{escape(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f"<p>{escape(block.text)}</p>"
    if isinstance(block, Items):
        return "<ul>" + "".join(f"<li><bdi>{escape(item)}</bdi></li>" for item in block.items) + "</ul>"
    if isinstance(block, QuoteBlock):
        direction = "rtl" if block.language in RTL else "ltr"
        return (f'<blockquote><p lang="{escape(block.language)}" dir="{direction}"><bdi>{escape(block.text)}'
                f"</bdi></p><footer>{escape(block.theme)}</footer></blockquote>")
    if isinstance(block, Table):
        return _table(block)
    return _chart(block, index, rtl)


def _table(table: Table) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in table.headers)
    rows = []
    for row in table.rows:
        first, *rest = row
        cells = "".join(f'<td class="n">{escape(c)}</td>' if _numeric(c) else f"<td><bdi>{escape(c)}</bdi></td>"
                        for c in rest)
        rows.append(f'<tr><th scope="row"><bdi>{escape(first)}</bdi></th>{cells}</tr>')
    return (f"<table><caption>{escape(table.caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _numeric(text: str) -> bool:
    return bool(text) and text.replace(".", "").replace(",", "").replace("\u00a0", "").strip().isdigit()


class _Place:
    """x positions in a chart, mirrored for a right-to-left page (labels on the right, bars growing leftwards)."""

    def __init__(self, width: int, rtl: bool) -> None:
        self.width, self.rtl = width, rtl

    def rect(self, x: int, y: int, width: int, height: int, fill: str) -> str:
        left = self.width - x - width if self.rtl else x
        return f'<rect x="{left}" y="{y}" width="{width}" height="{height}" fill="{fill}" stroke="#111"/>'

    def text(self, x: int, y: int, text: str) -> str:
        if self.rtl:
            return f'<text x="{self.width - x}" y="{y}" text-anchor="end">{escape(text)}</text>'
        return f'<text x="{x}" y="{y}">{escape(text)}</text>'


def _chart(chart: Chart, index: int, rtl: bool = False) -> str:
    """Horizontal bars, one row per label and series; series 1 solid, series 2 hatched, each value written out."""
    top = ROW * (len(chart.series) + 1)
    height = top + len(chart.bars) * (ROW * len(chart.series) + PAD) + PAD
    width = LABEL + TRACK + 160
    place = _Place(width, rtl)
    peak = max((v for bar in chart.bars for v in bar.values if v is not None), default=0) or 1
    ident = f"chart{index}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{ident}-t {ident}-d" '
             f'viewBox="0 0 {width} {height}" width="100%" direction="ltr">',
             f'<title id="{ident}-t">{escape(chart.title)}</title>',
             f'<desc id="{ident}-d">{escape(chart.description)}</desc>',
             f'<defs><pattern id="{ident}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
             'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
             '<rect width="3" height="6" fill="#8a4b00"/></pattern></defs>']
    fills = ("#1f4e79", f"url(#{ident}-hatch)")
    for number, name in enumerate(chart.series):
        y = ROW * number + 4
        parts.append(place.rect(0, y, 28, 14, fills[number % 2]) + place.text(36, y + 12, name))
    for row, bar in enumerate(chart.bars):
        y = top + row * (ROW * len(chart.series) + PAD)
        parts.append(place.text(0, y + 15, _short(bar.label)))
        parts += _bars(bar, y, peak, fills, place)
    parts.append("</svg>")
    return (f'<figure><figcaption>{escape(chart.title)}</figcaption>{"".join(parts)}</figure>')


def _bars(bar: Bar, y: int, peak: float, fills: tuple[str, ...], place: _Place) -> list[str]:
    parts = []
    for number, (value, text) in enumerate(zip(bar.values, bar.texts, strict=True)):
        top = y + number * ROW
        length = 0 if value is None else max(2, round(TRACK * value / peak))
        if length:
            parts.append(place.rect(LABEL, top + 2, length, 16, fills[number % 2]))
        parts.append(place.text(LABEL + length + 6, top + 15, text))
    return parts


def _short(label: str) -> str:
    return label if len(label) <= 30 else label[:29] + "…"
