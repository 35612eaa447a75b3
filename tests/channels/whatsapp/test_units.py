"""The WhatsApp adapter's pure parts: widgets and their limits, template parameters, webhook parsing, signatures,
typed commands, wa.me links, and the template list for Meta that must stay in step with the catalogs."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from bot.channels.base import Choice
from bot.channels.callback import derive_secret, verify
from bot.channels.whatsapp import render, templates
from bot.channels.whatsapp.links import wa_me
from bot.channels.whatsapp.webhook import Inbound, Status, parse, signature_ok
from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import Translator

ROOT = Path(__file__).resolve().parents[3]
SECRET = derive_secret("app-secret")


def choices(*labels: str) -> list[Choice]:
    return [Choice(f"k{n}", label) for n, label in enumerate(labels)]


def test_three_short_options_are_reply_buttons_with_signed_ids() -> None:
    [message] = render.widget("Do you agree?", choices("Yes", "No"), SECRET, "NL.123", 4, "Options")
    buttons = message["interactive"]["action"]["buttons"]
    assert message["interactive"]["type"] == "button" and [b["reply"]["title"] for b in buttons] == ["Yes", "No"]
    pressed = verify(SECRET, "NL.123", buttons[0]["reply"]["id"])
    assert pressed is not None and (pressed.key, pressed.turn) == ("k0", 4)
    assert verify(SECRET, "NL.999", buttons[0]["reply"]["id"]) is None  # someone else's press


def test_long_labels_or_more_options_make_a_list_and_more_than_ten_a_numbered_text() -> None:
    [listed] = render.widget("Theme?", choices("Growing up and upbringing", "Housing"), SECRET, "1", 1, "Opties")
    rows = listed["interactive"]["action"]["sections"][0]["rows"]
    assert listed["interactive"]["type"] == "list" and listed["interactive"]["action"]["button"] == "Opties"
    assert rows[0]["title"] == "Growing up and upbringi…" and rows[0]["description"] == "Growing up and upbringing"
    assert all(len(r["title"]) <= render.ROW_TITLE for r in rows)
    [many] = render.widget("Pick", choices(*(f"Option {n}" for n in range(11))), SECRET, "1", 1, "Opties")
    assert many["type"] == "text" and "11. Option 10" in many["text"]["body"]


def test_a_long_text_with_options_is_split_and_the_options_come_with_its_end() -> None:
    text = "\n\n".join(f"Paragraph {n}. " + "word " * 150 for n in range(8))  # about 6,000 characters
    messages = render.widget(text, choices("Yes", "No"), SECRET, "1", 1, "Options")
    assert [m["type"] for m in messages][-1] == "interactive"
    assert all(len(m["text"]["body"]) <= render.TEXT_LIMIT for m in messages[:-1])
    assert len(messages[-1]["interactive"]["body"]["text"]) <= render.BODY_LIMIT
    rebuilt = " ".join([*(m["text"]["body"] for m in messages[:-1]), messages[-1]["interactive"]["body"]["text"]])
    assert rebuilt.split() == text.split()  # nothing lost, nothing doubled


def test_template_parameters_have_no_newlines_tabs_or_runs_of_spaces() -> None:
    value = render.parameter("Line one\n\nLine two\twith a tab and      spaces")
    assert "\n" not in value and "\t" not in value and "     " not in value
    assert value == "Line one · Line two · with a tab and spaces"
    assert len(render.parameter("x" * 5000)) == render.PARAMETER_LIMIT


def test_recipients_go_by_bsuid_where_there_is_one() -> None:
    assert render.recipient("NL.1502576394655843") == {"recipient_type": "individual",
                                                        "recipient": "NL.1502576394655843"}
    assert render.recipient("31612345678") == {"recipient_type": "individual", "to": "31612345678"}


def test_webhooks_are_parsed_with_or_without_a_phone_number() -> None:
    body = {"entry": [{"changes": [{"value": {
        "contacts": [{"profile": {"name": "Anna"}, "user_id": "NL.1"}],
        "messages": [{"from_user_id": "NL.1", "id": "wamid.A", "type": "text", "text": {"body": "hoi"}},
                     {"from": "NL.1", "id": "wamid.R", "type": "reaction", "reaction": {"emoji": "👍"}},
                     {"from": "31612345678", "id": "wamid.B", "type": "interactive",
                      "interactive": {"type": "list_reply", "list_reply": {"id": "1:k:mac", "title": "x"}}}],
        "statuses": [{"id": "wamid.C", "status": "failed", "recipient_user_id": "NL.1",
                      "errors": [{"code": 131026}]}]}}]}]}
    assert parse(body) == [Inbound("wamid.A", "NL.1", "Anna", "text", text="hoi"),
                           Inbound("wamid.B", "31612345678", None, "interactive", reply_id="1:k:mac"),
                           Status("wamid.C", "failed", "NL.1", (131026,))]


def test_signatures_are_checked_with_the_app_secret() -> None:
    body = b'{"entry": []}'
    good = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert signature_ok("s3cret", body, good)
    assert not signature_ok("other", body, good) and not signature_ok("s3cret", body + b" ", good)
    assert not signature_ok("s3cret", body, None) and not signature_ok("s3cret", body, good[7:])


def test_wa_me_links_carry_the_start_phrase() -> None:
    assert wa_me("+31 20 123 4567", "centrum") == "https://wa.me/31201234567?text=start%20centrum"


def test_the_list_button_label_fits_in_every_language() -> None:
    for language in SUPPORTED_LANGUAGES:
        assert 0 < len(Translator(language)._(render.LIST_LABEL)) <= render.LIST_BUTTON


def test_the_template_list_for_meta_is_in_step_with_the_catalogs() -> None:
    assert (ROOT / "docs" / "whatsapp-templates.md").read_text(encoding="utf-8") == templates.markdown(), (
        "run: python -m bot.channels.whatsapp.templates > docs/whatsapp-templates.md")
    for kind in templates.BODIES:
        for language in SUPPORTED_LANGUAGES:
            body = templates.body(kind, language)
            assert body.count("{{1}}") == 1 and not body.startswith("{{1}}") and not body.endswith("{{1}}")
            if language != "en":
                assert body != templates.body(kind, "en"), (kind, language)  # translated, not left in English
