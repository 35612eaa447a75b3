"""Handover: the successor is introduced through the outbox to residents who opted in, open stories and
conversations move to them, and the history keeps who was responsible when."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.app import App
from bot.clock import ManualClock
from tests.engine.contacts_support import (
    ADD_ANNA,
    ANNA,
    config_with_contacts,
    from_contact,
    outbox_rows,
    room,
)
from tests.engine.test_contacts_relay import resident_writes
from tests.engine.test_moderation import MOD_ROOM, shared_story
from tests.support import Person, Recorder

BRAM = "@bram:localhost"
HANDOVER = f"!contact handover C-1 | Bram Jansen | buurtregisseur | Gemeente Teststad | 06 98 76 54 32 | ma-vr | {BRAM}"


async def opted_in(app: App, user: str, wanted: bool) -> Person:
    person = Person(app, user, channel="telegram")
    await person.onboard("centrum")
    await person.say("/settings")
    assert "Introductions of new contact persons: no" in person.text()
    if wanted:
        await person.say("Introductions of new contact persons")
        await person.say("yes")
        assert "Introductions of new contact persons: yes" in person.text()
    await person.say("Done")
    return person


async def test_handover_introduces_moves_open_items_and_keeps_history(
        app: App, manual_clock: ManualClock, matrix_recorder: Recorder, telegram_recorder: Recorder) -> None:
    await room(app, f"!contact add {ADD_ANNA}")
    await opted_in(app, "ina", wanted=True)
    await opted_in(app, "otto", wanted=False)
    writer = await resident_writes(app)  # R-1 with Anna, not answered yet
    open_story = await shared_story(app, user="sam")
    decided = await shared_story(app, user="tess")
    await room(app, f"!approve {decided}")
    await room(app, f"!feedback {decided} | done | Fixed | we had time")  # decided, with feedback: not open
    await app.outbox.drain()
    manual_clock.advance(timedelta(days=30))
    sent_before = len(telegram_recorder.sent)

    answer = await room(app, HANDOVER)
    assert "C-2: Bram Jansen takes over from Anna de Vries as contact person for Centrum" in answer
    # Everything is queued in the outbox in the organiser's transaction; nothing was sent yet.
    assert len(telegram_recorder.sent) == sent_before
    intros = await outbox_rows(app, "contact-intro")
    assert sorted(r["chat_id"] for r in intros) == sorted(["ina", writer.address.chat_id])
    await app.outbox.drain()
    to_ina = telegram_recorder.texts("ina")[-1]
    assert "A new contact person: Bram Jansen takes over from Anna de Vries." in to_ina
    assert "Role: buurtregisseur" in to_ina and BRAM not in to_ina
    assert not any("Bram" in t for t in telegram_recorder.texts("otto"))
    to_writer = telegram_recorder.texts(writer.address.chat_id)[-1]
    assert "Your conversation R-1 now continues with Bram Jansen" in to_writer

    brief = matrix_recorder.texts(BRAM)[-1]
    assert "taking over from Anna de Vries" in brief and open_story in brief and decided not in brief
    assert "R-1" in brief
    note = next(t for t in matrix_recorder.texts(MOD_ROOM) if t.startswith("Handover for"))
    assert "Moved: 1 stories, 1 conversations" in note and "last 12 months: 1" in note

    # The history: Anna was responsible for the open story until today, Bram from today.
    async with app.db.transaction() as tx:
        anna = dict(await tx.one("SELECT * FROM contacts WHERE id = 1") or {})
        stretches = await tx.all("SELECT c.name, ec.until IS NULL FROM experience_contacts ec JOIN contacts c"
                                 " ON c.id = ec.contact_id JOIN experiences e ON e.id = ec.experience_id"
                                 " WHERE e.reference = ? ORDER BY ec.since", (open_story,))
    assert anna["ended_on"] == "2026-04-01" and anna["succeeded_by"] == 2 and anna["closed_at"] is not None
    assert [tuple(r) for r in stretches] == [("Anna de Vries", 0), ("Bram Jansen", 1)]

    # Anna can no longer answer R-1; Bram can, and the resident sees his name.
    assert "handed over to your successor" in (await from_contact(app, "!reply R-1 Hi"))[0].text
    replies = await from_contact(app, "!reply R-1 Bram here, I read your message.", user=BRAM, chat="!dm-bram:x")
    assert "Sent to the resident (R-1)" in replies[0].text
    await app.outbox.drain()
    assert "Bram Jansen (buurtregisseur) answers your message R-1" in telegram_recorder.sent[-1].text
    await writer.say("/contact")
    assert "Name: Bram Jansen" in writer.text() and "Anna" not in writer.text()


async def test_a_handover_after_a_vacancy_picks_up_the_open_items(app: App, matrix_recorder: Recorder) -> None:
    await room(app, f"!contact add {ADD_ANNA}")
    story = await shared_story(app)
    await room(app, "!contact end C-1")
    assert "takes over from Anna de Vries" in await room(
        app, f"!contact add | Bram Jansen | buurtregisseur | - | - | - | {BRAM}")
    await app.outbox.drain()
    assert story in matrix_recorder.texts(BRAM)[-1]


async def test_a_configured_successor_takes_over_on_their_first_day(tmp_path: Path, manual_clock: ManualClock,
                                                                   matrix_recorder: Recorder,
                                                                   telegram_recorder: Recorder) -> None:
    anna = {"id": "anna", "name": "Anna de Vries", "role": "wijkcoördinator", "since": "2024-03-01",
            "matrix_user": ANNA}
    config = config_with_contacts(tmp_path, [anna])
    app = App(config, [matrix_recorder, telegram_recorder], clock=manual_clock)
    await app.start(background=False)
    try:
        await opted_in(app, "ina", wanted=True)
    finally:
        await app.stop()

    # The municipality names Bram in config.toml from 1 April; the bot is restarted on 2 March.
    bram = {"id": "bram", "name": "Bram Jansen", "role": "buurtregisseur", "since": "2026-04-01",
            "matrix_user": BRAM}
    app = App(config_with_contacts(tmp_path, [anna, bram]), [matrix_recorder, telegram_recorder],
              clock=manual_clock)
    await app.start(background=False)
    try:
        assert await outbox_rows(app, "contact-intro") == []
        assert "Planned:" in await room(app, "!contact list")
        manual_clock.advance(timedelta(days=30, hours=1))  # 1 April, Amsterdam time
        await app.scheduler.run("contact-terms")
        await app.outbox.drain()
        assert "A new contact person: Bram Jansen takes over from Anna de Vries." in telegram_recorder.texts("ina")[-1]
        async with app.db.transaction() as tx:
            assert await tx.value("SELECT ended_on FROM contacts WHERE config_key = 'anna'") == "2026-04-01"
        await app.scheduler.run("contact-terms")
        assert len(await outbox_rows(app, "contact-intro")) == 1  # once
    finally:
        await app.stop()

    # Bram disappears from the file: his term ends at the next start; the history stays.
    app = App(config_with_contacts(tmp_path, [anna]), [matrix_recorder, telegram_recorder], clock=manual_clock)
    await app.start(background=False)
    try:
        async with app.db.transaction() as tx:
            rows = await tx.all("SELECT config_key, ended_on, closed_at IS NOT NULL FROM contacts ORDER BY id")
        assert [tuple(r) for r in rows] == [("anna", "2026-04-01", 1), ("bram", "2026-04-01", 1)]
        vacancy = await outbox_rows(app, "contact-vacancy")
        assert len(vacancy) == 1 and vacancy[0]["chat_id"] == MOD_ROOM and "Bram Jansen" in vacancy[0]["body"]
    finally:
        await app.stop()
