"""Data types of the Bot API emulator: errors, request parameters, stored messages and files."""

from __future__ import annotations

import itertools
import json
import secrets
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import telegram


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": status, "description": ...}``."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    return ApiError(403, f"Forbidden: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


NOT_FOUND = ApiError(404, "Not Found")
UNAUTHORIZED = ApiError(401, "Unauthorized")


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes

    def __repr__(self) -> str:
        return f"UploadedFile({self.field_name!r}, {self.filename!r}, {self.content_type!r}, {len(self.data)} bytes)"


@dataclass
class ApiCall:
    """One request the bot made. Iterates and indexes as the pair ``(method, params)``.

    ``params`` holds the decoded parameters: JSON-serialized fields are parsed, uploads
    are ``UploadedFile``. ``status`` is the HTTP status answered, ``error`` the description.
    """

    method: str
    params: dict[str, Any]
    status: int = 200
    error: str | None = None
    at: float = 0.0

    def __iter__(self) -> Iterator[Any]:
        return iter((self.method, self.params))

    def __getitem__(self, index: int) -> Any:
        return (self.method, self.params)[index]

    def __len__(self) -> int:
        return 2


@dataclass
class StoredFile:
    """A file known to the emulator (uploaded by the bot or sent by a test user)."""

    file_id: str
    file_unique_id: str
    data: bytes
    kind: str  # "photo" | "document"
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def file_size(self) -> int:
        return len(self.data)


@dataclass
class CallbackAnswer:
    """What the bot answered to a callback query (answerCallbackQuery)."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass
class CallbackQueryRecord:
    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answer: CallbackAnswer | None = None


@dataclass
class StoredMessage:
    """A message in a chat as it currently is. ``data`` is the Bot API ``Message`` JSON."""

    data: dict[str, Any]
    from_bot: bool
    deleted: bool = False
    update_id: int | None = None  # the update that delivered it to the bot, for user messages
    reply_keyboard: dict[str, Any] | None = None  # a reply keyboard / remove / force_reply sent with it
    versions: list[dict[str, Any]] = field(default_factory=list)  # earlier versions, before edits
    seq: int = 0
    consumed: bool = False

    @property
    def message_id(self) -> int:
        return int(self.data["message_id"])

    @property
    def chat_id(self) -> int:
        return int(self.data["chat"]["id"])

    @property
    def text(self) -> str | None:
        return self.data.get("text")

    @property
    def caption(self) -> str | None:
        return self.data.get("caption")

    @property
    def entities(self) -> list[dict[str, Any]]:
        return list(self.data.get("entities") or self.data.get("caption_entities") or [])

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.data.get("reply_markup")

    @property
    def edited(self) -> bool:
        return "edit_date" in self.data

    @property
    def poll(self) -> dict[str, Any] | None:
        return self.data.get("poll")

    @property
    def document(self) -> dict[str, Any] | None:
        return self.data.get("document")

    @property
    def photo(self) -> list[dict[str, Any]] | None:
        return self.data.get("photo")

    @property
    def reply_to_message_id(self) -> int | None:
        reply = self.data.get("reply_to_message")
        return None if reply is None else int(reply["message_id"])

    def buttons(self) -> list[list[dict[str, Any]]]:
        """Rows of the current inline keyboard (empty when there is none)."""
        markup = self.reply_markup or {}
        return [list(row) for row in markup.get("inline_keyboard", [])]

    def button_labels(self) -> list[str]:
        return [button["text"] for row in self.buttons() for button in row]

    def find_button(self, label: str) -> dict[str, Any]:
        for row in self.buttons():
            for button in row:
                if button["text"] == label:
                    return button
        raise LookupError(f"no inline button {label!r} on message {self.message_id}: {self.button_labels()}")

    def keyboard_labels(self) -> list[str]:
        """Labels of the reply keyboard sent with this message, if any."""
        rows = (self.reply_keyboard or {}).get("keyboard", [])
        return [button["text"] for row in rows for button in row]

    def to_ptb(self, bot: telegram.Bot | None = None) -> telegram.Message:
        import telegram

        return telegram.Message.de_json(self.data, bot)

    def __repr__(self) -> str:
        body = self.text if self.text is not None else self.caption
        kind = "bot" if self.from_bot else "user"
        state = " deleted" if self.deleted else ""
        return f"<StoredMessage {kind} chat={self.chat_id} id={self.message_id}{state} {body!r}>"


@dataclass
class PollState:
    poll_id: str
    chat_id: int
    message_id: int
    question: str
    question_entities: list[dict[str, Any]]
    options: list[dict[str, Any]]
    is_anonymous: bool
    type: str
    allows_multiple_answers: bool
    allows_revoting: bool
    correct_option_ids: list[int]
    explanation: str | None
    close_at: float | None
    is_closed: bool = False
    votes: dict[int, list[int]] = field(default_factory=dict)

    def closed(self, now: float) -> bool:
        return self.is_closed or (self.close_at is not None and now >= self.close_at)

    def to_json(self, now: float) -> dict[str, Any]:
        counts = [0] * len(self.options)
        for chosen in self.votes.values():
            for option in chosen:
                counts[option] += 1
        poll: dict[str, Any] = {
            "id": self.poll_id,
            "question": self.question,
            "options": [{**option, "voter_count": counts[i]} for i, option in enumerate(self.options)],
            "total_voter_count": sum(1 for chosen in self.votes.values() if chosen),
            "is_closed": self.closed(now),
            "is_anonymous": self.is_anonymous,
            "type": self.type,
            "allows_multiple_answers": self.allows_multiple_answers,
            "allows_revoting": self.allows_revoting,
            "members_only": False,
        }
        if self.question_entities:
            poll["question_entities"] = self.question_entities
        if self.type == "quiz":
            poll["correct_option_ids"] = self.correct_option_ids
            if self.explanation:
                poll["explanation"] = self.explanation
        if self.close_at is not None:
            poll["close_date"] = int(self.close_at)
        return poll


# --------------------------------------------------------------------------- params

_TRUE = {"true", "1"}


def _stringify(value: Any) -> str:
    """How telegram-bot-api sees a JSON body field: everything becomes a string argument."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


class Params:
    """Request parameters, read the way telegram-bot-api reads them (all as strings)."""

    def __init__(self, values: dict[str, Any], files: dict[str, UploadedFile]) -> None:
        self.values = {key: _stringify(value) for key, value in values.items() if value is not None}
        self.files = files

    def names(self) -> set[str]:
        """Parameter names, without file parts that a value refers to as ``attach://<name>``."""
        attached = {value[len("attach://") :] for value in self.values.values() if value.startswith("attach://")}
        return set(self.values) | (set(self.files) - attached)

    def has(self, name: str) -> bool:
        return bool(self.values.get(name)) or name in self.files

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        return default if value is None else value

    def get_int(self, name: str, default: int = 0) -> int:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            try:
                return int(float(value))
            except ValueError:
                return 0  # telegram-bot-api's to_integer gives 0 for garbage

    def get_float(self, name: str, default: float = 0.0) -> float:
        value = self.values.get(name)
        try:
            return default if value is None else float(value)
        except ValueError:
            return 0.0

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        return value.lower() in _TRUE

    def get_json(self, name: str, what: str | None = None) -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {what or name} JSON object") from None

    def decoded(self) -> dict[str, Any]:
        """Parameters for the call log: JSON values parsed where possible, uploads included."""
        result: dict[str, Any] = {}
        for key, value in self.values.items():
            if value[:1] in ("{", "["):
                try:
                    result[key] = json.loads(value)
                    continue
                except ValueError:
                    pass
            result[key] = value
        result.update(self.files)
        return result


# ------------------------------------------------------------------------ identifiers

_counter = itertools.count(1)


def new_file_ids(kind: str) -> tuple[str, str]:
    """An opaque (file_id, file_unique_id) pair; the prefix tells the kind, like Telegram's do."""
    prefix = {"photo": "AgAC", "document": "BQAC"}.get(kind, "CAAC")
    number = next(_counter)
    return (
        f"{prefix}AgQAAxkBAAI{number:06d}{secrets.token_urlsafe(24)}",
        f"AQAD{number:06d}{secrets.token_urlsafe(6)}",
    )


def new_query_id() -> str:
    return str(secrets.randbits(62) + 10**17)


def new_poll_id() -> str:
    return str(secrets.randbits(62) + 5 * 10**18)


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP image, or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and data[12:16] == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + length
    return None


def make_png(width: int = 64, height: int = 48, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid solid-colour PNG, for tests that need a real image without Pillow."""

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
