"""AiohttpRequest (bot/channels/telegram/transport.py), PTB's HTTP backend on aiohttp, over real HTTP on 127.0.0.1.

What matters to the bot: the Bot API receives exactly what PTB's default HTTPXRequest would send (form fields with
JSON-encoded values, uploads as multipart with their file names), and failures reach PTB as its own errors:
``TimedOut`` for every timeout (the channel retries it), ``NetworkError`` for the rest. Servers that never answer
wait on an ``asyncio.Event``; the tests only wait on events and on the transport's own timeouts.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
import telegram
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import BaseRequest, HTTPXRequest

from bot.channels.telegram.transport import AiohttpRequest
from tests.channels.conftest import BOT_USERNAME, TOKEN
from tests.peers.botapi import BotApiEmulator, make_png

pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

TINY = 0.05  # seconds: a timeout the tests expect to expire
PATIENCE = 3.0  # seconds: far longer than any timeout a test expects to expire; beyond it the transport hangs
DOCUMENT = b"wijk;meldingen\nZuid-Oost;3\n\x00\xff binary tail"
DOCUMENT_NAME = "verslag wijk Zuid-Oost ü.csv"  # a space and a non-ASCII letter, as a resident's file name can have
ME = {"id": 123456, "is_bot": True, "first_name": "Wijkbot Test", "username": BOT_USERNAME}
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="7:yes:abc"),
                                  InlineKeyboardButton("Nee", callback_data="7:no:abc")]])


@dataclass
class Received:
    """One request as the server saw it: the form fields as strings and the file parts as (name, type, bytes)."""

    method: str
    content_type: str
    fields: dict[str, str]
    files: dict[str, tuple[str | None, str | None, bytes]]


@dataclass
class RecordingApi:
    """A Bot API that records what arrives and answers like Telegram; methods in ``hold`` answer only after
    ``release`` is set (the tests set it at the end at the earliest)."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    hold: set[str] = field(default_factory=set)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    def sent(self, method: str) -> list[Received]:
        return [r for r in self.received if r.method == method]

    async def arrival(self, method: str) -> None:
        """Until the server has received a call of ``method`` (getMe from the bot's start comes first)."""
        while await self.arrived.get() != method:
            pass

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        fields: dict[str, str] = {}
        files: dict[str, tuple[str | None, str | None, bytes]] = {}
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[name] = (value.filename, value.content_type, value.file.read())
            else:
                fields[name] = str(value)
        self.received.append(Received(method, request.content_type, fields, files))
        self.arrived.put_nowait(method)
        if method in self.hold:
            await self.release.wait()
        result: dict[str, Any] = ME
        if method != "getMe":
            result = {"message_id": len(self.received), "date": 1_700_000_000,
                      "chat": {"id": int(fields.get("chat_id", "0")), "type": "private", "first_name": "Anna"}}
            if "text" in fields:
                result["text"] = fields["text"]
        return web.json_response({"ok": True, "result": result})


@pytest.fixture
async def api() -> AsyncIterator[RecordingApi]:
    recorder = RecordingApi()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", recorder.handle)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    recorder.url = f"http://{host}:{port}"
    yield recorder
    recorder.release.set()
    await runner.cleanup()


def bot_at(base_url: str, request: BaseRequest) -> telegram.Bot:
    return telegram.Bot(TOKEN, base_url=base_url, request=request, get_updates_request=AiohttpRequest(1))


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, read and released again)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------- what arrives


async def test_a_real_ptb_bot_works_through_it_against_the_emulator(emu: BotApiEmulator) -> None:
    anna = emu.user(id=1001, first_name="Anna", language_code="nl", started=True)
    async with bot_at(emu.base_url, AiohttpRequest()) as bot:
        assert (await bot.get_me()).username == BOT_USERNAME
        sent = await bot.send_message(anna.id, "<b>Hallo</b> buurt, 'wat' &amp; \"hoe\"?", parse_mode="HTML",
                                      reply_markup=KEYBOARD, disable_notification=True)
        assert sent.text == "Hallo buurt, 'wat' & \"hoe\"?" and sent.chat.id == anna.id
        assert sent.reply_markup == KEYBOARD
        # Error answers reach PTB with their status and body, so it raises its usual errors.
        emu.fail_next("sendMessage", 429, retry_after=7)
        with pytest.raises(RetryAfter) as limited:
            await bot.send_message(anna.id, "te snel")
        assert "retry in 7 seconds" in str(limited.value).lower()
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(99_999, "niemand")
    stored = emu.last_message(anna)
    assert stored is not None and stored.text == "Hallo buurt, 'wat' & \"hoe\"?"
    assert stored.data["reply_markup"] == KEYBOARD.to_dict()


async def test_parameters_arrive_as_form_fields_with_json_encoded_values(api: RecordingApi) -> None:
    async with bot_at(api.base_url, AiohttpRequest()) as bot:
        await bot.send_message(42, 'Hé "buurt" & co', reply_markup=KEYBOARD, disable_notification=True)
    (message,) = api.sent("sendMessage")
    assert message.content_type == "application/x-www-form-urlencoded" and not message.files
    assert message.fields["chat_id"] == "42" and message.fields["text"] == 'Hé "buurt" & co'
    assert message.fields["disable_notification"] == "true"
    assert json.loads(message.fields["reply_markup"]) == KEYBOARD.to_dict()


async def test_uploads_arrive_as_multipart_with_name_and_content_intact(emu: BotApiEmulator) -> None:
    anna = emu.user(id=1001, first_name="Anna", started=True)
    photo = make_png(640, 480)
    async with bot_at(emu.base_url, AiohttpRequest()) as bot:
        sent = await bot.send_document(anna.id, DOCUMENT, filename=DOCUMENT_NAME, caption="Rapport",
                                       reply_markup=KEYBOARD)
        posted = await bot.send_photo(anna.id, photo, caption="<i>kaart</i>", parse_mode="HTML")
    assert sent.document is not None and sent.document.file_name == DOCUMENT_NAME
    assert emu.file_bytes(sent.document.file_id) == DOCUMENT
    assert sent.caption == "Rapport" and sent.reply_markup == KEYBOARD
    assert posted.caption == "kaart" and (posted.photo[-1].width, posted.photo[-1].height) == (640, 480)
    assert emu.file_bytes(posted.photo[-1].file_id) == photo


async def test_what_arrives_is_what_ptbs_own_transport_sends(api: RecordingApi) -> None:
    async def send_all(request: BaseRequest) -> list[Received]:
        api.received.clear()
        async with bot_at(api.base_url, request) as bot:
            await bot.send_message(42, 'Hé "buurt" & co', reply_markup=KEYBOARD, disable_notification=True)
            await bot.send_document(42, DOCUMENT, filename=DOCUMENT_NAME, caption="Rapport", reply_markup=KEYBOARD)
            await bot.send_photo(42, make_png(32, 32), caption="kaart")
        return [r for r in api.received if r.method != "getMe"]  # an empty getMe body: no content type in httpx

    ours, ptbs = await send_all(AiohttpRequest()), await send_all(HTTPXRequest())
    assert [r.method for r in ours] == ["sendMessage", "sendDocument", "sendPhoto"]
    assert ours == ptbs
    document = ours[1]
    assert document.content_type == "multipart/form-data"
    assert document.files == {"document": (DOCUMENT_NAME, "text/csv", DOCUMENT)}
    assert document.fields["chat_id"] == "42" and json.loads(document.fields["reply_markup"]) == KEYBOARD.to_dict()


# ------------------------------------------------------------------------ failures


async def test_a_server_that_does_not_answer_in_time_is_a_timeout(api: RecordingApi) -> None:
    api.hold.add("sendMessage")
    async with bot_at(api.base_url, AiohttpRequest(read_timeout=TINY)) as bot:
        async with asyncio.timeout(PATIENCE):
            with pytest.raises(TimedOut):
                await bot.send_message(42, "hallo")
    assert [r.method for r in api.sent("sendMessage")] == ["sendMessage"]  # it was sent; only the answer was late


async def test_a_refused_connection_is_a_network_error_not_a_timeout() -> None:
    url = f"http://127.0.0.1:{closed_port()}/bot{TOKEN}/getMe"
    async with AiohttpRequest() as request:
        async with asyncio.timeout(PATIENCE):
            with pytest.raises(NetworkError) as refused:
                await request.post(url)
    assert not isinstance(refused.value, TimedOut)
    assert "aiohttp.ClientConnectorError" in str(refused.value)  # ours, not PTB's "Unknown error in HTTP …"


async def test_a_server_that_hangs_up_without_answering_is_a_network_error() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with AiohttpRequest() as request:
            with pytest.raises(NetworkError) as dropped:
                await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    finally:
        server.close()
        await server.wait_closed()
    assert not isinstance(dropped.value, TimedOut)
    assert str(dropped.value).startswith("aiohttp.")


async def test_all_pooled_connections_busy_is_a_timeout_and_nothing_is_sent(api: RecordingApi) -> None:
    api.hold.add("sendMessage")
    request = AiohttpRequest(connection_pool_size=1, read_timeout=None, connect_timeout=TINY, pool_timeout=TINY)
    async with bot_at(api.base_url, request) as bot:
        first = asyncio.create_task(bot.send_message(42, "eerste"))
        await api.arrival("sendMessage")  # it holds the only connection now
        async with asyncio.timeout(PATIENCE):
            with pytest.raises(TimedOut):
                await bot.send_message(42, "tweede")
        assert [r.fields["text"] for r in api.sent("sendMessage")] == ["eerste"]
        api.release.set()
        assert (await first).text == "eerste"


# ------------------------------------------------------------------------ timeouts


async def test_a_call_may_lift_the_read_timeout_with_none(api: RecordingApi) -> None:
    api.hold.add("sendMessage")
    async with bot_at(api.base_url, AiohttpRequest(connection_pool_size=2, read_timeout=TINY)) as bot:
        patient = asyncio.create_task(bot.send_message(42, "geduldig", read_timeout=None))
        await api.arrival("sendMessage")
        async with asyncio.timeout(PATIENCE):
            with pytest.raises(TimedOut):  # started later, with the default read timeout: it expires
                await bot.send_message(42, "ongeduldig")
        assert not patient.done()  # waited longer than the default already, and still waits
        api.release.set()
        assert (await patient).text == "geduldig"


async def test_a_call_may_set_a_read_timeout_where_the_default_has_none(api: RecordingApi) -> None:
    api.hold.add("sendMessage")
    async with bot_at(api.base_url, AiohttpRequest(read_timeout=None, write_timeout=None)) as bot:
        async with asyncio.timeout(PATIENCE):
            with pytest.raises(TimedOut):
                await bot.send_message(42, "hallo", read_timeout=TINY)


# ----------------------------------------------------------------------- lifecycle


async def test_it_must_be_initialized_and_can_be_initialized_again_after_shutdown(api: RecordingApi) -> None:
    request = AiohttpRequest()
    url = f"{api.base_url}{TOKEN}/getMe"
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(url, "POST")
    await request.initialize()
    assert await request.post(url) == ME
    session = request._session
    assert isinstance(session, aiohttp.ClientSession)
    await request.shutdown()
    assert session.closed  # its pooled connections are gone with it
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(url, "POST")
    await request.shutdown()  # twice is harmless, as PTB may do on the way out
    await request.initialize()
    assert await request.post(url) == ME
    await request.shutdown()


async def test_a_bot_can_be_started_again_on_the_same_transport(api: RecordingApi) -> None:
    bot = bot_at(api.base_url, AiohttpRequest())
    for text in ("eerste keer", "tweede keer"):
        async with bot:
            assert (await bot.send_message(42, text)).text == text
    assert [r.method for r in api.received] == ["getMe", "sendMessage", "getMe", "sendMessage"]


# ------------------------------------------------------------------------ proxies


async def test_a_proxy_from_the_environment_is_used_unless_the_host_is_excluded(
        api: RecordingApi, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = RecordingApi()  # a forward proxy that answers itself: it records the calls that went through it
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", proxy.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        host, port = runner.addresses[0][:2]
        for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://{host}:{port}")
        async with bot_at(api.base_url, AiohttpRequest()) as bot:
            await bot.send_message(42, "via de proxy")
        assert [r.fields.get("text") for r in proxy.sent("sendMessage")] == ["via de proxy"]
        assert api.sent("sendMessage") == []
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with bot_at(api.base_url, AiohttpRequest()) as bot:
            await bot.send_message(42, "rechtstreeks")
        assert [r.fields.get("text") for r in api.sent("sendMessage")] == ["rechtstreeks"]
        assert len(proxy.sent("sendMessage")) == 1
    finally:
        await runner.cleanup()
