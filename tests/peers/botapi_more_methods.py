"""More Bot API methods of the emulator: media and files, polls, bot commands and chats."""

from __future__ import annotations

import mimetypes
import re
from typing import Any

from .botapi_format import format_text
from .botapi_methods import (
    _SEND_COMMON,
    MAX_CAPTION,
    _markup_or_none,
    _names,
    _set,
    api,
)
from .botapi_model import Params, PollState, UploadedFile, bad_request, new_poll_id
from .botapi_profile import ProfileMethods


class BotApiMethods(ProfileMethods):
    """Implements each emulated Bot API method on the emulator's state (the profile texts: ``botapi_profile``)."""

    # --------------------------------------------------------------------- media

    @api(
        "sendPhoto",
        _SEND_COMMON
        | {"photo", "caption", "parse_mode", "caption_entities", "show_caption_above_media", "has_spoiler"},
        sends=True,
    )
    async def send_photo(self, p: Params) -> Any:
        chat = self.chat(p)
        caption, entities = self.text(p, "caption", "parse_mode", "caption_entities", MAX_CAPTION, None)
        source = self.file_input(p, "photo")
        self.check_reachable(chat)
        if isinstance(source, UploadedFile):
            if not source.data:
                raise bad_request("file must be non-empty")
            sizes = self.emu._store_photo(source.data, mime=source.content_type, strict=True)
        else:
            sizes = self.emu._photo_sizes_for(self._known_file(source, "photo").file_id)
        content: dict[str, Any] = {"photo": sizes}
        _caption(content, caption, entities)
        return self.send(chat, p, content)

    @api(
        "sendDocument",
        _SEND_COMMON
        | {"document", "thumbnail", "caption", "parse_mode", "caption_entities", "disable_content_type_detection"},
        sends=True,
    )
    async def send_document(self, p: Params) -> Any:
        chat = self.chat(p)
        caption, entities = self.text(p, "caption", "parse_mode", "caption_entities", MAX_CAPTION, None)
        source = self.file_input(p, "document")
        self.check_reachable(chat)
        if isinstance(source, UploadedFile):
            if not source.data:
                raise bad_request("file must be non-empty")
            name = source.filename or "document"
            mime = source.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
            stored = self.emu._store_file(source.data, "document", file_name=name, mime_type=mime)
        else:
            stored = self._known_file(source, "document")
        document: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
        }
        if stored.file_name:
            document["file_name"] = stored.file_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        content: dict[str, Any] = {"document": document}
        _caption(content, caption, entities)
        return self.send(chat, p, content)

    def _known_file(self, file_id: str, kind: str) -> Any:
        if re.match(r"^https?://", file_id):
            raise bad_request("failed to get HTTP URL content")  # the emulator does not fetch URLs
        stored = self.emu.files.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}")
        return stored

    @api(
        "sendLocation",
        _SEND_COMMON
        | {"latitude", "longitude", "horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"},
        sends=True,
    )
    async def send_location(self, p: Params) -> Any:
        chat = self.chat(p)
        if not p.has("latitude") or not p.has("longitude"):
            raise bad_request("wrong latitude or longitude specified")
        latitude, longitude = p.get_float("latitude"), p.get_float("longitude")
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad_request("wrong latitude or longitude specified")
        self.check_reachable(chat)
        return self.send(chat, p, {"location": {"latitude": latitude, "longitude": longitude}})

    @api("getFile", {"file_id"})
    async def get_file(self, p: Params) -> Any:
        stored = self.emu.files.get(p.get_str("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.file_size > 20 * 1024 * 1024:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    # --------------------------------------------------------------------- polls

    @api(
        "sendPoll",
        _SEND_COMMON
        | _names(
            "question question_parse_mode question_entities options is_anonymous type "
            "allows_multiple_answers correct_option_id correct_option_ids explanation "
            "explanation_parse_mode explanation_entities open_period close_date is_closed "
            "allows_revoting allow_adding_options hide_results_until_closes description "
            "description_parse_mode description_entities shuffle_options members_only country_codes "
            "explanation_media media"
        ),
        sends=True,
    )
    async def send_poll(self, p: Params) -> Any:
        chat = self.chat(p)
        question, question_entities = self.text(
            p, "question", "question_parse_mode", "question_entities", 300, "poll question must be non-empty"
        )
        raw_options = p.get_json("options", "poll options")
        if not isinstance(raw_options, list):
            raise bad_request("can't parse poll options JSON object")
        if len(raw_options) < 2:
            raise bad_request("poll must have at least 2 option")
        if len(raw_options) > 12:
            raise bad_request("poll can't have more than 12 options")
        options = [_poll_option(i, raw) for i, raw in enumerate(raw_options)]
        poll_type = p.get_str("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise bad_request("wrong poll type specified")
        correct = _correct_ids(p, len(options))
        if poll_type == "quiz" and not correct:
            raise bad_request("wrong correct option ID specified")
        if chat.type == "channel" and not p.get_bool("is_anonymous", True):
            raise bad_request("non-anonymous polls can't be sent to channel chats")
        self.check_reachable(chat)
        now = self.emu.clock()
        close_at: float | None = None
        if p.has("open_period"):
            close_at = now + p.get_int("open_period")
        elif p.has("close_date"):
            close_at = float(p.get_int("close_date"))
        explanation = p.get_str("explanation")
        if explanation:
            explanation, _ = format_text(
                explanation, p.get_str("explanation_parse_mode"), p.get_json("explanation_entities"), detect=False
            )
        poll = PollState(
            poll_id=new_poll_id(),
            chat_id=chat.id,
            message_id=0,
            question=question,
            question_entities=question_entities,
            options=options,
            is_anonymous=p.get_bool("is_anonymous", True),
            type=poll_type,
            allows_multiple_answers=p.get_bool("allows_multiple_answers"),
            allows_revoting=p.get_bool("allows_revoting", poll_type == "regular"),
            correct_option_ids=correct,
            explanation=explanation,
            close_at=close_at,
            is_closed=p.get_bool("is_closed"),
        )
        data = self.send(chat, p, {"poll": poll.to_json(now)})
        poll.message_id = int(data["message_id"])
        self.emu.polls[poll.poll_id] = poll
        return data

    @api("stopPoll", {"business_connection_id", "chat_id", "message_id", "reply_markup"})
    async def stop_poll(self, p: Params) -> Any:
        chat = self.chat(p)
        stored = chat.messages.get(p.get_int("message_id"))
        if stored is None or stored.deleted or "poll" not in stored.data or not stored.from_bot:
            raise bad_request("message with poll to stop not found")
        poll = self.emu.polls[stored.data["poll"]["id"]]
        now = self.emu.clock()
        if poll.closed(now):
            raise bad_request("poll has already been closed")
        inline, _ = self.markup(p, inline_only=True)
        poll.is_closed = True
        stored.data["poll"] = poll.to_json(now)
        if inline is not None:
            _set(stored.data, "reply_markup", _markup_or_none(inline))
        self.emu._changed()
        return stored.data["poll"]

    # ------------------------------------------------------------------ commands

    def scope_key(self, p: Params) -> str:
        scope = p.get_json("scope", "bot command scope")
        return self.emu._scope_key(scope)

    @api("setMyCommands", {"commands", "scope", "language_code"})
    async def set_my_commands(self, p: Params) -> Any:
        raw = p.get_json("commands", "bot commands")
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            raise bad_request("can't parse commands JSON object")
        if len(raw) > 100:
            raise bad_request("too many commands specified")
        commands: list[dict[str, str]] = []
        for item in raw:
            if not isinstance(item, dict) or "command" not in item:
                raise bad_request("can't parse BotCommand: Can't find field \"command\"")
            if "description" not in item:
                raise bad_request("can't parse BotCommand: Can't find field \"description\"")
            command, description = str(item["command"]), str(item["description"])
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.removeprefix("/")):
                raise bad_request("BOT_COMMAND_INVALID")
            if not description.strip():
                raise bad_request("command description must be non-empty")
            if len(description) > 256:
                raise bad_request("command description is too long")
            commands.append({"command": command.removeprefix("/"), "description": description})
        key = (self.scope_key(p), self.language(p))
        if commands:
            self.emu._commands[key] = commands
        else:
            self.emu._commands.pop(key, None)
        self.emu._changed()
        return True

    @api("getMyCommands", {"scope", "language_code"})
    async def get_my_commands(self, p: Params) -> Any:
        return list(self.emu._commands.get((self.scope_key(p), self.language(p)), []))

    @api("deleteMyCommands", {"scope", "language_code"})
    async def delete_my_commands(self, p: Params) -> Any:
        self.emu._commands.pop((self.scope_key(p), self.language(p)), None)
        self.emu._changed()
        return True

    @api("setChatMenuButton", {"chat_id", "menu_button"})
    async def set_chat_menu_button(self, p: Params) -> Any:
        button = p.get_json("menu_button", "menu button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
            raise bad_request("can't parse menu button JSON object")
        if p.has("chat_id"):
            chat = self.chat(p)
            if chat.type != "private":
                raise bad_request("menu button can be changed only in private chats")
            chat.menu_button = button
        else:
            self.emu.default_menu_button = button
        return True

    @api("getChatMenuButton", {"chat_id"})
    async def get_chat_menu_button(self, p: Params) -> Any:
        if p.has("chat_id"):
            chat = self.chat(p)
            if chat.menu_button is not None:
                return chat.menu_button
        return self.emu.default_menu_button

    # --------------------------------------------------------------------- chats

    @api("getChat", {"chat_id"})
    async def get_chat(self, p: Params) -> Any:
        return self.chat(p).full_info()

    @api("leaveChat", {"chat_id"})
    async def leave_chat(self, p: Params) -> Any:
        chat = self.chat(p)
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        self.check_reachable(chat)
        chat.bot_member = False
        self.emu._bot_status_change(chat, None, "administrator" if chat.bot_is_admin else "member", "left")
        return True

    @api("getChatMember", {"chat_id", "user_id"})
    async def get_chat_member(self, p: Params) -> Any:
        chat = self.chat(p)
        user_id = p.get_int("user_id")
        if user_id == self.emu.bot_id:
            status = "left" if not chat.bot_member else ("administrator" if chat.bot_is_admin else "member")
            return self.emu._member_json(chat, self.emu.bot_user(), status)
        user = self.emu.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        status = "administrator" if user_id in chat.admins else "member"
        return self.emu._member_json(chat, user.to_json(), status)


def _caption(content: dict[str, Any], caption: str, entities: list[dict[str, Any]]) -> None:
    if caption:
        content["caption"] = caption
        if entities:
            content["caption_entities"] = entities


def _poll_option(index: int, raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        text, parse_mode, entities = raw, None, None
    elif isinstance(raw, dict) and isinstance(raw.get("text"), str):
        text, parse_mode, entities = raw["text"], raw.get("text_parse_mode"), raw.get("text_entities")
    else:
        raise bad_request('can\'t parse InputPollOption: Field "text" must be of type String')
    plain, found = format_text(text, parse_mode, entities, detect=False)
    if not plain:
        raise bad_request("poll options must be non-empty")
    if len(plain) > 100:
        raise bad_request("poll options length must not exceed 100")
    option: dict[str, Any] = {"persistent_id": str(index), "text": plain}
    if found:
        option["text_entities"] = found
    return option


def _correct_ids(p: Params, count: int) -> list[int]:
    raw = p.get_json("correct_option_ids", "correct option identifiers")
    ids = [int(x) for x in raw] if isinstance(raw, list) else []
    if not ids and p.get_str("correct_option_id") not in (None, ""):
        ids = [p.get_int("correct_option_id")]
    if any(not 0 <= i < count for i in ids):
        raise bad_request("wrong correct option ID specified")
    return ids
