"""Text formatting for the Bot API emulator: parse modes, entity detection, trimming.

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


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _Builder:
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


def _parse_error(message: str) -> ApiError:
    return bad_request(f"can't parse entities: {message}")


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
    out = _Builder()
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
                raise _parse_error(
                    f"Can't find end tag corresponding to start tag at byte offset {_byte_offset(text, begin)}"
                )
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            top = stack[-1]
            if name and name != top.name:
                raise _parse_error(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
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
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, begin)}')
        attrs: dict[str, str] = {}
        while True:
            while j < n and text[j] in " \t\n":
                j += 1
            if j >= n:
                raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[j] == ">":
                j += 1
                break
            k = j
            while k < n and (text[k].isalnum() or text[k] in "-_"):
                k += 1
            attr = text[j:k].lower()
            if not attr:
                raise _parse_error(
                    f'Empty attribute name in the tag "{name}" at byte offset {_byte_offset(text, begin)}'
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
                        raise _parse_error(f"Unclosed end of attribute value at byte offset {_byte_offset(text, j)}")
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
            raise _parse_error('Tag "span" must have class "tg-spoiler"')
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise _parse_error('Tag "tg-emoji" must have attribute "emoji-id"')
        stack.append(_OpenTag(name, out.pos16, attrs))
        i = j
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return out.text(), out.entities


def _close_html_tag(tag: _OpenTag, stack: list[_OpenTag], out: _Builder) -> None:
    parent = stack[-1] if stack else None
    if parent is not None and parent.name in ("pre", "code") and tag.name != "code":
        return
    if tag.name in _HTML_SIMPLE or tag.name == "span":
        out.entity(_HTML_SIMPLE.get(tag.name, "spoiler"), tag.start16)
    elif tag.name == "a":
        href = tag.attrs.get("href", "")
        match = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if match:
            out.entity(
                "text_mention",
                tag.start16,
                user={"id": int(match.group(1)), "is_bot": False, "first_name": ""},
            )
        elif href:
            out.entity("text_link", tag.start16, url=href)
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
    out = _Builder()
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
            raise _parse_error(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        etype, length = begin
        opened = _Open(etype, out.pos16, _byte_offset(text, i))
        i += length
        if etype == "pre":
            newline = text.find("\n", i)
            if newline >= 0 and re.fullmatch(r"[\w+#-]*", text[i:newline]):
                opened.language = text[i:newline] or None
                i = newline + 1
        stack.append(opened)
    if stack:
        opened = stack[-1]
        raise _parse_error(f"Can't find end of {_MDV2_NAMES[opened.etype]} entity at byte offset {opened.byte_pos}")
    if quote_start is not None:
        _close_quote(out, quote_start, quote_expandable)
    return out.text(), sorted(out.entities, key=lambda e: (e["offset"], -e["length"]))


def _close_quote(out: _Builder, start16: int, expandable: bool) -> None:
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


def _mdv2_link_target(text: str, i: int, out: _Builder, opened: _Open) -> int:
    if i >= len(text) or text[i] != "(":
        if opened.etype == "custom_emoji":
            raise _parse_error("Custom emoji entity must contain a tg://emoji URL")
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
        raise _parse_error(f"Can't find end of a URL at byte offset {_byte_offset(text, i + 1)}")
    target = "".join(url)
    if opened.etype == "custom_emoji":
        match = re.fullmatch(r"tg://emoji\?id=(\d+)", target)
        if not match:
            raise _parse_error("Custom emoji URL must have an emoji identifier")
        out.entity("custom_emoji", opened.start16, custom_emoji_id=match.group(1))
    else:
        match = re.fullmatch(r"tg://user\?id=(\d+)", target)
        if match:
            out.entity(
                "text_mention",
                opened.start16,
                user={"id": int(match.group(1)), "is_bot": False, "first_name": ""},
            )
        elif target:
            out.entity("text_link", opened.start16, url=target)
    return j + 1


# ------------------------------------------------------------------ legacy Markdown


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    out = _Builder()
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
                raise _parse_error(f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}")
            label = text[i + 1 : end]
            if end + 1 < n and text[end + 1] == "(":
                close = text.find(")", end + 2)
                if close < 0:
                    raise _parse_error(
                        f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
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
                raise _parse_error(f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}")
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
            raise _parse_error(f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}")
        out.add(text[i + 1 : end])
        out.entity({"_": "italic", "*": "bold", "`": "code"}[char], start16)
        i = end + 1
    return out.text(), out.entities


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
