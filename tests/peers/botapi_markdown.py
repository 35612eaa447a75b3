"""MarkdownV2 and legacy Markdown for the Bot API emulator (https://core.telegram.org/bots/api#markdownv2-style),
parsed into plain text plus entities; malformed markup gives Telegram's "can't parse entities" error. The entry
point is ``format_text`` in ``botapi_format.py``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .botapi_text import Builder, Entity, byte_offset, link_entity, parse_error

# --------------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _Open:
    etype: str
    start16: int
    byte_pos: int
    language: str | None = None


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    out = Builder()
    stack: list[_Open] = []
    quote_start: int | None = None
    quote_expandable = False
    i, n = 0, len(text)
    line_start = True
    while i < n:
        char = text[i]
        top = stack[-1].etype if stack else None
        if line_start and top not in ("code", "pre"):
            line_start = False
            if char == ">" or text.startswith("**>", i):
                if quote_start is None:
                    quote_start = out.pos16
                    quote_expandable = text.startswith("**>", i)
                i += 3 if text.startswith("**>", i) else 1
                continue
            if quote_start is not None:
                _close_quote(out, quote_start, quote_expandable)
                quote_start = None
        if char == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            if text[i + 1] == "\n":
                line_start = True
            i += 2
            continue
        if top in ("code", "pre"):
            if top == "pre" and text.startswith("```", i):
                opened = stack.pop()
                if opened.language:
                    out.entity("pre", opened.start16, language=opened.language)
                else:
                    out.entity("pre", opened.start16)
                i += 3
            elif top == "code" and char == "`":
                out.entity("code", stack.pop().start16)
                i += 1
            else:
                out.add(char)
                if char == "\n":
                    line_start = True
                i += 1
            continue
        if char == "\n":
            if quote_start is not None and i + 1 < n and text[i + 1] != ">" and not text.startswith("**>", i + 1):
                # the quote ends at this line break; the break itself is outside the quote
                _close_quote(out, quote_start, quote_expandable)
                quote_start = None
            out.add(char)
            line_start = True
            i += 1
            continue
        if char not in _MDV2_RESERVED:
            out.add(char)
            i += 1
            continue
        # a reserved character: end of the innermost entity?
        end_len = _mdv2_end(top, text, i)
        if end_len:
            opened = stack.pop()
            i += end_len
            if opened.etype == "text_link":
                i = _mdv2_link_target(text, i, out, opened)
            else:
                out.entity(opened.etype, opened.start16)
            continue
        if (
            quote_start is not None
            and quote_expandable
            and text.startswith("||", i)
            and (i + 2 == n or text[i + 2] == "\n")
        ):
            i += 2  # marks the end of an expandable blockquote
            continue
        begin = _mdv2_begin(text, i)
        if begin is None:
            raise parse_error(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        etype, length = begin
        opened = _Open(etype, out.pos16, byte_offset(text, i))
        i += length
        if etype == "pre":
            newline = text.find("\n", i)
            if newline >= 0 and re.fullmatch(r"[\w+#-]*", text[i:newline]):
                opened.language = text[i:newline] or None
                i = newline + 1
        stack.append(opened)
    if stack:
        opened = stack[-1]
        raise parse_error(f"Can't find end of {_MDV2_NAMES[opened.etype]} entity at byte offset {opened.byte_pos}")
    if quote_start is not None:
        _close_quote(out, quote_start, quote_expandable)
    return out.text(), sorted(out.entities, key=lambda e: (e["offset"], -e["length"]))


def _close_quote(out: Builder, start16: int, expandable: bool) -> None:
    out.entity("expandable_blockquote" if expandable else "blockquote", start16)


def _mdv2_end(top: str | None, text: str, i: int) -> int:
    if top == "bold" and text[i] == "*":
        return 1
    if top == "italic" and text[i] == "_" and not text.startswith("__", i):
        return 1
    if top == "underline" and text.startswith("__", i):
        return 2
    if top == "strikethrough" and text[i] == "~":
        return 1
    if top == "spoiler" and text.startswith("||", i):
        return 2
    if top in ("text_link", "custom_emoji") and text[i] == "]":
        return 1
    return 0


def _mdv2_begin(text: str, i: int) -> tuple[str, int] | None:
    char = text[i]
    if char == "*":
        return "bold", 1
    if char == "_":
        return ("underline", 2) if text.startswith("__", i) else ("italic", 1)
    if char == "~":
        return "strikethrough", 1
    if text.startswith("||", i):
        return "spoiler", 2
    if char == "[":
        return "text_link", 1
    if text.startswith("![", i):
        return "custom_emoji", 2
    if text.startswith("```", i):
        return "pre", 3
    if char == "`":
        return "code", 1
    return None


def _mdv2_link_target(text: str, i: int, out: Builder, opened: _Open) -> int:
    if i >= len(text) or text[i] != "(":
        if opened.etype == "custom_emoji":
            raise parse_error("Custom emoji entity must contain a tg://emoji URL")
        return i  # "[text]" without a target: plain text, no entity
    j = i + 1
    url: list[str] = []
    while j < len(text) and text[j] != ")":
        if text[j] == "\\" and j + 1 < len(text):
            url.append(text[j + 1])
            j += 2
            continue
        url.append(text[j])
        j += 1
    if j >= len(text):
        raise parse_error(f"Can't find end of a URL at byte offset {byte_offset(text, i + 1)}")
    target = "".join(url)
    if opened.etype == "custom_emoji":
        match = re.fullmatch(r"tg://emoji\?id=(\d+)", target)
        if not match:
            raise parse_error("Custom emoji URL must have an emoji identifier")
        out.entity("custom_emoji", opened.start16, custom_emoji_id=match.group(1))
    else:
        link_entity(out, opened.start16, target)
    return j + 1


# ------------------------------------------------------------------ legacy Markdown


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    out = Builder()
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.add(char)
            i += 1
            continue
        begin = i
        start16 = out.pos16
        if char == "[":
            end = text.find("]", i + 1)
            if end < 0:
                raise parse_error(f"Can't find end of the entity starting at byte offset {byte_offset(text, begin)}")
            label = text[i + 1 : end]
            if end + 1 < n and text[end + 1] == "(":
                close = text.find(")", end + 2)
                if close < 0:
                    raise parse_error(
                        f"Can't find end of the entity starting at byte offset {byte_offset(text, begin)}"
                    )
                out.add(label)
                out.entity("text_link", start16, url=text[end + 2 : close])
                i = close + 1
            else:
                out.add(text[i : end + 1])
                i = end + 1
            continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise parse_error(f"Can't find end of the entity starting at byte offset {byte_offset(text, begin)}")
            body = text[i + 3 : end]
            language = None
            first_nl = body.find("\n")
            if first_nl > 0 and re.fullmatch(r"[\w+#-]+", body[:first_nl]):
                language, body = body[:first_nl], body[first_nl + 1 :]
            out.add(body)
            if language:
                out.entity("pre", start16, language=language)
            else:
                out.entity("pre", start16)
            i = end + 3
            continue
        end = text.find(char, i + 1)
        if end < 0:
            raise parse_error(f"Can't find end of the entity starting at byte offset {byte_offset(text, begin)}")
        out.add(text[i + 1 : end])
        out.entity({"_": "italic", "*": "bold", "`": "code"}[char], start16)
        i = end + 1
    return out.text(), out.entities
