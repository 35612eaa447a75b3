"""The WhatsApp side at DEBUG (what `wijkbot -v` logs): no phone number, BSUID, name, words, token or app secret,
while a resident talks to the bot through signed webhooks and the Cloud API, also when sending fails."""

from __future__ import annotations

import logging

import pytest

from tests.channels.whatsapp_fixtures import ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN, WaRunning

STORY = "Bel 06-12345678: de lantaarnpaal bij de Zwanenhof knippert al weken."
PHONE = "31687651234"


async def test_a_whatsapp_conversation_logs_no_values_at_debug(
        wa: WaRunning, logging_as_with_v: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    annemieke = wa.emu.user(PHONE, "Annemieke")
    await wa.onboard(annemieke)
    await annemieke.send("share")
    await wa.press(annemieke, await wa.reply(annemieke), "Housing")
    await annemieke.send(STORY)
    await wa.reply(annemieke)
    await wa.emu.post_raw(b'{"forged": "' + PHONE.encode() + b'"}', "sha256=00")  # refused, and logged as such
    annemieke.reachable = False
    await annemieke.send("mydata")
    await wa.handled()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert any(r.levelno == logging.DEBUG for r in caplog.records) and "refused a webhook" in logged
    assert "cannot be reached (131026)" in logged
    for secret in (PHONE, PHONE[2:], annemieke.bsuid, "Annemieke", "06-12345678", "lantaarnpaal", "Zwanenhof",
                   ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN):
        assert secret not in logged, secret
