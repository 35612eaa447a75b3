"""The relay: a Telegram resident writes to a Matrix contact person and back; no platform handle crosses over."""

from __future__ import annotations

import json

from bot.app import App
from bot.channels.base import Actor, Address, Incoming
from tests.engine.contacts_support import ADD_ANNA, ANNA, ANNA_DM, RESIDENT_ID, from_contact, outbox_rows, room
from tests.support import Person, Recorder

MESSAGE = "Hello Anna, the bench at the square is broken again. You can call me on 06-11112222."


async def resident_writes(app: App, text: str = MESSAGE) -> Person:
    resident = Person(app, RESIDENT_ID, channel="telegram")
    await resident.onboard("centrum")
    await resident.say("/contact")
    assert "Name: Anna de Vries" in resident.text() and "Role: wijkcoördinator" in resident.text()
    assert "How to reach: 06 12 34 56 78" in resident.text() and ANNA not in resident.text()
    await resident.say("Write to Anna de Vries")
    assert "Type your message for Anna de Vries" in resident.text()
    await resident.say(text)
    assert "Sent to Anna de Vries, with reference R-1" in resident.text()
    return resident


async def test_telegram_resident_and_matrix_contact_talk_without_seeing_each_others_accounts(
        app: App, matrix_recorder: Recorder, telegram_recorder: Recorder) -> None:
    assert "is now the contact person for Centrum" in await room(app, f"!contact add {ADD_ANNA}")
    resident = await resident_writes(app)
    await app.outbox.drain()

    # The contact person gets the words (unscrubbed: the resident chose to give a number), never the account.
    relayed = [r for r in matrix_recorder.sent if r.address == Address("matrix", ANNA, private=True)]
    assert len(relayed) == 1
    assert MESSAGE in relayed[0].text and "R-1" in relayed[0].text and "!reply R-1" in relayed[0].text
    assert RESIDENT_ID not in relayed[0].text and "telegram" not in relayed[0].text.lower()
    async with app.db.transaction() as tx:
        post = await tx.value("SELECT message_id FROM relay_posts")

    # She answers by replying to the relayed message in her direct chat.
    replies = await from_contact(app, "Thank you! We repair it on Friday.", reply_to=str(post))
    assert "Sent to the resident (R-1)" in replies[0].text
    await app.outbox.drain()
    answer = telegram_recorder.sent[-1]
    assert answer.address == Address("telegram", RESIDENT_ID)
    assert "Anna de Vries (wijkcoördinator) answers your message R-1" in answer.text
    assert "We repair it on Friday." in answer.text
    shown = answer.text + " ".join(f"{c.key} {c.label}" for c in answer.choices)
    assert ANNA not in shown and "matrix" not in shown.lower() and ANNA_DM not in shown

    # The resident answers with the button; the conversation stays R-1.
    await resident.send(Incoming(Actor("telegram", RESIDENT_ID), Address("telegram", RESIDENT_ID),
                                 choice=answer.choices[0].key, choice_turn=0))
    assert "Type your message for Anna de Vries" in resident.text()
    await resident.say("Great, thanks!")
    assert "R-1" in resident.text()
    await app.outbox.drain()
    assert "Great, thanks!" in matrix_recorder.sent[-1].text and RESIDENT_ID not in matrix_recorder.sent[-1].text

    # Or with the command; a stranger cannot answer someone else's conversation.
    assert "Sent to the resident (R-1)" in (await from_contact(app, "!reply R-1 See you Friday."))[0].text
    refused = await from_contact(app, "!reply R-1 Hi", user="@mallory:localhost", chat="!dm-m:localhost")
    assert "/reply ken ik niet" in refused[0].text  # as to anyone: an unknown command (in the default language)
    async with app.db.transaction() as tx:
        directions = [r[0] for r in await tx.all("SELECT direction FROM relay_messages ORDER BY id")]
    assert directions == ["to_contact", "to_resident", "to_contact", "to_resident"]


async def test_a_contact_person_is_not_onboarded_as_a_resident(app: App) -> None:
    await room(app, f"!contact add {ADD_ANNA}")
    await resident_writes(app)
    replies = await from_contact(app, "hello?")
    assert "To answer a resident, reply to their message, or type: !reply R-12" in replies[0].text
    assert "Open conversations: R-1" in replies[0].text
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM residents") == 1


async def test_the_other_way_round_a_matrix_resident_and_a_telegram_contact(
        app: App, matrix_recorder: Recorder, telegram_recorder: Recorder) -> None:
    await room(app, "!contact add housing | Huib | woonconsulent | Woonstichting | - | - | telegram:777")
    resident = Person(app, "@bewoner:localhost", channel="matrix")
    await resident.onboard("centrum")
    await resident.say("/contactpersoon")
    await resident.say("Write to Huib")
    await resident.say("Mould in the bathroom again.")
    await app.outbox.drain()
    relayed = telegram_recorder.sent[-1]
    assert relayed.address == Address("telegram", "777", private=True)
    assert "Mould in the bathroom again." in relayed.text and "/reply R-1" in relayed.text
    assert "@bewoner" not in relayed.text
    replies = await from_contact(app, "/reply R-1 I will visit on Monday.", user="777", chat="777",
                                 channel="telegram")
    assert "Sent to the resident (R-1)" in replies[0].text
    await app.outbox.drain()
    assert "I will visit on Monday." in matrix_recorder.sent[-1].text and "777" not in matrix_recorder.sent[-1].text


async def test_without_a_contact_person_or_account_nothing_is_relayed(app: App) -> None:
    resident = Person(app, "noor", channel="telegram")
    await resident.onboard("centrum")
    await resident.say("/contact")
    assert "no contact person yet" in resident.text()
    await room(app, "!contact add | Piet | wijkagent | Politie | 0900-8844 | -")
    await resident.say("/contact")
    assert "Name: Piet" in resident.text() and "Write to" not in resident.text()


async def test_mydata_shows_and_forget_erases_the_relayed_messages(app: App, telegram_recorder: Recorder) -> None:
    telegram_recorder.can_send_files = True
    await room(app, f"!contact add {ADD_ANNA}")
    resident = await resident_writes(app)
    await app.outbox.drain()
    await from_contact(app, "!reply R-1 We repair it on Friday.")
    await resident.say("/mydata")
    assert "you to Anna de Vries: " + MESSAGE in resident.text()
    assert "Anna de Vries to you: We repair it on Friday." in resident.text()
    export = json.loads(next(r.attachment.data for r in resident.last if r.attachment and r.attachment.data))
    assert [m["text"] for m in export["contact_persons"]["messages"]] == [MESSAGE, "We repair it on Friday."]

    await resident.say("/forget")
    await resident.say("Erase me and my stories")
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM relay_threads") == 0
        assert await tx.value("SELECT COUNT(*) FROM relay_messages") == 0
        assert await tx.value("SELECT COUNT(*) FROM relay_posts") == 0
    for row in await outbox_rows(app, "relay") + await outbox_rows(app, "relay-answer"):
        assert MESSAGE not in row["body"] and "Friday" not in row["body"]
    assert "cannot find conversation" in (await from_contact(app, "!reply R-1 Hello?"))[0].text


async def test_a_resident_cannot_flood_the_contact_person(app: App) -> None:
    await room(app, f"!contact add {ADD_ANNA}")
    resident = await resident_writes(app)
    for number in range(9):
        await resident.say("/contact")
        await resident.say("Write to Anna de Vries")
        await resident.say(f"Message {number}")
    await resident.say("/contact")
    await resident.say("Write to Anna de Vries")
    await resident.say("One too many")
    assert "sent many messages today" in resident.text()


async def test_a_matrix_resident_answers_by_typing_the_number(app: App, matrix_recorder: Recorder) -> None:
    await room(app, "!contact add | Huib | woonconsulent | - | - | - | telegram:777")
    resident = Person(app, "@bewoner:localhost", channel="matrix")
    await resident.onboard("centrum")
    for line in ("/contact", "Write to Huib", "Is there news?"):
        await resident.say(line)
    await app.outbox.drain()
    await from_contact(app, "/reply R-1 Yes, on Monday.", user="777", chat="777", channel="telegram")
    await app.outbox.drain()
    assert matrix_recorder.sent[-1].choices[0].label == "Answer Huib"
    await resident.say("1")
    assert "Type your message for Huib" in resident.text()
