"""Translations with Babel: one catalog per locale, read from locales/<lang>/LC_MESSAGES/messages.po.

Message ids are English with named ``{placeholders}``. The .po files are the source of truth; they are compiled
in memory when first used, so there is no build step and no stale .mo file. Dates and numbers are formatted
per locale with Babel.
"""

from __future__ import annotations

import io
import os
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

DEFAULT_LANGUAGE = "nl"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English", "tr": "Türkçe", "ar": "العربية", "pl": "Polski"}


def locales_dir() -> Path:
    """The catalogs: locales/ beside the package in a checkout, bot/_locales in an installed wheel."""
    override = os.environ.get("WIJKBOT_LOCALES")
    if override:
        return Path(override)
    checkout = Path(__file__).resolve().parent.parent / "locales"
    return checkout if checkout.is_dir() else Path(__file__).resolve().parent / "_locales"


def N_(msgid: str) -> str:
    """Mark a string for extraction; it is translated later, where the person's language is known."""
    return msgid


@cache
def _catalog(language: str) -> NullTranslations:
    po_path = locales_dir() / language / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer)


# English as written in Europe: day before month and the 24-hour clock ("7 Dec 2026, 18:30"), as everywhere else in
# the bot; plain "en" is American English, where 7/12/26 is the 12th of July and 18:30 reads "6:30 PM".
_DATE_LOCALES = {"en": "en_150"}


@cache
def _locale(language: str) -> Locale:
    """Parsing a locale costs more than a whole dialogue turn's SQL; every turn makes a Translator or two."""
    return Locale.parse(_DATE_LOCALES.get(language, language))


class Translator:
    """Everything language-dependent for one person: messages, plurals, dates, numbers."""

    def __init__(self, language: str, timezone: ZoneInfo | None = None) -> None:
        self.language = language if language in LANGUAGE_NAMES else DEFAULT_LANGUAGE
        self.timezone = timezone or ZoneInfo("Europe/Amsterdam")
        self._translations = _catalog(self.language)
        self.locale = _locale(self.language)

    def _(self, msgid: str, **params: Any) -> str:
        text = self._translations.gettext(msgid)
        return text.format(**params) if params else text

    def n_(self, singular: str, plural: str, n: int, **params: Any) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return text.format(n=self.number(n), **params)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, value: date | datetime, fmt: str = "long") -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.timezone).date()
        return format_date(value, format=fmt, locale=self.locale)

    def datetime(self, value: datetime, fmt: str = "medium") -> str:
        return format_datetime(value, format=fmt, tzinfo=self.timezone, locale=self.locale)


def best_language(hint: str | None, offered: tuple[str, ...], default: str) -> str:
    """Pick an offered language from a platform hint such as 'pl', 'en-GB' or 'tr_TR'."""
    if hint:
        code = hint.replace("_", "-").split("-")[0].lower()
        if code in offered:
            return code
    return default
