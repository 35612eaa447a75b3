"""The Telegram side at DEBUG (what `wijkbot -v` logs): python-telegram-bot, aiohttp (webhook mode too) and
wijkbot's channel log no words, chat ids or token while a resident talks to the bot over HTTP (issue 13.10)."""

from __future__ import annotations

import logging

import pytest

from tests.channels.conftest import TOKEN, WEBHOOK_SECRET, Running

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

USER_ID = 918273645
STORY = "Bel 06-12345678: de lantaarnpaal bij de Zwanenhof knippert al weken."


async def test_a_conversation_over_the_bot_api_logs_no_values_at_debug(
        bot_any_mode: Running, logging_as_with_v: None, caplog: pytest.LogCaptureFixture) -> None:
    bot, emu = bot_any_mode, bot_any_mode.emu
    caplog.set_level(logging.DEBUG)
    annemieke = emu.user(USER_ID, "Annemieke", language_code="en")
    await bot.onboard(annemieke)
    await annemieke.send("/share")
    await bot.press(annemieke, await bot.reply(annemieke), "Housing")
    await annemieke.send(STORY)
    await bot.reply(annemieke)  # where is this?
    await annemieke.send("/mydata")
    assert (await bot.reply(annemieke)).text  # the answer came
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert any(record.levelno == logging.DEBUG for record in caplog.records)
    for secret in (str(USER_ID), "Annemieke", "06-12345678", "lantaarnpaal", "Zwanenhof", TOKEN, WEBHOOK_SECRET,
                   TOKEN.split(":")[1]):
        assert secret not in logged, secret
