"""A poll's result as a PNG bar chart (Pillow). The picture holds only the question, the options and numbers, no
translated words, so one image serves every language; the words are in the alt text and the message beside it.
"""

from __future__ import annotations

import io
import textwrap

from PIL import Image, ImageDraw, ImageFont

WIDTH, MARGIN, ROW = 800, 28, 70
BACKGROUND, INK, BAR, TRACK = (255, 255, 255), (20, 20, 20), (31, 78, 121), (225, 230, 236)  # WCAG AA contrasts


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
         width: int) -> str:
    """Shorten ``text`` with an ellipsis until it fits in ``width`` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def render(question: str, rows: list[tuple[str, int, int]], voters: int) -> bytes:
    """``rows``: (option, votes, percent). Returns PNG bytes."""
    title_font, label_font, small = _font(26), _font(20), _font(18)
    title_lines = textwrap.wrap(question, width=52)[:3] or [question]
    top = MARGIN + 34 * len(title_lines) + 12
    height = top + ROW * len(rows) + 40 + MARGIN
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(title_lines):
        draw.text((MARGIN, MARGIN + 34 * index), line, font=title_font, fill=INK)
    track = WIDTH - 2 * MARGIN - 150
    for index, (label, votes, percent) in enumerate(rows):
        y = top + ROW * index
        draw.text((MARGIN, y), _fit(draw, label, label_font, WIDTH - 2 * MARGIN), font=label_font, fill=INK)
        bar_top = y + 28
        draw.rectangle((MARGIN, bar_top, MARGIN + track, bar_top + 26), fill=TRACK)
        if percent > 0:
            draw.rectangle((MARGIN, bar_top, MARGIN + max(3, round(track * percent / 100)), bar_top + 26), fill=BAR)
        draw.text((MARGIN + track + 12, bar_top + 2), f"{votes} ({percent}%)", font=label_font, fill=INK)
    draw.text((MARGIN, height - MARGIN - 22), f"n = {voters}", font=small, fill=INK)
    buffer = io.BytesIO()
    image.quantize(colors=16).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
