"""Contact persons: managed from the moderation room, shown to residents, and routed new stories and overdue
feedback (theme contact first, else the neighbourhood's), in the same transaction as the moderation post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import App
from bot.channels.base import Address
from bot.clock import ManualClock
from bot.engine import feedback_clock
from tests.engine.contacts_support import ADD_ANNA, ANNA, outbox_rows, room
from tests.engine.test_moderation import MOD_ROOM, organiser, shared_story
from tests.support import Person, Recorder


async def test_organisers_add_and_list_contact_persons(app: App) -> None:
    assert "C-1: Anna de Vries is now the contact person for Centrum (the whole neighbourhood)." in await room(
        app, f"!contact add {ADD_ANNA}")
    assert "C-2: Huib is now the contact person for Centrum, theme Housing." in await room(
        app, "!contactpersoon nieuw wonen | Huib | woonconsulent | - | - | - | telegram:777")
    listed = await room(app, "!contact list")
    assert "C-1 · Centrum (the whole neighbourhood) · Anna de Vries (wijkcoördinator, Gemeente Teststad)" in listed
    assert f"relay to: {ANNA}" in listed and "relay to: Telegram" in listed and "777" not in listed
    assert "Use: !contact add" in await room(app, "!contact add | only a name")
    assert "at least a name and a role" in await room(app, "!contact add | Bob | - | - | - | -")
    assert "I do not understand bob@example.org" in await room(
        app, "!contact add | Bob | x | - | - | - | bob@example.org")
    assert "Unknown theme" in await room(app, "!contact add parking | Bob | x | - | - | -")
    assert "Contact persons:" in await room(app, "!contact help")
    refused = await app.dispatch(organiser(app, "!contact add | Eve | x | - | - | -", moderator=False, user="@e:x"))
    assert "only moderators" in refused[0].text


async def test_a_new_story_goes_to_the_theme_contact_else_the_neighbourhood_contact(
        app: App, matrix_recorder: Recorder, telegram_recorder: Recorder) -> None:
    await room(app, f"!contact add {ADD_ANNA}")
    await room(app, "!contact add housing | Huib | woonconsulent | - | - | - | telegram:777")
    safety = await shared_story(app)  # theme safety: no theme contact, so Anna
    # Queued in the resident's own turn, beside the moderation post: one transaction.
    assert [r["subject"] for r in await outbox_rows(app, "moderation")] == [safety]
    rows = await outbox_rows(app, "contact-story")
    assert [(r["channel"], r["chat_id"], r["subject"]) for r in rows] == [("matrix", ANNA, safety)]

    housing = Person(app, "bea", channel="telegram")
    await housing.onboard("centrum")
    for line in ("/share", "Housing", "There is mould in every flat of our block.", "Skip", "Skip", "Anonymous",
                 "Send"):
        await housing.say(line)
    await app.outbox.drain()
    to_huib = [r for r in telegram_recorder.sent if r.address == Address("telegram", "777", private=True)]
    assert len(to_huib) == 1 and "There is mould in every flat" in to_huib[0].text
    assert "New story W-" in to_huib[0].text and "bea" not in to_huib[0].text
    to_anna = [r for r in matrix_recorder.sent if r.address and r.address.chat_id == ANNA]
    assert len(to_anna) == 1 and safety in to_anna[0].text and "[telefoonnummer]" in to_anna[0].text
    async with app.db.transaction() as tx:
        rows = await tx.all("SELECT e.reference, c.name FROM experience_contacts ec JOIN experiences e"
                            " ON e.id = ec.experience_id JOIN contacts c ON c.id = ec.contact_id ORDER BY e.id")
    assert [(r[0] == safety, r[1]) for r in rows] == [(True, "Anna de Vries"), (False, "Huib")]


async def test_a_story_in_a_neighbourhood_without_contact_persons_goes_only_to_moderation(app: App) -> None:
    await shared_story(app)
    assert await outbox_rows(app, "contact-story") == []
    assert len(await outbox_rows(app, "moderation")) == 1


async def test_overdue_feedback_reaches_the_contact_person_too(app: App, manual_clock: ManualClock,
                                                               matrix_recorder: Recorder) -> None:
    manual_clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    await room(app, f"!contact add {ADD_ANNA}")
    reference = await shared_story(app)
    answer = await room(app, f"!feedback {reference} | in progress | New lights | budget approved | over 3 dagen")
    feedback_ref = answer.split()[1]
    manual_clock.advance(timedelta(days=4))
    assert await feedback_clock.overdue_commitments(app.services) == 1
    await app.outbox.drain()
    assert any(t.startswith(f"Overdue: {feedback_ref}") for t in matrix_recorder.texts(MOD_ROOM))
    assert any(t.startswith(f"Overdue: {feedback_ref}") for t in matrix_recorder.texts(ANNA))


async def test_ending_a_term_leaves_the_position_vacant_and_says_so(app: App, matrix_recorder: Recorder) -> None:
    await room(app, f"!contact add {ADD_ANNA}")
    assert "the term of Anna de Vries ends today" in await room(app, "!contact end C-1 moved to another job")
    assert "no longer a contact person" in await room(app, "!contact end C-1")
    assert "cannot find contact person C-9" in await room(app, "!contact end C-9")
    await app.outbox.drain()
    assert any("nobody has taken over yet" in t for t in matrix_recorder.texts(MOD_ROOM))
    resident = Person(app, "noor", channel="telegram")
    await resident.onboard("centrum")
    await resident.say("/contact")
    assert "no contact person yet" in resident.text()
    assert "Earlier:" in await room(app, "!contact lijst")
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT detail FROM audit_log WHERE action = 'contact_ended'") == "moved to another job"


async def test_the_menu_leads_to_the_contact_person(app: App) -> None:
    await room(app, f"!contact add {ADD_ANNA}")
    resident = Person(app, "noor", channel="telegram")
    await resident.onboard("centrum")
    await resident.say("/menu")
    await resident.say("My contact person")
    assert "Your contact person for Centrum" in resident.text() and "Name: Anna de Vries" in resident.text()


async def test_a_theme_change_moves_the_story_to_the_new_themes_contact(app: App,
                                                                        telegram_recorder: Recorder) -> None:
    await room(app, f"!contact add {ADD_ANNA}")
    await room(app, "!contact add housing | Huib | woonconsulent | - | - | - | telegram:777")
    story = await shared_story(app)  # safety: Anna's
    assert "Housing" in await room(app, f"!theme {story} housing")
    await app.outbox.drain()
    to_huib = [r for r in telegram_recorder.sent if r.address == Address("telegram", "777", private=True)]
    assert len(to_huib) == 1 and story in to_huib[0].text
    async with app.db.transaction() as tx:
        rows = await tx.all("SELECT c.name, ec.until IS NULL FROM experience_contacts ec JOIN contacts c"
                            " ON c.id = ec.contact_id ORDER BY ec.since, c.id")
    assert [tuple(r) for r in rows] == [("Anna de Vries", 0), ("Huib", 1)]  # history kept
    await room(app, f"!theme {story} housing")  # the same theme again: nothing moves
    await app.outbox.drain()
    assert len([r for r in telegram_recorder.sent if r.address == Address("telegram", "777", private=True)]) == 1
