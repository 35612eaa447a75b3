"""Replies as WhatsApp Cloud API message contents (pure; no I/O).

Options become WhatsApp's own widgets: up to three short ones reply buttons (title ≤ 20 characters), up to ten a
list message (row title ≤ 24, description ≤ 72, button label ≤ 20), anything else a numbered list answered by
typing. Button and row ids are signed like Telegram's callback data (:mod:`bot.channels.callback`), so a forged
or stale press changes nothing. Interactive bodies hold at most 1,024 characters and texts 4,096: longer texts go
out as several messages, split at paragraph, line or word ends, with the options under the last part.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.channels import layout
from bot.channels.base import Choice
from bot.channels.callback import sign
from bot.i18n import N_

TEXT_LIMIT = 4096
BODY_LIMIT = 1024  # interactive messages and media captions
BUTTONS = 3
BUTTON_TITLE = 20
LIST_ROWS = 10
ROW_TITLE = 24
ROW_DESCRIPTION = 72
LIST_BUTTON = 20
PARAMETER_LIMIT = 700  # characters of a template parameter (the template's own words come on top)
LIST_LABEL = N_("Options")  # the button that opens a list message (≤ 20 characters in every language)
# Ends a template parameter that had to be shortened; the whole message follows once the resident answers.
SHORTENED = N_("(shortened: answer this message to read all of it)")
_SPACES = re.compile(r"[ \u00a0]{5,}")
_BREAKS = re.compile(r"\s*[\n\r\t]+\s*")


def recipient(chat_id: str) -> dict[str, str]:
    """Send to a business-scoped user id (``recipient``) where the resident has one, else to the number."""
    if chat_id.isdigit():
        return {"recipient_type": "individual", "to": chat_id}
    return {"recipient_type": "individual", "recipient": chat_id}


def text_messages(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"body": part, "preview_url": False}}
            for part in layout.split_text(text, TEXT_LIMIT) if part]


def split_for_body(text: str) -> tuple[list[dict[str, Any]], str]:
    """Text messages for all but the end of ``text``, and the end (≤ 1,024 characters) as an interactive body."""
    parts = layout.split_text(text, TEXT_LIMIT) if text else [""]
    last = layout.split_text(parts[-1], BODY_LIMIT)
    before = [*parts[:-1], *last[:-1]]
    return [m for part in before for m in text_messages(part)], last[-1]


def widget(text: str, choices: Sequence[Choice], secret: bytes, chat_id: str, turn: int | None,
           list_label: str) -> list[dict[str, Any]]:
    """The messages for a text with options: reply buttons, a list message, or a numbered list."""
    labels = [choice.label for choice in choices]
    if len(choices) > LIST_ROWS or any(len(label) > ROW_DESCRIPTION for label in labels):
        return text_messages(layout.numbered(text, labels))
    before, body = split_for_body(text)
    body = body or "…"  # an interactive message needs a body
    ids = [sign(secret, chat_id, turn, choice.key) for choice in choices]
    if len(choices) <= BUTTONS and all(len(label) <= BUTTON_TITLE for label in labels):
        buttons = [{"type": "reply", "reply": {"id": id_, "title": label}}
                   for id_, label in zip(ids, labels, strict=True)]
        return [*before, {"type": "interactive", "interactive": {
            "type": "button", "body": {"text": body}, "action": {"buttons": buttons}}}]
    rows = [_row(id_, label) for id_, label in zip(ids, labels, strict=True)]
    return [*before, {"type": "interactive", "interactive": {
        "type": "list", "body": {"text": body},
        "action": {"button": list_label[:LIST_BUTTON], "sections": [{"rows": rows}]}}}]


def _row(id_: str, label: str) -> dict[str, str]:
    if len(label) <= ROW_TITLE:
        return {"id": id_, "title": label}
    return {"id": id_, "title": label[:ROW_TITLE - 1].rstrip() + "…", "description": label}


def parameter(text: str) -> str:
    """A template parameter: no newlines, tabs or more than four spaces in a row (Meta refuses those with error
    132018), at most :data:`PARAMETER_LIMIT` characters."""
    flat = _SPACES.sub(" ", _BREAKS.sub(" · ", text.strip()))
    return flat if len(flat) <= PARAMETER_LIMIT else flat[:PARAMETER_LIMIT - 1].rstrip() + "…"


def fits(text: str) -> bool:
    """Whether ``text`` goes into a template parameter whole (only its layout flattened)."""
    return len(_SPACES.sub(" ", _BREAKS.sub(" · ", text.strip()))) <= PARAMETER_LIMIT


def shortened(text: str, note: str) -> str:
    """The beginning of ``text``, cut at a word, and ``note`` (which says so), within the parameter limit."""
    flat = _SPACES.sub(" ", _BREAKS.sub(" · ", text.strip()))
    room = PARAMETER_LIMIT - len(note) - 2
    head = flat[:room]
    if " " in head[room // 2:]:
        head = head.rsplit(" ", 1)[0]
    return f"{head.rstrip(' ·')}… {note}"


def template(name: str, language: str, text: str) -> dict[str, Any]:
    return {"type": "template", "template": {
        "name": name, "language": {"code": language},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": parameter(text)}]}]}}


def media(kind: str, media_id: str, caption: str | None, filename: str | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"id": media_id}
    if caption:
        content["caption"] = caption[:BODY_LIMIT]
    if filename:
        content["filename"] = filename
    return {"type": kind, kind: content}


def location(latitude: float, longitude: float) -> dict[str, Any]:
    return {"type": "location", "location": {"latitude": latitude, "longitude": longitude}}
