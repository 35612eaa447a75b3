"""Tests of the Bot API emulator, driven by the real python-telegram-bot client over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
import warnings
from typing import Any

import aiohttp
import pytest
import telegram
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputPollOption,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
)
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken, NetworkError, RetryAfter

from tests.peers.botapi import BotApiEmulator, EmuUser, make_png
from tests.peers.botapi_format import format_text
from tests.peers.conftest import TOKEN, USERNAME

pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")


def assert_known_fields(obj: Any) -> None:
    """Every field the emulator sent is one PTB knows (no api_kwargs), recursively."""
    if isinstance(obj, TelegramObject):
        assert not obj.api_kwargs, f"{type(obj).__name__} got unknown fields {obj.api_kwargs}"
        for value in obj._get_attrs(recursive=False).values():
            assert_known_fields(value)
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            assert_known_fields(item)


def retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# ----------------------------------------------------------------------- basics


@pytest.mark.asyncio
async def test_get_me(bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.id == 123456 and me.username == USERNAME
    assert me.can_read_all_group_messages is False  # privacy mode
    assert_known_fields(me)


@pytest.mark.asyncio
async def test_user_message_reaches_the_bot_as_ptb_update(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    anna = emu.user(id=1001, first_name="Anna", language_code="nl")
    sent = await anna.send("/start nieuwwest")
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [sent.update_id]
    message = updates[0].message
    assert message is not None and message.text == "/start nieuwwest"
    assert message.chat.type == "private" and message.from_user is not None
    assert message.from_user.language_code == "nl"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == len("/start")
    assert abs(message.date.timestamp() - time.time()) < 5  # seconds, not milliseconds
    assert_known_fields(updates)


@pytest.mark.asyncio
async def test_send_edit_delete(emu: BotApiEmulator, bot: telegram.Bot, anna: EmuUser) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="yes")]])
    sent = await bot.send_message(
        anna.id, "<b>Hoi</b> Anna 👋, zie https://wijk.example.org", parse_mode="HTML", reply_markup=keyboard
    )
    assert_known_fields(sent)
    assert sent.text == "Hoi Anna 👋, zie https://wijk.example.org"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 3), ("url", 17, 24)]
    stored = emu.messages(anna.id)[-1]
    assert stored.button_labels() == ["Ja"] and stored.text == sent.text

    edited = await bot.edit_message_text("Nieuw", chat_id=anna.id, message_id=sent.message_id, reply_markup=keyboard)
    assert isinstance(edited, telegram.Message) and edited.edit_date is not None
    assert emu.messages(anna.id)[-1].text == "Nieuw" and emu.messages(anna.id)[-1].edited

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Nieuw", chat_id=anna.id, message_id=sent.message_id, reply_markup=keyboard)
    await bot.edit_message_reply_markup(chat_id=anna.id, message_id=sent.message_id, reply_markup=None)
    assert emu.messages(anna.id)[-1].reply_markup is None

    reply = await bot.send_message(anna.id, "Antwoord", reply_parameters=telegram.ReplyParameters(sent.message_id))
    assert reply.reply_to_message is not None and reply.reply_to_message.message_id == sent.message_id

    assert await bot.delete_message(anna.id, sent.message_id)
    assert [m.text for m in emu.messages(anna.id)] == ["Antwoord"]
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(anna.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=anna.id, message_id=sent.message_id)


@pytest.mark.asyncio
async def test_keyboard_callback_is_answered_once(emu: BotApiEmulator, bot: telegram.Bot, anna: EmuUser) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="vote:yes")]])
    await bot.send_message(anna.id, "Meedoen?", reply_markup=keyboard)
    stored = await emu.wait_for_message(anna)
    query_id = await anna.press_button(stored, "Ja")

    (update,) = await bot.get_updates()
    assert_known_fields(update)
    query = update.callback_query
    assert query is not None and query.id == query_id and query.data == "vote:yes"
    assert query.chat_instance and query.message is not None and query.message.chat.id == anna.id

    assert await query.answer("Dank je", show_alert=True)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("nog eens")
    answer = emu.answered_callbacks[query_id]
    assert (answer.text, answer.show_alert) == ("Dank je", True)

    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(anna.id, "te lang", reply_markup=too_long)
    with pytest.raises(ValueError, match=r"(?i)no button"):
        await anna.press(stored, "vote:no")


@pytest.mark.asyncio
async def test_reply_keyboard_and_removal(emu: BotApiEmulator, bot: telegram.Bot, anna: EmuUser) -> None:
    markup = ReplyKeyboardMarkup([["Fietspad", "Afval"]], one_time_keyboard=True)
    sent = await bot.send_message(anna.id, "Waarover?", reply_markup=markup)
    assert sent.reply_markup is None  # Telegram echoes only inline keyboards
    assert emu.messages(anna.id)[-1].keyboard_labels() == ["Fietspad", "Afval"]
    await anna.send("Afval")
    assert anna.chat.reply_keyboard is None  # one-time keyboard hides after use
    await bot.send_message(anna.id, "Klaar", reply_markup=ReplyKeyboardRemove())
    assert emu.messages(anna.id)[-1].reply_keyboard == {"remove_keyboard": True}


# ----------------------------------------------------------------------- errors


@pytest.mark.asyncio
async def test_error_answers(emu: BotApiEmulator, bot: telegram.Bot, anna: EmuUser) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(anna.id, "x" * 4097)
    await bot.send_message(anna.id, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(anna.id, "   ")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999, "hallo")
    with pytest.raises(BadRequest, match=r'(?i)can\'t parse entities: Unsupported start tag "br"'):
        await bot.send_message(anna.id, "a<br>b", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Character '.' is reserved"):
        await bot.send_message(anna.id, "Klaar.", parse_mode="MarkdownV2")

    stranger = emu.user(id=2002, first_name="Bram")
    with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation with a user"):
        await bot.send_message(stranger.id, "hallo")
    anna.block()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(anna.id, "hallo")
    (blocked,) = await bot.get_updates()
    assert blocked.my_chat_member is not None and blocked.my_chat_member.new_chat_member.status == "kicked"
    anna.unblock()

    emu.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(anna.id, "hallo")
    assert retry_seconds(flood.value) == 3 and emu.stats["429"] == 1
    emu.fail_next("sendMessage", 500)
    with pytest.raises(NetworkError, match=r"(?i)Internal Server Error"):
        await bot.send_message(anna.id, "hallo")
    await bot.send_message(anna.id, "weer goed")


@pytest.mark.asyncio
async def test_unknown_method_and_bad_token(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})
    with pytest.raises(InvalidToken, match="setMessageReaction is a Bot API method the emulator does not implement"):
        await bot.set_message_reaction(1001, 1, "👍")  # PTB reads every 404 as InvalidToken
    assert emu.unemulated == ["setMessageReaction"]
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.base_url}{TOKEN}/sendTelepathy") as response:
            assert response.status == 404
            assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.get(f"{emu.base_url}123456:WRONG/getMe") as response:
            assert response.status == 401
            assert await response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        # JSON bodies, query strings and case-insensitive method names work as with Telegram
        async with http.get(f"{emu.base_url}{TOKEN}/GETME") as response:
            assert (await response.json())["result"]["username"] == USERNAME
        emu.user(id=1001, first_name="Anna", started=True)
        body = {
            "chat_id": 1001,
            "text": "json",
            "reply_markup": {"inline_keyboard": [[{"text": "a", "url": "https://x.org"}]]},
        }
        async with http.post(f"{emu.base_url}{TOKEN}/sendMessage", json=body) as response:
            assert (await response.json())["result"]["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://x.org"
        async with http.post(f"{emu.base_url}{TOKEN}/sendMessage", json={**body, "colour": "red"}) as response:
            assert response.status == 400 and "unknown parameter" in (await response.json())["description"]
    with pytest.raises(InvalidToken):
        async with telegram.Bot("123456:WRONG", base_url=emu.base_url) as wrong:
            await wrong.get_me()


@pytest.mark.asyncio
async def test_rate_limits_and_delays() -> None:
    emu = BotApiEmulator(token=TOKEN, username=USERNAME, rate_limit_per_second=5)
    async with emu, telegram.Bot(TOKEN, base_url=emu.base_url) as bot:
        anna = emu.user(id=1001, first_name="Anna", started=True)
        results = await asyncio.gather(
            *(bot.send_message(anna.id, f"bericht {i}") for i in range(8)), return_exceptions=True
        )
        limited = [r for r in results if isinstance(r, RetryAfter)]
        assert len(limited) == 3 and emu.stats["429"] == 3
        assert retry_seconds(limited[0]) >= 1
        assert emu.stats["messages"] == 5 and emu.max_sent_per_second <= 5

        emu.rate_limit_per_second = None
        emu.per_chat_limits = True
        emu.reset_rate_limits()
        await bot.send_message(anna.id, "een")
        with pytest.raises(RetryAfter):
            await bot.send_message(anna.id, "twee binnen een seconde")

        emu.per_chat_limits = False
        emu.delay_next("sendMessage", 0.6)
        with pytest.raises(telegram.error.TimedOut):
            await bot.send_message(anna.id, "traag", read_timeout=0.2)
        assert emu.messages(anna.id)[-1].text == "traag"  # delivered although the client timed out


# ----------------------------------------------------------------------- updates


@pytest.mark.asyncio
async def test_get_updates_offset_limit_and_timeout(emu: BotApiEmulator, bot: telegram.Bot, anna: EmuUser) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3

    waiting = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0)  # let the request go out; the long poll must end as soon as an update exists
    started = time.monotonic()
    first = await anna.send("een")
    (update,) = await asyncio.wait_for(waiting, 5)
    assert update.update_id == first.update_id and time.monotonic() - started < 2

    second, third = await anna.send("twee"), await anna.send("drie")
    assert len(await bot.get_updates()) == 3  # nothing confirmed yet
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [first.update_id]
    assert second.update_id is not None and third.update_id is not None
    after = await bot.get_updates(offset=second.update_id)  # confirms the first
    assert [u.update_id for u in after] == [second.update_id, third.update_id]
    assert [u.update_id for u in await bot.get_updates()] == [second.update_id, third.update_id]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == [third.update_id]
    assert await bot.get_updates(offset=third.update_id + 1) == ()
    assert first.update_id < second.update_id < third.update_id

    await bot.get_updates(allowed_updates=["callback_query"])
    assert (await anna.send("gefilterd")).update_id is None
    await bot.get_updates(allowed_updates=[])
    assert (await anna.send("weer door")).update_id is not None


@pytest.mark.asyncio
async def test_second_poller_conflicts_first(emu: BotApiEmulator, bot: telegram.Bot, anna: EmuUser) -> None:
    waiting = asyncio.create_task(bot.get_updates(timeout=10))
    await emu.wait_for_call("getUpdates")
    async with telegram.Bot(TOKEN, base_url=emu.base_url) as second_instance:
        assert await second_instance.get_updates() == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
        await asyncio.wait_for(waiting, 5)


@pytest.mark.asyncio
async def test_redelivery_of_a_confirmed_update(emu: BotApiEmulator, bot: telegram.Bot, anna: EmuUser) -> None:
    sent = await anna.send("/melding kapotte lantaarn")
    (update,) = await bot.get_updates()
    assert await bot.get_updates(offset=update.update_id + 1) == ()
    assert emu.pending_updates == []
    assert sent.update_id is not None
    emu.redeliver(sent.update_id)  # as if the bot crashed before confirming
    (again,) = await bot.get_updates()
    assert again.update_id == update.update_id and again.message is not None
    assert again.message.text == "/melding kapotte lantaarn"


# ------------------------------------------------------------------------ files


@pytest.mark.asyncio
async def test_documents_and_photos(emu: BotApiEmulator, bot: telegram.Bot, anna: EmuUser) -> None:
    data = b"wijk;meldingen\nnoord;3\n"
    sent = await bot.send_document(anna.id, data, filename="rapport.csv", caption="Rapport", thumbnail=make_png(32, 32))
    assert_known_fields(sent)
    assert sent.document is not None and sent.document.file_name == "rapport.csv"
    assert emu.file_bytes(sent.document.file_id) == data
    assert emu.messages(anna.id)[-1].document == sent.document.to_dict()
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == data

    photo = make_png(640, 480)
    posted = await bot.send_photo(anna.id, photo, caption="<i>kijk</i>", parse_mode="HTML")
    assert posted.caption == "kijk" and posted.photo[-1].width == 640 and posted.photo[0].width == 90
    again = await bot.send_photo(anna.id, posted.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == posted.photo[-1].file_unique_id
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(anna.id, b"not an image")
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(anna.id, "no-such-file-id")

    await anna.send_photo(make_png(1600, 1200), caption="gat in de weg")
    await anna.send_location(52.37, 4.89)
    updates = await bot.get_updates()
    assert_known_fields(updates)
    picture = updates[0].message
    assert picture is not None and picture.caption == "gat in de weg"
    assert [p.width for p in picture.photo] == [90, 320, 800, 1280]
    downloaded = await (await picture.photo[-1].get_file()).download_as_bytearray()
    assert bytes(downloaded) == emu.file_bytes(picture.photo[-1].file_id)
    location = updates[1].message
    assert location is not None and location.location is not None
    assert (location.location.latitude, location.location.longitude) == (52.37, 4.89)


# ------------------------------------------------------------------------ polls


@pytest.mark.asyncio
async def test_poll_votes_and_stop(emu: BotApiEmulator, bot: telegram.Bot, anna: EmuUser) -> None:
    sent = await bot.send_poll(
        anna.id,
        "Wat eerst?",
        ["Bankjes", InputPollOption("Bomen"), "Verlichting"],
        is_anonymous=False,
        allows_multiple_answers=True,
    )
    assert_known_fields(sent)
    assert sent.poll is not None and not sent.poll.is_anonymous and sent.poll.allows_multiple_answers
    poll_id = sent.poll.id
    await anna.vote(poll_id, [0, 2])
    updates = await bot.get_updates()
    assert_known_fields(updates)
    answers = [u.poll_answer for u in updates if u.poll_answer]
    assert len(answers) == 1 and answers[0].option_ids == (0, 2)
    assert answers[0].user is not None and answers[0].user.id == anna.id
    states = [u.poll for u in updates if u.poll]
    assert states[-1].options[2].voter_count == 1 and states[-1].total_voter_count == 1

    stopped = await bot.stop_poll(anna.id, sent.message_id)
    assert stopped.is_closed and [o.voter_count for o in stopped.options] == [1, 0, 1]
    with pytest.raises(ValueError, match=r"(?i)closed"):
        await anna.vote(poll_id, [1])
    with pytest.raises(BadRequest, match=r"(?i)poll has already been closed"):
        await bot.stop_poll(anna.id, sent.message_id)

    anonymous = await bot.send_poll(anna.id, "Anoniem?", ["ja", "nee"])
    assert anonymous.poll is not None and anonymous.poll.is_anonymous
    await anna.vote(anonymous.poll.id, [1])
    fresh = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert [u.poll is not None for u in fresh] == [True]  # no poll_answer for anonymous polls


# --------------------------------------------------------------------- commands


@pytest.mark.asyncio
async def test_commands_per_scope_and_language(emu: BotApiEmulator, bot: telegram.Bot, anna: EmuUser) -> None:
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("hulp", "Hulp")], language_code="nl")
    await bot.set_my_commands(
        [BotCommand("melding", "Doe een melding")], scope=BotCommandScopeAllPrivateChats(), language_code="nl"
    )
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="nl")] == ["Begin", "Hulp"]
    assert emu.commands("all_private_chats", "nl") == [{"command": "melding", "description": "Doe een melding"}]
    assert emu.commands(BotCommandScopeAllPrivateChats()) == []
    assert [c["command"] for c in emu.visible_commands(anna)] == ["melding"]
    group = emu.group(-100123, "Buurt")
    assert [c["command"] for c in emu.visible_commands(group, anna)] == ["start", "hulp"]
    await bot.delete_my_commands(language_code="nl")
    assert await bot.get_my_commands(language_code="nl") == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start", "hoofdletter")])


# ------------------------------------------------------------------------ groups


@pytest.mark.asyncio
async def test_group_privacy_and_leaving(emu: BotApiEmulator, bot: telegram.Bot, anna: EmuUser) -> None:
    group = emu.group(id=-100123, title="Buurt")
    assert (await anna.send("gewoon gepraat", chat=group)).update_id is None  # privacy mode
    assert (await anna.send("/share@other_bot", chat=group)).update_id is None
    shared = await anna.send(f"/share@{USERNAME}", chat=group)
    (update,) = await bot.get_updates()
    assert update.update_id == shared.update_id and update.message is not None
    assert update.message.chat.type == "supergroup" and update.message.chat.title == "Buurt"
    await bot.send_message(group.id, "Gedeeld!")
    assert (await emu.wait_for_message(group)).text == "Gedeeld!"
    assert await bot.leave_chat(group.id)
    with pytest.raises(Forbidden, match=r"(?i)bot is not a member of the supergroup chat"):
        await bot.send_message(group.id, "nog iets")


def test_markdown_v2_and_utf16_offsets() -> None:
    text, entities = format_text(
        "*vet* _schuin_ __onder__ ~weg~ ||geheim|| [link](https://x.org) `code` \\.", "MarkdownV2"
    )
    assert text == "vet schuin onder weg geheim link code ."
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "text_link",
        "code",
    ]
    text, entities = format_text("🚲 <b>fiets</b>", "HTML")
    assert text == "🚲 fiets" and entities[0] == {"type": "bold", "offset": 3, "length": 5}
    text, entities = format_text("```python\nprint(1)\n```", "MarkdownV2")
    assert text == "print(1)"
    assert entities[0]["type"] == "pre" and entities[0]["language"] == "python"
    text, entities = format_text('<pre><code class="language-sql">select 1</code></pre>', "HTML")
    assert text == "select 1" and entities == [{"type": "pre", "offset": 0, "length": 8, "language": "sql"}]
    text, entities = format_text("mail a@b.nl of /help@wijkbot #buurt", None)
    assert [e["type"] for e in entities] == ["email", "bot_command", "hashtag"]


@pytest.mark.asyncio
async def test_more_user_and_chat_actions(emu: BotApiEmulator, bot: telegram.Bot, anna: EmuUser) -> None:
    typo = await anna.send("kapote lamp")
    await anna.edit(typo, "kapotte lamp")
    answer = await bot.send_message(anna.id, "Waar?")
    await anna.send("Dorpsstraat 1", reply_to=answer)
    group = emu.group(-4001, "Straat", added_by=anna, admins=[anna.id])
    updates = await bot.get_updates()
    assert_known_fields(updates)
    kinds = [next(k for k in u.to_dict() if k != "update_id") for u in updates]
    assert kinds == ["message", "edited_message", "message", "my_chat_member", "message"]
    assert updates[1].edited_message is not None and updates[1].edited_message.text == "kapotte lamp"
    assert updates[2].message is not None and updates[2].message.reply_to_message is not None
    assert updates[2].message.reply_to_message.message_id == answer.message_id
    assert updates[4].message is not None and updates[4].message.new_chat_members[0].username == USERNAME
    assert group.type == "group"

    info = await bot.get_chat(group.id)
    assert_known_fields(info)
    assert info.title == "Straat" and info.type == "group"
    member = await bot.get_chat_member(group.id, anna.id)
    assert_known_fields(member)
    assert member.status == "administrator"
    assert (await bot.get_chat_member(group.id, emu.bot_id)).status == "member"
    assert await bot.send_chat_action(anna.id, "typing")
    assert emu.chat_actions == [(anna.id, "typing")]
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(anna.id, "dancing")
    await bot.set_chat_menu_button(anna.id, telegram.MenuButtonCommands())
    assert (await bot.get_chat_menu_button(anna.id)).type == "commands"
    with pytest.raises(telegram.error.TimedOut):
        emu.delay_next("getMe", 1.0, before=True)
        await bot.get_me(read_timeout=0.1)
