"""Text formatting for the Bot API emulator: parse modes, entity detection, trimming. HTML and the entry point
(``format_text``) are here, MarkdownV2 and legacy Markdown in ``botapi_markdown.py``, the UTF-16 helpers in
``botapi_text.py``.

Mirrors what Telegram does to a message text before storing it
(https://core.telegram.org/bots/api#formatting-options):

* ``HTML``, ``MarkdownV2`` and legacy ``Markdown`` are parsed into plain text plus
  ``MessageEntity`` dicts; malformed markup gives the Bot API error
  ``Bad Request: can't parse entities: ...``;
* entity offsets and lengths are in UTF-16 code units, as in the Bot API;
* ``\\r`` is dropped and leading/trailing whitespace is trimmed;
* ``bot_command``, ``mention``, ``hashtag``, ``url`` and ``email`` entities are detected
  automatically, as Telegram does for every message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .botapi_markdown import parse_markdown, parse_markdown_v2
from .botapi_model import bad_request
from .botapi_text import Builder, Entity, byte_offset, link_entity, parse_error, u16len

# --------------------------------------------------------------------------- HTML

_HTML_TAGS = {
    "a",
    "b",
    "strong",
    "i",
    "em",
    "s",
    "strike",
    "del",
    "u",
    "ins",
    "tg-spoiler",
    "tg-emoji",
    "span",
    "pre",
    "code",
    "blockquote",
}
_HTML_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass
class _OpenTag:
    name: str
    start16: int
    attrs: dict[str, str]
    language: str | None = None


def _decode_html_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode ``&...;`` at ``text[i]``; None when it is not a supported entity."""
    end = text.find(";", i + 1, i + 12)
    if end < 0:
        return None
    name = text[i + 1 : end]
    if name in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[name], end + 1
    try:
        if name.startswith(("#x", "#X")):
            return chr(int(name[2:], 16)), end + 1
        if name.startswith("#"):
            return chr(int(name[1:], 10)), end + 1
    except (ValueError, OverflowError):
        return None
    return None


def _unescape_html(raw: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(raw):
        decoded = _decode_html_entity(raw, i) if raw[i] == "&" else None
        if decoded is None:
            out.append(raw[i])
            i += 1
        else:
            out.append(decoded[0])
            i = decoded[1]
    return "".join(out)


def parse_html(text: str) -> tuple[str, list[Entity]]:
    out = Builder()
    stack: list[_OpenTag] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is None:
                out.add("&")
                i += 1
            else:
                out.add(decoded[0])
                i = decoded[1]
            continue
        if char != "<":
            j = i
            while j < n and text[j] not in "<&":
                j += 1
            out.add(text[i:j])
            i = j
            continue
        begin = i
        if i + 1 < n and text[i + 1] == "/":
            j = i + 2
            while j < n and (text[j].isalnum() or text[j] == "-"):
                j += 1
            name = text[i + 2 : j].lower()
            while j < n and text[j] in " \t\n":
                j += 1
            if j >= n or text[j] != ">":
                raise parse_error(
                    f"Can't find end tag corresponding to start tag at byte offset {byte_offset(text, begin)}"
                )
            if not stack:
                raise parse_error(f"Unexpected end tag at byte offset {byte_offset(text, begin)}")
            top = stack[-1]
            if name and name != top.name:
                raise parse_error(
                    f"Unmatched end tag at byte offset {byte_offset(text, begin)}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            stack.pop()
            _close_html_tag(top, stack, out)
            i = j + 1
            continue
        j = i + 1
        while j < n and (text[j].isalnum() or text[j] == "-"):
            j += 1
        name = text[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise parse_error(f'Unsupported start tag "{name}" at byte offset {byte_offset(text, begin)}')
        attrs: dict[str, str] = {}
        while True:
            while j < n and text[j] in " \t\n":
                j += 1
            if j >= n:
                raise parse_error(f"Unclosed start tag at byte offset {byte_offset(text, begin)}")
            if text[j] == ">":
                j += 1
                break
            k = j
            while k < n and (text[k].isalnum() or text[k] in "-_"):
                k += 1
            attr = text[j:k].lower()
            if not attr:
                raise parse_error(
                    f'Empty attribute name in the tag "{name}" at byte offset {byte_offset(text, begin)}'
                )
            j = k
            while j < n and text[j] in " \t\n":
                j += 1
            value = ""
            if j < n and text[j] == "=":
                j += 1
                while j < n and text[j] in " \t\n":
                    j += 1
                if j < n and text[j] in "\"'":
                    quote = text[j]
                    end = text.find(quote, j + 1)
                    if end < 0:
                        raise parse_error(f"Unclosed end of attribute value at byte offset {byte_offset(text, j)}")
                    raw = text[j + 1 : end]
                    j = end + 1
                else:
                    k = j
                    while k < n and text[k] not in " \t\n>":
                        k += 1
                    raw = text[j:k]
                    j = k
                value = _unescape_html(raw)
            attrs[attr] = value
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise parse_error('Tag "span" must have class "tg-spoiler"')
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise parse_error('Tag "tg-emoji" must have attribute "emoji-id"')
        stack.append(_OpenTag(name, out.pos16, attrs))
        i = j
    if stack:
        raise parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return out.text(), out.entities


def _close_html_tag(tag: _OpenTag, stack: list[_OpenTag], out: Builder) -> None:
    parent = stack[-1] if stack else None
    if parent is not None and parent.name in ("pre", "code") and tag.name != "code":
        return
    if tag.name in _HTML_SIMPLE or tag.name == "span":
        out.entity(_HTML_SIMPLE.get(tag.name, "spoiler"), tag.start16)
    elif tag.name == "a":
        link_entity(out, tag.start16, tag.attrs.get("href", ""))
    elif tag.name == "tg-emoji":
        out.entity("custom_emoji", tag.start16, custom_emoji_id=tag.attrs["emoji-id"])
    elif tag.name == "code":
        cls = tag.attrs.get("class", "")
        if parent is not None and parent.name == "pre" and parent.start16 == tag.start16:
            if cls.startswith("language-"):
                parent.language = cls[len("language-") :]
            return
        if parent is not None and parent.name == "pre":
            return
        out.entity("code", tag.start16)
    elif tag.name == "pre":
        if tag.language:
            out.entity("pre", tag.start16, language=tag.language)
        else:
            out.entity("pre", tag.start16)
    elif tag.name == "blockquote":
        out.entity("expandable_blockquote" if "expandable" in tag.attrs else "blockquote", tag.start16)


# ------------------------------------------------------------- automatic entities

_TLDS = "com|org|net|nl|be|de|eu|io|info|gov|edu|app|dev|uk|fr|me|int|amsterdam"
_AUTO_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w@])")),
    (
        "url",
        re.compile(
            r"(?<![\w@/.-])(?:(?:https?|tg)://[^\s<>\"]+|(?:www\.)?(?:[A-Za-z0-9-]+\.)+(?:"
            + _TLDS
            + r")(?::\d{1,5})?(?:/[^\s<>\"]*)?)(?![\w@])",
            re.IGNORECASE,
        ),
    ),
    ("bot_command", re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")),
]
_OPAQUE = {"code", "pre", "text_link", "text_mention", "custom_emoji", "url", "email"}


def detect_entities(text: str, existing: list[Entity] | None = None) -> list[Entity]:
    """Entities Telegram adds by itself (commands, mentions, hashtags, URLs, e-mails)."""
    existing = existing or []
    blocked = [(e["offset"], e["offset"] + e["length"]) for e in existing if e["type"] in _OPAQUE]
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for etype, pattern in _AUTO_PATTERNS:
        for match in pattern.finditer(text):
            value = match.group(0)
            if etype == "url":
                value = value.rstrip(".,;:!?)'\"")
            if not value:
                continue
            start16 = u16len(text[: match.start()])
            end16 = start16 + u16len(value)
            if any(s < end16 and start16 < e for s, e in blocked + taken):
                continue
            taken.append((start16, end16))
            found.append({"type": etype, "offset": start16, "length": end16 - start16})
    return found


# --------------------------------------------------------------------- entry point

_WHITESPACE = " \t\n\r\u00a0\u2028\u2029"


def _trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    stripped_left = text.lstrip(_WHITESPACE)
    shift = u16len(text) - u16len(stripped_left)
    result = stripped_left.rstrip(_WHITESPACE)
    limit = u16len(result)
    trimmed: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            trimmed.append({**entity, "offset": start, "length": end - start})
    return result, trimmed


def _check_entities(raw: Any) -> list[Entity]:
    if not isinstance(raw, list):
        raise bad_request("can't parse entities JSON object")
    entities: list[Entity] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise bad_request('can\'t parse MessageEntity: Field "type" must be of type String')
        if not isinstance(item.get("offset"), int) or not isinstance(item.get("length"), int):
            raise bad_request('can\'t parse MessageEntity: Field "offset" must be of type Number')
        entities.append(dict(item))
    return entities


def format_text(
    text: str,
    parse_mode: str | None,
    entities: Any = None,
    *,
    detect: bool = True,
) -> tuple[str, list[Entity]]:
    """Turn the text of a Bot API call into (stored text, entities), like Telegram."""
    if entities is not None:
        parsed_text, parsed = text.replace("\r", ""), _check_entities(entities)
    elif parse_mode:
        mode = parse_mode.lower()
        if mode == "html":
            parsed_text, parsed = parse_html(text)
        elif mode == "markdownv2":
            parsed_text, parsed = parse_markdown_v2(text)
        elif mode == "markdown":
            parsed_text, parsed = parse_markdown(text)
        else:
            raise bad_request(f'unsupported parse_mode "{parse_mode}"')
    else:
        parsed_text, parsed = text.replace("\r", ""), []
    result, result_entities = _trim(parsed_text, parsed)
    if detect:
        result_entities = result_entities + detect_entities(result, result_entities)
    result_entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return result, result_entities
