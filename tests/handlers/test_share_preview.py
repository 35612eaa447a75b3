"""Before sending, the author sees the story exactly as staff of the municipality and the neighbourhood will read
it: markers, what was removed, a warning about names, and a way to change it. A photo sent with the story is kept;
emoji alone are not a story."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.channels.base import Attachment, AttachmentKind, Incoming
from bot.i18n import Translator
from bot.store import experiences as experiences_repo
from tests.engine.contacts_support import ADD_ANNA, MOD_ROOM, room
from tests.support import Person, Recorder

STORY = "Bel me op 06-12345678, ik woon Kerkstraat 12. De lantaarnpalen zijn al weken kapot."
SCRUBBED = "Bel me op [telefoonnummer], ik woon Kerkstraat [huisnummer]. De lantaarnpalen zijn al weken kapot."
AS_READ = "Your story, as staff of the municipality and the neighbourhood will read it:"
NAMES = "Names are not always removed. Please leave out the names of people."


async def until_summary(person: Person, story: str = STORY) -> str:
    await person.say("/share")
    await person.say("Housing")
    await person.say(story)
    await person.say("Skip")  # no place
    await person.say("Anonymous")
    return person.text()


async def test_the_summary_shows_the_scrubbed_story_and_what_was_removed(app: App,
                                                                        matrix_recorder: Recorder) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    summary = await until_summary(anna)
    assert f"{AS_READ}\n{SCRUBBED}\n" in summary
    assert "06-12345678" not in summary and "Kerkstraat 12" not in summary
    assert "Removed to protect you: phone number, house number" in summary
    assert NAMES in summary
    await anna.say("Send")
    await app.outbox.drain()
    post = matrix_recorder.sent[-1].text  # the moderation room reads exactly what she was shown
    assert f"\n{SCRUBBED}\n" in post


async def test_the_summary_in_dutch_names_the_kinds_in_dutch(app: App) -> None:
    nl = Translator("nl")
    piet = Person(app, "piet")
    await piet.onboard(language="Nederlands")
    await piet.say("/share")
    await piet.say("1")
    await piet.say(STORY)
    await piet.say(nl._("Skip"))
    await piet.say(nl._("Anonymous"))
    summary = piet.text()
    assert SCRUBBED in summary and nl._(NAMES) in summary and nl._(NAMES) != NAMES
    kinds = f"{nl._('phone number')}, {nl._('house number')}"
    assert nl._("Removed to protect you: {kinds}", kinds=kinds) in summary


async def test_a_story_without_personal_data_says_nothing_was_removed(app: App) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    summary = await until_summary(anna, "De lantaarnpalen in onze straat zijn al weken kapot.")
    assert "Removed to protect you" not in summary and NAMES in summary


async def test_likely_names_the_scrubber_flags_are_pointed_out(app: App) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    summary = await until_summary(anna, "Henk van nummer zeven laat zijn hond altijd op het speelveld poepen.")
    assert "This may be a name: Henk. Others will read it. Do you want to change it?" in summary
    assert [c.label for c in anna.last[-1].choices][:2] == ["Send", "Change my story"]


async def test_a_contact_persons_name_stays_in_the_preview_as_in_the_post(app: App,
                                                                         matrix_recorder: Recorder) -> None:
    await room(app, f"!contact add {ADD_ANNA}")
    story = "Wijkcoördinator Anna de Vries heeft ons goed geholpen met de kapotte lift."
    anna = Person(app, "anna")
    await anna.onboard()
    summary = await until_summary(anna, story)
    assert f"{AS_READ}\n{story}\n" in summary  # not "[naam]": she stays
    await anna.say("Send")
    await app.outbox.drain()
    assert f"\n{story}\n" in matrix_recorder.texts(MOD_ROOM)[-1]


async def test_changing_the_story_shows_what_was_written_and_a_new_preview(app: App) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    await until_summary(anna)
    await anna.say("Change my story")
    assert f"This is what you wrote:\n\n{STORY}" in anna.text()  # her own words, to copy and change
    changed = "De lantaarnpalen in de Kerkstraat zijn al weken kapot en het is daar 's avonds donker."
    await anna.say(changed)
    summary = anna.text()
    assert f"{AS_READ}\n{changed}\n" in summary
    assert "Removed to protect you" not in summary
    await anna.say("Send")
    async with app.db.transaction() as tx:
        stored = await experiences_repo.of_resident(tx, 1)
    assert [e.text for e in stored] == [changed]


@pytest.mark.parametrize("story", ["😡😡😡😡😡😡😡😡😡😡😡😡", "👍 👍 👍 !!! ??? 112 112 112 112"])
async def test_a_story_of_emoji_only_is_answered_with_a_request_for_words(app: App, story: str) -> None:
    anna = Person(app, "anna")
    await anna.onboard()
    await anna.say("/share")
    await anna.say("Housing")
    await anna.say(story)
    assert anna.text() == "Please tell your story in words, so that others can understand it."
    await anna.say("De lift is kapot 😡😡 en niemand komt hem maken.")  # emoji with words are fine
    assert "Where is this?" in anna.text()


def photo(ref: str = "photo-1", mime: str | None = "image/jpeg", size: int = 1000) -> Attachment:
    return Attachment(kind=AttachmentKind.PHOTO, ref=ref, mime_type=mime, size=size)


async def test_a_photo_with_the_story_as_caption_is_kept(app: App) -> None:
    tom = Person(app, "tom", channel="telegram")
    await tom.onboard()
    await tom.say("/share")
    await tom.say("Housing")
    await tom.send(Incoming(tom.actor, tom.address, text=STORY, attachment=photo()))
    assert "Where is this?" in tom.text()
    await tom.say("Kerkstraat")
    assert "how may we show it?" in tom.text() and "add a photo" not in tom.text()  # not asked again
    await tom.say("Anonymous")
    assert "Photo: added" in tom.text() and SCRUBBED in tom.text()
    await tom.say("Send")
    async with app.db.transaction() as tx:
        stored = (await experiences_repo.of_resident(tx, 1))[0]
    assert (stored.text, stored.photo_ref) == (STORY, "photo-1")


async def test_a_photo_without_caption_at_the_story_step_is_kept_and_the_story_asked(app: App) -> None:
    tom = Person(app, "tom", channel="telegram")
    await tom.onboard()
    await tom.say("/share")
    await tom.say("Housing")
    await tom.send(Incoming(tom.actor, tom.address, attachment=photo("photo-2")))
    assert tom.text() == "Thank you for the photo. Now please write your story as text."
    await tom.say(STORY)
    await tom.say("Skip")
    assert "how may we show it?" in tom.text()
    await tom.say("Anonymous")
    assert "Photo: added" in tom.text()


async def test_a_photo_that_cannot_be_kept_is_said_and_asked_for_later(app: App) -> None:
    tom = Person(app, "tom", channel="telegram")
    await tom.onboard()
    await tom.say("/share")
    await tom.say("Housing")
    await tom.send(Incoming(tom.actor, tom.address, text=STORY, attachment=photo(size=20 * 2**20)))
    assert "I could not keep this photo" in tom.text() and "Where is this?" in tom.text()
    await tom.say("Skip")
    assert "add a photo" in tom.text()
