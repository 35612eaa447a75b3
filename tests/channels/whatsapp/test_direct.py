"""A direct answer (not from the outbox) that finds the 24-hour window closed is never lost silently: it goes as
the approved "update" template, or, without one, waits in the outbox until the resident writes again."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.base import Address, Reply
from tests.channels.whatsapp_fixtures import WaRunning, WindowClock, running_with

ANSWER = "Your question has been passed on to the municipality."


@pytest.fixture
async def wa_without_templates(tmp_path: Path, wa_env: None, wa_clock: WindowClock) -> AsyncIterator[WaRunning]:
    async with running_with(tmp_path, wa_clock, templates={}) as running:
        yield running


async def test_a_direct_answer_outside_the_window_goes_as_the_update_template(wa: WaRunning) -> None:
    anna = wa.emu.user("31611111111", "Anna")
    await wa.onboard(anna)
    wa.clock.advance(25)
    result = await wa.channel.send(Reply(text=ANSWER, address=Address("whatsapp", anna.bsuid)))
    got = await wa.reply(anna)
    assert result.ok and got.kind == "template" and got.body["template"]["name"] == "wijkbot_update"
    assert got.text == ANSWER and 131047 not in wa.emu.errors


async def test_without_a_template_a_direct_answer_waits_in_the_outbox_and_goes_when_she_writes(
        wa_without_templates: WaRunning, caplog: pytest.LogCaptureFixture) -> None:
    wa = wa_without_templates
    caplog.set_level(logging.DEBUG, logger="bot")
    anna = wa.emu.user("31611111111", "Anna")
    await wa.onboard(anna)
    wa.clock.advance(25)
    result = await wa.channel.send(Reply(text=ANSWER, address=Address("whatsapp", anna.bsuid)))
    assert not result.ok and wa.emu.messages_to(anna) == [m for m in wa.emu.messages_to(anna) if m.consumed]
    assert await wa.count("outbox", "purpose = 'answer' AND status = 'pending'") == 1  # kept, not dropped
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "window closed" in logged
    assert anna.bsuid not in logged and anna.phone not in logged and ANSWER not in logged

    await anna.send("status")  # she writes: the window opens again
    await wa.reply(anna)
    await wa.app.outbox.drain()
    await wa.handled()
    kept = await wa.reply(anna)
    assert kept.kind == "text" and kept.text == ANSWER
    assert await wa.count("outbox", "purpose = 'answer' AND status = 'sent'") == 1
