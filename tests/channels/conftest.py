"""Fixtures for the Telegram channel: the Bot API emulator and the real App with a TelegramChannel on top of it."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.config import Config
from bot.i18n import LANGUAGE_NAMES
from handlers.commands import translated_menu
from tests.peers.botapi import BotApiEmulator, EmuUser, StoredMessage
from tests.support import make_config

TOKEN = "123456:TEST-token_abcdefghij"
BOT_USERNAME = "wijkbot_test_bot"
WEBHOOK_SECRET = "webhook-secret_42"
FAST_RETRIES = (0.01, 0.02, 0.05)  # the channel's backoff, shortened: tests wait on events, not on the clock


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def telegram_section(emu: BotApiEmulator, mode: str = "polling", **extra: Any) -> dict[str, Any]:
    section: dict[str, Any] = {"token": TOKEN, "api_base_url": emu.base_url, "mode": mode}
    if mode == "webhook":
        port = free_port()
        section.update(webhook_listen="127.0.0.1", webhook_port=port,
                       webhook_url=f"http://127.0.0.1:{port}/telegram", webhook_secret=WEBHOOK_SECRET)
    section.update(extra)
    return section


def make_channel(config: Config, **options: Any) -> TelegramChannel:
    options.setdefault("retry_delays", FAST_RETRIES)
    options.setdefault("timeout", 2.0)
    options.setdefault("poll_timeout", 5.0)
    return TelegramChannel(config, translated_menu(config.languages), **options)


@dataclass
class Running:
    """The whole bot (App + TelegramChannel) talking HTTP to the emulator."""

    emu: BotApiEmulator
    app: App
    channel: TelegramChannel
    config: Config

    async def count(self, table: str) -> int:
        async with self.app.db.transaction() as tx:
            return int(await tx.value(f"SELECT COUNT(*) FROM {table}"))

    async def row(self, sql: str, *params: Any) -> dict[str, Any] | None:
        async with self.app.db.transaction() as tx:
            found = await tx.one(sql, params)
        return None if found is None else dict(found)

    async def reply(self, user: EmuUser, wait: float = 5.0) -> StoredMessage:
        return await self.emu.wait_for_message(user.chat.id, timeout=wait)

    async def press(self, user: EmuUser, message: StoredMessage, label: str) -> StoredMessage:
        """Press a button and return the bot's answer: the pressed message with the answer edited in (it then
        starts with "➜ <label>"), or else the next message the bot sends."""
        pressed = self.emu.message(message.chat_id, message.message_id)
        before = pressed.text
        await user.press_button(message, label)
        chat = self.emu.chat(user.chat.id)

        def answered() -> StoredMessage | None:
            fresh = next((m for m in chat.messages.values() if m.from_bot and not m.consumed), None)
            if fresh is not None:
                fresh.consumed = True
                return fresh
            in_place = pressed.text != before and (pressed.text or "").startswith(f"➜ {label}\n\n")
            return pressed if in_place else None

        return await self.emu.wait_until(answered, 5.0, what=f"the answer to pressing {label!r}")

    async def onboard(self, user: EmuUser, neighbourhood: str = "Centrum", language: str = "English") -> None:
        """/start, language, neighbourhood and consent by buttons; ends at the menu. The bot starts in the app's
        language when it is offered; another language is then chosen with the 🌐 button."""
        await user.send("/start")
        question = await self.reply(user)
        if language not in question.button_labels():
            if LANGUAGE_NAMES.get((user.language_code or "")[:2]) != language:
                change = next(label for label in question.button_labels() if label.startswith("🌐"))
                question = await self.press(user, await self.press(user, question, change), language)
        else:
            question = await self.press(user, question, language)
        if neighbourhood:
            question = await self.press(user, question, neighbourhood)
        await self.press(user, question, "Yes, I agree")  # "Thank you, welcome!" and the menu, in one message


async def start_bot(emu: BotApiEmulator, config: Config, **options: Any) -> Running:
    channel = make_channel(config, **options)
    app = App(config, [channel])
    await app.start(background=False)
    return Running(emu, app, channel, config)


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, username=BOT_USERNAME) as emulator:
        yield emulator


@pytest.fixture(params=["polling", "webhook"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def bot(tmp_path: Path, emu: BotApiEmulator, engine: str) -> AsyncIterator[Running]:
    """The bot in long-polling mode."""
    running = await start_bot(emu, make_config(tmp_path, telegram=telegram_section(emu)))
    yield running
    await running.app.stop()


@pytest.fixture
async def bot_any_mode(tmp_path: Path, emu: BotApiEmulator, mode: str, engine: str) -> AsyncIterator[Running]:
    """The bot in long-polling mode and in webhook mode (the test runs once for each)."""
    running = await start_bot(emu, make_config(tmp_path, telegram=telegram_section(emu, mode)))
    yield running
    await running.app.stop()


from tests.channels.whatsapp_fixtures import wa, wa_clock, wa_env  # noqa: E402, F401  (the WhatsApp fixtures)
