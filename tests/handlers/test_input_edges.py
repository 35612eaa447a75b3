"""Input that is not a story: too long, binary, undecodable. It is answered in the person's own language and
changes nothing."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.i18n import Translator
from tests.support import Person

TOO_LONG = "Your message is too long for me. Please keep it shorter."
BINARY = "I can only read ordinary text. Please type your message."
STORY = "De lift in onze flat is al een maand kapot en mijn moeder kan niet meer naar buiten."


def pl(msgid: str) -> str:
    polish = Translator("pl")._(msgid)
    assert polish != msgid  # the catalog has it, so the assertion below can tell the languages apart
    return polish


@pytest.mark.parametrize("text, expected", [("a" * 5000, TOO_LONG), ("zdj\x00cie", BINARY),
                                            ("caf\udcff", BINARY)])
async def test_a_polish_resident_is_answered_in_polish_whatever_the_app_says(app: App, text: str,
                                                                              expected: str) -> None:
    ola = Person(app, "ola", language_hint="en")  # her phone is in English, she chose Polish
    await ola.onboard(language="Polski")
    await ola.say("/share")
    await ola.say("1")
    await ola.say(text)
    assert ola.text() == pl(expected)
    await ola.say(STORY)
    assert ola.text() == Translator("pl")._(
        "Where is this? Type a street or a spot (no house number), or choose Skip.")  # nothing was lost


async def test_halfway_through_onboarding_the_chosen_language_counts(app: App) -> None:
    ola = Person(app, "ola2")  # no hint at all: the console
    await ola.say("/start")
    await ola.say("Polski")
    await ola.say("x" * 4001)
    assert ola.text() == pl(TOO_LONG)


async def test_before_anything_is_known_the_platform_hint_counts(app: App) -> None:
    assert (await Person(app, "newcomer", language_hint="pl").say("a\x07b"))[0].text == pl(BINARY)
    english = Person(app, "tom", channel="telegram", language_hint="de")  # not offered: the default, Dutch
    assert (await english.say("a\x07b"))[0].text == Translator("nl")._(BINARY)


async def test_an_english_resident_without_hint_is_answered_in_english(app: App) -> None:
    tom = Person(app, "tom")
    await tom.onboard(language="English")
    assert (await tom.say("y" * 4001))[0].text == TOO_LONG
