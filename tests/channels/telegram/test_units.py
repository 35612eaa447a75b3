"""Pure helpers of the Telegram channel: signed callback data, text splitting, button rows, command lines, the
file_ids of uploaded bytes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.channels.callback import MAX_BYTES, Pressed, derive_secret, sign, verify
from bot.channels.layout import button_rows, deep_link, parse_command, split_text, u16len
from bot.channels.telegram.settings import api_urls
from bot.channels.telegram.uploads import FileIds

SECRET = derive_secret("123456:TEST-token_abcdefghij")


def test_signed_data_verifies_for_the_same_person_only() -> None:
    data = sign(SECRET, "1001", 7, "centrum")
    assert data.startswith("7:centrum:") and len(data.encode()) <= MAX_BYTES
    assert verify(SECRET, "1001", data) == Pressed(key="centrum", turn=7)
    assert verify(SECRET, "1002", data) is None  # someone else's button
    assert verify(derive_secret("654321:OTHER-token_abcdefgh"), "1001", data) is None  # another bot's button


@pytest.mark.parametrize("forged", [
    "8:centrum:{mac}", "7:noord:{mac}", "07:centrum:{mac}", "7:centrum:{mac}x", "7:centrum", "", "7::{mac}",
    "7:centrum:{mac}:extra", "x" * 65,
])
def test_tampered_data_does_not_verify(forged: str) -> None:
    mac = sign(SECRET, "1001", 7, "centrum").rsplit(":", 1)[1]
    assert verify(SECRET, "1001", forged.format(mac=mac)) is None


def test_a_choice_without_turn_and_the_size_limit() -> None:
    data = sign(SECRET, "1001", None, "yes")
    assert verify(SECRET, "1001", data) == Pressed(key="yes", turn=None)
    longest = "k" * 32  # neighbourhood ids are at most 32 characters
    assert len(sign(SECRET, "1001", 10**9, longest).encode()) <= MAX_BYTES
    with pytest.raises(ValueError):
        sign(SECRET, "1001", 1, "k" * 60)
    with pytest.raises(ValueError):
        sign(SECRET, "1001", 1, "")


def test_a_key_with_colons_is_signed_and_verified() -> None:
    """The quiet-hours options of /settings are keyed "21:00-08:00": they must be sendable and pressable."""
    data = sign(SECRET, "1001", 12, "21:00-08:00")
    assert verify(SECRET, "1001", data) == Pressed(key="21:00-08:00", turn=12)
    mac = data.rsplit(":", 1)[1]
    for forged in ("12:21:00-09:00:" + mac, "12:21:00:" + mac, "13:21:00-08:00:" + mac, "12::00-08:00:" + mac):
        assert verify(SECRET, "1001", forged) is None
    assert verify(SECRET, "1002", data) is None


def test_the_secret_is_not_the_token() -> None:
    assert b"TEST-token" not in SECRET and len(SECRET) == 32


def test_split_text_prefers_paragraphs_and_counts_utf16() -> None:
    text = "a" * 3000 + "\n\n" + "b" * 3000
    assert split_text(text, 4096) == ["a" * 3000, "b" * 3000]
    emoji = "😀" * 3000  # two UTF-16 units each
    parts = split_text(emoji, 4096)
    assert all(u16len(p) <= 4096 for p in parts) and "".join(parts) == emoji
    assert split_text("short", 4096) == ["short"]


def test_button_rows() -> None:
    assert button_rows(["a", "b", "c"], ["Ja", "Nee", "Misschien"]) == [["a", "b"], ["c"]]
    assert button_rows(["a", "b"], ["Growing up and upbringing", "Health"]) == [["a"], ["b"]]
    assert button_rows(["a"], ["Skip"]) == [["a"]]


def test_parse_command() -> None:
    start = parse_command("/start centrum")
    assert start is not None and (start.command, start.mention, start.args) == ("start", None, "centrum")
    addressed = parse_command("/Share@Wijkbot_test_bot")
    assert addressed is not None and (addressed.command, addressed.mention) == ("share", "Wijkbot_test_bot")
    assert parse_command("hello /start") is None and parse_command("/ start") is None and parse_command(None) is None


def test_deep_link_and_api_urls() -> None:
    assert deep_link("wijkbot", "centrum") == "https://t.me/wijkbot?start=centrum"
    with pytest.raises(ValueError):
        deep_link("wijkbot", "no spaces")
    assert api_urls(None) == ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot")
    assert api_urls("http://127.0.0.1:8081/bot/") == ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot")
    assert api_urls("http://127.0.0.1:8081") == ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot")


def test_only_the_adapter_imports_telegram() -> None:
    """Rule 1 of the architecture: nothing but the bot/channels/telegram package knows python-telegram-bot."""
    root = Path(__file__).resolve().parents[3]
    importing = []
    for path in sorted([*root.joinpath("bot").rglob("*.py"), *root.joinpath("handlers").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            if any(name == "telegram" or name.startswith("telegram.") for name in names):
                importing.append(path.relative_to(root).as_posix())
    assert importing and all(path.startswith("bot/channels/telegram/") for path in importing), importing


async def test_file_ids_are_kept_for_the_most_recently_used_bytes_only() -> None:
    sent: list[str | bytes] = []

    async def send(file: str | bytes) -> str:  # what Telegram would answer: the file_id of what it now has
        sent.append(file)
        return file if isinstance(file, str) else f"id-{file.decode()}-{len(sent)}"

    ids = FileIds[str](lambda message: message, LookupError, size=2)
    for data in (b"a", b"b", b"a", b"c", b"b"):  # c pushes out b, the least recently used
        await ids.send("sendPhoto", data, send)
    assert sent == [b"a", b"b", "id-a-1", b"c", b"b"] and len(ids) == 2
    await ids.send("sendDocument", b"a", send)  # a photo's file_id is no document's
    assert sent[-1] == b"a"
