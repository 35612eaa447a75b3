"""Sending to Telegram: text (split at Telegram's length), inline keyboards with signed button data, edits,
photos, files and locations, chat actions and deletions, every Bot API call retried on network errors. Part of
the Telegram channel; the receiving half and the lifecycle are in ``channel.py``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.channels import layout
from bot.channels.base import Address, AttachmentKind, Busy, Host, Reply, SendResult
from bot.channels.callback import sign
from bot.channels.telegram import deleting
from bot.channels.telegram.pacing import retry_after_seconds
from bot.channels.telegram.settings import CAPTION_LIMIT, TEXT_LIMIT
from bot.channels.telegram.uploads import FileIds

log = logging.getLogger("bot.channels.telegram")

T = TypeVar("T")
TelegramApp = Application[Any, Any, Any, Any, Any, Any]


class Sending:
    """The sending half of TelegramChannel; the receiving half and the lifecycle are in ``channel.py``."""

    name: str
    _app: TelegramApp | None
    _host: Host | None
    _secret: bytes
    _retry_delays: tuple[float, ...]
    _file_ids: FileIds[Message]

    async def busy(self, address: Address, what: Busy) -> None:
        """A chat action ("typing…", "sending a file…") while a slow answer is prepared; Telegram shows it for up
        to 5 seconds or until the bot's next message. Best effort, tried once (no retries to delay the answer): a
        failure changes nothing."""
        action = {Busy.PHOTO: ChatAction.UPLOAD_PHOTO, Busy.FILE: ChatAction.UPLOAD_DOCUMENT}.get(what,
                                                                                             ChatAction.TYPING)
        if self._app is None or address.channel != self.name:
            return
        try:
            await self._app.bot.send_chat_action(int(address.chat_id), action,
                                                 message_thread_id=int(address.thread) if address.thread else None)
        except (TelegramError, ValueError) as exc:
            log.debug("telegram: chat action not shown (%s)", type(exc).__name__)

    async def send(self, reply: Reply) -> SendResult:
        """Send (or edit) one reply; failures are reported in the result, never raised."""
        address = reply.address
        if address is None or address.channel != self.name:
            return SendResult(ok=False, error="no telegram address")
        try:
            markup = self._keyboard(reply, address)
        except ValueError as exc:  # an option that cannot be a button: the text still goes out, options typed
            log.error("telegram: cannot render the options of a reply as buttons (%s)", exc)
            markup = None
            reply = replace(reply, text=layout.numbered(reply.text, [c.label for c in reply.choices]), choices=())
        return await self._deliver(reply, markup)

    async def delete(self, address: Address, message_id: str) -> SendResult:
        """Delete one of the bot's messages (``deleting.py``: Telegram allows it for 48 hours)."""
        if self._app is None:
            return SendResult(ok=False, error="the telegram channel is not running")
        return await deleting.delete(self._call, self._app.bot, address, message_id)

    def _keyboard(self, reply: Reply, address: Address) -> InlineKeyboardMarkup | None:
        if not reply.choices:
            return None
        buttons = [InlineKeyboardButton(choice.label, callback_data=sign(self._secret, address.chat_id, reply.turn,
                                                                        choice.key)) for choice in reply.choices]
        return InlineKeyboardMarkup(layout.button_rows(buttons, [c.label for c in reply.choices]))

    async def _deliver(self, reply: Reply, markup: InlineKeyboardMarkup | None) -> SendResult:
        app, address = self._app, reply.address
        if app is None or address is None:
            return SendResult(ok=False, error="the telegram channel is not running")
        try:
            message = await self._send_parts(app.bot, int(address.chat_id), reply, markup,
                                             int(address.thread) if address.thread else None)
        except TelegramError as exc:
            return await self._failed(address, exc)
        except ValueError as exc:  # not a Telegram chat id
            return SendResult(ok=False, error=str(exc))
        return SendResult(ok=True, message_id=str(message.message_id) if isinstance(message, Message) else None)

    async def _send_parts(self, bot: Bot, chat_id: int, reply: Reply, markup: InlineKeyboardMarkup | None,
                          thread: int | None) -> Message | bool:
        text, attachment = reply.text, reply.attachment
        if reply.edit_of is not None:
            return await self._call("editMessageText", partial(
                bot.edit_message_text, text[:TEXT_LIMIT], chat_id=chat_id, message_id=int(reply.edit_of),
                reply_markup=markup))
        if reply.closes_poll is not None and reply.closes_poll.isdigit():  # a poll ended: its buttons go
            with contextlib.suppress(TelegramError):  # e.g. already gone after a vote
                await self._call("editMessageReplyMarkup", partial(bot.edit_message_reply_markup, chat_id=chat_id,
                                                                   message_id=int(reply.closes_poll)))
        caption: str | None = None
        if attachment is not None and attachment.kind in (AttachmentKind.FILE, AttachmentKind.PHOTO):
            if layout.u16len(text) <= CAPTION_LIMIT:
                caption, text = text or attachment.alt_text, ""
            else:
                caption = attachment.alt_text[:CAPTION_LIMIT] if attachment.alt_text else None
        parts = layout.split_text(text, TEXT_LIMIT) if text else []
        result: Message | bool = True
        last_markup = markup if attachment is None or attachment.kind is AttachmentKind.LOCATION else None
        for index, part in enumerate(parts):
            keyboard = last_markup if index == len(parts) - 1 else None
            result = await self._call("sendMessage", partial(bot.send_message, chat_id, part, reply_markup=keyboard,
                                                             message_thread_id=thread))
        if attachment is None:
            return result
        if attachment.kind is AttachmentKind.LOCATION and attachment.latitude is not None \
                and attachment.longitude is not None:
            return await self._call("sendLocation", partial(bot.send_location, chat_id, attachment.latitude,
                                                            attachment.longitude, message_thread_id=thread))
        if attachment.kind is AttachmentKind.FILE and attachment.data is not None:
            document = partial(bot.send_document, chat_id, filename=attachment.filename or "file", caption=caption,
                               reply_markup=markup, message_thread_id=thread)
            return await self._send_file("sendDocument", attachment.data, document)
        photo = partial(bot.send_photo, chat_id, caption=caption, reply_markup=markup, message_thread_id=thread)
        if attachment.kind is AttachmentKind.PHOTO and attachment.ref:
            return await self._call("sendPhoto", partial(photo, attachment.ref))
        if attachment.kind is AttachmentKind.PHOTO and attachment.data:  # uploaded once, then sent by file_id
            return await self._send_file("sendPhoto", attachment.data, photo)
        return result

    async def _send_file(self, what: str, data: bytes, send: Callable[[str | bytes], Awaitable[Message]]) -> Message:
        """``send(file)`` through :meth:`_call` with the bytes or, when they were uploaded before, their file_id."""
        return await self._file_ids.send(what, data, lambda file: self._call(what, partial(send, file)))

    async def _failed(self, address: Address, exc: TelegramError) -> SendResult:
        if isinstance(exc, RetryAfter):
            log.warning("telegram: flood control persists; giving up for now")
            return SendResult(ok=False, retry_after=retry_after_seconds(exc), error="flood control")
        if isinstance(exc, Forbidden):
            log.info("telegram: a %s chat is unreachable (the bot was blocked or removed)",
                     "private" if address.private else "group")
            if self._host is not None:
                await self._host.unreachable(address)
            return SendResult(ok=False, unreachable=True, error="forbidden")
        log.warning("telegram: sending failed (%s)", type(exc).__name__)
        log.debug("telegram: sending failed: %s", exc)  # the Bot API's description; never the chat
        return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")

    async def _call(self, what: str, action: Callable[[], Awaitable[T]]) -> T:
        """Run one Bot API call, retrying network errors, 5xx and timeouts with a capped backoff."""
        for attempt, delay in enumerate((*self._retry_delays, None), start=1):
            try:
                return await action()
            except BadRequest:
                raise  # a subclass of NetworkError, but our mistake: retrying will not help
            except NetworkError as exc:  # connection errors, timeouts (TimedOut) and 5xx answers
                if delay is None:
                    log.warning("telegram: %s failed %d times (%s); giving up", what, attempt, type(exc).__name__)
                    raise
                log.info("telegram: %s failed (%s); retry %d in %.1f s", what, type(exc).__name__, attempt, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")



def file_id_of(message: Message) -> str | None:
    """The file_id of a photo (its largest size) or document the bot sent."""
    if message.photo:
        return max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0)).file_id
    return message.document.file_id if message.document is not None else None

