"""The real App with the WhatsApp channel, over HTTP against the Cloud API emulator: the webhook handshake and
signatures, redelivery, read marks, and what residents do, in WhatsApp's own widgets."""

from __future__ import annotations

import json

from tests.channels.whatsapp_fixtures import VERIFY_TOKEN, WaRunning
from tests.peers.botapi import make_png

STORY = "The playground on the square has been broken for weeks and children play on the street."
EXPIRED = "This button has expired. Please use the newest message."


async def test_the_verification_handshake_answers_only_the_right_token(wa: WaRunning) -> None:
    assert await wa.emu.verify(VERIFY_TOKEN, "8675309") == (200, "8675309")
    status, text = await wa.emu.verify("someone-elses-token", "8675309")
    assert status == 403 and "8675309" not in text


async def test_a_forged_or_unsigned_webhook_is_refused_and_changes_nothing(wa: WaRunning) -> None:
    anna = wa.emu.user("31612345678", "Anna")
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {"messages": [
        {"from_user_id": anna.bsuid, "id": "wamid.FORGED", "type": "text", "text": {"body": "start"}}]}}]}]})
    forged = "sha256=" + "0" * 64
    assert await wa.emu.post_raw(body.encode(), forged) == 401
    assert await wa.emu.post_raw(body.encode(), None) == 401
    signed_other_body = wa.emu.sign(b"{}")
    assert await wa.emu.post_raw(body.encode(), signed_other_body) == 401
    await wa.handled()
    assert wa.emu.messages_to(anna) == [] and await wa.count("conversations") == 0
    assert wa.channel.webhook.refused == 3
    anna.last_inbound = wa.clock()  # as if she really wrote: Meta opens her window
    assert await wa.emu.post_raw(body.encode(), wa.emu.sign(body.encode())) == 200  # the same body, signed
    assert "Welkom" in (await wa.reply(anna)).text


async def test_onboarding_and_sharing_with_a_photo_and_a_location_in_whatsapp_widgets(wa: WaRunning) -> None:
    anna = wa.emu.user("31612345678", "Anna")
    first = await anna.send("start")
    languages = await wa.reply(anna)
    assert languages.widget == "list" and languages.labels() == ["Nederlands", "English", "Türkçe", "العربية",
                                                                 "Polski"]  # five options: a list message
    hoods = await wa.press(anna, languages, "English")
    assert hoods.widget == "button" and hoods.labels() == ["Centrum", "Noord"]  # up to three: reply buttons
    consent = await wa.press(anna, hoods, "Centrum")
    assert "Do you agree?" in consent.text and await wa.count("residents") == 0
    welcome = await wa.press(anna, consent, "Yes, I agree")
    assert "Thank you, welcome!" in welcome.text and await wa.count("residents") == 1

    await anna.send("share")
    themes = await wa.reply(anna)
    assert themes.widget == "list" and "Housing" in themes.labels()
    # A long theme name is cut to fit a row title (24) and shown whole in the row's description.
    rows = themes.body["interactive"]["action"]["sections"][0]["rows"]
    assert any(row["title"].endswith("…") and row["description"] == "Growing up and upbringing" for row in rows)
    await wa.press(anna, themes, "Housing")
    await anna.send(STORY)
    await wa.reply(anna)  # where is this?
    await anna.send_location(52.3731, 4.8922)
    photo_question = await wa.reply(anna)
    assert "add a photo" in photo_question.text
    await anna.send_image(make_png())
    shown_as = await wa.reply(anna)
    summary = await wa.press(anna, shown_as, "Anonymous")
    assert "Photo: added" in summary.text
    receipt = await wa.press(anna, summary, "Send")
    assert "W-2026-0001" in receipt.text or "W-20" in receipt.text
    async with wa.app.db.transaction() as tx:
        story = await tx.one("SELECT text, photo_ref FROM experiences", ())
    assert story is not None and story["text"] == STORY and story["photo_ref"]
    await wa.handled()
    assert first in wa.emu.read and len(wa.emu.read) >= 10  # every handled message is marked as read


async def test_a_redelivered_webhook_is_handled_once(wa: WaRunning) -> None:
    anna = wa.emu.user("31612345678", "Anna")
    await wa.onboard(anna)
    await anna.send("status")
    await wa.reply(anna)
    await wa.handled()
    before = len(wa.emu.messages_to(anna))
    assert await wa.emu.redeliver() == 200
    await wa.handled()
    assert len(wa.emu.messages_to(anna)) == before


async def test_forged_foreign_and_stale_buttons_change_nothing(wa: WaRunning) -> None:
    anna, bob = wa.emu.user("31612345678", "Anna"), wa.emu.user("31687654321", "Bob")
    await wa.onboard(anna)
    await anna.send("taal")
    languages = await wa.reply(anna)
    assert "Polski" in languages.labels(), languages.labels()
    await anna.press_id("1:lang.nl:AAAAAAAAAA", "Nederlands")  # a made-up id
    assert (await wa.reply(anna)).text == EXPIRED
    await bob.press_id(dict(languages.options())["Polski"], "Polski")  # Anna's button id, sent by someone else
    assert (await wa.reply(bob)).text == "Deze knop werkt niet meer. Gebruik het nieuwste bericht."
    await wa.press(anna, languages, "English")
    await wa.handled()
    for message in wa.emu.messages_to(anna):
        message.consumed = True
    await anna.press(languages, "Polski")  # the old question, pressed again
    assert (await wa.reply(anna)).text == EXPIRED
    async with wa.app.db.transaction() as tx:
        assert await tx.value("SELECT language FROM residents", ()) == "en"
    assert await wa.count("residents") == 1  # Bob is not a resident


async def test_commands_work_typed_with_or_without_slash_in_dutch_and_english(wa: WaRunning) -> None:
    anna = wa.emu.user("31612345678", "Anna")
    await wa.onboard(anna)
    for typed in ("Delen", "share", "/delen"):
        await anna.send(typed)
        assert (await wa.reply(anna)).text.startswith("What is your experience about?"), typed
        await anna.send("stop")
        await wa.reply(anna)
    await anna.send("mijnverhalen")
    assert "You have not shared" in (await wa.reply(anna)).text or "stories" in wa.emu.messages_to(anna)[-1].text
    await anna.send("I would like to share something please")  # not a command: a short menu comes back
    await wa.handled()
    said = [m for m in wa.emu.messages_to(anna) if not m.consumed]
    assert "I did not understand that" in said[0].text
    assert said[-1].widget == "list" and "Share an experience" in said[-1].labels()


async def test_mydata_comes_as_a_text_plain_document_and_forget_erases(wa: WaRunning) -> None:
    anna = wa.emu.user("31612345678", "Anna")
    await wa.onboard(anna)
    await anna.send("mijngegevens")
    await wa.handled()
    document = next(m for m in wa.emu.messages_to(anna) if m.kind == "document")
    data, mime = wa.emu.media[document.body["document"]["id"]]
    assert mime == "text/plain" and json.loads(data)["resident"]["language"] == "en"
    assert document.body["document"]["filename"] == "wijkbot-mydata.txt"  # a phone opens .txt, not .json
    for message in wa.emu.messages_to(anna):
        message.consumed = True
    await anna.send("forget")
    question = await wa.reply(anna)
    labels = question.labels()
    await wa.press(anna, question, labels[0])
    await wa.handled()
    assert await wa.count("residents") == 0


async def test_a_voice_message_or_an_unsupported_message_gets_a_clear_answer(wa: WaRunning) -> None:
    anna = wa.emu.user("31612345678", "Anna")
    await wa.onboard(anna)
    await anna.message("audio", {"audio": {"id": wa.emu.store_media(b"OggS", "audio/ogg"), "mime_type": "audio/ogg"}})
    voice = await wa.reply(anna)
    await anna.message("unsupported", {"errors": [{"code": 131051, "title": "Message type unknown"}]})
    unknown = await wa.reply(anna)
    assert voice.text.startswith("I did not understand that.") and "Share an experience" in voice.labels()
    assert unknown.text == "I received an empty message. Please type some text."
