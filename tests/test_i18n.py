"""Every shipped locale is complete, placeholders match, dates and numbers follow the locale."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import Translator, best_language
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
    assert Translator("en").date(moment) == "March 2, 2026"
    assert Translator("nl").number(2500) == "2.500" and Translator("en").number(2500) == "2,500"
    assert "10:30" in Translator("nl").datetime(moment)  # Amsterdam is UTC+1 in March


def test_language_hints() -> None:
    offered = ("nl", "en", "tr", "ar", "pl")
    assert best_language("pl-PL", offered, "nl") == "pl"
    assert best_language("tr_TR", offered, "nl") == "tr"
    assert best_language("de", offered, "nl") == "nl"
    assert best_language(None, offered, "nl") == "nl"
