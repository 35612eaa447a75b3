"""The WhatsApp channel: Meta's webhook in, the Cloud API out (design in ``__init__.py``)."""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

import aiohttp

from bot.channels.base import Actor, Address, Attachment, AttachmentKind, Host, Incoming, Reply, SendResult
from bot.channels.callback import derive_secret, verify
from bot.channels.whatsapp import render
from bot.channels.whatsapp.api import (
    PAIR_RATE_LIMIT,
    RATE_LIMITS,
    RE_ENGAGEMENT,
    TEMPLATE_MISSING,
    UNDELIVERABLE,
    ApiError,
    CloudApi,
)
from bot.channels.whatsapp.pacing import PAIR_INTERVAL, Pacing, Windows, hour_of
from bot.channels.whatsapp.webhook import Inbound, Status, Webhook
from bot.config import Config
from bot.config_whatsapp import WhatsAppConfig
from bot.i18n import Translator

log = logging.getLogger("bot.channels.whatsapp")

# What kind of template an outbox row needs outside the 24-hour window, by the row's purpose.
TEMPLATE_KIND = {"feedback": "feedback", "heard": "feedback", "overdue": "feedback", "digest": "digest",
                 "poll": "poll", "poll-note": "poll", "poll-results": "poll_results",
                 "contact-handover": "introduction", "contact-vacancy": "introduction",
                 "relay-answer": "relay_answer"}
DIRECT = "answer"  # the outbox purpose of a direct answer kept for later (sent as the "update" template)
WHOLE = "whole"  # the whole of a message whose template had to shorten it: free-form, once the window opens
WAIT_FOR_WINDOW = 3600.0  # a message without a usable template waits this long for the resident to write
DOCUMENT_TYPES = {"application/pdf", "text/plain", "application/msword", "application/vnd.ms-excel",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
RATE_LIMIT_TRIES = 3
LINKED = 100_000  # numbers remembered as linked before the set starts again (a link is one cheap query)
UNCONFIRMED = 20_000  # queued messages remembered until Meta reports their delivery


@runtime_checkable
class KnowsLanguages(Protocol):
    """A host that can say which language a person reads (for templates and list labels)."""

    async def language_of(self, address: Address) -> str | None: ...


@runtime_checkable
class HearsFailures(Protocol):
    """A host that records a message the platform accepted and later failed to deliver (a status webhook)."""

    async def delivery_failed(self, address: Address, message_id: str, reason: str) -> None: ...


@runtime_checkable
class HearsDelivery(Protocol):
    """A host that records that a sent message was delivered or read (the state only, on its outbox row)."""

    async def delivery(self, address: Address, message_id: str, state: str) -> None: ...


@runtime_checkable
class LinksIds(Protocol):
    """A host that moves a person known by one id to another, lasting one (phone number -> BSUID)."""

    async def link(self, channel: str, old: str, new: str) -> bool: ...


@runtime_checkable
class KeepsInbox(Protocol):
    """A host with a durable inbox: messages kept from the webhook's 200 until they were handled."""

    async def inbox_keep(self, channel: str, items: list[tuple[str, str]]) -> None: ...

    async def inbox_done(self, channel: str, event_id: str) -> None: ...

    async def inbox_left(self, channel: str) -> list[str]: ...


@runtime_checkable
class KeepsWindows(Protocol):
    """A host that keeps when each resident last wrote, to the hour (ISO 8601, UTC), across restarts, and sends
    at once what waited for a closed window (``SendResult.waiting``) when she writes again."""

    async def wrote(self, address: Address, hour: str | None, reopened: bool) -> bool: ...

    async def window_of(self, address: Address) -> str | None: ...


@runtime_checkable
class QueuesReplies(Protocol):
    """A host that can keep a reply in its outbox (a direct answer that found the 24-hour window closed)."""

    async def queue(self, reply: Reply, purpose: str) -> None: ...


class WhatsAppChannel:
    name = "whatsapp"
    command_prefix = "/"  # typed; also understood without it (see command())
    can_send_files = True
    accepts_photos = True

    def __init__(self, config: Config, commands: Collection[str], *, now: Callable[[], float] = time.time,
                 retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0), timeout: float = 10.0) -> None:
        if config.whatsapp is None:
            raise ValueError("WhatsAppChannel needs a [whatsapp] section in the configuration")
        self.config = config
        self.settings: WhatsAppConfig = config.whatsapp
        self.commands = frozenset(word.lower() for word in commands)
        self.api = CloudApi(self.settings, timeout=timeout, retry_delays=retry_delays)
        self.webhook = Webhook(self.settings.webhook_path, self.settings.verify_token, self.settings.app_secret,
                               self._on_events, self._keep)
        self.windows = Windows(now)
        self.pacing = Pacing(self.settings.throughput)
        self.statuses: dict[str, int] = {}  # status name -> how many status webhooks said so (no ids kept)
        self._secret = derive_secret(self.settings.app_secret)
        self._host: Host | None = None
        # Queued messages sent free-form, by message id, until Meta says what became of them: one that failed
        # because the window had closed (131047, reported by a status webhook) goes out again as a template.
        self._unconfirmed: OrderedDict[str, Reply] = OrderedDict()
        self._direct: OrderedDict[str, None] = OrderedDict()  # recent direct answers' ids: no outbox row to mark
        self._linked: set[str] = set()  # numbers already linked to their BSUID in this process (memory only)
        self._turns: dict[str, asyncio.Lock] = {}  # one turn at a time per resident, in the order Meta sent them

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: Host) -> None:
        self._host = host
        await self.api.open()
        await self._handle_kept()  # what arrived before a crash, before anything new from the same residents
        await self.webhook.start(self.settings.webhook_listen, self.settings.webhook_port)
        log.info("whatsapp: receiving webhooks on %s:%d%s", self.settings.webhook_listen, self.settings.webhook_port,
                 self.settings.webhook_path)

    async def stop(self) -> None:
        await self.webhook.stop()
        await self.api.close()

    # ------------------------------------------------------------------- receiving

    async def _keep(self, events: list[Inbound | Status]) -> None:
        """Before the 200: the messages go to the host's durable inbox (only what handling them needs)."""
        # The phone number is not kept, and the moment only to the hour (the window is rounded down anyway).
        items = [(_event_id(event), json.dumps({**asdict(event), "phone": None, "sent_at": None if event.sent_at
                                                is None else hour_of(event.sent_at)}, ensure_ascii=False))
                 for event in events if isinstance(event, Inbound)]
        if items and isinstance(self._host, KeepsInbox):
            await self._host.inbox_keep(self.name, items)

    async def _handle_kept(self) -> None:
        if isinstance(self._host, KeepsInbox):
            kept = [Inbound(**json.loads(body)) for body in await self._host.inbox_left(self.name)]
            if kept:
                log.info("whatsapp: handling %d message(s) received before a restart", len(kept))
                await self._on_events(list(kept))
                for event in kept:  # also those no turn took (held by the flood gate and replaced, or failed)
                    await self._host.inbox_done(self.name, _event_id(event))

    async def _on_events(self, events: list[Inbound | Status]) -> None:
        for event in events:
            if isinstance(event, Status):
                await self._on_status(event)
            else:
                lock = self._turns.setdefault(event.user, asyncio.Lock())
                async with lock:
                    await self._on_message(event)  # its turn deletes it from the inbox (bot/store/turn.py)
                if not lock.locked() and len(self._turns) > 10_000:
                    self._turns.pop(event.user, None)

    async def _on_message(self, event: Inbound) -> None:
        if self._host is None:
            return
        reopened = self.windows.open(event.user) is not True  # closed, or not known since the start
        self.windows.opened(event.user, event.sent_at)  # the resident wrote: free-form messages for 24 hours
        if event.phone is not None and event.phone not in self._linked and isinstance(self._host, LinksIds):
            # Meta gave both ids: one who wrote before BSUIDs (keyed on the number) becomes the BSUID's resident.
            await self._host.link(self.name, event.phone, event.user)
            self._linked.add(event.phone)
            if len(self._linked) > LINKED:
                self._linked.clear()
        actor = Actor(self.name, event.user, event.name, None)
        address = Address(self.name, event.user, private=True)
        incoming = self._incoming(event, actor, address)
        replies = await self._host.dispatch(incoming)
        await self._wrote(address, reopened)  # after the turn, which may have made her a resident
        await self.api.mark_read(event.message_id)
        for reply in replies:
            self._host.replied(reply, await self.send(reply))  # its copy held with the turn can go (or is retried)

    async def _wrote(self, address: Address, reopened: bool) -> None:
        """Keep when her window began, to the hour, so a restart knows it (``pacing.Windows``; at most once an hour
        per resident), and when it had been closed (or unknown), let what waited for it go now. One transaction
        at most; a failure costs only templates after a restart or an hour's wait, never the turn."""
        hour = self.windows.unsaved(address.chat_id)
        if (hour is None and not reopened) or not isinstance(self._host, KeepsWindows):
            return
        try:
            kept = await self._host.wrote(address, None if hour is None else _iso_hour(hour), reopened)
        except Exception:
            log.exception("whatsapp: could not keep when a resident last wrote")
            return
        if kept and hour is not None:  # not before she is a resident: the turn that makes her one writes it
            self.windows.saved(address.chat_id, hour)

    async def _window(self, address: Address) -> bool | None:
        """Inside the window (True), outside (False) or not known (None); after a restart from the database."""
        chat_id = address.chat_id
        if not self.windows.known(chat_id) and isinstance(self._host, KeepsWindows):
            stored = await self._host.window_of(address)
            self.windows.loaded(chat_id, None if stored is None else _epoch(stored))
        return self.windows.open(chat_id)

    def _incoming(self, event: Inbound, actor: Actor, address: Address) -> Incoming:
        common: dict[str, Any] = {"actor": actor, "address": address, "event_id": _event_id(event)}
        if event.reply_id is not None:
            pressed = verify(self._secret, event.user, event.reply_id)
            if pressed is None and event.phone is not None:  # a button sent while she was known by her number
                pressed = verify(self._secret, event.phone, event.reply_id)
            if pressed is None:  # forged or from another person: a stale press, which changes nothing
                return Incoming(**common, choice="", choice_turn=-1)
            return Incoming(**common, choice=pressed.key, choice_turn=pressed.turn)
        attachment: Attachment | None = None
        if event.media_id:
            kind = AttachmentKind.PHOTO if event.kind in ("image", "document") else AttachmentKind.FILE
            attachment = Attachment(kind=kind, ref=event.media_id, mime_type=event.mime_type)
        elif event.latitude is not None and event.longitude is not None:
            attachment = Attachment(kind=AttachmentKind.LOCATION, latitude=event.latitude, longitude=event.longitude)
        command, args = self.command(event.text)
        bare = command is not None and not (event.text or "").lstrip().startswith("/")
        return Incoming(**common, text=event.text, command=command, args=args, attachment=attachment,
                        bare_command=bare)

    def command(self, text: str | None) -> tuple[str | None, str]:
        """WhatsApp has no command menu: ``/share``, ``share`` and ``Delen`` all start sharing. Without a slash
        only a message that is just the command word counts (or ``start <neighbourhood>`` from a poster)."""
        if not text:
            return None, ""
        stripped = text.strip()
        slash = stripped.startswith("/")
        word, _, args = stripped.lstrip("/").partition(" ")
        word = word.lower().rstrip("!.?")
        if word not in self.commands or (not slash and args and word != "start"):
            return None, ""
        return word, args.strip()

    async def _on_status(self, event: Status) -> None:
        self.statuses[event.status] = self.statuses.get(event.status, 0) + 1
        address = Address(self.name, event.user, private=True)
        direct = event.message_id in self._direct
        if event.status == "read" and direct:
            del self._direct[event.message_id]
        if event.status in ("delivered", "read") and not direct and isinstance(self._host, HearsDelivery):
            await self._host.delivery(address, event.message_id, event.status)
        if event.status != "failed":
            if event.status in ("delivered", "read"):
                self._unconfirmed.pop(event.message_id, None)
            return
        if isinstance(self._host, HearsFailures) and RE_ENGAGEMENT not in event.errors:
            codes = ", ".join(str(code) for code in event.errors) or "no code"
            await self._host.delivery_failed(address, event.message_id, f"whatsapp status failed ({codes})")
        if UNDELIVERABLE in event.errors and self._host is not None:
            log.info("whatsapp: a resident's number cannot be reached (131026)")
            await self._host.unreachable(address)
            if event.phone is not None:  # one who wrote before BSUIDs, keyed on her number until she writes again
                await self._host.unreachable(Address(self.name, event.phone, private=True))
        elif RE_ENGAGEMENT in event.errors:
            self.windows.closed(event.user)
            reply = self._unconfirmed.pop(event.message_id, None)
            if reply is not None:  # once per reply, also when it went out in several parts
                for other in [key for key, value in self._unconfirmed.items() if value is reply]:
                    del self._unconfirmed[other]
                if reply.purpose == WHOLE and isinstance(self._host, QueuesReplies):
                    await self._host.queue(reply, WHOLE)  # it waits for her window again
                    return
                result = await self._send_template(reply, event.user)
                if not result.ok:
                    log.warning("whatsapp: a queued message reached a closed window and its template failed too "
                                "(%s)", result.error)
        if event.status in ("delivered", "read", "failed"):
            self._unconfirmed.pop(event.message_id, None)

    # --------------------------------------------------------------------- sending

    async def send(self, reply: Reply) -> SendResult:
        """Send one reply: free-form inside the 24-hour window, else as the approved template for its kind."""
        address = reply.address
        if address is None or address.channel != self.name:
            return SendResult(ok=False, error="no whatsapp address")
        chat_id = address.chat_id
        window = await self._window(address)
        if window is not True and reply.purpose == WHOLE:
            return SendResult(ok=False, retry_after=WAIT_FOR_WINDOW, waiting=True,
                              error="waits for the resident's 24-hour window (the whole of a shortened message)")
        if window is False or (window is None and reply.purpose is not None):
            # Outside the window, or not known to be inside it (nothing heard since this process started): a
            # queued message goes as its template, which Meta delivers at any time. Trying free-form first would
            # leave it to a later status webhook (131047) that a crash could lose.
            return await self._send_template(reply, chat_id)
        try:
            messages = await self._messages(reply, chat_id)
            message_id = await self._post_all(chat_id, messages, reply if reply.purpose else None,
                                              direct=reply.purpose is None)
        except ApiError as exc:
            if exc.code == RE_ENGAGEMENT:
                self.windows.closed(chat_id)
                return await self._send_template(reply, chat_id)
            return await self._failed(address, exc)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return SendResult(ok=False, error=f"network: {type(exc).__name__}")
        return SendResult(ok=True, message_id=message_id)

    async def _send_template(self, reply: Reply, chat_id: str) -> SendResult:
        language = await self._language(reply.address)
        kind = TEMPLATE_KIND.get(reply.purpose or "", "update")  # a direct answer goes as the "update" template
        name = self.settings.templates.get(language, {}).get(kind)
        if name is None:
            why = f"outside the 24-hour window and no template configured for {kind} in {language}"
            if reply.purpose is None:
                return await self._keep_direct(reply, why)
            return SendResult(ok=False, retry_after=WAIT_FOR_WINDOW, waiting=True, error=why)
        fits = render.fits(reply.text)
        text = reply.text if fits else render.shortened(reply.text, Translator(language)._(render.SHORTENED))
        # A template carries text only: buttons (a poll's options), a picture and the rest of a long text follow
        # once she answers ("Reply to this message to take part"), as the whole message.
        whole = fits and not reply.choices and reply.attachment is None
        try:
            message_id = await self._post_all(chat_id, [render.template(name, language, text)])
        except ApiError as exc:
            if exc.code == TEMPLATE_MISSING:
                return SendResult(ok=False, final=True,
                                  error=f"template {name} is not approved in {language} (132001)")
            assert reply.address is not None
            return await self._failed(reply.address, exc)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return SendResult(ok=False, error=f"network: {type(exc).__name__}")
        if not whole and isinstance(self._host, QueuesReplies):  # nothing is lost: all of it, once she answers
            await self._host.queue(reply, WHOLE)
        return SendResult(ok=True, message_id=message_id)

    async def _post_all(self, chat_id: str, messages: list[dict[str, Any]], unsure: Reply | None = None,
                        direct: bool = False) -> str | None:
        """Send the messages in order, waiting out rate limits; the last one's id. ``unsure``: a queued reply
        sent free-form, kept until Meta confirms it (see ``_unconfirmed``); ``direct``: an answer that has no
        outbox row, whose delivery statuses need no database write (see ``_direct``)."""
        message_id: str | None = None
        for message in messages:
            for attempt in range(1, RATE_LIMIT_TRIES + 1):
                await self.pacing.before_send(chat_id)
                try:
                    message_id = (await self.api.send({**render.recipient(chat_id), **message})).message_id
                    if direct and message_id:
                        self._direct[message_id] = None
                        while len(self._direct) > UNCONFIRMED:
                            self._direct.popitem(last=False)
                    if unsure is not None and message_id:
                        self._unconfirmed[message_id] = unsure
                        while len(self._unconfirmed) > UNCONFIRMED:
                            self._unconfirmed.popitem(last=False)
                    break
                except ApiError as exc:
                    if exc.code not in RATE_LIMITS or attempt == RATE_LIMIT_TRIES:
                        raise
                    await asyncio.sleep(_wait(exc.code) * attempt / RATE_LIMIT_TRIES)
        return message_id

    async def _keep_direct(self, reply: Reply, why: str) -> SendResult:
        """A direct answer (not from the outbox) that cannot go now: never dropped silently, kept in the outbox
        until the resident writes again or a template is configured."""
        if isinstance(self._host, QueuesReplies):
            log.warning("whatsapp: a direct answer found the 24-hour window closed and has no template; it waits "
                        "in the outbox")
            await self._host.queue(reply, DIRECT)
            return SendResult(ok=False, retry_after=WAIT_FOR_WINDOW, error=f"kept in the outbox: {why}")
        log.warning("whatsapp: a direct answer found the 24-hour window closed and has no template; not sent")
        return SendResult(ok=False, retry_after=WAIT_FOR_WINDOW, error=why)

    async def _failed(self, address: Address, exc: ApiError) -> SendResult:
        if exc.code == UNDELIVERABLE:
            log.info("whatsapp: a resident's number cannot be reached (131026)")
            if self._host is not None:
                await self._host.unreachable(address)
            return SendResult(ok=False, unreachable=True, error="undeliverable (131026)")
        if exc.code in RATE_LIMITS:
            return SendResult(ok=False, retry_after=_wait(exc.code), error=f"rate limit ({exc.code})")
        log.warning("whatsapp: sending failed (error %d)", exc.code)
        return SendResult(ok=False, error=f"whatsapp error {exc.code}")

    async def delete(self, address: Address, message_id: str) -> SendResult:
        """The Cloud API cannot take back a message once sent."""
        return SendResult(ok=False, final=True, error="WhatsApp messages cannot be taken back by the business")

    async def _language(self, address: Address | None) -> str:
        host = self._host
        language = await host.language_of(address) if address and isinstance(host, KnowsLanguages) else None
        return language if language is not None and language in self.config.languages \
            else self.config.default_language

    async def _messages(self, reply: Reply, chat_id: str) -> list[dict[str, Any]]:
        text, attachment = reply.text, reply.attachment
        messages: list[dict[str, Any]] = []
        if attachment is not None and attachment.kind is not AttachmentKind.LOCATION \
                and (attachment.ref or attachment.data) and len(text) <= render.BODY_LIMIT and not reply.choices:
            return [await self._media(attachment, text)]
        if reply.choices:
            label = Translator(await self._language(reply.address))._(render.LIST_LABEL)
            try:
                messages = render.widget(text, reply.choices, self._secret, chat_id, reply.turn, label)
            except ValueError:  # an option key too long to sign: the options are typed instead
                messages = render.text_messages(text + "\n\n" + "\n".join(
                    f"{n}. {c.label}" for n, c in enumerate(reply.choices, start=1)))
        elif text:
            messages = render.text_messages(text)
        if attachment is not None and attachment.kind is AttachmentKind.LOCATION \
                and attachment.latitude is not None and attachment.longitude is not None:
            messages.append(render.location(attachment.latitude, attachment.longitude))
        elif attachment is not None and (attachment.ref or attachment.data):
            messages.append(await self._media(attachment, None))
        return messages

    async def _media(self, attachment: Attachment, caption: str | None) -> dict[str, Any]:
        """An image by its media id, or bytes uploaded first. Files go as documents; WhatsApp's document types
        have no application/json, so the /mydata export goes out as text/plain, named ``.txt`` (a phone offers
        no app for a ``.json`` file)."""
        caption = caption or attachment.alt_text
        if attachment.kind is AttachmentKind.PHOTO:
            media_id = attachment.ref or await self.api.upload(attachment.data or b"", attachment.filename
                                                               or "photo.png", attachment.mime_type or "image/png")
            return render.media("image", media_id, caption)
        filename = attachment.filename or "file.txt"
        mime = attachment.mime_type or mimetypes.guess_type(filename)[0] or "text/plain"
        if mime not in DOCUMENT_TYPES:  # e.g. the JSON export: sent as the text it is, named so a phone opens it
            mime = "text/plain"
            filename = f"{filename.rsplit('.', 1)[0]}.txt"
        media_id = attachment.ref or await self.api.upload(attachment.data or b"", filename, mime)
        return render.media("document", media_id, caption, filename)


def _event_id(event: Inbound) -> str:
    """The Incoming's event id, also the message's key in the durable inbox (the turn deletes it by this)."""
    return f"m{event.message_id}"


def _iso_hour(hour: float) -> str:
    return datetime.fromtimestamp(hour, UTC).isoformat(timespec="seconds")


def _epoch(iso: str) -> float | None:
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return hour_of((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def _wait(code: int) -> float:
    return PAIR_INTERVAL if code == PAIR_RATE_LIMIT else 1.0
