"""Meta's rules for messages sent through the Cloud API, as the emulator (``whatsapp.py``) enforces them: text
4,096; interactive body 1,024, 1-3 buttons of at most 20 characters with unique titles, lists of 1-10 rows with
titles of at most 24 and descriptions of at most 72 characters behind a button label of at most 20 (131009);
approved templates per name and language (132001) whose parameters hold no newline, tab or five spaces in a row
(132018); media by a known id (131053); Meta's media types."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MEDIA_TYPES = {"image/jpeg", "image/png", "image/webp", "text/plain", "application/pdf", "audio/ogg",
               "video/mp4", "application/msword", "application/vnd.ms-excel"}
_SPACES = re.compile(r" {5,}")


def check(body: dict[str, Any], templates: Mapping[tuple[str, str], str],
          media: Mapping[str, Any]) -> tuple[int, str] | None:
    """Meta's rules for one message to send: None, or (error code, message)."""
    kind = body.get("type", "text")
    if kind == "text":
        text = (body.get("text") or {}).get("body", "")
        return (131009, "text body is empty or longer than 4096") if not 0 < len(text) <= 4096 else None
    if kind == "interactive":
        return check_interactive(body.get("interactive") or {})
    if kind == "template":
        template = body.get("template") or {}
        key = (template.get("name"), (template.get("language") or {}).get("code"))
        if key not in templates:
            return 132001, "Template name does not exist in the translation"
        for component in template.get("components") or ():
            for parameter in component.get("parameters") or ():
                text = str(parameter.get("text", ""))
                if "\n" in text or "\t" in text or _SPACES.search(text):
                    return 132018, "Param text cannot have new-line/tab characters or more than 4 spaces"
        return None
    if kind in ("image", "document"):
        media_id = (body.get(kind) or {}).get("id")
        if media_id not in media:
            return 131053, "Media upload error: unknown media id"
        if len((body.get(kind) or {}).get("caption", "")) > 1024:
            return 131009, "caption longer than 1024"
        return None
    if kind == "location":
        return None
    return 131051, "Unsupported message type"



def check_interactive(interactive: dict[str, Any]) -> tuple[int, str] | None:
    body = (interactive.get("body") or {}).get("text", "")
    if not 0 < len(body) <= 1024:
        return 131009, "interactive body is empty or longer than 1024"
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = action.get("buttons") or []
        titles = [b["reply"]["title"] for b in buttons]
        if not 1 <= len(buttons) <= 3 or any(not 0 < len(t) <= 20 for t in titles) or len(set(titles)) < len(titles):
            return 131009, "buttons: 1-3 unique titles of at most 20 characters"
        if any(len(b["reply"]["id"]) > 256 for b in buttons):
            return 131009, "button id longer than 256"
        return None
    if interactive.get("type") == "list":
        rows = [row for section in action.get("sections") or [] for row in section.get("rows") or []]
        if not 0 < len(action.get("button", "")) <= 20:
            return 131009, "list button label empty or longer than 20"
        if not 1 <= len(rows) <= 10:
            return 131009, "a list has 1-10 rows"
        if any(not 0 < len(r["title"]) <= 24 or len(r.get("description", "")) > 72 or len(r["id"]) > 200
               for r in rows):
            return 131009, "row title ≤ 24, description ≤ 72, id ≤ 200"
        return None
    return 131009, "unsupported interactive type"
