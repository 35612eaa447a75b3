"""A thin client for Meta's WhatsApp Cloud API (Graph API) on aiohttp: send a message, mark one as read, upload
media. Errors come back as :class:`ApiError` with Meta's numeric code, which ``channel.py`` maps to what the outbox
should do. Nothing here logs a recipient or a message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.config_whatsapp import WhatsAppConfig

log = logging.getLogger("bot.channels.whatsapp")

# Meta's error codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
RE_ENGAGEMENT = 131047  # more than 24 hours since the user's last message: only templates
PAIR_RATE_LIMIT = 131056  # too many messages to one user in a short time
THROUGHPUT = 130429  # the phone number's messages-per-second limit
SPAM_RATE_LIMIT = 131048
UNDELIVERABLE = 131026  # not a WhatsApp user, an old app, or the user has not accepted the terms
TEMPLATE_MISSING = 132001  # no approved template of that name in that language
TEMPLATE_PARAMETER = 132018  # a parameter with a newline, tab or more than four spaces
RATE_LIMITS = frozenset({PAIR_RATE_LIMIT, THROUGHPUT, SPAM_RATE_LIMIT, 4, 80007})


class ApiError(Exception):
    def __init__(self, code: int, status: int, title: str) -> None:
        super().__init__(f"WhatsApp error {code} ({title})")
        self.code = code
        self.status = status
        self.title = title


@dataclass(frozen=True)
class Sent:
    message_id: str


class CloudApi:
    def __init__(self, settings: WhatsAppConfig, timeout: float = 10.0,
                 retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0)) -> None:
        self.settings = settings
        self.base = f"{settings.api_base_url}/{settings.api_version}/{settings.phone_number_id}"
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._retry_delays = retry_delays
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=self._timeout, connector=aiohttp.TCPConnector(limit=32),
            headers={"Authorization": f"Bearer {self.settings.access_token}"})

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def send(self, payload: dict[str, Any]) -> Sent:
        """POST /messages with ``payload`` (recipient and content); the message id Meta gave it."""
        message = {"messaging_product": "whatsapp", **payload}
        body = await self._post("messages", lambda: {"json": message})
        messages = body.get("messages") or [{}]
        return Sent(message_id=str(messages[0].get("id", "")))

    async def mark_read(self, message_id: str) -> None:
        """Show the resident's message as read (blue ticks). Best effort, tried once."""
        mark = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
        try:
            await self._post("messages", lambda: {"json": mark}, retries=())
        except (ApiError, aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.debug("whatsapp: read mark not set (%s)", type(exc).__name__)

    async def upload(self, data: bytes, filename: str, mime_type: str) -> str:
        """POST /media; the media id to send it by."""
        def form() -> dict[str, Any]:
            fields = aiohttp.FormData()
            fields.add_field("messaging_product", "whatsapp")
            fields.add_field("type", mime_type)
            fields.add_field("file", data, filename=filename, content_type=mime_type)
            return {"data": fields}

        body = await self._post("media", form)
        return str(body["id"])

    async def _post(self, path: str, request: Callable[[], dict[str, Any]],
                    retries: tuple[float, ...] | None = None) -> dict[str, Any]:
        """One Graph API call; connection errors, timeouts and 5xx are retried with a short backoff."""
        assert self._session is not None, "open the client first"
        delays = self._retry_delays if retries is None else retries
        for delay in (*delays, None):
            try:
                async with self._session.post(f"{self.base}/{path}", **request()) as response:
                    body: dict[str, Any] = await response.json(content_type=None)
                    if response.status < 400:
                        return body
                    error = body.get("error") or {}
                    failure = ApiError(int(error.get("code", 0)), response.status, str(error.get("type", "")))
                    if response.status < 500 or delay is None:
                        raise failure
            except (aiohttp.ClientConnectionError, TimeoutError):
                if delay is None:
                    raise
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")
