"""The Telegram channel without sockets: PTB with an httpx MockTransport, updates fed as Bot API JSON."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from telegram.request import HTTPXRequest

from bot.channels.base import (
    Address,
    Attachment,
    AttachmentKind,
    Choice,
    Incoming,
    Reply,
)
from bot.channels.callback import Pressed, derive_secret, verify
from bot.channels.telegram import TelegramChannel
from bot.i18n import Translator
from tests.channels.conftest import BOT_USERNAME, TOKEN
from tests.support import make_config

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB's own RetryAfter

EXPIRED = "This button has expired. Please use the newest message."
ANNA = {"id": 1001, "is_bot": False, "first_name": "Anna", "language_code": "pl"}
PRIVATE = {"id": 1001, "type": "private", "first_name": "Anna"}
GROUP = {"id": -100123, "type": "supergroup", "title": "Centrum buurt"}


class FakeBotApi:
    """Answers PTB's requests like the Bot API does; records them; fails on request."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.failures: list[tuple[str, int, str, dict[str, Any] | None]] = []
        self._message_id = 100

    def fail(self, method: str, status: int, description: str, parameters: dict[str, Any] | None = None,
             count: int = 1) -> None:
        self.failures += [(method, status, description, parameters)] * count

    def called(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    @staticmethod
    def _params(request: httpx.Request) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.content)
            params: dict[str, Any] = {}
            for part in message.iter_parts():
                name = str(part.get_param("name", header="content-disposition"))
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                filename = part.get_filename()
                params[name] = (filename, payload) if filename else payload.decode()
            return params
        return dict(parse_qsl(request.content.decode()))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[1]
        params = self._params(request)
        self.calls.append((method, params))
        for index, (name, status, description, parameters) in enumerate(self.failures):
            if name == method:
                del self.failures[index]
                body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
                if parameters:
                    body["parameters"] = parameters
                return httpx.Response(status, json=body)
        return httpx.Response(200, json={"ok": True, "result": self._result(method, params)})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": 123456, "is_bot": True, "first_name": "Wijkbot", "username": BOT_USERNAME}
        if method in ("getMyDescription", "getMyShortDescription"):  # BotDescription / BotShortDescription
            return {"description" if method == "getMyDescription" else "short_description": ""}
        if method.startswith("send") or method.startswith("edit"):
            self._message_id += 1
            chat_id = int(params["chat_id"])
            chat = PRIVATE if chat_id > 0 else GROUP
            message: dict[str, Any] = {"message_id": int(params.get("message_id", self._message_id)), "date": 0,
                                       "chat": {**chat, "id": chat_id}}
            if "text" in params:
                message["text"] = params["text"]
            return message
        return True


class FakeHost:
    def __init__(self) -> None:
        self.incoming: list[Incoming] = []
        self.unreachable_addresses: list[Address] = []
        self.answer: Callable[[Incoming], list[Reply]] = lambda incoming: []

    async def dispatch(self, incoming: Incoming) -> list[Reply]:
        self.incoming.append(incoming)
        return self.answer(incoming)

    async def unreachable(self, address: Address) -> None:
        self.unreachable_addresses.append(address)


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
def host() -> FakeHost:
    return FakeHost()


def make(tmp_path: Path, api: FakeBotApi, **options: Any) -> TelegramChannel:
    config = make_config(tmp_path, telegram={"token": TOKEN})
    menu = {"nl": [("start", "Beginnen")], "en": [("start", "Start")]}
    options.setdefault("retry_delays", (0.0, 0.0, 0.0))
    return TelegramChannel(config, menu, receive=False,
                           request=lambda: HTTPXRequest(httpx_kwargs={"transport": httpx.MockTransport(api)}),
                           **options)


@pytest.fixture
async def channel(tmp_path: Path, api: FakeBotApi, host: FakeHost) -> AsyncIterator[TelegramChannel]:
    telegram = make(tmp_path, api)
    await telegram.start(host)
    api.calls.clear()
    yield telegram
    await telegram.stop()


def message_update(update_id: int, chat: dict[str, Any] = PRIVATE, **content: Any) -> dict[str, Any]:
    return {"update_id": update_id, "message": {"message_id": 7, "date": 0, "chat": chat, "from": ANNA, **content}}


def callback_update(update_id: int, data: str, message: dict[str, Any]) -> dict[str, Any]:
    return {"update_id": update_id, "callback_query": {
        "id": f"q{update_id}", "from": ANNA, "chat_instance": "42", "data": data, "message": message}}


async def test_start_publishes_the_menu_per_language(tmp_path: Path, api: FakeBotApi, host: FakeHost) -> None:
    telegram = make(tmp_path, api)
    await telegram.start(host)
    try:
        assert telegram.username == BOT_USERNAME
        menus = api.called("setMyCommands")
        assert [m.get("language_code") for m in menus] == ["nl", "en", None]
        assert json.loads(menus[2]["commands"]) == [{"command": "start", "description": "Beginnen"}]
    finally:
        await telegram.stop()


async def test_a_private_message_becomes_an_incoming(channel: TelegramChannel, host: FakeHost) -> None:
    await channel.feed(message_update(5, text="/start centrum"))
    await channel.feed(message_update(6, text="Hallo daar"))
    await channel.feed(message_update(7, text=f"/help@{BOT_USERNAME}"))
    await channel.feed(message_update(8, text="/help@some_other_bot"))  # not for us
    first, second, third = host.incoming
    assert (first.actor.channel, first.actor.user_id, first.actor.display_name, first.actor.language_hint) == (
        "telegram", "1001", "Anna", "pl")
    assert first.address == Address("telegram", "1001", private=True)
    assert (first.command, first.args, first.event_id) == ("start", "centrum", "u5")
    assert (second.command, second.text, second.event_id) == (None, "Hallo daar", "u6")
    assert third.command == "help"


async def test_attachments(channel: TelegramChannel, host: FakeHost) -> None:
    sizes = [{"file_id": f"p{w}", "file_unique_id": f"u{w}", "width": w, "height": w, "file_size": w * 10}
             for w in (90, 800, 320)]
    await channel.feed(message_update(1, photo=sizes, caption="the swing"))
    await channel.feed(message_update(2, document={"file_id": "d1", "file_unique_id": "x", "file_name": "a.png",
                                                   "mime_type": "image/png", "file_size": 1234}))
    await channel.feed(message_update(3, document={"file_id": "d2", "file_unique_id": "y", "file_name": "a.pdf",
                                                   "mime_type": "application/pdf"}))
    await channel.feed(message_update(4, location={"latitude": 52.37, "longitude": 4.89}))
    await channel.feed(message_update(5, voice={"file_id": "v1", "file_unique_id": "z", "duration": 3}))
    photo, image_file, pdf, location, voice = (i.attachment for i in host.incoming)
    assert photo == Attachment(kind=AttachmentKind.PHOTO, ref="p800", size=8000, mime_type="image/jpeg")
    assert host.incoming[0].text == "the swing"
    assert image_file is not None and (image_file.kind, image_file.ref, image_file.mime_type, image_file.size) == (
        AttachmentKind.PHOTO, "d1", "image/png", 1234)
    assert pdf is not None and (pdf.kind, pdf.mime_type) == (AttachmentKind.PHOTO, "application/pdf")
    assert location == Attachment(kind=AttachmentKind.LOCATION, latitude=52.37, longitude=4.89)
    assert voice is not None and voice.kind is AttachmentKind.FILE


async def test_choices_render_as_signed_inline_keyboards(channel: TelegramChannel, api: FakeBotApi) -> None:
    result = await channel.send(Reply(text="Doe je mee?", turn=3, address=Address("telegram", "1001"),
                                      choices=(Choice("yes", "Ja"), Choice("no", "Nee"),
                                               Choice("later", "Misschien later"))))
    assert result.ok and result.message_id == "101"
    keyboard = json.loads(api.called("sendMessage")[0]["reply_markup"])["inline_keyboard"]
    assert [[b["text"] for b in row] for row in keyboard] == [["Ja", "Nee"], ["Misschien later"]]
    secret = derive_secret(TOKEN)
    pressed = [verify(secret, "1001", b["callback_data"]) for row in keyboard for b in row]
    assert pressed == [Pressed("yes", 3), Pressed("no", 3), Pressed("later", 3)]
    assert verify(secret, "1002", keyboard[0][0]["callback_data"]) is None  # only Anna's


async def test_long_texts_files_photos_and_edits(channel: TelegramChannel, api: FakeBotApi) -> None:
    to_anna = Address("telegram", "1001")
    await channel.send(Reply(text="a" * 4000 + "\n\n" + "b" * 1000, choices=(Choice("ok", "OK"),), turn=1,
                             address=to_anna))
    first, second = api.called("sendMessage")
    assert "reply_markup" not in first and "reply_markup" in second  # the keyboard goes with the last part
    await channel.send(Reply(text="Je gegevens (JSON).", address=to_anna, attachment=Attachment(
        kind=AttachmentKind.FILE, data=b'{"a": 1}', filename="wijkbot-mydata.json", mime_type="application/json")))
    document = api.called("sendDocument")[0]
    assert document["document"] == ("wijkbot-mydata.json", b'{"a": 1}') and document["caption"] == "Je gegevens (JSON)."
    await channel.send(Reply(text="", address=to_anna, attachment=Attachment(
        kind=AttachmentKind.PHOTO, ref="AgACphoto", alt_text="A broken swing")))
    assert api.called("sendPhoto")[0] == {"chat_id": "1001", "photo": "AgACphoto", "caption": "A broken swing"}
    result = await channel.send(Reply(text="Bijgewerkt", edit_of="55", address=to_anna))
    assert result.ok and api.called("editMessageText")[0]["message_id"] == "55"


async def test_a_valid_press_shows_the_choice_and_reaches_the_dialogue(channel: TelegramChannel, api: FakeBotApi,
                                                                      host: FakeHost) -> None:
    await channel.send(Reply(text="Welke taal?", turn=4, address=Address("telegram", "1001"),
                             choices=(Choice("nl", "Nederlands"), Choice("en", "English"))))
    markup = json.loads(api.called("sendMessage")[0]["reply_markup"])
    data = markup["inline_keyboard"][0][1]["callback_data"]
    host.answer = lambda incoming: [Reply(text="Thanks", address=incoming.address)]
    question = {"message_id": 101, "date": 0, "chat": PRIVATE, "text": "Welke taal?", "reply_markup": markup}
    await channel.feed(callback_update(9, data, question))
    assert (host.incoming[0].choice, host.incoming[0].choice_turn, host.incoming[0].event_id) == ("en", 4, "u9")
    assert api.called("answerCallbackQuery") == [{"callback_query_id": "q9"}]
    edit = api.called("editMessageText")[0]
    assert edit["text"] == "Welke taal?\n\n➜ English" and "reply_markup" not in edit
    assert api.called("sendMessage")[-1]["text"] == "Thanks"


async def test_an_answer_in_place_replaces_the_question_in_one_edit(channel: TelegramChannel, api: FakeBotApi,
                                                                    host: FakeHost) -> None:
    await channel.send(Reply(text="Welke taal?", turn=4, address=Address("telegram", "1001"),
                             choices=(Choice("nl", "Nederlands"), Choice("en", "English"))))
    markup = json.loads(api.called("sendMessage")[0]["reply_markup"])
    data = markup["inline_keyboard"][0][1]["callback_data"]
    host.answer = lambda incoming: [
        Reply(text="In welke wijk woont u?", turn=5, address=incoming.address, in_place=True,
              choices=(Choice("centrum", "Centrum"),)),
        Reply(text="Voor de kamer", address=Address("matrix", "!room:localhost"))]  # another channel's: not ours
    question = {"message_id": 101, "date": 0, "chat": PRIVATE, "text": "Welke taal?", "reply_markup": markup}
    calls = len(api.calls)
    await channel.feed(callback_update(9, data, question))
    assert [name for name, _ in api.calls[calls:]] == ["answerCallbackQuery", "editMessageText"]
    edit = api.called("editMessageText")[0]
    assert edit["message_id"] == "101" and edit["text"] == "➜ English\n\nIn welke wijk woont u?"
    assert [b["text"] for row in json.loads(edit["reply_markup"])["inline_keyboard"] for b in row] == ["Centrum"]


async def test_an_answer_that_cannot_go_in_place_comes_as_before(channel: TelegramChannel, api: FakeBotApi,
                                                                  host: FakeHost) -> None:
    await channel.send(Reply(text="Welke taal?", turn=4, address=Address("telegram", "1001"),
                             choices=(Choice("en", "English"),)))
    markup = json.loads(api.called("sendMessage")[0]["reply_markup"])
    data = markup["inline_keyboard"][0][0]["callback_data"]
    question = {"message_id": 101, "date": 0, "chat": PRIVATE, "text": "Welke taal?", "reply_markup": markup}
    # Too long for one message together with the chosen option: the question shows the choice, the answer is new.
    host.answer = lambda incoming: [Reply(text="x" * 4090, address=incoming.address, in_place=True)]
    await channel.feed(callback_update(9, data, question))
    assert [e["text"] for e in api.called("editMessageText")] == ["Welke taal?\n\n➜ English"]
    assert api.called("sendMessage")[-1]["text"] == "x" * 4090
    # The edit fails (the message was deleted meanwhile): nothing is lost, the answer is sent anew.
    api.fail("editMessageText", 400, "Bad Request: message to edit not found", count=2)
    host.answer = lambda incoming: [Reply(text="In welke wijk woont u?", address=incoming.address, in_place=True)]
    await channel.feed(callback_update(10, data, question))
    assert api.called("sendMessage")[-1]["text"] == "In welke wijk woont u?"


async def test_forged_and_stale_presses_get_the_expired_answer(channel: TelegramChannel, api: FakeBotApi,
                                                               host: FakeHost) -> None:
    question = {"message_id": 101, "date": 0, "chat": PRIVATE, "text": "Welke taal?"}
    await channel.feed(callback_update(10, "4:en:forgedmac0", question))
    assert host.incoming == []  # a forged press never reaches the dialogue
    # ... and the answer is in the language of Anna's Telegram app (language_code "pl")
    assert api.called("answerCallbackQuery")[-1] == {"callback_query_id": "q10", "text": Translator("pl")._(EXPIRED)}
    # A genuine button from an earlier turn: the dialogue refuses it, and the channel only answers the query.
    await channel.send(Reply(text="Welke taal?", turn=2, address=Address("telegram", "1001"),
                             choices=(Choice("en", "English"),)))
    data = json.loads(api.called("sendMessage")[-1]["reply_markup"])["inline_keyboard"][0][0]["callback_data"]
    host.answer = lambda incoming: [Reply(text=EXPIRED, address=incoming.address, refused=True)]
    calls = len(api.calls)
    await channel.feed(callback_update(11, data, question))
    assert [name for name, _ in api.calls[calls:]] == ["answerCallbackQuery"]
    assert api.calls[-1][1]["text"] == EXPIRED


async def test_in_a_group_only_commands_are_answered_with_a_private_link(channel: TelegramChannel,
                                                                           api: FakeBotApi, host: FakeHost) -> None:
    await channel.feed(message_update(1, chat=GROUP, text="Wat een mooie dag"))
    await channel.feed(message_update(2, chat=GROUP, text="/share"))
    await channel.feed(message_update(3, chat=GROUP, text="/help"))  # the invitation just sent still serves
    assert host.incoming == []  # never a personal dialogue in a group
    invite = api.called("sendMessage")
    assert len(invite) == 1 and invite[0]["chat_id"] == "-100123"
    button = json.loads(invite[0]["reply_markup"])["inline_keyboard"][0][0]
    assert button["url"] == f"https://t.me/{BOT_USERNAME}?start=centrum"  # the group of Centrum in the config


async def test_send_failures_are_reported_not_raised(tmp_path: Path, api: FakeBotApi, host: FakeHost) -> None:
    telegram = make(tmp_path, api, max_retry_after=0)
    await telegram.start(host)
    to_anna = Address("telegram", "1001")
    try:
        api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
        result = await telegram.send(Reply(text="Hoi", address=to_anna))
        assert (result.ok, result.unreachable) == (False, True) and host.unreachable_addresses == [to_anna]
        assert len(api.called("sendMessage")) == 1  # not retried

        api.fail("sendMessage", 500, "Internal Server Error", count=2)
        assert (await telegram.send(Reply(text="Hoi", address=to_anna))).ok
        assert len(api.called("sendMessage")) == 4

        api.fail("sendMessage", 502, "Bad Gateway", count=4)
        result = await telegram.send(Reply(text="Hoi", address=to_anna))
        assert not result.ok and not result.unreachable and "Bad Gateway" in (result.error or "")
        assert len(api.called("sendMessage")) == 8  # four attempts, then it gives up

        api.fail("sendMessage", 429, "Too Many Requests: retry after 5", {"retry_after": 5})
        result = await telegram.send(Reply(text="Hoi", address=to_anna))
        assert (result.ok, result.retry_after) == (False, 5.0)

        api.fail("sendMessage", 400, "Bad Request: chat not found")
        result = await telegram.send(Reply(text="Hoi", address=to_anna))
        assert not result.ok and len(api.called("sendMessage")) == 10  # a bad request is not retried
    finally:
        await telegram.stop()


async def test_a_failing_handler_does_not_stop_the_channel(channel: TelegramChannel, host: FakeHost,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    def explode(incoming: Incoming) -> list[Reply]:
        raise RuntimeError("boom")

    host.answer = explode
    with caplog.at_level(logging.ERROR):
        await channel.feed(message_update(1, text="Hallo daar"))
    assert any("reference" in record.getMessage() for record in caplog.records)
    assert not any("Hallo daar" in record.getMessage() for record in caplog.records)
    host.answer = lambda incoming: []
    await channel.feed(message_update(2, text="Nog eens"))
    assert [i.text for i in host.incoming] == ["Hallo daar", "Nog eens"]


async def test_blocking_the_bot_is_reported(channel: TelegramChannel, host: FakeHost) -> None:
    bot_user = {"id": 123456, "is_bot": True, "first_name": "Wijkbot"}
    await channel.feed({"update_id": 3, "my_chat_member": {
        "chat": PRIVATE, "from": ANNA, "date": 0,
        "old_chat_member": {"status": "member", "user": bot_user},
        "new_chat_member": {"status": "kicked", "user": bot_user, "until_date": 0}}})
    assert host.unreachable_addresses == [Address("telegram", "1001", private=True)]


async def test_the_username_is_asked_when_not_configured(tmp_path: Path, api: FakeBotApi) -> None:
    assert await make(tmp_path, api).fetch_username() == BOT_USERNAME
    assert [name for name, _ in api.calls] == ["getMe"]


async def test_a_press_is_answered_even_when_handling_fails(channel: TelegramChannel, api: FakeBotApi,
                                                            host: FakeHost) -> None:
    await channel.send(Reply(text="Welke taal?", turn=1, address=Address("telegram", "1001"),
                             choices=(Choice("en", "English"),)))
    data = json.loads(api.called("sendMessage")[-1]["reply_markup"])["inline_keyboard"][0][0]["callback_data"]

    def explode(incoming: Incoming) -> list[Reply]:
        raise RuntimeError("boom")

    host.answer = explode
    await channel.feed(callback_update(12, data, {"message_id": 101, "date": 0, "chat": PRIVATE, "text": "?"}))
    assert api.called("answerCallbackQuery") == [{"callback_query_id": "q12"}]
