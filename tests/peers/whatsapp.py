"""A WhatsApp Cloud API emulator on 127.0.0.1, written from Meta's published documentation, for tests and
benchmarks. The bot's unmodified client talks to it over HTTP (``whatsapp.api_base_url``); it calls the bot's
webhook with real ``X-Hub-Signature-256`` HMACs::

    async with CloudApiEmulator(webhook_url=..., app_secret=..., templates={("wijkbot_update", "nl"): "…{{1}}"})
            as emu:
        anna = emu.user("31612345678", "Anna")         # keyed on a BSUID; with_phone=False hides the number
        await anna.send("start centrum")               # a signed messages webhook
        reply = await emu.wait_for_message(anna)      # StoredMessage: text, buttons, rows, template …
        await anna.press(reply, "English")            # button_reply / list_reply webhook

Graph API side: ``POST /{version}/{phone-number-id}/messages`` (text, interactive button/list, template, image,
document, location; ``status: read`` marks), ``POST …/media`` (multipart upload, Meta's media types only),
``GET /{version}/{media-id}`` (the download URL) and ``GET /download/{media-id}`` (the bytes; bearer token).
Rules kept: Meta's message rules (``whatsapp_rules.py``: text 4,096, interactive body 1,024, 1–3 buttons of
≤ 20 characters, list rows ≤ 10 of ≤ 24 with descriptions ≤ 72, list button ≤ 20: otherwise 131009; approved
templates per name and language: 132001; parameters without newline, tab or five spaces in a row: 132018), the
bearer token (190), the 24-hour customer service window (a free-form message after it is accepted, then failed
by a status webhook with 131047, as Meta does), numbers that cannot be reached (accepted, then failed with
131026), the phone number's throughput (130429) and the pair rate limit per recipient (131056). Status webhooks
``sent``, ``delivered`` and ``read`` follow each accepted message (``statuses=False`` turns them off).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from .whatsapp_rules import MEDIA_TYPES, check

WINDOW = 24 * 3600.0


@dataclass
class StoredMessage:
    """A message the bot sent, as the resident's app would show it."""

    id: str
    to: str  # the resident's BSUID
    kind: str
    body: dict[str, Any]
    at: float
    consumed: bool = False
    status: str = "accepted"

    @property
    def text(self) -> str:
        if self.kind == "text":
            return str(self.body["text"]["body"])
        if self.kind == "interactive":
            return str(self.body["interactive"]["body"]["text"])
        if self.kind in ("image", "document"):
            return str(self.body[self.kind].get("caption", ""))
        if self.kind == "template":
            return " ".join(p["text"] for c in self.body["template"].get("components", [])
                            for p in c.get("parameters", []))
        return ""

    def options(self) -> list[tuple[str, str]]:
        """(title, id) of each button or list row."""
        if self.kind != "interactive":
            return []
        interactive = self.body["interactive"]
        if interactive["type"] == "button":
            return [(b["reply"]["title"], b["reply"]["id"]) for b in interactive["action"]["buttons"]]
        return [(row["title"], row["id"]) for section in interactive["action"]["sections"]
                for row in section["rows"]]

    def labels(self) -> list[str]:
        return [title for title, _ in self.options()]

    @property
    def widget(self) -> str | None:
        return self.body["interactive"]["type"] if self.kind == "interactive" else None


@dataclass
class WaUser:
    emu: CloudApiEmulator
    phone: str
    name: str
    bsuid: str
    with_phone: bool = True
    with_bsuid: bool = True  # False: webhooks as before Meta's business-scoped user ids (phone number only)
    last_inbound: float | None = None
    reachable: bool = True
    sent: list[StoredMessage] = field(default_factory=list)
    recent: deque[float] = field(default_factory=deque)  # send times, for the pair rate limit

    async def send(self, text: str) -> str:
        return await self.message("text", {"text": {"body": text}})

    async def press(self, message: StoredMessage, title: str) -> str:
        option = dict(message.options())[title]
        interactive = message.body["interactive"]
        if interactive["type"] == "button":
            reply = {"type": "button_reply", "button_reply": {"id": option, "title": title}}
        else:
            reply = {"type": "list_reply", "list_reply": {"id": option, "title": title}}
        return await self.message("interactive", {"interactive": reply, "context": {"id": message.id}})

    async def press_id(self, button_id: str, title: str = "?") -> str:
        """Press a button whose id was made up (a forged or altered client)."""
        return await self.message("interactive", {"interactive": {
            "type": "button_reply", "button_reply": {"id": button_id, "title": title}}})

    async def send_image(self, data: bytes, mime_type: str = "image/png", caption: str | None = None) -> str:
        media_id = self.emu.store_media(data, mime_type)
        image: dict[str, Any] = {"id": media_id, "mime_type": mime_type,
                                 "sha256": hashlib.sha256(data).hexdigest()}
        if caption:
            image["caption"] = caption
        return await self.message("image", {"image": image})

    async def send_location(self, latitude: float, longitude: float) -> str:
        return await self.message("location", {"location": {"latitude": latitude, "longitude": longitude}})

    async def message(self, kind: str, content: dict[str, Any]) -> str:
        """Any kind of message (``kind`` and its content object, as in Meta's webhook reference)."""
        emu = self.emu
        message_id = f"wamid.IN{next(emu.ids)}"
        self.last_inbound = emu.now()
        message: dict[str, Any] = {"id": message_id, "timestamp": str(int(emu.now())), "type": kind, **content}
        contact: dict[str, Any] = {"profile": {"name": self.name}}
        if self.with_bsuid:
            message["from_user_id"] = contact["user_id"] = self.bsuid
        if self.with_phone:
            message["from"] = self.phone
            contact["wa_id"] = self.phone
        await emu.deliver({"contacts": [contact], "messages": [message]})
        return message_id


def recipient(user: WaUser) -> dict[str, str]:
    """Who a status webhook is about: the BSUID and, where Meta gives it, the phone number."""
    return {**({"recipient_user_id": user.bsuid} if user.with_bsuid else {}),
            **({"recipient_id": user.phone} if user.with_phone else {})}


class CloudApiEmulator:
    def __init__(self, *, app_secret: str, access_token: str, phone_number_id: str = "1065550100",
                 version: str = "v23.0", webhook_url: str | None = None,
                 templates: dict[tuple[str, str], str] | None = None, now: Callable[[], float] = time.time,
                 throughput: int = 80, pair_burst: int = 45, pair_seconds: float = 6.0,
                 statuses: bool = True, rate_clock: Callable[[], float] = time.monotonic,
                 status_delay: float = 0.05) -> None:
        self.app_secret = app_secret
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.version = version
        self.webhook_url = webhook_url
        self.templates = templates or {}
        self.now = now
        self.throughput = throughput
        self.pair_burst = pair_burst
        self.pair_seconds = pair_seconds
        self.statuses = statuses
        self.rate_clock = rate_clock  # real time for the rate limits; ``now`` (tests move it) for the window
        self.status_delay = status_delay  # Meta reports a message's fate a moment after accepting it
        self.ids = itertools.count(1)
        self.users: dict[str, WaUser] = {}  # bsuid -> user
        self.messages: list[StoredMessage] = []
        self.read: list[str] = []  # inbound message ids marked as read
        self.media: dict[str, tuple[bytes, str]] = {}
        self.errors: list[int] = []  # every error code answered or reported
        self.webhooks: list[bytes] = []  # every body delivered to the bot
        self.webhook_answers: list[int] = []  # the bot's HTTP status for each
        self.lost_statuses = 0  # status webhooks the bot was not there to receive
        self._second: deque[float] = deque()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self.port = 0

    # ----------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> CloudApiEmulator:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        base = f"/{self.version}/{self.phone_number_id}"
        app.router.add_post(f"{base}/messages", self._messages)
        app.router.add_post(f"{base}/media", self._upload)
        app.router.add_get(f"/{self.version}/{{media_id}}", self._media_url)
        app.router.add_get("/download/{media_id}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.settle()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -------------------------------------------------------------- people side

    def user(self, phone: str, name: str, *, with_phone: bool = True) -> WaUser:
        bsuid = f"NL.{int(hashlib.sha256(phone.encode()).hexdigest()[:13], 16)}"
        user = self.users[bsuid] = WaUser(self, phone, name, bsuid, with_phone)
        return user

    def store_media(self, data: bytes, mime_type: str) -> str:
        media_id = str(9_000_000 + next(self.ids))
        self.media[media_id] = (data, mime_type)
        return media_id

    def sign(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()

    async def deliver(self, value: dict[str, Any], signature: str | None = None) -> int:
        """POST one webhook (``value`` inside Meta's envelope) to the bot, signed unless ``signature`` is given."""
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [
            {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {
                "display_phone_number": "31201234567", "phone_number_id": self.phone_number_id}, **value}}]}]})
        return await self.post_raw(body.encode(), self.sign(body.encode()) if signature is None else signature)

    async def post_raw(self, body: bytes, signature: str | None) -> int:
        assert self._session is not None and self.webhook_url is not None
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        self.webhooks.append(body)
        async with self._session.post(self.webhook_url, data=body, headers=headers) as response:
            self.webhook_answers.append(response.status)
            return response.status

    async def redeliver(self, index: int = -1) -> int:
        """Deliver a webhook body again, as Meta does when it did not see a 200 in time."""
        body = self.webhooks[index]
        return await self.post_raw(body, self.sign(body))

    async def verify(self, token: str, challenge: str = "1158201444") -> tuple[int, str]:
        """Meta's subscription handshake against the bot's webhook."""
        assert self._session is not None and self.webhook_url is not None
        params = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": challenge}
        async with self._session.get(self.webhook_url, params=params) as response:
            return response.status, await response.text()

    # ------------------------------------------------------------- inspection

    async def user_reads(self, user: WaUser) -> None:
        """The resident opens the chat: a ``read`` status webhook for each delivered message not read yet (Meta
        sends them when the user has read receipts on)."""
        for message in self.messages_to(user):
            if message.status == "delivered":
                message.status = "read"
                value = {"statuses": [{"id": message.id, "status": "read", "timestamp": str(int(self.now())),
                                       **recipient(user)}]}
                await self.deliver(value)

    def messages_to(self, user: WaUser) -> list[StoredMessage]:
        return [m for m in self.messages if m.to == user.bsuid]

    async def wait_until(self, predicate: Callable[[], Any], wait: float = 5.0, what: str = "a change") -> Any:
        async with self._changed:
            try:
                async with asyncio.timeout(wait):
                    return await self._changed.wait_for(predicate)
            except TimeoutError:
                raise AssertionError(f"timed out waiting for {what}") from None

    async def wait_for_message(self, user: WaUser, wait: float = 5.0) -> StoredMessage:
        def fresh() -> StoredMessage | None:
            found = next((m for m in self.messages if m.to == user.bsuid and not m.consumed), None)
            if found is not None:
                found.consumed = True
            return found

        result: StoredMessage = await self.wait_until(fresh, wait, "a message from the bot")
        return result

    async def settle(self) -> None:
        """Wait until every status webhook the emulator started has been delivered."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -------------------------------------------------------------- Graph API side

    def _error(self, code: int, message: str, status: int = 400) -> web.Response:
        self.errors.append(code)
        return web.json_response({"error": {"message": message, "type": "OAuthException", "code": code,
                                            "error_data": {"messaging_product": "whatsapp", "details": message},
                                            "fbtrace_id": "AbCdEf"}}, status=status)

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.access_token}"

    async def _messages(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(190, "Invalid OAuth access token.", 401)
        body = await request.json()
        if body.get("messaging_product") != "whatsapp":
            return self._error(100, "messaging_product must be whatsapp")
        if body.get("status") == "read":
            self.read.append(str(body.get("message_id")))
            await self._notify()
            return web.json_response({"success": True})
        key = body.get("recipient") or body.get("to")
        user = self.users.get(str(key)) or next((u for u in self.users.values() if u.phone == key), None)
        if user is None:
            return self._error(131030, "Recipient phone number not in allowed list")
        problem = check(body, self.templates, self.media)
        if problem is not None:
            return self._error(*problem)
        now, tick = self.now(), self.rate_clock()
        while self._second and tick - self._second[0] >= 1.0:
            self._second.popleft()
        if len(self._second) >= self.throughput:
            return self._error(130429, "Rate limit hit")
        while user.recent and tick - user.recent[0] >= self.pair_seconds:
            user.recent.popleft()
        if len(user.recent) >= self.pair_burst:
            return self._error(131056, "(Business Account, Consumer Account) pair rate limit hit")
        self._second.append(tick)
        user.recent.append(tick)
        kind = str(body.get("type", "text"))
        message = StoredMessage(f"wamid.OUT{next(self.ids)}", user.bsuid, kind, body, now)
        failure = None
        if not user.reachable:
            failure = 131026
        elif kind != "template" and (user.last_inbound is None or now - user.last_inbound >= WINDOW):
            failure = 131047
        if failure is None:
            self.messages.append(message)
            user.sent.append(message)
        self._report(message, user, failure)
        await self._notify()
        contact = {"input": str(key), "wa_id": user.phone} if user.with_phone else {"input": str(key)}
        return web.json_response({"messaging_product": "whatsapp", "contacts": [contact],
                                  "messages": [{"id": message.id}]})

    def _report(self, message: StoredMessage, user: WaUser, failure: int | None) -> None:
        if failure is not None:
            self.errors.append(failure)
            message.status = "failed"
            statuses = [{"status": "failed", "errors": [{"code": failure, "title": "failed"}]}]
        elif self.statuses:
            message.status = "delivered"
            statuses = [{"status": "sent"}, {"status": "delivered"}]
        else:
            message.status = "delivered"
            return
        if self.webhook_url is None:
            return
        for status in statuses:
            value = {"statuses": [{"id": message.id, "timestamp": str(int(self.now())),
                                   **recipient(user), **status}]}
            task = asyncio.create_task(self._status(value))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _status(self, value: dict[str, Any]) -> None:
        await asyncio.sleep(self.status_delay)
        try:
            await self.deliver(value)
        except aiohttp.ClientError:  # the bot is down (a crash test): Meta would try later; we count it
            self.lost_statuses += 1

    async def _upload(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(190, "Invalid OAuth access token.", 401)
        form = await request.post()
        upload = form.get("file")
        mime = str(form.get("type", ""))
        if form.get("messaging_product") != "whatsapp" or not isinstance(upload, web.FileField):
            return self._error(100, "messaging_product and file are required")
        if mime not in MEDIA_TYPES:
            return self._error(131053, f"Media upload error: {mime} is not a supported type")
        return web.json_response({"id": self.store_media(upload.file.read(), mime)})

    async def _media_url(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(190, "Invalid OAuth access token.", 401)
        media_id = request.match_info["media_id"]
        if media_id not in self.media:
            return self._error(100, "Unsupported get request", 404)
        data, mime = self.media[media_id]
        return web.json_response({"messaging_product": "whatsapp", "url": f"{self.base_url}/download/{media_id}",
                                  "mime_type": mime, "sha256": hashlib.sha256(data).hexdigest(),
                                  "file_size": len(data), "id": media_id})

    async def _download(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.Response(status=401)
        data, mime = self.media[request.match_info["media_id"]]
        return web.Response(body=data, content_type=mime)
