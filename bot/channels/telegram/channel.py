"""The Telegram channel itself: PTB on the shared loop, its lifecycle and the receiving half. Sending is in
``sending.py``; the design is in the package docstring (``bot/channels/telegram/__init__.py``); pacing and update
order are in ``pacing.py``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot.channels import layout
from bot.channels.base import Actor, Address, Attachment, AttachmentKind, Host, Incoming, Reply, SendResult
from bot.channels.callback import derive_secret, verify
from bot.channels.telegram.limiter import ChatPacer
from bot.channels.telegram.pacing import ChatOrderedUpdates
from bot.channels.telegram.profile import publish_profile
from bot.channels.telegram.sending import Sending, TelegramApp, file_id_of
from bot.channels.telegram.settings import (
    ALLOWED_UPDATES,
    CAPTION_LIMIT,
    CONCURRENT_UPDATES,
    EXPIRED,
    GROUP_BUTTON,
    GROUP_INVITE_COOLDOWN,
    GROUP_START,
    GROUP_TEXT,
    PAID_BROADCAST_RATE,
    POLL_INTERVAL,
    TEXT_LIMIT,
    TelegramUnavailable,
    api_urls,
)
from bot.channels.telegram.transport import AiohttpRequest
from bot.channels.telegram.uploads import FileIds
from bot.channels.telegram.webhook import WebhookServer
from bot.config import Config
from bot.config_channels import TelegramConfig
from bot.errors import error_reference
from bot.i18n import Translator, best_language

log = logging.getLogger("bot.channels.telegram")


class TelegramChannel(Sending):
    name = "telegram"
    command_prefix = "/"
    can_send_files = True
    accepts_photos = True

    def __init__(self, config: Config, menu: dict[str, list[tuple[str, str]]], *,
                 request: Callable[[], BaseRequest] | None = None, receive: bool = True,
                 retry_delays: Sequence[float] = (0.5, 1.0, 2.0), timeout: float = 10.0, poll_timeout: float = 10.0,
                 max_retry_after: int = 3, rate_limit: float | None = None,
                 concurrent_updates: int = CONCURRENT_UPDATES) -> None:
        """``request`` makes PTB's HTTP clients (tests: an httpx MockTransport); ``receive=False`` starts no
        updater (updates are then fed with :meth:`feed`). ``retry_delays`` are the waits between attempts after
        network errors, 5xx and timeouts; ``max_retry_after`` how often a 429 is waited out before giving up.
        ``rate_limit`` is the Bot API's overall limit in messages per second (default: ``telegram.rate_limit``;
        a benchmark's emulator may allow more; 0 turns the overall limit off); the per-chat limits and paid
        broadcasts come from the settings, see :class:`ChatPacer`.
        ``concurrent_updates`` is how many updates of different chats are handled at once (1: one at a time, as
        PTB does by default), see :class:`ChatOrderedUpdates`."""
        if config.telegram is None:
            raise ValueError("TelegramChannel needs a [telegram] section in the configuration")
        self.config = config
        self.settings: TelegramConfig = config.telegram
        self.menu = menu
        self.username: str | None = self.settings.bot_username
        self._request = request
        self._receive = receive
        self._retry_delays = tuple(min(delay, 30.0) for delay in retry_delays)
        self._timeout = timeout
        self._poll_timeout = poll_timeout
        self._max_retry_after = max_retry_after
        self._rate_limit = self.settings.rate_limit if rate_limit is None else rate_limit
        self._concurrent_updates = max(concurrent_updates, 1)
        self._secret = derive_secret(self.settings.token)
        if logging.getLogger("httpx").getEffectiveLevel() < logging.WARNING:
            logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every URL, and Bot API URLs hold the token
        self._host: Host | None = None
        self._app: TelegramApp | None = None
        self._invited: dict[int, float] = {}  # group chat id -> loop time of the last invitation
        self._file_ids = FileIds[Message](file_id_of, BadRequest)  # bytes sent again go by their file_id
        self._webhook: WebhookServer | None = None

    # ------------------------------------------------------------------ lifecycle

    def _make_request(self, read_timeout: float) -> BaseRequest:
        if self._request is not None:
            return self._request()
        return AiohttpRequest(connection_pool_size=16, read_timeout=read_timeout, write_timeout=self._timeout,
                              connect_timeout=self._timeout, pool_timeout=self._timeout)

    def _build(self) -> TelegramApp:
        base_url, base_file_url = api_urls(self.settings.api_base_url)
        builder = (ApplicationBuilder().token(self.settings.token).base_url(base_url).base_file_url(base_file_url)
                   .request(self._make_request(self._timeout))
                   .get_updates_request(self._make_request(self._timeout))
                   .rate_limiter(self._pacer())
                   .concurrent_updates(ChatOrderedUpdates(self._concurrent_updates))
                   .job_queue(None))
        if not self._receive or self.settings.mode == "webhook":  # webhooks: our own server (webhook.py)
            builder = builder.updater(None)
        app: TelegramApp = builder.build()
        app.add_handler(TypeHandler(Update, self._on_update))
        app.add_error_handler(self._on_error)
        return app

    def _pacer(self) -> ChatPacer:
        settings = self.settings
        pacer = ChatPacer(self._rate_limit, chat_per_second=settings.chat_rate_limit,
                         group_per_minute=settings.group_rate_limit, max_retries=self._max_retry_after,
                         paid_per_second=PAID_BROADCAST_RATE if settings.allow_paid_broadcast else 0.0)
        pacer.share_from(self._host, self.name)  # several processes of this bot: one budget (limiter.py)
        return pacer

    async def start(self, host: Host) -> None:
        self._host = host
        app = self._app = self._build()
        try:
            await self._call("getMe", app.initialize)
        except TelegramError as exc:  # PTB's InvalidToken message quotes the token: do not chain it
            self._app = None
            await app.bot.shutdown()  # the application never became initialized: close its HTTP clients
            raise TelegramUnavailable(f"Telegram did not accept the bot (check telegram.token and "
                                      f"telegram.api_base_url): {type(exc).__name__}") from None
        self.username = app.bot.username or self.username
        await self._publish_menu(app.bot)
        await publish_profile(app.bot, self.config, self._call)  # what an empty chat shows before /start
        await app.start()
        if not self._receive:
            return
        if self.settings.mode == "webhook":
            self._webhook = WebhookServer(app, self.settings)
            await self._webhook.start(self._call)
        elif app.updater is not None:
            await app.updater.start_polling(timeout=timedelta(seconds=self._poll_timeout),
                                            poll_interval=POLL_INTERVAL,
                                            allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False,
                                            bootstrap_retries=len(self._retry_delays))
        log.info("telegram: receiving updates by %s as @%s", self.settings.mode, self.username)

    async def stop(self) -> None:
        webhook, self._webhook = self._webhook, None
        if webhook is not None:
            await webhook.stop()
        app, self._app = self._app, None
        if app is None:
            return
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def feed(self, update: dict[str, Any]) -> None:
        """Handle one update given as Bot API JSON, as if it had been received (in-process tests)."""
        assert self._app is not None, "start the channel first"
        await self._app.process_update(Update.de_json(update, self._app.bot))

    async def fetch_username(self) -> str:
        """The bot's @username, from the configuration or asked from the Bot API (getMe)."""
        if self.username:
            return self.username
        base_url, base_file_url = api_urls(self.settings.api_base_url)
        bot = Bot(self.settings.token, base_url=base_url, base_file_url=base_file_url,
                  request=self._make_request(self._timeout))
        try:
            await self._call("getMe", bot.initialize)
            username: str = bot.username
        except TelegramError as exc:
            raise TelegramUnavailable(f"could not ask Telegram for the bot's username ({type(exc).__name__})") from exc
        finally:
            await bot.shutdown()
        self.username = username
        return username

    async def _publish_menu(self, bot: Bot) -> None:
        """setMyCommands for every offered language, plus the default language without a language_code."""
        menus: list[tuple[str | None, list[tuple[str, str]]]] = list(self.menu.items())
        default = self.menu.get(self.config.default_language) or next(iter(self.menu.values()), None)
        if default is not None:
            menus.append((None, default))
        for language, entries in menus:
            commands = [BotCommand(command, description[:256]) for command, description in entries]
            try:
                await self._call("setMyCommands", partial(bot.set_my_commands, commands, language_code=language))
            except TelegramError as exc:
                log.warning("telegram: could not publish the command menu (%s)", type(exc).__name__)

    # ------------------------------------------------------------------- receiving

    def _t(self, language_hint: str | None) -> Translator:
        config = self.config
        return Translator(best_language(language_hint, config.languages, config.default_language), config.timezone)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        reference = error_reference()
        log.error("telegram: error while handling an update (reference %s)", reference, exc_info=context.error)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await self._on_callback(update.update_id, update.callback_query)
        elif update.message is not None:
            await self._on_message(update.update_id, update.message)
        elif update.my_chat_member is not None:
            await self._on_member(update.my_chat_member)

    async def _on_message(self, update_id: int, message: Message) -> None:
        user, chat = message.from_user, message.chat
        if user is None or user.is_bot or self._host is None:
            return
        if chat.type not in (ChatType.PRIVATE, ChatType.GROUP, ChatType.SUPERGROUP):
            return
        private = chat.type == ChatType.PRIVATE
        thread = str(message.message_thread_id) if message.is_topic_message and message.message_thread_id else None
        address = Address(self.name, str(chat.id), thread=thread, private=private)
        actor = Actor(self.name, str(user.id), user.first_name, user.language_code)
        command = layout.parse_command(message.text)
        if command is not None and command.mention and self.username \
                and command.mention.lower() != self.username.lower():
            return  # /cmd@otherbot: meant for another bot
        if not private:
            if command is not None:  # plain talk in a group is not for the bot
                await self._invite_to_private(address, actor, chat.id)
            return
        incoming = Incoming(actor=actor, address=address, text=message.text or message.caption,
                            command=command.command if command else None, args=command.args if command else "",
                            attachment=_attachment(message), event_id=f"u{update_id}",
                            reply_to=str(message.reply_to_message.message_id) if message.reply_to_message else None)
        for reply in await self._host.dispatch(incoming):
            self._host.replied(reply, await self.send(reply))

    async def _invite_to_private(self, address: Address, actor: Actor, chat_id: int) -> None:
        """Personal dialogues never run in a group: answer with a button that opens a private chat."""
        now = asyncio.get_running_loop().time()
        if not self.username or now - self._invited.get(chat_id, -GROUP_INVITE_COOLDOWN) < GROUP_INVITE_COOLDOWN:
            return  # the invitation just above still serves; more would only wait for the group's rate limit
        self._invited[chat_id] = now
        hood = next((n for n in self.config.neighbourhoods if n.telegram_chat == str(chat_id)), None)
        t = self._t(actor.language_hint)
        url = layout.deep_link(self.username, hood.id if hood else GROUP_START)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(t._(GROUP_BUTTON), url=url)]])
        await self._deliver(Reply(text=t._(GROUP_TEXT), address=address), markup)

    async def _on_callback(self, update_id: int, query: CallbackQuery) -> None:
        user, message = query.from_user, query.message
        expired = self._t(user.language_code)._(EXPIRED)
        pressed = verify(self._secret, str(user.id), query.data)
        if pressed is None or not isinstance(message, Message) or message.chat.type != ChatType.PRIVATE \
                or self._host is None:
            await self._answer(query, expired)  # forged, foreign or not ours: nothing reaches the dialogue
            return
        incoming = Incoming(actor=Actor(self.name, str(user.id), user.first_name, user.language_code),
                            address=Address(self.name, str(message.chat.id), private=True),
                            choice=pressed.key, choice_turn=pressed.turn, event_id=f"u{update_id}")
        try:
            replies = await self._host.dispatch(incoming)
        except Exception:
            await self._answer(query, None)  # every query is answered, or the person's button keeps spinning
            raise
        if len(replies) == 1 and replies[0].refused:
            await self._answer(query, replies[0].text)  # the dialogue refused a stale press: change nothing
            return
        await self._answer(query, None)
        if not replies:  # a redelivered press, handled before
            return
        label = _pressed_label(message, query.data or "")
        if replies[0].in_place and await self._replace_question(message, label, replies[0]):
            self._host.replied(replies[0], SendResult(ok=True))
            replies = replies[1:]
        else:
            await self._show_chosen(message, label)
        for reply in replies:
            self._host.replied(reply, await self.send(reply))

    async def _answer(self, query: CallbackQuery, text: str | None) -> None:
        try:
            await self._call("answerCallbackQuery", partial(query.answer, text=text))
        except TelegramError as exc:  # e.g. "query is too old" after a restart
            log.debug("telegram: callback query not answered (%s)", exc)

    async def _replace_question(self, message: Message, label: str | None, reply: Reply) -> bool:
        """Edit the answer into the pressed question (chosen option on top, the answer's own buttons below): one
        Bot API call instead of an edit and a new message. False when it cannot be shown there."""
        text = f"➜ {label}\n\n{reply.text}" if label else reply.text
        if message.text is None or reply.address is None or reply.address.chat_id != str(message.chat.id) \
                or layout.u16len(text) > TEXT_LIMIT:
            return False
        try:
            markup = self._keyboard(reply, reply.address)
            await self._call("editMessageText", partial(message.edit_text, text, reply_markup=markup))
        except (TelegramError, ValueError) as exc:  # e.g. the message was deleted: send the answer anew
            log.debug("telegram: could not answer in place (%s)", exc)
            return False
        return True

    async def _show_chosen(self, message: Message, label: str | None) -> None:
        """Edit the question to show the chosen option and drop its keyboard, so it cannot be pressed twice."""
        suffix = f"\n\n➜ {label}" if label else ""
        # We send plain text, so the text as Telegram stored it is what we sent (entities are re-detected).
        action: Callable[[], Awaitable[Any]]
        if message.text is not None and suffix and layout.u16len(message.text + suffix) <= TEXT_LIMIT:
            action = partial(message.edit_text, message.text + suffix, reply_markup=None)
        elif message.caption is not None and suffix and layout.u16len(message.caption + suffix) <= CAPTION_LIMIT:
            action = partial(message.edit_caption, message.caption + suffix, reply_markup=None)
        else:
            action = partial(message.edit_reply_markup, reply_markup=None)
        try:
            await self._call("editMessage", action)
        except TelegramError as exc:  # "message is not modified" on a redelivered press, or a deleted message
            log.debug("telegram: could not mark the chosen option (%s)", exc)

    async def _on_member(self, change: ChatMemberUpdated) -> None:
        if change.chat.type == ChatType.PRIVATE and change.new_chat_member.status == ChatMemberStatus.BANNED \
                and self._host is not None:
            await self._host.unreachable(Address(self.name, str(change.chat.id), private=True))

def _attachment(message: Message) -> Attachment | None:
    """A photo, a document (offered as a photo with its real type, so the dialogue can refuse non-images), a
    location, or another kind of media (which the dialogue cannot use)."""
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
        return Attachment(kind=AttachmentKind.PHOTO, ref=largest.file_id, size=largest.file_size,
                          mime_type="image/jpeg")
    if message.document is not None:
        document = message.document
        return Attachment(kind=AttachmentKind.PHOTO, ref=document.file_id, size=document.file_size,
                          filename=document.file_name, mime_type=document.mime_type or "application/octet-stream")
    if message.location is not None:
        return Attachment(kind=AttachmentKind.LOCATION, latitude=message.location.latitude,
                          longitude=message.location.longitude)
    for media in (message.voice, message.audio, message.video, message.video_note, message.animation,
                  message.sticker):
        if media is not None:
            return Attachment(kind=AttachmentKind.FILE, ref=media.file_id, size=media.file_size,
                              mime_type=getattr(media, "mime_type", None))
    return None


def _pressed_label(message: Message, data: str) -> str | None:
    """The label of the button that carried ``data`` on ``message``."""
    markup = message.reply_markup
    return next((b.text for row in (markup.inline_keyboard if markup else ()) for b in row
                 if b.callback_data == data), None)
