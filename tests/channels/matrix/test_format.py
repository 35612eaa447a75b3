"""The Matrix adapter's pure helpers: commands, bodies, invite policy, error mapping, private files."""

from __future__ import annotations

import stat
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.channels.base import Address, Attachment, AttachmentKind, Choice, Reply
from bot.channels.matrix.format import (
    BoundedSet,
    Message,
    creators_privileged,
    failure,
    fingerprint,
    inviter_allowed,
    media_content,
    parse_command,
    read_json,
    read_message,
    render,
    strip_reply_fallback,
    text_content,
    write_private,
)

BOT = "@wijkbot:gemeente.nl"


@pytest.mark.parametrize(("body", "expected"), [
    ("!approve W-2026-0001", ("approve", "W-2026-0001")),
    ("  /Start  nu meteen ", ("start", "nu meteen")),
    ("!HELP", ("help", "")),
    ("!reject W-1\nreden: spam", ("reject", "W-1\nreden: spam")),
    ("! approve", None), ("!!!", None), ("!", None), ("hallo", None), ("/2", None),
])
def test_parse_command(body: str, expected: tuple[str, str] | None) -> None:
    assert parse_command(body) == expected


def test_group_rooms_take_only_bang_commands_and_edits_are_skipped() -> None:
    assert read_message("/help", {}, private=False) is None
    assert read_message("hallo allemaal", {}, private=False) is None
    assert read_message("!help", {}, private=False) == Message("!help", "help", "")
    assert read_message("hallo", {}, private=True) == Message("hallo")
    edit = {"m.new_content": {"body": "x"}, "m.relates_to": {"rel_type": "m.replace", "event_id": "$a"}}
    assert read_message("* x", edit, private=True) is None
    thread = {"m.relates_to": {"rel_type": "m.thread", "event_id": "$root"}}
    assert read_message("!approve W-1", thread, private=False) == Message("!approve W-1", "approve", "W-1", "$root")
    reply = {"m.relates_to": {"m.in_reply_to": {"event_id": "$q"}}}
    assert read_message("> <@a:b> vraag\n> nog\n\n!approve W-2", reply, private=False) == Message(
        "!approve W-2", "approve", "W-2", reply_to="$q")


def test_strip_reply_fallback_leaves_plain_text_alone() -> None:
    assert strip_reply_fallback("gewoon > tekst") == "gewoon > tekst"
    assert strip_reply_fallback("> <@a:b> q\n\nantwoord") == "antwoord"


def test_render_numbered_choices_and_html() -> None:
    assert render("Kies <één>:", (Choice("a", "Ja & graag"), Choice("b", "Nee"))) == (
        "Kies <één>:\n\n1. Ja & graag\n2. Nee",
        "Kies &lt;één&gt;:<ol><li>Ja &amp; graag</li><li>Nee</li></ol>")
    assert render("regel 1\nregel 2") == ("regel 1\nregel 2", "regel 1<br>regel 2")


def test_text_content_notice_edit_and_thread() -> None:
    plain = text_content(Reply(text="Hoi", notice=False))
    assert (plain["msgtype"], plain["body"], "m.relates_to" in plain) == ("m.text", "Hoi", False)
    edit = text_content(Reply(text="Nieuw", edit_of="$old"))
    assert edit["m.new_content"]["body"] == "Nieuw" and edit["body"] == "* Nieuw"
    assert edit["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$old"}
    threaded = text_content(Reply(text="Ok", address=Address("matrix", "!r", thread="$root", private=False)))
    assert threaded["msgtype"] == "m.notice" and threaded["m.relates_to"]["event_id"] == "$root"


def test_media_content_plain_and_encrypted() -> None:
    photo = Attachment(AttachmentKind.PHOTO, data=b"png", filename="qr.png", mime_type="image/png", alt_text="QR")
    assert media_content(photo, "mxc://s/x", None) == {
        "msgtype": "m.image", "body": "QR", "filename": "qr.png", "url": "mxc://s/x",
        "info": {"mimetype": "image/png", "size": 3}}
    file = Attachment(AttachmentKind.FILE, data=b"{}", filename="data.json")
    content = media_content(file, "mxc://s/y", {"key": {"k": "K"}, "iv": "I", "hashes": {}, "v": "v2"})
    assert content["msgtype"] == "m.file" and "url" not in content
    assert content["file"] == {"url": "mxc://s/y", "key": {"k": "K"}, "iv": "I", "hashes": {}, "v": "v2"}


def test_invite_policy() -> None:
    allowed = ("@anna:gemeente.nl", ":buurt.org")
    def ok(inviter: str, direct: bool) -> bool:
        return inviter_allowed(inviter, is_direct=direct, own_user_id=BOT, allowed=allowed, organisers=("@org:x.nl",))
    assert ok("@anna:gemeente.nl", False) and ok("@wie:buurt.org", False) and ok("@org:x.nl", False)
    assert not ok("@bram:gemeente.nl", False)  # a group room needs a listed inviter
    assert ok("@bram:gemeente.nl", True)  # a direct chat from the bot's own server is always welcome
    assert not ok("@spam:elders.com", True)
    assert not ok("@anna:gemeente.nl.evil.com", False)


def test_failure_mapping() -> None:
    def error(code: str | None, status: int, retry_ms: int | None = None) -> SimpleNamespace:
        transport = SimpleNamespace(status=status)
        return SimpleNamespace(status_code=code, retry_after_ms=retry_ms, transport_response=transport)
    limited = failure(error("M_LIMIT_EXCEEDED", 429, 1500))
    assert (limited.ok, limited.retry_after, limited.unreachable) == (False, 1.5, False)
    assert failure(error(None, 429)).retry_after == 5.0
    assert failure(error("M_FORBIDDEN", 403)).unreachable
    other = failure(error("M_UNKNOWN", 500))
    assert not other.unreachable and other.retry_after is None and "M_UNKNOWN" in (other.error or "")


def test_creators_and_fingerprint() -> None:
    assert creators_privileged("12") and creators_privileged("org.matrix.hydra.11")
    assert not creators_privileged("11") and not creators_privileged("1")
    assert fingerprint("abcdefghij") == "abcd efgh ij"


def test_bounded_set() -> None:
    seen = BoundedSet(size=2)
    for key in ("a", "b", "c"):
        seen.add(key)
    assert "a" not in seen and "b" in seen and "c" in seen


def test_private_files(tmp_path: Path) -> None:
    path = tmp_path / "store" / "credentials.json"
    write_private(path, '{"device_id": "ABC"}')
    write_private(path, '{"device_id": "DEF"}')
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_json(path) == {"device_id": "DEF"}
    assert [p.name for p in path.parent.iterdir()] == ["credentials.json"]  # no temporary files left
    path.write_text("[1]")
    assert read_json(path) is None and read_json(tmp_path / "missing.json") is None
