"""Text helpers of the Bot API emulator's formatting (``botapi_format.py``, ``botapi_markdown.py``): UTF-16
offsets, as Bot API entities count them, and the builder the parsers write plain text and entities into."""

from __future__ import annotations

import re
from typing import Any

from .botapi_model import ApiError, bad_request

Entity = dict[str, Any]


def u16len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of Bot API entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


def u16_to_index(text: str, offset16: int) -> int:
    """Python string index of a UTF-16 offset."""
    count = 0
    for index, char in enumerate(text):
        if count >= offset16:
            return index
        count += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def entity_text(text: str, entity: Entity) -> str:
    """The slice of ``text`` covered by ``entity`` (UTF-16 aware)."""
    start = u16_to_index(text, entity["offset"])
    end = u16_to_index(text, entity["offset"] + entity["length"])
    return text[start:end]


def byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class Builder:
    """Accumulates output text and entities with UTF-16 offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos16 = 0
        self.entities: list[Entity] = []

    def add(self, chunk: str) -> None:
        chunk = chunk.replace("\r", "")
        if chunk:
            self.parts.append(chunk)
            self.pos16 += u16len(chunk)

    def entity(self, etype: str, start16: int, **extra: Any) -> None:
        length = self.pos16 - start16
        if length > 0:
            self.entities.append({"type": etype, "offset": start16, "length": length, **extra})

    def text(self) -> str:
        return "".join(self.parts)


def parse_error(message: str) -> ApiError:
    return bad_request(f"can't parse entities: {message}")


def link_entity(out: Builder, start16: int, target: str) -> None:
    """The entity of a link from ``start16`` to here: ``tg://user?id=N`` mentions that user, any other target is a
    ``text_link`` (HTML's ``<a href>`` and MarkdownV2's ``[text](url)`` alike)."""
    match = re.fullmatch(r"tg://user\?id=(\d+)", target)
    if match:
        out.entity("text_mention", start16, user={"id": int(match.group(1)), "is_bot": False, "first_name": ""})
    elif target:
        out.entity("text_link", start16, url=target)
