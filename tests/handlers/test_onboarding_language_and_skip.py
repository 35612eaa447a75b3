"""Onboarding in the app's language with a way out, /privacy before anything is stored, and "skip" typed the way
people type it, in every language."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import LANGUAGE_NAMES, Translator
from handlers.commands import COMMANDS
from tests.support import Person

STORY = "The playground on the square has been broken for weeks and children play on the street."
NEIGHBOURHOOD_QUESTION = "In which neighbourhood do you live? Type its name or the 4 digits of your postcode."


async def count(app: App, table: str) -> int:
    async with app.db.transaction() as tx:
        return int(await tx.value(f"SELECT COUNT(*) FROM {table}"))


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
async def test_an_offered_app_language_is_used_from_the_first_message(app: App, language: str) -> None:
    t = Translator(language)
    ewa = Person(app, "ewa", channel="telegram", language_hint=f"{language}-XX")
    first = await ewa.say("/start")
    assert first[0].text == "\n\n".join((
        t._("Welcome! I am the neighbourhood bot of {municipality}.", municipality="Gemeente Teststad"),
        t._(NEIGHBOURHOOD_QUESTION)))
    assert [c.label for c in first[0].choices] == ["Centrum", "Noord", f"🌐 {t._('Change language')}"]
    await ewa.say("noord")
    consent = ewa.last[0]
    assert t._("Do you agree?") in consent.text and consent.choices[-1].key == "language"
    await ewa.say("1")  # yes
    async with app.db.transaction() as tx:
        stored = await tx.one("SELECT language, neighbourhood_id FROM residents")
    assert tuple(stored) == (language, "noord")


async def test_the_language_can_still_be_changed_at_any_onboarding_step(app: App) -> None:
    cem = Person(app, "cem", channel="telegram", language_hint="nl")
    await cem.say("/start centrum")  # a deep link: the consent question comes first, in Dutch
    assert "Ga je akkoord?" in cem.text()
    languages = await cem.press("language")
    assert [c.label for c in languages[0].choices] == [LANGUAGE_NAMES[code] for code in SUPPORTED_LANGUAGES]
    await cem.say("Türkçe")
    turkish = Translator("tr")
    assert turkish._("Do you agree?") in cem.text() and "🌐" not in " ".join(c.label for c in cem.last[0].choices)
    await cem.say("1")
    async with app.db.transaction() as tx:
        assert tuple(await tx.one("SELECT language, neighbourhood_id FROM residents")) == ("tr", "centrum")


async def test_an_app_language_that_is_not_offered_gets_the_language_question(app: App) -> None:
    hans = Person(app, "hans", channel="telegram", language_hint="de")
    first = await hans.say("/start")
    assert [c.key for c in first[0].choices] == list(SUPPORTED_LANGUAGES)


async def test_privacy_is_readable_before_start_and_stores_nothing(app: App) -> None:
    ola = Person(app, "ola", channel="telegram", language_hint="pl")
    replies = await ola.say("/privacy")
    polish = Translator("pl")
    text = replies[0].text
    assert text.startswith(polish._("How we handle your data"))
    for fact in ("Gemeente Teststad", "privacy@teststad.nl", "https://teststad.nl/privacy", "IBAN", "/mydata",
                 "/forget", "/start"):
        assert fact in text, fact
    assert polish.n_("If you do not use the bot for {n} month, we erase your data.",
                     "If you do not use the bot for {n} months, we erase your data.", 24) in text
    assert "24 miesiące" in text  # Polish: 2-4 take "miesiące", not the genitive plural
    assert await count(app, "residents") == 0 and await count(app, "conversations") == 0
    dutch = Person(app, "piet")
    assert (await dutch.say("/privacyverklaring"))[0].text.startswith("Zo gaan we om met je gegevens")


async def test_privacy_is_in_the_menu_and_in_help(app: App) -> None:
    assert any(c.name == "privacy" and c.in_menu for c in COMMANDS)
    anna = Person(app, "anna")
    await anna.onboard()
    await anna.say("/help")
    assert "/privacy – How we handle your data" in anna.text()
    await anna.say("/privacy")
    assert "Type /start" not in anna.text()  # she has started already


@pytest.mark.parametrize("language, typed", [
    ("Nederlands", "Sla over"), ("Nederlands", "overslaan"), ("Nederlands", "skip"), ("English", "skip"),
    ("English", "Skip."), ("Polski", "pomiń"), ("Polski", "Pomin"), ("Türkçe", "atla"), ("Türkçe", "geç"),
    ("العربية", "تخطى"), ("العربية", "تخطي"),
])
async def test_skip_typed_in_any_language_is_the_skip_option(app: App, language: str, typed: str) -> None:
    dina = Person(app, "dina", channel="telegram")
    await dina.onboard(language=language)
    await dina.say("/share")
    await dina.say("1")
    await dina.say(STORY)
    await dina.say(typed)  # the place: skipped, not stored as a place called "Sla over"
    assert [c.key for c in dina.last[-1].choices] == ["skip"]  # the photo question (Telegram) comes next
    await dina.say(typed)  # no photo either
    assert [c.key for c in dina.last[-1].choices] == ["anonymous", "first_name"]
    await dina.say("1")
    await dina.say("1")  # send
    async with app.db.transaction() as tx:
        stored = await tx.one("SELECT place_hint, photo_ref FROM experiences")
    assert tuple(stored) == (None, None)


async def test_a_place_that_merely_contains_skip_words_is_kept(app: App) -> None:
    dina = Person(app, "dina")
    await dina.onboard()
    await dina.say("/share")
    await dina.say("1")
    await dina.say(STORY)
    await dina.say("Overslaanpad")
    assert "If your story is published" in dina.text()
    await dina.say("1")
    await dina.say("1")
    async with app.db.transaction() as tx:
        assert (await tx.one("SELECT place_hint FROM experiences"))[0] == "Overslaanpad"


async def test_start_again_halfway_keeps_the_language_chosen(app: App) -> None:
    ola = Person(app, "ola", channel="telegram", language_hint="en")
    await ola.say("/start")
    await ola.press("language")
    await ola.say("Polski")
    again = await ola.say("/start")  # her app says English, but she chose Polish
    polish = Translator("pl")
    assert again[0].text.startswith(polish._("Welcome! I am the neighbourhood bot of {municipality}.",
                                             municipality="Gemeente Teststad"))
    assert again[0].choices[-1].label == f"🌐 {polish._('Change language')}"


async def test_privacy_on_every_channel(app: App) -> None:
    for channel in ("console", "matrix", "telegram"):
        reader = Person(app, f"reader-{channel}", channel=channel)
        assert "https://teststad.nl/privacy" in (await reader.say("/privacy"))[0].text, channel
    assert await count(app, "residents") == 0
