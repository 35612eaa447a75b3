"""Every shipped locale is complete, placeholders match, dates and numbers follow the locale."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import Translator, best_language, locales_dir
from bot.i18n_tools import problems


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_locale_is_complete_with_matching_placeholders(language: str) -> None:
    assert problems(language) == []


def test_messages_are_translated_and_formatted() -> None:
    nl, pl = Translator("nl"), Translator("pl")
    msgid = "Welcome back! You are registered for {neighbourhood}."
    assert nl._(msgid, neighbourhood="Noord") != msgid.format(neighbourhood="Noord")
    assert "Noord" in nl._(msgid, neighbourhood="Noord") and "Noord" in pl._(msgid, neighbourhood="Noord")


def test_plurals_follow_the_language() -> None:
    en = Translator("en")
    assert en.n_("You shared {n} story.", "You shared {n} stories.", 1) == "You shared 1 story."
    assert en.n_("You shared {n} story.", "You shared {n} stories.", 3) == "You shared 3 stories."
    pl = Translator("pl")
    assert pl.n_("You shared {n} story.", "You shared {n} stories.", 2) != pl.n_(
        "You shared {n} story.", "You shared {n} stories.", 5).replace("5", "2")


def test_dates_and_numbers_per_locale() -> None:
    moment = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert Translator("nl").date(moment) == "2 maart 2026"
    # English as written in Europe: day first, 24-hour clock (never "3/2/26" or "10:30 AM" in a Dutch city)
    assert Translator("en").date(moment) == "2 March 2026" and Translator("en").date(moment, "short") == "02/03/2026"
    assert Translator("en").datetime(moment, "short") == "02/03/2026, 10:30"
    assert Translator("nl").number(2500) == "2.500" and Translator("en").number(2500) == "2,500"
    assert "10:30" in Translator("nl").datetime(moment)  # Amsterdam is UTC+1 in March


def test_language_hints() -> None:
    offered = ("nl", "en", "tr", "ar", "pl")
    assert best_language("pl-PL", offered, "nl") == "pl"
    assert best_language("tr_TR", offered, "nl") == "tr"
    assert best_language("de", offered, "nl") == "nl"
    assert best_language(None, offered, "nl") == "nl"


PLURAL_FORMS = {"nl": 2, "en": 2, "tr": 2, "pl": 3, "ar": 6}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_plural_has_as_many_forms_as_the_language_counts_with(language: str) -> None:
    """Polish has three plural forms, Arabic six, the others two: the header says so and every n_() entry in the
    file has exactly that many msgstr[i] lines (Babel would fill a missing one with nothing and drop an extra one)."""
    text = (locales_dir() / language / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    header = re.search(r"Plural-Forms: nplurals=(\d+);", text)
    assert header is not None and int(header.group(1)) == PLURAL_FORMS[language]
    plurals = [entry for entry in text.split("\n\n") if "\nmsgid_plural " in entry]
    template = (locales_dir() / "messages.pot").read_text(encoding="utf-8")
    assert len(plurals) == template.count("\nmsgid_plural ") > 30
    for entry in plurals:
        forms = re.findall(r"^msgstr\[(\d+)\] \"(.*)\"$", entry, re.MULTILINE)
        assert [int(index) for index, _ in forms] == list(range(PLURAL_FORMS[language])), entry
        assert all(string for _, string in forms), entry


def test_month_counts_read_as_natural_plurals() -> None:
    months = ("{n} month", "{n} months")
    pl, ar = Translator("pl"), Translator("ar")
    assert [pl.n_(*months, n) for n in (1, 2, 5, 12, 22, 24)] == [
        "1 miesiąc", "2 miesiące", "5 miesięcy", "12 miesięcy", "22 miesiące", "24 miesiące"]
    assert [ar.n_(*months, n) for n in (1, 2, 3, 11)] == ["شهر واحد", "شهران", "3 أشهر", "11 شهرًا"]
    retention = ("If you do not use the bot for {n} month, we erase your data.",
                 "If you do not use the bot for {n} months, we erase your data.")
    assert "przez 24 miesiące," in pl.n_(*retention, 24) and "przez 6 miesięcy," in pl.n_(*retention, 6)


def test_the_dutch_word_organisator_only_where_the_source_speaks_of_organisers() -> None:
    """Residents read who actually reads their story (staff of the municipality and the neighbourhood); the role
    word 'organisator' is for the organisers' own texts, where the English source names them too."""
    with (locales_dir() / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="nl")
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if any("organisator" in str(string).lower() for string in strings):
            assert "organiser" in str(message.id).lower(), message.id
