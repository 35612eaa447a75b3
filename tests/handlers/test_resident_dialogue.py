"""A resident's dialogues end to end through the dispatcher: onboarding, sharing, rights, errors."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.base import Actor, Address, Incoming
from bot.clock import ManualClock
from bot.store import experiences as experiences_repo
from bot.store import residents as residents_repo
from tests.support import Person, make_config

STORY = "The playground on the square has been broken for weeks and children play on the street."


async def count(app: App, table: str) -> int:
    async with app.db.transaction() as tx:
        return int(await tx.value(f"SELECT COUNT(*) FROM {table}"))


async def share(person: Person, story: str = STORY, place: str = "Skip", name: str | None = None) -> str:
    await person.say("/share")
    await person.say("Housing")
    await person.say(story)
    await person.say(place)
    if name is None:
        await person.say("Anonymous")
    else:
        await person.say("With my first name")
        await person.say(name)
    return person.text()


async def test_onboarding_asks_language_neighbourhood_and_consent(app: App) -> None:
    anna = Person(app, "anna")
    replies = await anna.say("/start")
    assert [c.label for c in replies[0].choices] == ["Nederlands", "English", "Türkçe", "العربية", "Polski"]
    assert "Welkom" in replies[0].text  # Dutch is the default language
    await anna.say("2")
    assert "neighbourhood" in anna.text() and [c.label for c in anna.last[0].choices] == ["Centrum", "Noord"]
    await anna.say("1012")  # a postcode finds the neighbourhood
    assert "Centrum" in anna.text() and "Do you agree?" in anna.text()
    assert "https://teststad.nl/privacy" in anna.text()
    assert await count(app, "residents") == 0  # nothing personal before consent
    await anna.say("Yes, I agree")
    async with app.db.transaction() as tx:
        resident = await residents_repo.get(tx, "console", "anna")
    assert resident is not None and resident.language == "en" and resident.neighbourhood_id == "centrum"
    assert "What would you like to do?" in anna.text()


async def test_declining_consent_stores_nothing(app: App) -> None:
    bob = Person(app, "bob")
    await bob.say("/start")
    await bob.say("English")
    await bob.say("noord")
    await bob.say("No")
    assert "stored nothing" in bob.text()
    assert await count(app, "residents") == 0
    assert await count(app, "conversations") == 0


async def test_unknown_neighbourhood_gets_a_helpful_answer(app: App) -> None:
    cem = Person(app, "cem")
    await cem.say("/start")
    await cem.say("English")
    await cem.say("Atlantis")
    assert "I do not know that neighbourhood" in cem.text() and "Centrum, Noord" in cem.text()
    await cem.say("9999")
    assert "Postcode 9999 is not in one of our neighbourhoods" in cem.text()
    await cem.say("binnenstad")  # an alias
    assert "Do you agree?" in cem.text()


async def test_deep_link_argument_preselects_the_neighbourhood(app: App) -> None:
    dewi = Person(app, "dewi")
    await dewi.say("/start noord")
    await dewi.say("English")
    assert "Do you agree?" in dewi.text() and "(Noord)" in dewi.text()


async def test_language_hint_is_used_for_a_new_person(app: App) -> None:
    ewa = Person(app, "ewa", language_hint="pl-PL")
    replies = await ewa.say("/start")
    assert "Witaj" in replies[0].text or "Witamy" in replies[0].text


async def test_sharing_an_experience_gives_a_receipt_and_stores_scrubbed_text(app: App) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    await anna.say("/share")
    assert len(anna.last[-1].choices) == 8  # the manifest's seven themes and "something else"
    await anna.say("6")
    await anna.say("Call me on 06-12345678 about the mould in our flat, it makes my son ill.")
    await anna.say("Kerkstraat 12")
    assert "I left out the house number" in anna.text() and "Kerkstraat" in anna.text()
    await anna.say("With my first name")
    await anna.say("Anna")
    summary = anna.text()
    assert "Theme: Housing" in summary and "Place: Kerkstraat" in summary and "Shown as: Anna" in summary
    await anna.say("Send")
    receipt = anna.text()
    match = re.search(r"W-2026-\d{4}", receipt)
    assert match, receipt
    async with app.db.transaction() as tx:
        stored = await experiences_repo.by_reference(tx, match.group(0))
    assert stored is not None
    assert stored.text_public == ("Call me on [telefoonnummer] about the mould in our flat, it makes my son ill.")
    assert stored.scrubbed_kinds == "phone" and stored.place_hint == "Kerkstraat"
    assert stored.author_name == "Anna" and stored.theme == "housing"


async def test_references_count_up_per_year(app: App, manual_clock: ManualClock) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    for _ in range(2):
        await share(anna)
        await anna.say("Send")
    manual_clock.set(datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
    await share(anna)
    await anna.say("Send")
    assert "W-2027-0001" in anna.text()
    async with app.db.transaction() as tx:
        refs = [r[0] for r in await tx.all("SELECT reference FROM experiences ORDER BY id")]
    assert refs == ["W-2026-0001", "W-2026-0002", "W-2027-0001"]


async def test_story_length_bounds_are_explained(app: App) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    await anna.say("/share")
    await anna.say("Health")
    await anna.say("too short")
    assert "at least 10 characters" in anna.text()
    await anna.say("x" * 2500)
    assert "2,500 characters; the maximum is 2,000" in anna.text()
    await anna.say(STORY)
    assert "Where is this?" in anna.text()


async def test_summary_allows_changing_the_story_before_sending(app: App) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    await share(anna)
    await anna.say("Change my story")
    await anna.say("A better version of my story about the broken playground.")
    assert "A better version" in anna.text() and "This is what you are sending" in anna.text()
    await anna.say("Send")
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT text FROM experiences") == (
            "A better version of my story about the broken playground.")


async def test_cancel_leaves_the_dialogue_and_sends_nothing(app: App) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    await anna.say("/share")
    await anna.say("Health")
    await anna.say("/cancel")
    assert "Stopped. Nothing was sent." in anna.text()
    await anna.say("/cancel")
    assert "There was nothing to stop." in anna.text()
    assert await count(app, "experiences") == 0


async def test_restart_in_the_middle_of_a_dialogue_continues_it(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    first = App(config, [])
    await first.start(background=False)
    anna = Person(first, "anna")
    await anna.onboard()
    await anna.say("/share")
    await anna.say("Safety and crime")
    await first.stop()

    second = App(config, [])
    await second.start(background=False)
    anna = Person(second, "anna")
    await anna.say("Cars race through our street every night; somebody will get hurt.")
    assert "Where is this?" in anna.text()
    await anna.say("Skip")
    await anna.say("Anonymous")
    await anna.say("Send")
    assert "W-2026-0001" in anna.text()
    await second.stop()


async def test_different_people_are_different_residents(app: App) -> None:
    anna, bob = Person(app, "anna"), Person(app, "bob")
    await anna.onboard("centrum")
    await bob.onboard("noord")
    await anna.say("/share")
    await bob.say("/mydata")
    assert "Noord" in bob.text() and "You shared 0 stories." in bob.text()
    assert await count(app, "residents") == 2


async def test_mydata_shows_everything_and_offers_a_file(app: App) -> None:
    anna = Person(app, "anna", channel="matrix")
    await anna.onboard()
    await share(anna, name="Anna")
    await anna.say("Send")
    replies = await anna.say("/mydata")
    assert "matrix anna" in replies[0].text and STORY in replies[0].text
    assert "Feedback: Right away" in replies[0].text and "Quiet hours (no messages): 21:00-08:00" in replies[0].text
    attachment = replies[1].attachment
    assert attachment is not None and attachment.data is not None
    data = json.loads(attachment.data)
    assert data["resident"]["neighbourhood"] == "centrum"
    assert data["experiences"][0]["your_words"] == STORY and data["experiences"][0]["shown_as"] == "Anna"


@pytest.mark.parametrize("keep", [True, False])
async def test_forget_erases_the_person(app: App, keep: bool) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    await share(anna, name="Anna")
    await anna.say("Send")
    await anna.say("/forget")
    await anna.say("Erase me, keep my stories anonymously" if keep else "Erase me and my stories")
    assert "We have erased your data" in anna.text()
    assert await count(app, "residents") == 0
    assert await count(app, "conversations") == 0
    async with app.db.transaction() as tx:
        rows = await tx.all("SELECT resident_id, text, author_name, text_public FROM experiences")
    if keep:
        assert [tuple(r) for r in rows] == [(None, None, None, STORY)]
    else:
        assert rows == []


async def test_forget_can_be_cancelled(app: App) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    await anna.say("/forget")
    await anna.say("Do not erase anything")
    assert "Nothing was erased." in anna.text()
    assert await count(app, "residents") == 1


async def test_language_can_be_changed_any_time(app: App) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    await anna.say("/taal")  # the Dutch alias
    await anna.say("Nederlands")
    assert "Nederlands" in anna.text()
    await anna.say("/help")
    assert "/share" in anna.text() and "/forget" in anna.text()
    assert "Share an experience" not in anna.text()  # the descriptions are Dutch now


async def test_unknown_input_gets_a_hint(app: App) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    await anna.say("/fly")
    assert "/fly" in anna.text() and "/help" in anna.text()
    await anna.say("hello?")
    assert "I did not understand that" in anna.text() and anna.last[-1].choices


@pytest.mark.parametrize("text, expected", [
    ("   ", "empty message"),
    ("a" * 5000, "too long"),
    ("\x00\x01binary\x02", "ordinary text"),
    ("caf\ufffd bytes", "ordinary text"),
])
async def test_bad_input_gets_a_clear_message_and_changes_nothing(app: App, text: str, expected: str) -> None:
    anna = Person(app, "anna", language_hint="en")
    await anna.onboard()
    await anna.say("/share")
    await anna.say("Health")
    await anna.say(text)
    assert expected in anna.text()
    await anna.say(STORY)
    assert "Where is this?" in anna.text()  # the dialogue is where it was


async def test_stale_or_forged_choice_is_refused(app: App) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    replies = await anna.say("/share")
    turn = replies[-1].turn
    await anna.say("Health")
    actor, address = Actor("console", "anna"), Address("console", "anna")
    await anna.send(Incoming(actor, address, choice="housing", choice_turn=turn))
    assert "This button has expired" in anna.text()
    await anna.send(Incoming(actor, address, choice="no-such-key", choice_turn=turn + 1 if turn else None))
    assert "This button has expired" in anna.text()
    await anna.say(STORY)
    assert "Where is this?" in anna.text()


async def test_a_redelivered_event_changes_nothing(app: App) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    await share(anna)
    await anna.say("Send", event_id="update-77")
    assert await anna.say("Send", event_id="update-77") == []
    assert await count(app, "experiences") == 1


async def test_unexpected_error_shows_a_reference_and_logs_it(app: App, caplog: pytest.LogCaptureFixture,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    anna = Person(app, "anna")
    await anna.onboard()

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("handlers.privacy.privacy.export", broken)
    with caplog.at_level(logging.ERROR):
        await anna.say("/mydata")
    match = re.search(r"reference ([A-Z0-9]{6})", anna.text())
    assert match and "Traceback" not in anna.text() and "disk on fire" not in anna.text()
    assert any(match.group(1) in record.getMessage() for record in caplog.records)


async def test_words_and_ids_never_reach_the_log_at_info(app: App, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        anna = Person(app, "anna-7731", channel="telegram")
        await anna.onboard()
        await share(anna, story=STORY, place="Kerkstraat", name="Anna")
        await anna.say("Send")
        await app.outbox.drain()
        await anna.say("/mydata")
    logged = "\n".join(record.getMessage() for record in caplog.records if record.levelno >= logging.INFO)
    for secret in ("anna-7731", "playground", "Kerkstraat", "Anna"):
        assert secret not in logged
