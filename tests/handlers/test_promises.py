"""Texts that make a promise say only what is true, in every language: the consent names what the scrubber
removes and that names are not always caught; the group answer promises no secrecy; the unexpected-error answer
asks to send again, because the turn was rolled back."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.channels.telegram.settings import GROUP_TEXT
from bot.config import SUPPORTED_LANGUAGES
from bot.engine import experiences
from bot.engine.scrub import KINDS
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.store import experiences as experiences_repo
from tests.support import Person

# What the English consent says for each kind the scrubber replaces: a new kind must be named here, and so in
# the consent text, before the test passes again.
CONSENT_NAMES = {
    "phone": "phone numbers", "email": "e-mail addresses", "bsn": "BSNs", "iban": "bank account numbers (IBAN)",
    "address": "house numbers", "postcode": "postcodes with a house number", "plate": "licence plates",
    "handle": "social media accounts (@name)", "birthdate": "dates of birth",
    "name": "names where the text clearly shows it is a person",
}


async def consent(app: App, language: str) -> str:
    person = Person(app, f"new-{language}")
    await person.say("/start")
    await person.say(LANGUAGE_NAMES[language])
    await person.say("centrum")
    return person.text()


async def test_the_consent_names_everything_the_scrubber_removes_and_who_reads(app: App) -> None:
    text = await consent(app, "en")
    assert set(KINDS) <= set(CONSENT_NAMES), "name every kind the scrubber removes in the consent text"
    for kind, words in CONSENT_NAMES.items():
        assert words in text, kind
    assert "Other names are not always removed, so please do not write names." in text
    assert ("Staff of Gemeente Teststad and neighbourhood workers, including the contact person of your "
            "neighbourhood, read every story.") in text
    assert "If you do not use the bot for 24 months, we erase your data." in text


@pytest.mark.parametrize("language", [code for code in SUPPORTED_LANGUAGES if code != "en"])
async def test_the_consent_is_translated_with_every_fact(app: App, language: str) -> None:
    text = await consent(app, language)
    english = await consent(app, "en")
    assert text != english
    for fact in ("Gemeente Teststad", "24", "/mydata", "/forget", "https://teststad.nl/privacy",
                 "privacy@teststad.nl", "Centrum"):
        assert fact in text, fact
    assert "IBAN" in text and ("@" in text)  # the examples the resident recognises in any language


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_group_answer_promises_no_secrecy(language: str) -> None:
    text = Translator(language)._(GROUP_TEXT)
    assert language == "en" or text != GROUP_TEXT
    assert "between us" not in Translator("en")._(GROUP_TEXT)
    assert "read the stories you share" in GROUP_TEXT


async def test_after_an_unexpected_error_the_message_must_be_sent_again_and_that_is_true(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    await anna.say("/share")
    await anna.say("Housing")
    await anna.say("De lift in onze flat is al een maand kapot.")
    await anna.say("Skip")
    await anna.say("Anonymous")
    real_share = experiences.share

    async def broken(*args: object, **kwargs: object) -> None:
        await real_share(*args, **kwargs)  # type: ignore[arg-type]  # the story is written, then it fails
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("handlers.share.experiences.share", broken)
    await anna.say("Send")
    assert "your last message was not saved. Please send it again." in anna.text()
    assert "lost" not in anna.text()
    async with app.db.transaction() as tx:
        assert await experiences_repo.of_resident(tx, 1) == []  # rolled back: nothing was kept
    monkeypatch.setattr("handlers.share.experiences.share", real_share)
    await anna.say("Send")  # the question is still open: sending again works
    assert "Your reference is W-" in anna.text()


async def test_mydata_shows_every_setting_it_says_it_stores(app: App) -> None:
    """"This is everything we store about you" lists every setting, also those for polls and the neighbourhood."""
    anna = Person(app, "anna")
    await anna.onboard()
    for answer in ("/settings", "Follow the whole neighbourhood", "yes", "Polls", "yes",
                   "Age group (for youth polls)", "15-17", "Done"):
        await anna.say(answer)
    await anna.say("/mydata")
    shown = anna.text()
    assert "This is everything we store about you:" in shown
    for line in ("Updates about the whole neighbourhood: yes", "Hear about new polls: yes", "Age group: 15-17",
                 "Quiet hours (no messages): 21:00-08:00", "Feedback: Right away"):
        assert line in shown, line
