"""State of the Bot API emulator: chats, people, messages, files, polls and commands.

``BotApiEmulator`` (botapi.py) adds the HTTP server, fault injection and waiting on top.
"""

from __future__ import annotations

import asyncio
import itertools
import mimetypes
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .botapi_commands import CommandMenus
from .botapi_model import (
    ApiCall,
    CallbackAnswer,
    CallbackQueryRecord,
    PollState,
    StoredFile,
    StoredMessage,
    bad_request,
    image_size,
    new_file_ids,
)
from .botapi_text import entity_text
from .botapi_users import EmuChat, EmuUser, MessageRef

if TYPE_CHECKING:
    from .botapi_more_methods import BotApiMethods
    from .botapi_updates import UpdateQueue


class EmulatorState(CommandMenus):
    """Everything the emulated Telegram knows, and the operations that change it."""

    queue: UpdateQueue
    methods: BotApiMethods

    def __init__(
        self,
        token: str,
        username: str,
        first_name: str,
        *,
        privacy_mode: bool,
        callback_query_timeout: float | None,
        clock: Callable[[], float],
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.username = username
        self.first_name = first_name
        self.privacy_mode = privacy_mode
        self.callback_query_timeout = callback_query_timeout
        self.clock = clock
        self.chats: dict[int, EmuChat] = {}
        self.users: dict[int, EmuUser] = {}
        self.files: dict[str, StoredFile] = {}
        self.polls: dict[str, PollState] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.answered_callbacks: dict[str, CallbackAnswer] = {}
        self.calls: list[ApiCall] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.stats: Counter[str] = Counter()
        self.sent_per_second: Counter[int] = Counter()
        self.default_menu_button: dict[str, Any] = {"type": "commands"}
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}  # ("description" | "short_description", language)
        self._files_by_path: dict[str, StoredFile] = {}
        self._photo_groups: dict[str, list[dict[str, Any]]] = {}
        self._global_window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = {}
        self._waiters: list[asyncio.Future[None]] = []
        self._seq = itertools.count(1)
        self._file_counter = itertools.count()

    # ------------------------------------------------------------ change signal

    def _changed(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _wait_changed(self, timeout: float | None) -> None:  # noqa: ASYNC109
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            if not waiter.done():
                waiter.cancel()
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def _record_send(self, chat: EmuChat) -> None:
        now = time.monotonic()
        self._global_window.append(now)
        self._chat_windows.setdefault(chat.id, deque()).append(now)
        self.stats["messages"] += 1
        self.sent_per_second[int(self.clock())] += 1

    @property
    def max_sent_per_second(self) -> int:
        return max(self.sent_per_second.values(), default=0)

    # ----------------------------------------------------------- people and chats

    def user(
        self,
        id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_premium: bool = False,
        started: bool = False,
    ) -> EmuUser:
        """The test user ``id`` (created on first use). ``started=True``: the bot may write first."""
        existing = self.users.get(id)
        if existing is not None:
            return existing
        user = EmuUser(
            self,
            id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
        )
        user.started = started
        self.users[id] = user
        self.chats[id] = user.chat
        return user

    def group(
        self,
        id: int,
        title: str = "Group",
        *,
        type: str | None = None,
        username: str | None = None,
        bot_is_admin: bool = False,
        admins: Iterable[int] = (),
        added_by: EmuUser | None = None,
    ) -> EmuChat:
        """A group (supergroup when the id starts with -100) the bot is a member of.

        With ``added_by`` the bot gets the my_chat_member and new_chat_members updates of
        being added, as when a person adds it to a group.
        """
        existing = self.chats.get(id)
        if existing is not None:
            return existing
        chat_type = type or ("supergroup" if str(id).startswith("-100") else "group")
        chat = EmuChat(self, id, chat_type, title=title, username=username, bot_is_admin=bot_is_admin)
        chat.admins.update(admins)
        self.chats[id] = chat
        if added_by is not None:
            self._bot_status_change(chat, added_by, "left", "administrator" if bot_is_admin else "member")
            self._user_message(added_by, chat, {"new_chat_members": [self.bot_user()]}, force_delivery=True)
        return chat

    def chat(self, chat_id: int) -> EmuChat:
        return self.chats[chat_id]

    def _chat_of(self, chat: EmuChat | EmuUser | int) -> EmuChat:
        if isinstance(chat, EmuChat):
            return chat
        if isinstance(chat, EmuUser):
            return chat.chat
        return self.chats[chat]

    def bot_user(self, *, full: bool = False) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }
        if full:
            user.update(
                can_join_groups=True,
                can_read_all_group_messages=not self.privacy_mode,
                supports_inline_queries=False,
                can_connect_to_business=False,
                has_main_web_app=False,
            )
        return user

    def now(self) -> int:
        return int(self.clock())

    # --------------------------------------------------------------- inspection

    def messages(self, chat: EmuChat | EmuUser | int, *, include_deleted: bool = False) -> list[StoredMessage]:
        """The bot's messages in ``chat`` as they are now (edits applied), oldest first."""
        return [m for m in self._chat_of(chat).messages.values() if m.from_bot and (include_deleted or not m.deleted)]

    def history(self, chat: EmuChat | EmuUser | int) -> list[StoredMessage]:
        """Every message in ``chat``, from the bot and from people, deleted ones included."""
        return list(self._chat_of(chat).messages.values())

    def message(self, chat: EmuChat | EmuUser | int, message_id: int) -> StoredMessage:
        return self._chat_of(chat).messages[message_id]

    def last_message(self, chat: EmuChat | EmuUser | int) -> StoredMessage | None:
        sent = self.messages(chat)
        return sent[-1] if sent else None

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """The params of every call of ``method`` (case-insensitive), oldest first."""
        return [call.params for call in self.calls if call.method.lower() == method.lower()]

    def file_bytes(self, file_id: str) -> bytes:
        return self.files[file_id].data

    @property
    def updates(self) -> list[dict[str, Any]]:
        """Every update created so far (confirmed or not), by update_id."""
        return [self.queue.history[key] for key in sorted(self.queue.history)]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self.queue.pending)

    # --------------------------------------------------------- state changes

    def _store_message(self, chat: EmuChat, stored: StoredMessage) -> None:
        stored.seq = next(self._seq)
        chat.messages[stored.message_id] = stored
        self._changed()

    def _bot_message(
        self,
        chat: EmuChat,
        content: dict[str, Any],
        *,
        reply_to: StoredMessage | None,
        inline: dict[str, Any] | None,
        keyboard: dict[str, Any] | None,
    ) -> StoredMessage:
        data: dict[str, Any] = {
            "message_id": chat.next_message_id(),
            "from": self.bot_user(),
            "chat": chat.to_json(),
            "date": self.now(),
        }
        if reply_to is not None:
            data["reply_to_message"] = {k: v for k, v in reply_to.data.items() if k != "reply_to_message"}
        data.update(content)
        if inline is not None and inline.get("inline_keyboard"):
            data["reply_markup"] = inline
        stored = StoredMessage(data, from_bot=True, reply_keyboard=keyboard)
        if keyboard is not None:
            chat.reply_keyboard = keyboard if "keyboard" in keyboard else None
        self._store_message(chat, stored)
        self._record_send(chat)
        return stored

    def _edit_bot_message(self, stored: StoredMessage, changes: dict[str, Any], not_modified: str) -> StoredMessage:
        updated = dict(stored.data)
        for key, value in changes.items():
            if value is None:
                updated.pop(key, None)
            else:
                updated[key] = value
        before = {k: v for k, v in stored.data.items() if k != "edit_date"}
        after = {k: v for k, v in updated.items() if k != "edit_date"}
        if before == after:
            raise bad_request(not_modified)
        stored.versions.append(stored.data)
        updated["edit_date"] = self.now()
        stored.data = updated
        self._changed()
        return stored

    def _resolve_message(self, ref: MessageRef, chat: EmuChat) -> StoredMessage:
        if isinstance(ref, StoredMessage):
            return self._chat_of(ref.chat_id).messages[ref.message_id]
        if isinstance(ref, int):
            return chat.messages[ref]
        return self._chat_of(ref.chat_id).messages[ref.message_id]  # a telegram.Message

    def _user_message(
        self,
        user: EmuUser,
        chat: EmuChat,
        content: dict[str, Any],
        *,
        reply_to: MessageRef | None = None,
        force_delivery: bool = False,
    ) -> StoredMessage:
        if chat.type == "private":
            if chat.user is not user:
                raise ValueError(f"{user} can only write to the bot in their own private chat")
            if user.blocked:
                raise ValueError(f"{user} has blocked the bot; call unblock() first")
            user.started = True
        replied = self._resolve_message(reply_to, chat) if reply_to is not None else None
        data: dict[str, Any] = {
            "message_id": chat.next_message_id(),
            "from": user.to_json(),
            "chat": chat.to_json(),
            "date": self.now(),
        }
        if replied is not None:
            data["reply_to_message"] = {k: v for k, v in replied.data.items() if k != "reply_to_message"}
        data.update(content)
        stored = StoredMessage(data, from_bot=False)
        self._store_message(chat, stored)
        if force_delivery or self._delivered_to_bot(chat, stored, replied):
            stored.update_id = self.queue.enqueue("message", dict(data))
        return stored

    def _delivered_to_bot(self, chat: EmuChat, stored: StoredMessage, replied: StoredMessage | None) -> bool:
        """Group privacy mode (https://core.telegram.org/bots/features#privacy-mode)."""
        if chat.type == "private":
            return True
        if not chat.bot_member or chat.bot_kicked:
            return False
        if not self.privacy_mode or chat.bot_is_admin:
            return True
        if replied is not None and replied.from_bot:
            return True
        text = stored.text or ""
        for entity in stored.data.get("entities", []):
            if entity["type"] == "bot_command":
                _, _, addressee = entity_text(text, entity).partition("@")
                if not addressee or addressee.lower() == self.username.lower():
                    return True
        return False

    def _enqueue(self, kind: str, payload: dict[str, Any]) -> int | None:
        return self.queue.enqueue(kind, payload)

    def _store_file(
        self,
        data: bytes,
        kind: str,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        file_id, unique_id = new_file_ids(kind)
        number = next(self._file_counter)
        if kind == "photo":
            path = f"photos/file_{number}.jpg"
        else:
            ext = ""
            if file_name and "." in file_name:
                ext = "." + file_name.rsplit(".", 1)[1]
            elif mime_type:
                ext = mimetypes.guess_extension(mime_type) or ""
            path = f"documents/file_{number}{ext}"
        stored = StoredFile(file_id, unique_id, data, kind, path, file_name, mime_type, width, height)
        self.files[file_id] = stored
        self._files_by_path[path] = stored
        return stored

    def _store_photo(
        self,
        data: bytes,
        *,
        mime: str | None,
        width: int | None = None,
        height: int | None = None,
        strict: bool,
    ) -> list[dict[str, Any]]:
        """PhotoSize list for an uploaded image. Every size serves the original bytes."""
        dims = image_size(data) or ((width, height) if width and height else None)
        if dims is None:
            if strict:
                raise bad_request("IMAGE_PROCESS_FAILED")
            dims = (800, 600)
        full_w, full_h = dims
        sizes: list[dict[str, Any]] = []
        for limit in (90, 320, 800, 1280):
            scale = min(1.0, limit / max(full_w, full_h))
            w, h = max(1, round(full_w * scale)), max(1, round(full_h * scale))
            stored = self._store_file(data, "photo", mime_type=mime or "image/jpeg", width=w, height=h)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": stored.file_size,
                    "width": w,
                    "height": h,
                }
            )
            if scale == 1.0:
                break
        for size in sizes:
            self._photo_groups[size["file_id"]] = sizes
        return sizes

    def _photo_sizes_for(self, file_id: str) -> list[dict[str, Any]]:
        return self._photo_groups[file_id]

    def _register_callback(self, query_id: str, user_id: int, stored: StoredMessage, data: str) -> None:
        self.callback_queries[query_id] = CallbackQueryRecord(
            query_id, user_id, stored.chat_id, stored.message_id, data, self.clock()
        )

    async def _vote(self, user: EmuUser, poll_id: str, option_ids: list[int]) -> None:
        poll = self.polls.get(poll_id)
        if poll is None:
            raise KeyError(f"no poll {poll_id!r}")
        now = self.clock()
        if poll.closed(now):
            raise ValueError("the poll is closed")
        if any(not 0 <= i < len(poll.options) for i in option_ids) or len(set(option_ids)) != len(option_ids):
            raise ValueError(f"invalid option ids {option_ids} for a poll with {len(poll.options)} options")
        if len(option_ids) > 1 and not poll.allows_multiple_answers:
            raise ValueError("the poll allows one answer only")
        previous = poll.votes.get(user.id)
        if previous and not poll.allows_revoting:
            raise ValueError("the poll does not allow changing a vote")
        if not option_ids and not previous:
            raise ValueError("there is no vote to retract")
        if option_ids:
            poll.votes[user.id] = sorted(option_ids)
        else:
            poll.votes.pop(user.id, None)
        chat = self.chats.get(poll.chat_id)
        message = chat.messages.get(poll.message_id) if chat else None
        if message is not None:
            message.data["poll"] = poll.to_json(now)
        if not poll.is_anonymous:
            self._enqueue(
                "poll_answer",
                {
                    "poll_id": poll.poll_id,
                    "user": user.to_json(),
                    "option_ids": sorted(option_ids),
                    "option_persistent_ids": [poll.options[i]["persistent_id"] for i in sorted(option_ids)],
                },
            )
        self._enqueue("poll", poll.to_json(now))

    def _member_json(self, chat: EmuChat, user: dict[str, Any], status: str) -> dict[str, Any]:
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "kicked":
            member["until_date"] = 0
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_pin_messages=True,
            )
        return member

    def _bot_status_change(self, chat: EmuChat, actor: EmuUser | None, old: str, new: str) -> None:
        bot = self.bot_user()
        self._enqueue(
            "my_chat_member",
            {
                "chat": chat.to_json(),
                "from": actor.to_json() if actor is not None else bot,
                "date": self.now(),
                "old_chat_member": self._member_json(chat, bot, old),
                "new_chat_member": self._member_json(chat, bot, new),
            },
        )
