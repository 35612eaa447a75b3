"""`wijkbot qr`: PNG and SVG codes of a neighbourhood's deep link, written into the current directory."""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import qrcode
from PIL import Image

from bot.cli import main
from bot.qr import BORDER, BOX_PIXELS
from tests.channels.conftest import BOT_USERNAME, TOKEN
from tests.peers.botapi import BotApiEmulator

CONFIG = """
[municipality]
name = "Gemeente Teststad"

[privacy]
controller = "Gemeente Teststad"
contact = "privacy@teststad.nl"
statement_url = "https://teststad.nl/privacy"

[[neighbourhoods]]
id = "centrum"
name = "Centrum"

[[neighbourhoods]]
id = "noord"
name = "Noord"

[telegram]
token = "{token}"
api_base_url = "{api}"
{extra}
"""


def write_config(directory: Path, api: str, extra: str = "") -> Path:
    path = directory / "config.toml"
    path.write_text(CONFIG.format(token=TOKEN, api=api, extra=extra), encoding="utf-8")
    return path


def modules_in_png(path: Path) -> list[list[bool]]:
    """Read the QR modules back from the picture: dark module centres are True."""
    image = Image.open(path).convert("L")
    size = image.width // BOX_PIXELS
    return [[image.getpixel((x * BOX_PIXELS + BOX_PIXELS // 2, y * BOX_PIXELS + BOX_PIXELS // 2)) < 128  # type: ignore[operator]
             for x in range(size)] for y in range(size)]


def modules_in_svg(path: Path) -> list[list[bool]]:
    """Read the QR modules back from the vector file: one square sub-path per dark module."""
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    side = float((root.get("viewBox") or "").split()[2])
    drawn = root.find("{http://www.w3.org/2000/svg}path")
    assert drawn is not None
    corners = [(float(x), float(y)) for x, y in re.findall(r"M([\d.]+),([\d.]+)", drawn.get("d") or "")]
    step = min(b - a for a, b in zip(sorted({x for x, _ in corners}), sorted({x for x, _ in corners})[1:],
                                     strict=False))
    size = round(side / step)
    dark = {(round(x / step), round(y / step)) for x, y in corners}
    return [[(x, y) in dark for x in range(size)] for y in range(size)]


def expected_modules(url: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=BORDER)
    code.add_data(url)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


async def test_qr_asks_the_username_and_writes_png_and_svg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    async with BotApiEmulator(token=TOKEN, username=BOT_USERNAME) as emu:
        config = write_config(tmp_path, emu.base_url)
        monkeypatch.chdir(tmp_path)
        code = await asyncio.to_thread(main, ["qr", "--neighbourhood", "centrum", "--config", str(config)])
        assert code == 0
        assert [c.method for c in emu.calls] == ["getMe"]  # no bot_username in the config: asked from Telegram
    url = f"https://t.me/{BOT_USERNAME}?start=centrum"
    assert url in capsys.readouterr().out
    png, svg = tmp_path / "wijkbot-centrum.png", tmp_path / "wijkbot-centrum.svg"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert modules_in_png(png) == expected_modules(url)  # the picture holds exactly the deep link
    assert modules_in_svg(svg) == expected_modules(url)


def test_qr_with_a_configured_username_needs_no_network(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9/bot", 'bot_username = "@StadWijkBot"')
    out = tmp_path / "posters"
    assert main(["qr", "--neighbourhood", "Noord", "--config", str(config), "--output", str(out)]) == 0
    assert modules_in_png(out / "wijkbot-noord.png") == expected_modules("https://t.me/StadWijkBot?start=noord")


def test_an_unknown_neighbourhood_lists_the_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9/bot", 'bot_username = "StadWijkBot"')
    assert main(["qr", "--neighbourhood", "atlantis", "--config", str(config), "--output", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert "atlantis" in error and "centrum, noord" in error
    assert not list(tmp_path.glob("wijkbot-*"))
