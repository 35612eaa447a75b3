"""The Bot API methods of the emulator (https://core.telegram.org/bots/api#available-methods).

This module: the registry, shared helpers and the bot/updates/text-message methods;
``botapi_more_methods`` adds media, polls, commands and chats and defines ``BotApiMethods``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .botapi_format import format_text
from .botapi_model import (
    CallbackAnswer,
    Params,
    StoredMessage,
    UploadedFile,
    bad_request,
    forbidden,
)

if TYPE_CHECKING:
    from .botapi_state import EmulatorState
    from .botapi_users import EmuChat

Handler = Callable[[Any, Params], Awaitable[Any]]


@dataclass
class Answer:
    """A result with the optional ``description`` Telegram adds (setWebhook, deleteWebhook)."""

    result: Any
    description: str | None = None


@dataclass(frozen=True)
class MethodSpec:
    name: str
    params: frozenset[str]
    handler: Handler
    sends: bool  # counts against the message rate limits


METHODS: dict[str, MethodSpec] = {}


def _names(text: str) -> set[str]:
    return set(text.split())


_SEND_COMMON = _names(
    "business_connection_id chat_id message_thread_id direct_messages_topic_id "
    "disable_notification protect_content allow_paid_broadcast message_effect_id "
    "suggested_post_parameters reply_parameters reply_markup reply_to_message_id "
    "allow_sending_without_reply"
)
_EDIT_COMMON = {"business_connection_id", "chat_id", "message_id", "inline_message_id", "reply_markup"}
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS = _names(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document "
    "choose_sticker find_location record_video_note upload_video_note"
)
_SCOPES = _names(
    "default all_private_chats all_group_chats all_chat_administrators chat chat_administrators chat_member"
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
MAX_TEXT = 4096
DELETE_WINDOW = 48 * 3600  # seconds a message can be deleted after it was sent
MAX_CAPTION = 1024


def api(name: str, params: Iterable[str] = (), *, sends: bool = False) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = MethodSpec(name, frozenset(params), handler, sends)
        return handler

    return register


class MessageMethods:
    """Helpers, and the Bot API methods about the bot, updates and text messages."""

    def __init__(self, emu: EmulatorState) -> None:
        self.emu = emu

    # ------------------------------------------------------------------ helpers

    def chat(self, p: Params, name: str = "chat_id") -> EmuChat:
        raw = p.get_str(name)
        if not raw:
            raise bad_request(f"{name} is empty")
        if raw.startswith("@"):
            for chat in self.emu.chats.values():
                if chat.type != "private" and chat.username and chat.username.lower() == raw[1:].lower():
                    return chat
            raise bad_request("chat not found")
        try:
            chat_id = int(raw)
        except ValueError:
            raise bad_request("chat not found") from None
        found = self.emu.chats.get(chat_id)
        if found is None:
            raise bad_request("chat not found")
        return found

    def check_reachable(self, chat: EmuChat) -> None:
        """The 403 answers of Telegram for chats the bot can't write to."""
        if chat.type == "private":
            assert chat.user is not None
            if chat.user.blocked:
                raise forbidden("bot was blocked by the user")
            if not chat.user.started:
                raise forbidden("bot can't initiate conversation with a user")
            return
        kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
        if chat.bot_kicked:
            raise forbidden(f"bot was kicked from the {kind}")
        if not chat.bot_member:
            raise forbidden(f"bot is not a member of the {kind}")

    def text(
        self, p: Params, field: str, mode_field: str, entities_field: str, limit: int, empty: str | None
    ) -> tuple[str, list[dict[str, Any]]]:
        raw = p.get_str(field) or ""
        plain, entities = format_text(raw, p.get_str(mode_field), p.get_json(entities_field, "entities"))
        if not plain and empty is not None:
            raise bad_request(empty)
        if len(plain) > limit:
            raise bad_request("message is too long" if field == "text" else "message caption is too long")
        return plain, entities

    def markup(self, p: Params, *, inline_only: bool) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(inline keyboard for the message, reply keyboard / remove / force_reply)."""
        raw = p.get_json("reply_markup", "reply keyboard markup")
        if raw is None:
            return None, None
        if not isinstance(raw, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in raw:
            return {"inline_keyboard": self._inline_rows(raw["inline_keyboard"])}, None
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in raw:
            rows = raw["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request('Field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
            keyboard = [[{"text": b} if isinstance(b, str) else dict(b) for b in row] for row in rows]
            if any(not isinstance(b.get("text"), str) or not b["text"] for row in keyboard for b in row):
                raise bad_request('can\'t parse keyboard button: Field "text" must be of type String')
            return None, {**raw, "keyboard": keyboard}
        if raw.get("remove_keyboard") or raw.get("force_reply"):
            return None, dict(raw)
        raise bad_request('can\'t find field "inline_keyboard"')

    @staticmethod
    def _inline_rows(rows: Any) -> list[list[dict[str, Any]]]:
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        result: list[list[dict[str, Any]]] = []
        for row in rows:
            out_row: list[dict[str, Any]] = []
            for button in row:
                if not isinstance(button, dict):
                    raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
                if not isinstance(button.get("text"), str):
                    raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
                actions = [key for key in _BUTTON_ACTIONS if key in button]
                if not actions:
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                        raise bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
                    raise bad_request("BUTTON_URL_INVALID")
                if not button["text"]:
                    raise bad_request("BUTTON_TEXT_INVALID")
                keep = {"text", *actions, "icon_custom_emoji_id", "style"}
                out_row.append({key: value for key, value in button.items() if key in keep})
            result.append(out_row)
        return result

    def reply_to(self, p: Params, chat: EmuChat) -> StoredMessage | None:
        params = p.get_json("reply_parameters", "reply parameters") or {}
        if not isinstance(params, dict):
            raise bad_request("can't parse reply parameters JSON object")
        message_id = params.get("message_id") or p.get_int("reply_to_message_id")
        if not message_id:
            return None
        allow_missing = bool(params.get("allow_sending_without_reply")) or p.get_bool("allow_sending_without_reply")
        target_chat = chat
        if params.get("chat_id") not in (None, chat.id):
            target_chat = self.chat(Params({"chat_id": params["chat_id"]}, {}))
        stored = target_chat.messages.get(int(message_id))
        if stored is None or stored.deleted:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return stored

    def send(self, chat: EmuChat, p: Params, content: dict[str, Any], *, inline_only: bool = False) -> dict[str, Any]:
        reply_to = self.reply_to(p, chat)
        inline, keyboard = self.markup(p, inline_only=inline_only)
        stored = self.emu._bot_message(chat, content, reply_to=reply_to, inline=inline, keyboard=keyboard)
        return stored.data

    def file_input(self, p: Params, name: str) -> UploadedFile | str:
        if name in p.files:
            return p.files[name]
        raw = p.get_str(name)
        if not raw:
            raise bad_request(f"there is no {name} in the request")
        if raw.startswith("attach://"):
            attached = p.files.get(raw[len("attach://") :])
            if attached is None:
                raise bad_request(f"wrong HTTP URL specified for {name}")
            return attached
        return raw

    def editable(self, p: Params) -> StoredMessage:
        if p.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not emulated
        chat = self.chat(p)
        self.check_reachable(chat)
        message_id = p.get_int("message_id")
        if not message_id:
            raise bad_request("message identifier is not specified")
        stored = chat.messages.get(message_id)
        if stored is None or stored.deleted:
            raise bad_request("message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return stored

    # ---------------------------------------------------------------- bot, updates

    @api("getMe")
    async def get_me(self, p: Params) -> Any:
        return self.emu.bot_user(full=True)

    @api("logOut")
    async def log_out(self, p: Params) -> Any:
        return True

    @api("close")
    async def close(self, p: Params) -> Any:
        return True

    @api("getUpdates", {"offset", "limit", "timeout", "allowed_updates"})
    async def get_updates(self, p: Params) -> Any:
        return await self.emu.queue.get_updates(p)

    @api(
        "setWebhook",
        _names("url certificate ip_address max_connections allowed_updates drop_pending_updates secret_token"),
    )
    async def set_webhook(self, p: Params) -> Any:
        return await self.emu.queue.set_webhook(p)

    @api("deleteWebhook", {"drop_pending_updates"})
    async def delete_webhook(self, p: Params) -> Any:
        return await self.emu.queue.delete_webhook(p.get_bool("drop_pending_updates"))

    @api("getWebhookInfo")
    async def get_webhook_info(self, p: Params) -> Any:
        return self.emu.queue.webhook_info()

    # ------------------------------------------------------------------ messages

    @api(
        "sendMessage",
        _SEND_COMMON | {"text", "parse_mode", "entities", "link_preview_options", "disable_web_page_preview"},
        sends=True,
    )
    async def send_message(self, p: Params) -> Any:
        chat = self.chat(p)
        text, entities = self.text(p, "text", "parse_mode", "entities", MAX_TEXT, "message text is empty")
        self.check_reachable(chat)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        preview = p.get_json("link_preview_options", "link preview options")
        if preview is not None:
            if not isinstance(preview, dict):
                raise bad_request("can't parse link preview options JSON object")
            content["link_preview_options"] = preview
        elif p.get_bool("disable_web_page_preview"):
            content["link_preview_options"] = {"is_disabled": True}
        return self.send(chat, p, content)

    @api(
        "editMessageText",
        _EDIT_COMMON | {"text", "parse_mode", "entities", "link_preview_options", "disable_web_page_preview"},
    )
    async def edit_message_text(self, p: Params) -> Any:
        stored = self.editable(p)
        text, entities = self.text(p, "text", "parse_mode", "entities", MAX_TEXT, "message text is empty")
        if "text" not in stored.data:
            raise bad_request("there is no text in the message to edit")
        inline, _ = self.markup(p, inline_only=True)
        changes: dict[str, Any] = {"text": text, "entities": entities or None, "reply_markup": _markup_or_none(inline)}
        preview = p.get_json("link_preview_options", "link preview options")
        if preview is not None:
            changes["link_preview_options"] = preview
        return self.emu._edit_bot_message(stored, changes, _NOT_MODIFIED).data

    @api("editMessageCaption", _EDIT_COMMON | {"caption", "parse_mode", "caption_entities", "show_caption_above_media"})
    async def edit_message_caption(self, p: Params) -> Any:
        stored = self.editable(p)
        caption, entities = self.text(p, "caption", "parse_mode", "caption_entities", MAX_CAPTION, None)
        if "text" in stored.data or "poll" in stored.data or "location" in stored.data:
            raise bad_request("there is no caption in the message to edit")
        inline, _ = self.markup(p, inline_only=True)
        changes = {
            "caption": caption or None,
            "caption_entities": entities or None,
            "reply_markup": _markup_or_none(inline),
        }
        return self.emu._edit_bot_message(stored, changes, _NOT_MODIFIED).data

    @api("editMessageReplyMarkup", _EDIT_COMMON)
    async def edit_message_reply_markup(self, p: Params) -> Any:
        stored = self.editable(p)
        inline, _ = self.markup(p, inline_only=True)
        return self.emu._edit_bot_message(stored, {"reply_markup": _markup_or_none(inline)}, _NOT_MODIFIED).data

    @api("deleteMessage", {"chat_id", "message_id"})
    async def delete_message(self, p: Params) -> Any:
        chat = self.chat(p)
        self._delete(chat, p.get_int("message_id"))
        return True

    @api("deleteMessages", {"chat_id", "message_ids"})
    async def delete_messages(self, p: Params) -> Any:
        chat = self.chat(p)
        ids = p.get_json("message_ids", "message identifiers")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message identifiers are not specified")
        for message_id in ids:
            stored = chat.messages.get(int(message_id))
            if stored is not None and not stored.deleted and self._may_delete(chat, stored):
                stored.deleted = True
        self.emu._changed()
        return True

    def _may_delete(self, chat: EmuChat, stored: StoredMessage) -> bool:
        """https://core.telegram.org/bots/api#deletemessage: "A message can only be deleted if it was sent less
        than 48 hours ago"; then the bot's own messages anywhere, incoming ones in private chats, any message in a
        group the bot administers."""
        if self.emu.now() - int(stored.data["date"]) >= DELETE_WINDOW:
            return False
        return stored.from_bot or chat.type == "private" or chat.bot_is_admin

    def _delete(self, chat: EmuChat, message_id: int) -> None:
        stored = chat.messages.get(message_id)
        if stored is None or stored.deleted:
            raise bad_request("message to delete not found")
        if not self._may_delete(chat, stored):
            raise bad_request("message can't be deleted")
        stored.deleted = True
        self.emu._changed()

    @api("answerCallbackQuery", {"callback_query_id", "text", "show_alert", "url", "cache_time"})
    async def answer_callback_query(self, p: Params) -> Any:
        query_id = p.get_str("callback_query_id") or ""
        record = self.emu.callback_queries.get(query_id)
        expired = (
            record is not None
            and self.emu.callback_query_timeout is not None
            and self.emu.clock() - record.created > self.emu.callback_query_timeout
        )
        if record is None or record.answer is not None or expired:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = p.get_str("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        record.answer = CallbackAnswer(
            query_id, text, p.get_bool("show_alert"), p.get_str("url"), p.get_int("cache_time")
        )
        self.emu.answered_callbacks[query_id] = record.answer
        self.emu._changed()
        return True

    @api("sendChatAction", {"business_connection_id", "chat_id", "message_thread_id", "action"})
    async def send_chat_action(self, p: Params) -> Any:
        chat = self.chat(p)
        action = p.get_str("action")
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.check_reachable(chat)
        self.emu.chat_actions.append((chat.id, action))
        return True


def _markup_or_none(inline: dict[str, Any] | None) -> dict[str, Any] | None:
    if inline is None or not inline.get("inline_keyboard"):
        return None
    return inline


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
