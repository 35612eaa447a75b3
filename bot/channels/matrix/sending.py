"""Sending to Matrix: text and notices (choices as a numbered list), files and images, native polls, reactions,
and direct chats the bot opens itself. Part of the Matrix channel (see ``bot/channels/matrix/__init__.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import uuid
from collections.abc import Awaitable, Iterable
from dataclasses import replace
from typing import Any

import aiohttp
import nio
from nio.api import RelationshipType

from bot.channels.base import Address, Attachment, AttachmentKind, Busy, Host, Reply, SendResult
from bot.channels.matrix import format as fmt
from bot.channels.matrix.direct import DirectChats
from bot.config_channels import MatrixConfig

log = logging.getLogger("bot.channels.matrix")

_NETWORK = (aiohttp.ClientError, ConnectionError, TimeoutError)  # the homeserver is away (or too slow)
# How long one request may wait in all for the homeserver's rate limit (M_LIMIT_EXCEEDED) before the send is
# reported as ``retry_after`` (the outbox then retries that message alone, later).
MAX_RATE_LIMIT_WAIT = 60.0


class Sending:
    """The sending half of MatrixChannel; the receiving half and the sync loop are in ``channel.py``."""

    name: str
    mx: MatrixConfig
    client: Any  # nio.AsyncClient once started
    _host: Host | None
    _loaded: bool
    _group_rooms: set[str]
    _left: set[str]
    _sent: fmt.BoundedSet
    _direct: DirectChats
    _typing: set[str]

    async def _room_id(self, ref: str) -> str | None:
        raise NotImplementedError

    async def send(self, reply: Reply) -> SendResult:
        address = reply.address
        if address is None or address.channel != self.name:
            return SendResult(ok=False, error="not a matrix address")
        if self.client is None or not self._loaded:
            return SendResult(ok=False, error="not connected yet")
        try:
            room_id = (await self._direct_room(address.chat_id) if address.chat_id.startswith("@")
                       else await self._room_id(address.chat_id))
            if room_id is None:
                return SendResult(ok=False, error="room alias does not resolve")
            if self._gone(room_id, address.private):
                raise fmt.SendFailed(SendResult(ok=False, unreachable=True, error="the person left or room gone"))
            event_id = await self._send_reply(room_id, reply)
        except fmt.SendFailed as exc:
            if exc.result.unreachable and address.private and self._host is not None:
                await self._host.unreachable(address)
            return exc.result
        except _NETWORK as exc:
            return SendResult(ok=False, error=f"homeserver unreachable ({type(exc).__name__})")
        except (nio.LocalProtocolError, nio.SendRetryError) as exc:
            return SendResult(ok=False, error=f"not sent ({type(exc).__name__})")
        if reply.reactions:
            await self.add_reactions(room_id, event_id, reply.reactions)
        return SendResult(ok=True, message_id=event_id)

    async def delete(self, address: Address, message_id: str) -> SendResult:
        """Redact one of the bot's events (``m.room.redaction``): clients then show it as removed, and the
        homeserver drops its content. A direct chat is found, never opened, for it."""
        if self.client is None or not self._loaded:
            return SendResult(ok=False, error="not connected yet")
        try:
            room_id = (self._direct.usable(self.client.rooms, self._left, self._group_rooms, address.chat_id)
                       if address.chat_id.startswith("@") else await self._room_id(address.chat_id))
            if room_id is None or room_id in self._left or room_id not in self.client.rooms:
                return SendResult(ok=False, final=True, error="the room is gone")
            await self._redact_own(room_id, message_id, "m.replace")  # an edit holds the text too
            resp = await self.client.room_redact(room_id, message_id)
        except _NETWORK as exc:
            return SendResult(ok=False, error=f"homeserver unreachable ({type(exc).__name__})")
        if isinstance(resp, nio.RoomRedactResponse):
            return SendResult(ok=True, message_id=str(resp.event_id))
        failed = fmt.failure(resp)  # rate limited: later; no access to the room: never (the chat is not "gone")
        return SendResult(ok=False, final=True, error=failed.error) if failed.unreachable else failed

    def _names(self, room_id: str, users: Iterable[str]) -> dict[str, str]:
        """Display names of the people a message mentions, as the room knows them."""
        room = self.client.rooms.get(room_id)
        members = room.users if room is not None else {}
        return {u: str(members[u].display_name) for u in users if u in members and members[u].display_name}

    async def _redact_own(self, room_id: str, event_id: str, rel_type: str) -> None:
        """Redact the bot's own events of one relation type to ``event_id`` (its reactions, its edits), found with
        the relations API, so nothing depends on remembering their ids across a restart. Best effort: what fails
        stays, and the caller's own request decides the result."""
        own: list[str] = []
        try:
            async for event in self.client.room_get_event_relations(room_id, event_id, RelationshipType(rel_type)):
                if getattr(event, "sender", None) == self.mx.user_id and getattr(event, "event_id", None):
                    own.append(str(event.event_id))
        except (*_NETWORK, nio.LocalProtocolError, ValueError, RuntimeError, AttributeError):
            log.warning("matrix: could not list the bot's own %s events on a post", rel_type)
        for own_id in own:
            with contextlib.suppress(*_NETWORK):
                await self.client.room_redact(room_id, own_id)

    async def busy(self, address: Address, what: Busy) -> None:
        """A typing notification in a direct chat while a slow answer is prepared (a file, a chart, a computation);
        it ends when the answer has been sent (or after 30 s). Best effort: a failure changes nothing."""
        if address.channel != self.name or not address.private or self.client is None or not self._loaded:
            return
        self._typing.add(address.chat_id)
        await self._best_effort(self.client.room_typing(address.chat_id, True, timeout=30_000))

    @staticmethod
    async def _best_effort(request: Awaitable[Any]) -> None:
        try:
            await request
        except (*_NETWORK, nio.LocalProtocolError) as exc:
            log.debug("matrix: a receipt or typing notice was not sent (%s)", type(exc).__name__)

    async def _direct_room(self, user_id: str) -> str:
        """The direct chat with a person the bot writes to first (``bot/channels/matrix/direct.py``): reused, or
        created encrypted with an ``is_direct`` invite; returns once its state has arrived by sync."""
        direct = self._direct
        async with direct.lock:
            room_id = direct.usable(self.client.rooms, self._left, self._group_rooms, user_id)
            if room_id is None:
                resp = await self.client.room_create(is_direct=True, invite=[user_id],
                                                     preset=nio.RoomPreset.trusted_private_chat,
                                                     initial_state=[fmt.ENCRYPTION_STATE])
                if not isinstance(resp, nio.RoomCreateResponse):
                    raise fmt.SendFailed(fmt.failure(resp))
                room_id = str(resp.room_id)
                direct.created.add(room_id)
                log.info("matrix: opened a direct chat with a contact person")
            await direct.remember(user_id, room_id)
        if not await direct.wait_ready(lambda: self.client.rooms, room_id, user_id):
            raise fmt.SendFailed(SendResult(ok=False, error="the direct chat is not ready yet"))
        return room_id

    def _gone(self, room_id: str, private: bool) -> bool:
        room = self.client.rooms.get(room_id)
        if room_id in self._left or room is None:
            return True
        return private and not any(u != self.mx.user_id for u in room.users)

    async def _send_event(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        """Send one event. A 429 (``M_LIMIT_EXCEEDED``) is waited out for this request only, for the
        ``retry_after_ms`` the homeserver gave, then the same request is repeated with the same transaction id (so
        a homeserver that did accept it keeps one copy). nio itself never sleeps on a 429 here
        (``max_limit_exceeded=0``), so other requests, the sync loop above all, go on meanwhile; and a reply of
        several events (text, poll, file) is never half sent and then repeated whole by the outbox."""
        tx_id = str(uuid.uuid4())
        waited = 0.0
        while True:
            resp = await self.client.room_send(room_id, event_type, content, tx_id=tx_id,
                                               ignore_unverified_devices=True)
            if isinstance(resp, nio.RoomSendResponse):
                break
            result = fmt.failure(resp)
            if result.retry_after is None or waited + result.retry_after > MAX_RATE_LIMIT_WAIT:
                raise fmt.SendFailed(result)
            log.info("matrix: the homeserver rate-limits the bot; this message waits %.2f s", result.retry_after)
            await asyncio.sleep(result.retry_after)
            waited += result.retry_after
        self._sent.add(resp.event_id)
        return str(resp.event_id)

    async def _send_reply(self, room_id: str, reply: Reply) -> str:
        """Upload first (the step most likely to fail), then the text, then the file; returns the text's id."""
        media = await self._media(room_id, reply) if reply.attachment else None
        message_id: str | None = None
        if reply.closes_poll:  # end the poll event, so clients stop offering it (a gone poll is no reason to fail)
            with contextlib.suppress(fmt.SendFailed):
                await self._send_event(room_id, fmt.POLL_END, fmt.poll_end_content(
                    reply.closes_poll, reply.text.split("\n", 1)[0]))
        if reply.text or reply.choices:
            shown = replace(reply, choices=()) if reply.poll else reply  # the poll event shows the options
            if not shown.mentions and reply.address is not None and reply.address.chat_id.startswith("@"):
                shown = replace(shown, mentions=(reply.address.chat_id,))  # a contact person's attention is needed
            message_id = await self._send_event(room_id, "m.room.message",
                                                fmt.text_content(shown, self._names(room_id, shown.mentions)))
            if reply.edit_of and reply.settled:  # decided: the reaction prompts under the post are no buttons now
                await self._redact_own(room_id, reply.edit_of, "m.annotation")
            message_id = reply.edit_of or message_id  # edits keep the original id
        if reply.poll is not None:  # MSC3381; votes refer to this event, so its id is the message id
            message_id = await self._send_event(room_id, fmt.POLL_START, fmt.poll_start_content(
                reply.poll, fmt.render(reply.poll.question, reply.poll.options)[0]))
        if media is not None:
            media_id = await self._send_event(room_id, "m.room.message", media)
            message_id = message_id or media_id
        return message_id or ""

    async def _media(self, room_id: str, reply: Reply) -> dict[str, Any] | None:
        attachment: Attachment | None = reply.attachment
        thread = reply.address.thread if reply.address else None
        if attachment is None or (attachment.kind is AttachmentKind.LOCATION and attachment.latitude is None):
            return None
        if attachment.kind is AttachmentKind.LOCATION:
            return fmt.location_content(attachment, thread)
        if attachment.data is None:
            return None
        room = self.client.rooms.get(room_id)
        encrypted = bool(room is not None and room.encrypted)  # encrypted rooms get encrypted uploads
        resp, keys = await self.client.upload(
            io.BytesIO(attachment.data), content_type=attachment.mime_type or "application/octet-stream",
            filename=attachment.filename or "file", encrypt=encrypted, filesize=len(attachment.data))
        if not isinstance(resp, nio.UploadResponse):
            raise fmt.SendFailed(fmt.failure(resp))
        return fmt.media_content(attachment, str(resp.content_uri), keys if encrypted else None, thread)

    async def add_reactions(self, room_id: str, event_id: str, keys: Iterable[str]) -> bool:
        """React to a message (normally the bot's own moderation item) with each key, e.g. ✅ 🚫 ✏️, so organisers
        can tap them. Returns True when all reactions are there (an existing one counts)."""
        ok = True
        try:
            resolved = await self._room_id(room_id)
        except _NETWORK:
            return False
        for key in keys:
            content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
            try:
                await self._send_event(resolved or room_id, "m.reaction", content)
            except fmt.SendFailed as exc:
                ok = ok and "DUPLICATE" in (exc.result.error or "")
            except (*_NETWORK, nio.LocalProtocolError):
                ok = False
        return ok
