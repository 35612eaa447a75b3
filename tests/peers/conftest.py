"""The Bot API emulator with the unmodified python-telegram-bot client, for the emulator's own tests."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest_asyncio
import telegram

from tests.peers.botapi import BotApiEmulator, EmuUser

TOKEN = "123456:TEST"
USERNAME = "wijkbot_test_bot"


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, username=USERNAME) as emulator:
        yield emulator


@pytest_asyncio.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as client:
        yield client


@pytest_asyncio.fixture
async def anna(emu: BotApiEmulator) -> EmuUser:
    user = emu.user(id=1001, first_name="Anna", language_code="nl")
    await user.send("/start")
    emu.drop_pending_updates()  # tests below start from an empty queue
    return user


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
