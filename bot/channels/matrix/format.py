"""Pure helpers for the Matrix adapter (no ``nio`` here): commands, message bodies, invite policy, small files.

Kept apart from the rest of the ``bot/channels/matrix`` package so they can be read and tested without a homeserver.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import tempfile
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.channels.base import Attachment, AttachmentKind, Choice, Poll, Reply, SendResult

MODERATOR_LEVEL = 50
HTML = "org.matrix.custom.html"
ENCRYPTION_STATE = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
_GONE = frozenset({"M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN_ROOM"})
_COMMAND = re.compile(r"^([A-Za-z][\w-]*)(?:\s+(.*))?$", re.DOTALL)
# Room versions whose creators have no implicit power (MSC4289 gave creators infinite power from v12 on).
_LEGACY_VERSIONS = frozenset(str(v) for v in range(1, 12))


def parse_command(body: str, prefixes: str = "/!") -> tuple[str, str] | None:
    """``"!Approve W-1 ok"`` → ``("approve", "W-1 ok")``; ``None`` if the text is not a command."""
    text = body.strip()
    if len(text) < 2 or text[0] not in prefixes:
        return None
    match = _COMMAND.match(text[1:])
    if match is None:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def strip_reply_fallback(body: str) -> str:
    """Drop the ``> <@user> quoted`` lines older clients put before the text of a rich reply."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> "):
        return body
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    return "\n".join(lines[index:]).lstrip("\n")


def render(text: str, choices: Iterable[Choice] = ()) -> tuple[str, str]:
    """The plain body and the HTML body of a bot message; choices become a numbered list."""
    labels = [choice.label for choice in choices]
    plain = text
    markup = html.escape(text).replace("\n", "<br>")
    if labels:
        numbered = "\n".join(f"{number}. {label}" for number, label in enumerate(labels, start=1))
        plain = f"{text}\n\n{numbered}" if text else numbered
        markup += "<ol>" + "".join(f"<li>{html.escape(label)}</li>" for label in labels) + "</ol>"
    return plain, markup


class Retry(Exception):
    """The homeserver said no for now; wait ``delay`` seconds (None: the usual backoff)."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


class SendFailed(Exception):
    """Sending stopped with this (unsuccessful) result."""

    def __init__(self, result: SendResult) -> None:
        super().__init__(result.error)
        self.result = result


@dataclass(frozen=True)
class Message:
    """What a received ``m.text`` says, once edits, reply fallbacks and threads are dealt with."""

    text: str
    command: str | None = None
    args: str = ""
    thread: str | None = None
    reply_to: str | None = None  # the event a rich reply answers


def read_message(body: str, content: dict[str, Any], private: bool, keep_plain: bool = False) -> Message | None:
    """``None`` for an edit (``m.replace``); in a group room (``private=False``) also for anything but ``!word``,
    unless ``keep_plain`` (a moderation room, where an organiser may be answering the bot's questions)."""
    relation = content.get("m.relates_to") or {}
    if relation.get("rel_type") == "m.replace" or "m.new_content" in content:
        return None
    text = strip_reply_fallback(body) if "m.in_reply_to" in relation else body
    thread = relation.get("event_id") if relation.get("rel_type") == "m.thread" else None
    in_reply_to = relation.get("m.in_reply_to") or {}
    reply_to = in_reply_to.get("event_id") if isinstance(in_reply_to, dict) and not relation.get(
        "is_falling_back") else None
    command = parse_command(text, "/!" if private else "!")
    if command is None:
        return Message(text, thread=thread, reply_to=reply_to) if private or keep_plain else None
    return Message(text, command[0], command[1], thread, reply_to)


def thread_relation(thread: str | None) -> dict[str, Any] | None:
    if not thread:
        return None
    return {"rel_type": "m.thread", "event_id": thread, "is_falling_back": True,
            "m.in_reply_to": {"event_id": thread}}


def text_content(reply: Reply, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``m.room.message`` content of a reply's text (an edit when ``reply.edit_of`` is set). The people in
    ``reply.mentions`` are named first, as pills (``names``: their display names), and listed in ``m.mentions``, so
    Element notifies them; every other message carries an empty ``m.mentions``, so nobody is pinged by accident."""
    body, markup = render(reply.text, reply.choices)
    if reply.mentions:
        shown = [(user, (names or {}).get(user) or user) for user in reply.mentions]
        body = ", ".join(name for _, name in shown) + ": " + body
        markup = ", ".join(f'<a href="https://matrix.to/#/{html.escape(user)}">{html.escape(name)}</a>'
                           for user, name in shown) + ": " + markup
    mentions = {"user_ids": list(reply.mentions)} if reply.mentions else {}
    content: dict[str, Any] = {"msgtype": "m.notice" if reply.notice else "m.text", "body": body,
                               "format": HTML, "formatted_body": markup, "m.mentions": mentions}
    if reply.edit_of:
        return {**content, "body": f"* {body}", "formatted_body": f"* {markup}", "m.new_content": content,
                "m.relates_to": {"rel_type": "m.replace", "event_id": reply.edit_of}}
    return _in_thread(content, reply.address.thread if reply.address else None)


POLL_START = "org.matrix.msc3381.poll.start"
POLL_END = "org.matrix.msc3381.poll.end"
POLL_RESPONSES = frozenset({"org.matrix.msc3381.poll.response", "m.poll.response"})
_TEXT = "org.matrix.msc1767.text"


def poll_start_content(poll: Poll, fallback: str) -> dict[str, Any]:
    """An MSC3381 poll (unstable names, as Element sends and renders them) with a text fallback."""
    kind = "org.matrix.msc3381.poll.disclosed" if poll.disclosed else "org.matrix.msc3381.poll.undisclosed"
    return {POLL_START: {"question": {_TEXT: poll.question, "body": poll.question, "msgtype": "m.text"},
                         "kind": kind, "max_selections": poll.max_selections,
                         "answers": [{"id": c.key, _TEXT: c.label} for c in poll.options]},
            _TEXT: fallback, "body": fallback}


def poll_end_content(start_event_id: str, fallback: str) -> dict[str, Any]:
    return {"m.relates_to": {"rel_type": "m.reference", "event_id": start_event_id}, POLL_END: {},
            _TEXT: fallback, "body": fallback}


def read_poll_response(event_type: str, content: dict[str, Any]) -> tuple[str, tuple[str, ...]] | None:
    """(poll start event id, chosen answer ids) of a poll response, or None if it is not a well-formed one."""
    relation = content.get("m.relates_to") or {}
    if event_type not in POLL_RESPONSES or relation.get("rel_type") != "m.reference":
        return None
    body = content.get("org.matrix.msc3381.poll.response") or {}
    answers = body.get("answers") if isinstance(body, dict) else None
    if answers is None:
        answers = content.get("m.selections")  # the stable MSC3381 shape
    target = relation.get("event_id")
    if not isinstance(target, str):
        return None
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        return target, ("?",)  # malformed: passed on so the voter hears it did not count
    return target, tuple(a[:32] for a in answers[:32])


def media_content(attachment: Attachment, uri: str, keys: dict[str, Any] | None,
                  thread: str | None = None) -> dict[str, Any]:
    """An ``m.file`` (or ``m.image`` for a photo) for uploaded bytes; ``keys`` from an encrypted upload."""
    filename = attachment.filename or "file"
    image = attachment.kind is AttachmentKind.PHOTO
    content: dict[str, Any] = {
        "msgtype": "m.image" if image else "m.file",
        "body": (attachment.alt_text or filename) if image else filename, "filename": filename,
        "info": {"mimetype": attachment.mime_type or "application/octet-stream", "size": len(attachment.data or b"")},
    }
    if keys is not None:
        content["file"] = {"url": uri, **keys}
    else:
        content["url"] = uri
    return _in_thread(content, thread)


def location_content(attachment: Attachment, thread: str | None = None) -> dict[str, Any]:
    return _in_thread({"msgtype": "m.location", "body": attachment.alt_text or "📍",
                       "geo_uri": f"geo:{attachment.latitude},{attachment.longitude}"}, thread)


def _in_thread(content: dict[str, Any], thread: str | None) -> dict[str, Any]:
    relation = thread_relation(thread)
    return {**content, "m.relates_to": relation} if relation else content


def failure(resp: Any) -> SendResult:
    """A homeserver error response as a SendResult: rate limited → ``retry_after``; no access → unreachable."""
    code = getattr(resp, "status_code", None)
    status = getattr(getattr(resp, "transport_response", None), "status", None)
    if code == "M_LIMIT_EXCEEDED" or status == 429:
        retry_ms = getattr(resp, "retry_after_ms", None) or 5000
        return SendResult(ok=False, retry_after=retry_ms / 1000, error="rate limited")
    if code in _GONE or status in (403, 404):
        return SendResult(ok=False, unreachable=True, error=f"no access to the room ({code or status})")
    return SendResult(ok=False, error=f"homeserver error {code or status}")


def server_of(user_id: str) -> str:
    return user_id.split(":", 1)[1] if ":" in user_id else ""


def inviter_allowed(inviter: str, *, is_direct: bool, own_user_id: str, allowed: Iterable[str],
                    organisers: Iterable[str] = ()) -> bool:
    """The invite policy.

    * Any invite (group room or direct chat) is accepted from an inviter listed in ``allowed_inviters``, either
      by user id (``@name:server``) or by server (``:server``), and from a configured organiser.
    * Direct chats (``is_direct`` invites) are also accepted from anyone on the bot's own homeserver, so the
      municipality's residents can always talk to the bot; add ``:other.server`` to admit other servers' users.
    """
    server = server_of(inviter)
    for entry in (*allowed, *organisers):
        if entry == inviter or (entry.startswith(":") and entry[1:] == server):
            return True
    return is_direct and bool(server) and server == server_of(own_user_id)


def creators_privileged(room_version: str) -> bool:
    """Whether the room's creators have implicit top power (room version 12 and later)."""
    return room_version not in _LEGACY_VERSIONS


def fingerprint(ed25519: str) -> str:
    """A device key as Element shows it: groups of four characters."""
    return " ".join(ed25519[i:i + 4] for i in range(0, len(ed25519), 4))


class BoundedSet:
    """Remembers the most recent ``size`` keys (event ids seen or sent)."""

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._items: OrderedDict[str, None] = OrderedDict()

    def add(self, key: str) -> None:
        self._items[key] = None
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def __contains__(self, key: object) -> bool:
        return key in self._items


def write_private(path: Path, text: str) -> None:
    """Write a file readable only by the owner (0600), atomically (a temporary file, then a rename)."""
    write_private_bytes(path, text.encode("utf-8"))


def write_private_bytes(path: Path, data: bytes) -> None:
    """:func:`write_private` for bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_json(path: Path) -> dict[str, Any] | None:
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            return data
    return None


def read_text(path: Path) -> str | None:
    with contextlib.suppress(OSError):
        return path.read_text(encoding="utf-8").strip() or None
    return None
