"""The Bot API emulator with python-telegram-bot's own Application: long polling, a webhook, and the webhook's
retries of failed deliveries."""

from __future__ import annotations

from typing import Any

import pytest
import telegram
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Conflict
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from tests.peers.botapi import BotApiEmulator, EmuUser
from tests.peers.conftest import TOKEN, free_port

pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

# ------------------------------------------------------------------- Application


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Doe mee", callback_data="join")]])
    await update.effective_message.reply_text(f"Welkom in {' '.join(context.args or [])}!", reply_markup=keyboard)


async def _join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Gelukt")
    await query.edit_message_text("Je doet mee")


def _application(emu: BotApiEmulator) -> Application[Any, Any, Any, Any, Any, Any]:
    app = Application.builder().token(TOKEN).base_url(emu.base_url).base_file_url(emu.base_file_url).build()
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(_join))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    return app


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(update.effective_message.text.upper())


async def _conversation(emu: BotApiEmulator) -> None:
    anna = emu.user(id=1001, first_name="Anna", language_code="nl")
    await anna.send("/start nieuwwest")
    welcome = await emu.wait_for_message(anna)
    assert welcome.text == "Welkom in nieuwwest!"
    query_id = await anna.press_button(welcome, "Doe mee")
    assert (await emu.wait_for_answer(query_id)).text == "Gelukt"
    await emu.wait_until(lambda: emu.message(anna, welcome.message_id).text == "Je doet mee", 5)
    await anna.send("hallo")
    assert (await emu.wait_for_message(anna)).text == "HALLO"
    await emu.wait_confirmed()


@pytest.mark.asyncio
async def test_application_polling(emu: BotApiEmulator) -> None:
    app = _application(emu)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        await _conversation(emu)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert emu.calls_to("deleteWebhook"), "PTB bootstraps polling with deleteWebhook"
    assert emu.pending_updates == []  # PTB's last getUpdates on stop confirmed everything


@pytest.mark.asyncio
async def test_application_webhook(emu: BotApiEmulator) -> None:
    app = _application(emu)
    port = free_port()
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="telegram", secret_token="geheim-123")
    try:
        info = await app.bot.get_webhook_info()
        assert info.url == f"http://127.0.0.1:{port}/telegram" and info.pending_update_count == 0
        with pytest.raises(Conflict, match=r"(?i)can't use getUpdates method while webhook is active"):
            await app.bot.get_updates()
        await _conversation(emu)
        assert emu.stats["webhook_delivered"] >= 3 and emu.stats["webhook_errors"] == 0
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


@pytest.mark.asyncio
async def test_webhook_retries_failed_deliveries(emu: BotApiEmulator, bot: telegram.Bot, anna: EmuUser) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(status=500 if len(received) == 1 else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await anna.send("eerste")
        assert await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        await emu.wait_confirmed()
        assert [secret for secret, _ in received] == ["s3cret", "s3cret"]
        assert received[0][1] == received[1][1] and received[0][1]["message"]["text"] == "eerste"
        info = await bot.get_webhook_info()
        assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
    finally:
        await runner.cleanup()


# --------------------------------------------------------------------- formatting
