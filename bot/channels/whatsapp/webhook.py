"""The webhook Meta calls: the GET verification handshake, and signed POSTs turned into plain events.

Every POST is checked against ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app secret) before
anything in it is parsed; without a valid signature it is refused with 401 and nothing happens. A valid one's
messages are written to the durable inbox, answered 200 and handled afterwards, so Meta never times out and
redelivers because the bot was slow, and a crash after the 200 loses nothing (the inbox is handled at start).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

log = logging.getLogger("bot.channels.whatsapp")
IGNORED = frozenset({"reaction", "system", "request_welcome", "errors"})  # nothing the resident said to the bot


@dataclass(frozen=True)
class Inbound:
    """One message from a resident. ``user`` is the business-scoped user id where Meta gives one, else the
    phone number; ``kind`` is Meta's message type."""

    message_id: str
    user: str
    name: str | None
    kind: str
    text: str | None = None
    reply_id: str | None = None  # the id of a pressed reply button or chosen list row
    media_id: str | None = None
    mime_type: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    phone: str | None = None  # the phone number, only when Meta gave it beside a BSUID (to link the two; never kept)
    sent_at: float | None = None  # when the resident sent it (Meta's timestamp): the 24-hour window begins then


@dataclass(frozen=True)
class Status:
    """What became of a message the bot sent: sent, delivered, read or failed (with Meta's error codes)."""

    message_id: str
    status: str
    user: str
    errors: tuple[int, ...] = ()
    phone: str | None = None  # the number, when Meta gave it beside the BSUID (a resident still keyed on it)


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header[7:].encode("ascii", "replace"), expected.encode("ascii"))


def parse(payload: dict[str, Any]) -> list[Inbound | Status]:
    """The messages and statuses in a webhook body (fields the bot does not use are ignored)."""
    events: list[Inbound | Status] = []
    for entry in payload.get("entry") or ():
        for change in entry.get("changes") or ():
            value = change.get("value") or {}
            names = {str(c.get("user_id") or c.get("wa_id")): (c.get("profile") or {}).get("name")
                     for c in value.get("contacts") or ()}
            for message in value.get("messages") or ():
                inbound = _inbound(message, names)
                if inbound is not None:
                    events.append(inbound)
            for status in value.get("statuses") or ():
                user = status.get("recipient_user_id") or status.get("recipient_id")
                if status.get("id") and user:
                    codes = tuple(int(e.get("code", 0)) for e in status.get("errors") or ())
                    phone = status.get("recipient_id") if status.get("recipient_user_id") else None
                    events.append(Status(str(status["id"]), str(status.get("status", "")), str(user), codes,
                                         None if phone is None else str(phone)))
    return events


def _inbound(message: dict[str, Any], names: dict[str, Any]) -> Inbound | None:
    user = message.get("from_user_id") or message.get("from")
    if not user or not message.get("id"):
        return None
    user, kind = str(user), str(message.get("type", ""))
    if kind in IGNORED:
        return None
    phone = str(message["from"]) if message.get("from") and message.get("from_user_id") else None
    common: dict[str, Any] = {"message_id": str(message["id"]), "user": user, "kind": kind, "phone": phone,
                              "name": names.get(user) or names.get(str(message.get("from"))),
                              "sent_at": _timestamp(message.get("timestamp"))}
    if kind == "text":
        return Inbound(**common, text=str((message.get("text") or {}).get("body", "")))
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        return Inbound(**common, reply_id=str(reply.get("id", "")), text=None)
    if kind == "button":  # a quick-reply button on a template: its text, as if typed
        return Inbound(**common, text=str((message.get("button") or {}).get("text", "")))
    if kind in ("image", "document", "video", "audio", "sticker"):
        content = message.get(kind) or {}
        return Inbound(**common, media_id=str(content.get("id", "")), mime_type=content.get("mime_type"),
                       text=content.get("caption"))
    if kind == "location":
        place = message.get("location") or {}
        return Inbound(**common, latitude=float(place.get("latitude", 0)),
                       longitude=float(place.get("longitude", 0)))
    return Inbound(**common)


def _timestamp(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class Webhook:
    """An aiohttp server for Meta's webhook; ``handle`` gets each verified body's events, after the 200."""

    def __init__(self, path: str, verify_token: str, app_secret: str,
                 handle: Callable[[list[Inbound | Status]], Awaitable[None]],
                 keep: Callable[[list[Inbound | Status]], Awaitable[None]] | None = None) -> None:
        self.path = path
        self._keep = keep  # writes the messages to the durable inbox before the 200 (Meta does not redeliver)
        self._verify_token = verify_token
        self._app_secret = app_secret
        self._handle = handle
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.refused = 0  # POSTs refused for a missing or wrong signature

    async def start(self, host: str, port: int) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_get(self.path, self._verify)
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)  # the access log would hold query strings
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()

    async def stop(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def idle(self) -> None:
        """Wait until every accepted webhook has been handled (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _verify(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(
                query.get("hub.verify_token", "").encode(), self._verify_token.encode()):
            return web.Response(text=query.get("hub.challenge", ""))
        return web.Response(status=403, text="verification failed")

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not signature_ok(self._app_secret, body, request.headers.get("X-Hub-Signature-256")):
            self.refused += 1
            log.warning("whatsapp: refused a webhook call without a valid signature")
            return web.Response(status=401, text="invalid signature")
        try:
            events = parse(json.loads(body))
        except (ValueError, TypeError, AttributeError):
            log.warning("whatsapp: a signed webhook call could not be read")
            return web.Response(status=200)  # signed by Meta, but not something we can use: do not ask again
        if self._keep is not None:
            try:
                await self._keep(events)
            except Exception:  # not kept: let Meta try again rather than lose the messages
                log.exception("whatsapp: could not keep a webhook's messages; asking for redelivery")
                return web.Response(status=503)
        task = asyncio.create_task(self._run(events))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.Response(status=200)

    async def _run(self, events: list[Inbound | Status]) -> None:
        try:
            await self._handle(events)
        except Exception:
            log.exception("whatsapp: error while handling a webhook")
