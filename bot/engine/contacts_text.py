"""What contact persons look like in messages: the card residents see, position labels, where the bot reaches them.

Labels are translated per reader; names, roles and organisations are shown as configured. A contact person's
platform handle (Matrix user id, Telegram chat id) is only ever used as an address, never written in a text.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from bot import config_addresses as addresses
from bot.channels.base import Address, Attachment, AttachmentKind
from bot.config import Config
from bot.engine.themes import THEMES
from bot.i18n import Translator
from bot.services import Services
from bot.store.contacts import Contact

PHOTO_LIMIT = 5 * 1024 * 1024
_MIME = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


def today(services: Services) -> str:
    """The local date (ISO): terms start and end on whole days in the municipality's time zone."""
    return services.now().astimezone(services.config.timezone).date().isoformat()


def address(contact: Contact) -> Address | None:
    """Where the bot writes to a contact person (see ``bot/config_addresses.contact``). None: the card is shown,
    but nothing can be relayed."""
    return addresses.contact(contact.matrix_user, contact.telegram_chat)


def translator_for(config: Config, contact: Contact) -> Translator:
    return Translator(contact.language or config.moderation.language, config.timezone)


def neighbourhood_name(config: Config, neighbourhood: str) -> str:
    hood = config.neighbourhood(neighbourhood)
    return hood.name if hood else neighbourhood


def position(t: Translator, config: Config, neighbourhood: str, theme: str) -> str:
    name = neighbourhood_name(config, neighbourhood)
    if not theme:
        return t._("{neighbourhood} (the whole neighbourhood)", neighbourhood=name)
    return t._("{neighbourhood}, theme {theme}", neighbourhood=name, theme=t._(THEMES.get(theme, theme)))


def day(t: Translator, iso: str, fmt: str = "long") -> str:
    return t.date(date.fromisoformat(iso[:10]), fmt)


def card(t: Translator, config: Config, contact: Contact) -> str:
    """A contact person's card in the reader's language."""
    hood = neighbourhood_name(config, contact.neighbourhood_id)
    if contact.theme:
        title = t._("Your contact person for {theme} in {neighbourhood}", neighbourhood=hood,
                    theme=t._(THEMES.get(contact.theme, contact.theme)))
    else:
        title = t._("Your contact person for {neighbourhood}", neighbourhood=hood)
    lines = [title, t._("Name: {name}", name=contact.name), t._("Role: {role}", role=contact.role)]
    if contact.organisation:
        lines.append(t._("Organisation: {organisation}", organisation=contact.organisation))
    if contact.reachable_how:
        lines.append(t._("How to reach: {how}", how=contact.reachable_how))
    if contact.reachable_when:
        lines.append(t._("When: {when}", when=contact.reachable_when))
    lines.append(t._("Contact person here since {date}", date=day(t, contact.started_on)))
    return "\n".join(lines)


async def photo(contact: Contact) -> Attachment | None:
    """The card's photo: a URL is passed on by reference (channels that can fetch it show it), a file is read."""
    if not contact.photo:
        return None
    alt = contact.name
    if contact.photo.startswith(("https://", "http://")):
        return Attachment(AttachmentKind.PHOTO, ref=contact.photo, alt_text=alt)
    path = Path(contact.photo)
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError:
        return None
    if len(data) > PHOTO_LIMIT:
        return None
    return Attachment(AttachmentKind.PHOTO, data=data, filename=path.name, alt_text=alt,
                      mime_type=_MIME.get(path.suffix.lower(), "application/octet-stream"), size=len(data))


def tenure(t: Translator, start: str, end: str) -> str:
    """How long a term lasted (or lasts): in years and months, or days when shorter than a month."""
    first, last = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    months = (last.year - first.year) * 12 + last.month - first.month - (1 if last.day < first.day else 0)
    if months < 1:
        days = max((last - first).days, 0)
        return t.n_("{n} day", "{n} days", days)
    years, months = divmod(months, 12)
    if years and months:
        return t._("{years} and {months}", years=t.n_("{n} year", "{n} years", years),
                   months=t.n_("{n} month", "{n} months", months))
    if years:
        return t.n_("{n} year", "{n} years", years)
    return t.n_("{n} month", "{n} months", months)
