"""The command menus and profile texts of the Bot API emulator as people see them: what ``setMyCommands`` and
``setMyDescription`` stored, resolved per scope and language the way Telegram documents it
(https://core.telegram.org/bots/features#command-scopes). Part of ``EmulatorState`` (botapi_state.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .botapi_methods import _SCOPES
from .botapi_model import Params, bad_request
from .botapi_users import EmuChat, EmuUser

if TYPE_CHECKING:
    from .botapi_more_methods import BotApiMethods


class CommandMenus:
    """Commands per (scope, language) and descriptions per (kind, language), with Telegram's fallbacks."""

    users: dict[int, EmuUser]
    methods: BotApiMethods
    _commands: dict[tuple[str, str], list[dict[str, str]]]
    descriptions: dict[tuple[str, str], str]

    def _chat_of(self, chat: EmuChat | EmuUser | int) -> EmuChat:
        raise NotImplementedError

    def commands(self, scope: Any = None, language_code: str = "") -> list[dict[str, str]]:
        """The commands set for exactly this scope and language (like getMyCommands).

        ``scope``: None (default scope), a scope type string such as "all_private_chats",
        a Bot API scope dict, or a ``telegram.BotCommandScope``.
        """
        return list(self._commands.get((self._scope_key(scope), language_code), []))

    def visible_commands(self, chat: EmuChat | EmuUser | int, user: EmuUser | None = None) -> list[dict[str, str]]:
        """The command list a user sees in ``chat``, resolved the way Telegram documents it."""
        target = self._chat_of(chat)
        person = user or target.user
        language = (person.language_code or "")[:2] if person else ""
        if target.type == "private":
            scopes = [{"type": "chat", "chat_id": target.id}, {"type": "all_private_chats"}]
        else:
            scopes = []
            if person is not None:
                scopes.append({"type": "chat_member", "chat_id": target.id, "user_id": person.id})
            admin = person is not None and person.id in target.admins
            if admin:
                scopes.append({"type": "chat_administrators", "chat_id": target.id})
            scopes.append({"type": "chat", "chat_id": target.id})
            if admin:
                scopes.append({"type": "all_chat_administrators"})
            scopes.append({"type": "all_group_chats"})
        scopes.append({"type": "default"})
        for scope in scopes:
            for lang in ([language] if language else []) + [""]:
                found = self._commands.get((self._scope_key(scope), lang))
                if found:
                    return list(found)
        return []

    def visible_description(self, user: EmuUser, kind: str = "description") -> str:
        """The description (or ``kind="short_description"``) ``user`` sees: their app language's, else the one
        set without a language."""
        language = (user.language_code or "")[:2]
        return self.descriptions.get((kind, language)) or self.descriptions.get((kind, ""), "")

    def _scope_key(self, scope: Any) -> str:
        if scope is None:
            scope = {"type": "default"}
        elif isinstance(scope, str):
            scope = {"type": scope}
        elif hasattr(scope, "to_dict"):
            scope = scope.to_dict()
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
            raise bad_request("unsupported bot command scope specified")
        parts = [str(scope["type"])]
        if scope["type"] in ("chat", "chat_administrators", "chat_member"):
            chat = self.methods.chat(Params({"chat_id": scope.get("chat_id")}, {}))
            if scope["type"] != "chat" and chat.type == "private":
                raise bad_request("can't use specified scope in private chats")
            parts.append(str(chat.id))
        if scope["type"] == "chat_member":
            user_id = int(scope.get("user_id") or 0)
            if user_id not in self.users:
                raise bad_request("user not found")
            parts.append(str(user_id))
        return ":".join(parts)
