"""The people side of the Bot API emulator: test users and the chats they talk in."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, TypeAlias

from .botapi_format import format_text
from .botapi_model import StoredMessage, new_query_id

if TYPE_CHECKING:
    import telegram

    from .botapi_state import EmulatorState

MessageRef: TypeAlias = "StoredMessage | int | telegram.Message"  # a stored message, its id, or a PTB Message


class EmuChat:
    """A chat known to the emulator: a user's private chat, a group or a supergroup."""

    def __init__(
        self,
        emu: EmulatorState,
        chat_id: int,
        chat_type: str,
        *,
        title: str | None = None,
        username: str | None = None,
        user: EmuUser | None = None,
        bot_is_admin: bool = False,
    ) -> None:
        self._emu = emu
        self.id = chat_id
        self.type = chat_type
        self.title = title
        self.username = username
        self.user = user
        self.bot_member = True
        self.bot_kicked = False
        self.bot_is_admin = bot_is_admin
        self.admins: set[int] = set()
        self.messages: dict[int, StoredMessage] = {}
        self.reply_keyboard: dict[str, Any] | None = None  # the reply keyboard the user currently sees
        self.menu_button: dict[str, Any] | None = None
        self.chat_instance = str(-(secrets.randbits(62) + 10**17))
        self._next_message_id = 1

    def next_message_id(self) -> int:
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    def to_json(self) -> dict[str, Any]:
        """The short ``Chat`` object used inside messages."""
        if self.type == "private" and self.user is not None:
            chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            if self.user.last_name:
                chat["last_name"] = self.user.last_name
            if self.user.username:
                chat["username"] = self.user.username
            return chat
        chat = {"id": self.id, "type": self.type, "title": self.title or ""}
        if self.username:
            chat["username"] = self.username
        return chat

    def full_info(self) -> dict[str, Any]:
        """The ``ChatFullInfo`` object of getChat."""
        info = self.to_json()
        info.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        if self.type != "private":
            info["permissions"] = {"can_send_messages": True, "can_send_polls": True, "can_invite_users": True}
        return info

    def __repr__(self) -> str:
        return f"<EmuChat {self.type} {self.id} {self.title or (self.user and self.user.first_name)!r}>"


class EmuUser:
    """A person using Telegram, driven by the test. Create with ``emu.user(...)``."""

    def __init__(
        self,
        emu: EmulatorState,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_premium: bool = False,
    ) -> None:
        self._emu = emu
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.is_premium = is_premium
        self.blocked = False
        self.started = False  # becomes True with the first message to the bot; until then the bot gets 403
        self.chat = EmuChat(emu, user_id, "private", user=self)

    def to_json(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        if self.is_premium:
            user["is_premium"] = True
        return user

    # ---------------------------------------------------------------- sending

    def _target(self, chat: EmuChat | int | None) -> EmuChat:
        if chat is None:
            return self.chat
        if isinstance(chat, EmuChat):
            return chat
        return self._emu.chat(chat)

    async def send(
        self,
        text: str,
        *,
        chat: EmuChat | int | None = None,
        reply_to: MessageRef | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> StoredMessage:
        """Send a text message (``/command args`` gets a ``bot_command`` entity, as in Telegram)."""
        target = self._target(chat)
        plain, found = format_text(text, None, entities)
        if not plain:
            raise ValueError("Telegram clients do not send empty messages")
        content: dict[str, Any] = {"text": plain}
        if found:
            content["entities"] = found
        if target.reply_keyboard and target.reply_keyboard.get("one_time_keyboard"):
            labels = [b["text"] for row in target.reply_keyboard.get("keyboard", []) for b in row]
            if plain in labels:
                target.reply_keyboard = None
        return self._emu._user_message(self, target, content, reply_to=reply_to)

    async def send_photo(
        self,
        data: bytes,
        *,
        caption: str | None = None,
        mime: str = "image/jpeg",
        chat: EmuChat | int | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredMessage:
        """Send a photo; the bytes are stored and reachable through getFile and the file URL."""
        target = self._target(chat)
        sizes = self._emu._store_photo(data, mime=mime, width=width, height=height, strict=False)
        content: dict[str, Any] = {"photo": sizes}
        self._add_caption(content, caption)
        return self._emu._user_message(self, target, content)

    async def send_document(
        self,
        data: bytes,
        filename: str,
        *,
        mime: str = "application/octet-stream",
        caption: str | None = None,
        chat: EmuChat | int | None = None,
    ) -> StoredMessage:
        target = self._target(chat)
        stored = self._emu._store_file(data, "document", file_name=filename, mime_type=mime)
        content: dict[str, Any] = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": filename,
                "mime_type": mime,
                "file_size": stored.file_size,
            }
        }
        self._add_caption(content, caption)
        return self._emu._user_message(self, target, content)

    async def send_location(
        self,
        latitude: float,
        longitude: float,
        *,
        chat: EmuChat | int | None = None,
        horizontal_accuracy: float | None = None,
        live_period: int | None = None,
    ) -> StoredMessage:
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if horizontal_accuracy is not None:
            location["horizontal_accuracy"] = horizontal_accuracy
        if live_period is not None:
            location["live_period"] = live_period
        return self._emu._user_message(self, self._target(chat), {"location": location})

    @staticmethod
    def _add_caption(content: dict[str, Any], caption: str | None) -> None:
        if caption:
            plain, entities = format_text(caption, None)
            content["caption"] = plain
            if entities:
                content["caption_entities"] = entities

    async def edit(self, message: MessageRef, text: str, *, chat: EmuChat | int | None = None) -> StoredMessage:
        """Edit one of this user's text messages; the bot gets an ``edited_message`` update."""
        stored = self._emu._resolve_message(message, self._target(chat))
        if stored.from_bot or stored.data.get("from", {}).get("id") != self.id or "text" not in stored.data:
            raise ValueError("a user can only edit their own text messages")
        plain, entities = format_text(text, None)
        stored.versions.append(dict(stored.data))
        stored.data["text"] = plain
        stored.data.pop("entities", None)
        if entities:
            stored.data["entities"] = entities
        stored.data["edit_date"] = self._emu.now()
        self._emu._enqueue("edited_message", dict(stored.data))
        self._emu._changed()
        return stored

    # -------------------------------------------------------------- buttons, polls

    async def press(self, message: MessageRef, callback_data: str, *, chat: EmuChat | int | None = None) -> str:
        """Press the inline button with ``callback_data``; returns the callback query id."""
        emu = self._emu
        stored = emu._resolve_message(message, self._target(chat))
        if stored.deleted:
            raise ValueError(f"message {stored.message_id} was deleted")
        datas = [b.get("callback_data") for row in stored.buttons() for b in row]
        if callback_data not in datas:
            raise ValueError(f"message {stored.message_id} has no button with callback_data {callback_data!r}")
        target = emu.chat(stored.chat_id)
        query_id = new_query_id()
        query: dict[str, Any] = {
            "id": query_id,
            "from": self.to_json(),
            "message": dict(stored.data),
            "chat_instance": target.chat_instance,
            "data": callback_data,
        }
        emu._register_callback(query_id, self.id, stored, callback_data)
        emu._enqueue("callback_query", query)
        return query_id

    async def press_button(self, message: MessageRef, label: str, *, chat: EmuChat | int | None = None) -> str:
        """Press the inline button whose text is ``label``; returns the callback query id."""
        stored = self._emu._resolve_message(message, self._target(chat))
        button = stored.find_button(label)
        if "callback_data" not in button:
            raise ValueError(f"button {label!r} is not a callback button: {button}")
        return await self.press(stored, button["callback_data"], chat=stored.chat_id)

    async def vote(self, poll_id: str, option_ids: list[int]) -> None:
        """Vote in a poll (``[]`` retracts). Non-anonymous polls give the bot a ``poll_answer``."""
        await self._emu._vote(self, poll_id, list(option_ids))

    # ----------------------------------------------------------------- blocking

    def block(self) -> None:
        """Block the bot: its sends to this user answer 403, and it gets a my_chat_member update."""
        if not self.blocked:
            self.blocked = True
            self._emu._bot_status_change(self.chat, self, "member", "kicked")

    def unblock(self) -> None:
        if self.blocked:
            self.blocked = False
            self._emu._bot_status_change(self.chat, self, "kicked", "member")

    def to_ptb(self) -> telegram.User:
        import telegram

        return telegram.User.de_json(self.to_json(), None)

    def __repr__(self) -> str:
        return f"<EmuUser {self.id} {self.first_name!r}>"
