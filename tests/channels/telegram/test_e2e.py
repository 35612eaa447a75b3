"""The real App with the Telegram channel, over HTTP against the Bot API emulator (polling and webhook)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.channels.base import Address, Choice, Reply
from bot.i18n import Translator
from handlers.commands import translated_menu
from tests.channels.conftest import (
    BOT_USERNAME,
    TOKEN,
    WEBHOOK_SECRET,
    Running,
    start_bot,
    telegram_section,
)
from tests.peers.botapi import BotApiEmulator, EmuUser, StoredMessage, make_png
from tests.support import make_config

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB's own RetryAfter

EXPIRED = "This button has expired. Please use the newest message."
STORY = "The playground on the square has been broken for weeks and children play on the street."


def tamper(message: StoredMessage, label: str, data: str) -> None:
    """Make the client send ``data`` for the button ``label``, as a modified Telegram client could."""
    message.find_button(label)["callback_data"] = data


async def share_until_photo(bot: Running, user: EmuUser) -> None:
    await user.send("/share")
    question = await bot.reply(user)
    question = await bot.press(user, question, "Housing")
    await user.send(STORY)
    await bot.reply(user)  # where is this?
    await user.send("Dorpsstraat 12")
    noted = (await bot.reply(user)).text or ""  # what was noted, and the next question, in one message
    assert "left out the house number" in noted and "add a photo" in noted


async def test_onboarding_through_buttons(bot_any_mode: Running) -> None:
    bot, emu = bot_any_mode, bot_any_mode.emu
    anna = emu.user(1001, "Anna", language_code="en")
    await anna.send("/start")
    first = await bot.reply(anna)
    # Her app is in English, which is offered: the bot starts in it, with a button to change the language.
    assert (first.text or "").startswith("Welcome! I am the neighbourhood bot of Gemeente Teststad.\n\n"
                                         "In which neighbourhood do you live?")
    assert first.button_labels() == ["Centrum", "Noord", "🌐 Change language"]
    question = await bot.press(anna, first, "🌐 Change language")
    assert question.button_labels() == ["Nederlands", "English", "Türkçe", "العربية", "Polski"]
    assert [len(row) for row in question.buttons()] == [2, 2, 1]  # short labels: two per row
    assert all(len(b["callback_data"].encode()) <= 64 for row in question.buttons() for b in row)

    question2 = await bot.press(anna, question, "English")
    # The next question takes the pressed one's place, under the chosen option; the language buttons are gone.
    assert question2.message_id == question.message_id and len(emu.messages(anna)) == 1
    assert (question2.text or "").startswith("➜ English\n\nIn which neighbourhood do you live?")
    assert question2.button_labels() == ["Centrum", "Noord"]

    consent = await bot.press(anna, question2, "Centrum")
    assert consent.message_id == question.message_id and (consent.text or "").startswith("➜ Centrum\n\n")
    assert "Do you agree?" in (consent.text or "") and "Centrum" in (consent.text or "")
    assert await bot.count("residents") == 0  # nothing personal before consent
    welcome = await bot.press(anna, consent, "Yes, I agree")  # the thanks and the menu come as one message
    assert "Thank you, welcome!" in (welcome.text or "") and "What would you like to do?" in (welcome.text or "")
    assert "Share an experience" in welcome.button_labels()
    # What she agreed to stays readable: the consent question keeps its text, shows the answer, loses its buttons.
    agreed = emu.message(anna.chat, consent.message_id)
    assert welcome.message_id != agreed.message_id and "Do you agree?" in (agreed.text or "")
    assert (agreed.text or "").endswith("\n\n➜ Yes, I agree") and agreed.buttons() == []

    resident = await bot.row("SELECT * FROM residents WHERE channel = 'telegram' AND user_id = '1001'")
    assert resident is not None
    assert (resident["language"], resident["neighbourhood_id"], resident["chat_id"]) == ("en", "centrum", "1001")
    # Every press was answered, none with the "expired" text.
    assert len(emu.answered_callbacks) == 4 and all(a.text is None for a in emu.answered_callbacks.values())


async def test_deep_link_chooses_the_neighbourhood(bot: Running) -> None:
    emu = bot.emu
    bea = emu.user(1002, "Bea", language_code="nl")
    await bea.send("/start noord")  # what Telegram sends for t.me/<bot>?start=noord
    question = await bot.reply(bea)  # straight to the consent, in Dutch, the language of her app
    assert "Ga je akkoord?" in (question.text or "") and "(Noord)" in (question.text or "")
    languages = await bot.press(bea, question, "🌐 " + Translator("nl")._("Change language"))
    consent = await bot.press(bea, languages, "English")
    assert "Do you agree?" in (consent.text or "") and "(Noord)" in (consent.text or "")
    await bot.press(bea, consent, "Yes, I agree")
    resident = await bot.row("SELECT neighbourhood_id FROM residents WHERE user_id = '1002'")
    assert resident == {"neighbourhood_id": "noord"}


async def test_a_new_residents_language_is_guessed_from_telegram(bot: Running) -> None:
    emu = bot.emu
    welcome = "Welcome! I am the neighbourhood bot of {municipality}. Which language do you want to use?"
    ola = emu.user(1015, "Ola", language_code="pl")  # offered: the bot starts in Polish
    await ola.send("/start")
    polish = Translator("pl")
    assert (await bot.reply(ola)).text == "\n\n".join((
        polish._("Welcome! I am the neighbourhood bot of {municipality}.", municipality="Gemeente Teststad"),
        polish._("In which neighbourhood do you live? Type its name or the 4 digits of your postcode.")))
    hans = emu.user(1016, "Hans", language_code="de")  # not offered: the default language, Dutch
    await hans.send("/start")
    assert (await bot.reply(hans)).text == Translator("nl")._(welcome, municipality="Gemeente Teststad")
    assert Translator("pl")._(welcome) != Translator("nl")._(welcome) != welcome


async def test_language_can_be_changed(bot: Running) -> None:
    emu = bot.emu
    cem = emu.user(1003, "Cem", language_code="tr")
    await bot.onboard(cem)
    await cem.send("/language")
    question = await bot.reply(cem)
    await bot.press(cem, question, "Türkçe")
    assert await bot.row("SELECT language FROM residents WHERE user_id = '1003'") == {"language": "tr"}


async def test_sharing_an_experience_with_a_photo(bot_any_mode: Running) -> None:
    bot, emu = bot_any_mode, bot_any_mode.emu
    dina = emu.user(1004, "Dina", language_code="en")
    await bot.onboard(dina)
    await share_until_photo(bot, dina)

    await dina.send_document(b"%PDF-1.4 not a photo", "letter.pdf", mime="application/pdf")
    refusal = await bot.reply(dina)
    assert "I can only accept photos (JPEG, PNG or WebP)" in (refusal.text or "")

    sent = await dina.send_photo(make_png(640, 480), caption="the swing")
    largest = max(sent.photo or [], key=lambda size: size["width"])
    attribution = await bot.reply(dina)
    assert "how may we show it?" in (attribution.text or "")
    summary = await bot.press(dina, attribution, "Anonymous")
    assert "Photo: added" in (summary.text or "") and "Place: Dorpsstraat" in (summary.text or "")
    receipt = await bot.press(dina, summary, "Send")
    assert "Your reference is W-" in (receipt.text or "")

    stored = await bot.row("SELECT photo_ref, place_hint, text FROM experiences")
    assert stored == {"photo_ref": largest["file_id"], "place_hint": "Dorpsstraat", "text": STORY}
    assert emu.file_bytes(stored["photo_ref"]) == make_png(640, 480)  # the file id is a real, fetchable photo


async def test_a_photo_with_the_story_as_caption_keeps_both(bot: Running) -> None:
    emu = bot.emu
    fay = emu.user(1019, "Fay", language_code="en")
    await bot.onboard(fay)
    await fay.send("/share")
    question = await bot.reply(fay)
    await bot.press(fay, question, "Housing")
    sent = await fay.send_photo(make_png(320, 240), caption=STORY)
    largest = max(sent.photo or [], key=lambda size: size["width"])
    assert "Where is this?" in ((await bot.reply(fay)).text or "")
    await fay.send("Dorpsstraat")
    attribution = await bot.reply(fay)  # the photo question is not asked again
    assert "how may we show it?" in (attribution.text or "") and "photo" not in (attribution.text or "")
    summary = await bot.press(fay, attribution, "Anonymous")
    assert "Photo: added" in (summary.text or "") and STORY in (summary.text or "")
    await bot.press(fay, summary, "Send")
    stored = await bot.row("SELECT photo_ref, text FROM experiences")
    assert stored == {"photo_ref": largest["file_id"], "text": STORY}


async def test_an_image_sent_as_a_file_and_a_shared_location(bot: Running) -> None:
    emu = bot.emu
    eva = emu.user(1005, "Eva", language_code="en")
    await bot.onboard(eva)
    await eva.send("/share")
    question = await bot.reply(eva)
    await bot.press(eva, question, "Safety and crime")
    await eva.send(STORY)
    await bot.reply(eva)
    await eva.send_location(52.370216, 4.895168)
    noted = (await bot.reply(eva)).text or ""
    assert "only keep the rough area" in noted and "add a photo?" in noted
    document = await eva.send_document(make_png(32, 32), "swing.png", mime="image/png")
    attribution = await bot.reply(eva)
    summary = await bot.press(eva, attribution, "Anonymous")
    await bot.press(eva, summary, "Send")
    stored = await bot.row("SELECT photo_ref, place_hint FROM experiences")
    assert stored == {"photo_ref": (document.document or {})["file_id"], "place_hint": "≈ 52.370, 4.895"}


async def test_quiet_hours_are_chosen_by_button(bot: Running) -> None:
    """The quiet-hours options are keyed "21:00-08:00": the question must arrive with its buttons, and a press
    must change the setting (it used to vanish with only a log line)."""
    emu = bot.emu
    kim = emu.user(1017, "Kim", language_code="en")
    await bot.onboard(kim)
    await kim.send("/settings")
    menu = await bot.reply(kim)
    question = await bot.press(kim, menu, "Quiet hours")
    assert "When should I not send you messages?" in (question.text or "")
    assert question.button_labels() == ["21:00 – 08:00", "22:00 – 07:00", "23:00 – 09:00", "No quiet hours"]
    await bot.press(kim, question, "23:00 – 09:00")
    assert await bot.row("SELECT quiet_start, quiet_end FROM residents WHERE user_id = '1017'") == {
        "quiet_start": "23:00", "quiet_end": "09:00"}
    assert all(a.text is None for a in emu.answered_callbacks.values())  # no press was refused as expired


async def test_options_that_cannot_be_buttons_still_arrive_as_a_numbered_list(bot: Running) -> None:
    emu = bot.emu
    lea = emu.user(1018, "Lea", language_code="en")
    await bot.onboard(lea)
    too_long = Choice("x" * 70, "Far too long a key")  # no valid option is like this (see test_every_option)
    result = await bot.channel.send(Reply(text="Pick one", choices=(Choice("a", "First"), too_long),
                                          address=Address("telegram", str(lea.chat.id), private=True)))
    assert result.ok
    message = await bot.reply(lea)
    assert message.text == "Pick one\n\n1. First\n2. Far too long a key" and message.buttons() == []


async def test_forged_foreign_and_tampered_buttons_change_nothing(bot: Running) -> None:
    emu = bot.emu
    anna = emu.user(1001, "Anna")  # no app language: the language question comes first
    bob = emu.user(1002, "Bob")
    await anna.send("/start")
    await bob.send("/start")
    anna_question, bob_question = await bot.reply(anna), await bot.reply(bob)
    english = anna_question.find_button("English")["callback_data"]
    turn, _, mac = english.split(":")
    forgeries = [
        f"{turn}:nl:{mac}",  # another option with the MAC of English
        bob_question.find_button("English")["callback_data"],  # Bob's button, pressed by Anna
        f"{int(turn) + 1}:en:{mac}",  # another turn
        "1:en:AAAAAAAAAA",
        "garbage",
    ]
    state_before = await bot.row("SELECT * FROM conversations WHERE user_id = '1001'")
    for forged in forgeries:
        tamper(anna_question, "English", forged)
        query_id = await anna.press(anna_question, forged)
        answer = await emu.wait_for_answer(query_id)
        assert answer.text == Translator("nl")._(EXPIRED)  # no app language: the default, Dutch
    assert await bot.row("SELECT * FROM conversations WHERE user_id = '1001'") == state_before
    assert len(emu.messages(anna)) == 1 and not emu.message(anna.chat, anna_question.message_id).edited
    # The genuine button still works.
    tamper(anna_question, "English", english)
    assert "neighbourhood" in ((await bot.press(anna, anna_question, "English")).text or "")


async def test_a_button_from_an_earlier_turn_has_expired(bot: Running) -> None:
    emu = bot.emu
    fay = emu.user(1006, "Fay")  # no app language: the language question comes first
    await fay.send("/start")
    language_question = await bot.reply(fay)
    await fay.send("English")  # typed instead of pressed: the old keyboard stays
    await bot.reply(fay)  # which neighbourhood?
    state_before = await bot.row("SELECT * FROM conversations WHERE user_id = '1006'")
    query_id = await fay.press_button(language_question, "Polski")
    assert (await emu.wait_for_answer(query_id)).text == EXPIRED  # in the language she chose
    assert await bot.row("SELECT * FROM conversations WHERE user_id = '1006'") == state_before
    assert not emu.message(fay.chat, language_question.message_id).edited
    assert len(emu.messages(fay)) == 2


async def barrier(bot: Running) -> None:
    """Updates are handled one after another: once a later /help is answered, every earlier update was handled."""
    witness = bot.emu.user(1999, "Witness", language_code="en")
    await witness.send("/help")
    await bot.reply(witness)


async def unreachable_at(bot: Running, user_id: str) -> Any:
    found = await bot.row("SELECT unreachable_at FROM residents WHERE user_id = ?", user_id)
    return found and found["unreachable_at"]


async def test_blocking_the_bot_marks_the_resident_unreachable(bot: Running) -> None:
    emu = bot.emu
    gus = emu.user(1007, "Gus", language_code="en")
    await bot.onboard(gus)
    gus.block()  # Telegram tells the bot with a my_chat_member update
    await barrier(bot)
    assert await unreachable_at(bot, "1007")
    # A message sent anyway answers 403: reported as unreachable and not retried.
    calls = len(emu.calls_to("sendMessage"))
    result = await bot.channel.send(Reply(text="Hello", address=Address("telegram", "1007")))
    assert (result.ok, result.unreachable) == (False, True)
    assert len(emu.calls_to("sendMessage")) == calls + 1


async def test_a_403_when_sending_marks_the_resident_unreachable(bot: Running) -> None:
    emu = bot.emu
    hal = emu.user(1008, "Hal", language_code="en")
    await bot.onboard(hal)
    emu.fail_next("sendMessage", 403, description="Forbidden: bot was blocked by the user")
    calls = len(emu.calls_to("sendMessage"))
    result = await bot.channel.send(Reply(text="Your story was read", address=Address("telegram", "1008")))
    assert (result.ok, result.unreachable) == (False, True)
    assert len(emu.calls_to("sendMessage")) == calls + 1  # not retried
    assert await unreachable_at(bot, "1008")


async def test_a_429_storm_is_waited_out(bot: Running) -> None:
    emu = bot.emu
    ida = emu.user(1009, "Ida", language_code="en")
    emu.fail_next("sendMessage", 429, retry_after=1, count=2)
    await ida.send("/help")
    reply = await bot.reply(ida, wait=10)
    assert "You can type:" in (reply.text or "")
    statuses = [call.status for call in emu.calls if call.method == "sendMessage"]
    assert statuses == [429, 429, 200]


async def test_server_errors_and_timeouts_are_retried(tmp_path: Path, emu: BotApiEmulator,
                                                      caplog: pytest.LogCaptureFixture, engine: str) -> None:
    bot = await start_bot(emu, make_config(tmp_path, telegram=telegram_section(emu)), timeout=0.5)
    try:
        jan = emu.user(1010, "Jan", language_code="en")
        caplog.set_level(logging.INFO)
        emu.delay_next("sendMessage", 2.0, before=True)  # the bot gives up waiting after 0.5 s
        emu.fail_next("sendMessage", 502)
        emu.fail_next("sendMessage", 500)
        await jan.send("/help")
        reply = await bot.reply(jan)
        assert "You can type:" in (reply.text or "")
        attempts = [c for c in emu.calls if c.method == "sendMessage"]
        assert len(attempts) >= 4 and [c.status for c in attempts[-3:]] == [502, 500, 200]
        assert len(emu.messages(jan)) == 1  # the timed-out attempt had no effect; nothing doubled
        # Retries are logged without what was said or to whom.
        logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
        assert "retry" in logged and "1010" not in logged and "You can type" not in logged

        # After a few attempts the channel gives up and says so in the result.
        emu.fail_next("sendMessage", 503, count=10)
        result = await bot.channel.send(Reply(text="Hello", address=Address("telegram", "1010")))
        assert result.ok is False and not result.unreachable and result.error
        assert [c.status for c in emu.calls if c.method == "sendMessage"][-4:] == [503] * 4
    finally:
        await bot.app.stop()


async def test_a_redelivered_update_changes_nothing(tmp_path: Path, emu: BotApiEmulator, mode: str,
                                                    engine: str) -> None:
    config = make_config(tmp_path, telegram=telegram_section(emu, mode))
    bot = await start_bot(emu, config)
    kim = emu.user(1011, "Kim", language_code="en")
    try:
        await bot.onboard(kim)
        first_update = len(emu.updates)
        await share_until_photo(bot, kim)
        photo_question = emu.last_message(kim)
        assert photo_question is not None
        attribution = await bot.press(kim, photo_question, "Skip")
        summary = await bot.press(kim, attribution, "Anonymous")
        await bot.press(kim, summary, "Send")
        assert await bot.count("experiences") == 1
        state = await bot.row("SELECT * FROM conversations WHERE user_id = '1011'")
        sent = len(emu.messages(kim))
        if mode == "polling":  # a crash before the updates were confirmed: a new process gets them again
            await bot.app.stop()
            bot = await start_bot(emu, config)
        for update in emu.updates[first_update:]:
            emu.redeliver(update["update_id"])
        await barrier(bot)
        assert await bot.count("experiences") == 1
        assert await bot.row("SELECT * FROM conversations WHERE user_id = '1011'") == state
        assert len(emu.messages(kim)) == sent  # no answer to anything handled before
    finally:
        await bot.app.stop()


async def test_in_a_group_the_bot_only_invites_to_a_private_chat(tmp_path: Path, engine: str) -> None:
    # Without privacy mode (or as an admin) the bot receives every group message, and must ignore plain talk.
    async with BotApiEmulator(token=TOKEN, username=BOT_USERNAME, privacy_mode=False) as emu:
        bot = await start_bot(emu, make_config(tmp_path, telegram=telegram_section(emu)))
        try:
            lea = emu.user(1012, "Lea", language_code="en")
            centrum = emu.group(-100123, "Centrum buurt")  # the neighbourhood group of Centrum in the config
            other = emu.group(-100999, "Sportclub")
            await lea.send("I want to tell you something", chat=centrum)  # plain talk: not for the bot
            await lea.send("/share@some_other_bot", chat=centrum)  # another bot's command
            await barrier(bot)
            assert emu.messages(centrum) == []
            await lea.send(f"/share@{BOT_USERNAME}", chat=centrum)
            invite = await emu.wait_for_message(centrum)
            assert "private chat" in (invite.text or "")
            button = invite.buttons()[0][0]
            assert button["url"] == f"https://t.me/{BOT_USERNAME}?start=centrum"
            await lea.send("/start", chat=other)
            invite = await emu.wait_for_message(other)
            assert invite.buttons()[0][0]["url"] == f"https://t.me/{BOT_USERNAME}?start=_group"
            await barrier(bot)
            assert await bot.count("conversations") == 0 and await bot.count("residents") == 0
            assert emu.messages(lea) == []  # nothing personal started anywhere
        finally:
            await bot.app.stop()


async def test_the_command_menu_is_published_per_language(bot: Running) -> None:
    emu = bot.emu
    menu = translated_menu(bot.config.languages)
    for language in bot.config.languages:
        assert emu.commands(language_code=language) == [
            {"command": command, "description": description} for command, description in menu[language]]
    assert emu.commands() == [{"command": c, "description": d} for c, d in menu["nl"]]  # the default language
    # What people see in Telegram's menu: their app's language if offered, else the default (Dutch).
    shown = {code: emu.visible_commands(emu.user(1100 + i, "P", language_code=code))[1]["description"]
             for i, code in enumerate(("pl", "en", "de"))}
    assert shown == {"pl": Translator("pl")._("Share an experience"), "en": "Share an experience",
                     "de": Translator("nl")._("Share an experience")}


async def test_mydata_delivers_a_json_file(bot: Running) -> None:
    emu = bot.emu
    nia = emu.user(1014, "Nia", language_code="en")
    await bot.onboard(nia)
    await nia.send("/mydata")
    overview = await bot.reply(nia)
    assert "This is everything we store about you:" in (overview.text or "")
    document = await bot.reply(nia)
    assert document.document is not None and document.document["file_name"] == "wijkbot-mydata.json"
    assert document.caption == "The same data as a file (JSON)."
    exported = json.loads(emu.file_bytes(document.document["file_id"]))
    assert exported["resident"]["user_id"] == "1014" and exported["resident"]["neighbourhood"] == "centrum"


async def test_the_webhook_checks_the_secret_token(tmp_path: Path, emu: BotApiEmulator, engine: str) -> None:
    config = make_config(tmp_path, telegram=telegram_section(emu, "webhook"))
    bot = await start_bot(emu, config)
    try:
        assert config.telegram is not None and config.telegram.webhook_url is not None
        update = {"update_id": 99, "message": {
            "message_id": 1, "date": 0, "chat": {"id": 1015, "type": "private", "first_name": "Eve"},
            "from": {"id": 1015, "is_bot": False, "first_name": "Eve"}, "text": "/start"}}
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with session.post(config.telegram.webhook_url, json=update, headers=headers) as response:
                    assert response.status == 403
        await barrier(bot)
        assert 1015 not in [c.get("chat_id") for c in emu.calls_to("sendMessage")]
        assert emu.queue.webhook is not None and emu.queue.webhook.secret_token == WEBHOOK_SECRET
    finally:
        await bot.app.stop()


async def test_the_webhook_answers_telegram_after_the_turn(tmp_path: Path, emu: BotApiEmulator) -> None:
    """Telegram gets its 200 only once the update was handled and its answer sent (bot/channels/telegram/webhook.py):
    an update acknowledged and then lost with the process cannot happen, and the next update of the same chat, which
    Telegram sends only after that answer, cannot overtake it in another process."""
    config = make_config(tmp_path, telegram=telegram_section(emu, "webhook"))
    bot = await start_bot(emu, config)
    try:
        assert config.telegram is not None and config.telegram.webhook_url is not None
        update = {"update_id": 77, "message": {
            "message_id": 1, "date": 0, "chat": {"id": 1016, "type": "private", "first_name": "Fenna"},
            "from": {"id": 1016, "is_bot": False, "first_name": "Fenna"}, "text": "/privacy"}}
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        async with aiohttp.ClientSession() as session, \
                session.post(config.telegram.webhook_url, json=update, headers=headers) as response:
            assert response.status == 200
            assert "1016" in [str(c.get("chat_id")) for c in emu.calls_to("sendMessage")]  # answered before the 200
    finally:
        await bot.app.stop()
