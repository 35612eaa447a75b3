"""QR codes for posters: `wijkbot qr --neighbourhood ID` writes wijkbot-<id>.png and wijkbot-<id>.svg.

With ``--channel whatsapp`` the code holds ``https://wa.me/<number>?text=start%20<id>`` (``whatsapp.phone_number``):
scanning it opens a chat with the municipality's number and the start phrase ready to send. Otherwise each code
holds the deep link ``https://t.me/<bot>?start=<neighbourhood id>``: scanning it opens the bot in
Telegram, and pressing Start begins onboarding with that neighbourhood already chosen. The bot's username comes
from ``telegram.bot_username``, or is asked from Telegram (getMe) through the Telegram channel.
"""

from __future__ import annotations

import re
from pathlib import Path

import qrcode
import qrcode.image.svg

from bot.channels.layout import deep_link
from bot.config import Config

BOX_PIXELS = 16  # PNG pixels per QR module: about 600 px for a short link, sharp enough for an A4 poster
BORDER = 4  # modules of white around the code (the standard's quiet zone)
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")


class QrError(Exception):
    """Something the operator must fix; the message says what."""


async def bot_username(config: Config) -> str:
    telegram = config.telegram
    if telegram is None:
        raise QrError("QR codes link to the Telegram bot, but the configuration has no [telegram] section")
    username = telegram.bot_username
    if not username:
        from bot.channels.telegram import TelegramChannel
        from bot.channels.telegram.settings import TelegramUnavailable

        try:
            username = await TelegramChannel(config, {}).fetch_username()
        except TelegramUnavailable as exc:
            raise QrError(f"{exc}; set telegram.bot_username in the configuration to make codes offline") from exc
    username = username.lstrip("@")
    if not _USERNAME.match(username):
        raise QrError(f"{username!r} is not a Telegram bot username")
    return username


def whatsapp_link(config: Config, neighbourhood_id: str) -> str:
    from bot.channels.whatsapp.links import wa_me

    if config.whatsapp is None or not config.whatsapp.phone_number:
        raise QrError("QR codes for WhatsApp need whatsapp.phone_number (the business number, e.g. +31201234567)")
    return wa_me(config.whatsapp.phone_number, neighbourhood_id)


def write_codes(url: str, stem: str, directory: Path) -> tuple[Path, Path]:
    """Write ``<stem>.png`` and ``<stem>.svg`` holding ``url``; returns their paths."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=BOX_PIXELS, border=BORDER)
    code.add_data(url)
    code.make(fit=True)
    directory.mkdir(parents=True, exist_ok=True)
    png, svg = directory / f"{stem}.png", directory / f"{stem}.svg"
    code.make_image(fill_color="black", back_color="white").save(png)
    code.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(svg)
    return png, svg


async def make_codes(config: Config, neighbourhood_id: str, directory: Path,
                     channel: str = "telegram") -> tuple[str, Path, Path]:
    """(deep link, PNG path, SVG path) for one neighbourhood; QrError for an unknown id."""
    hood = config.neighbourhood(neighbourhood_id.strip().lower())
    if hood is None:
        known = ", ".join(n.id for n in config.neighbourhoods)
        raise QrError(f"there is no neighbourhood with id {neighbourhood_id!r}; the configured ids are: {known}")
    if channel == "whatsapp":
        url = whatsapp_link(config, hood.id)
        png, svg = write_codes(url, f"wijkbot-whatsapp-{hood.id}", directory)
        return url, png, svg
    url = deep_link(await bot_username(config), hood.id)
    png, svg = write_codes(url, f"wijkbot-{hood.id}", directory)
    return url, png, svg
