"""The real App with the WhatsApp channel, over HTTP against the Cloud API emulator (``tests/peers/whatsapp.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.harness import config_toml
from bot.app import App
from bot.channels.base import Actor, Address, Incoming, Reply
from bot.channels.whatsapp import WhatsAppChannel
from bot.clock import SystemClock
from bot.config import Config
from bot.engine import outbox
from bot.services import Services
from bot.store.db import Database
from handlers.commands import command_table
from tests.peers.whatsapp import CloudApiEmulator, StoredMessage, WaUser
from tests.support import database_url, make_config

APP_SECRET = "test-app-secret-0123456789abcdef"
ACCESS_TOKEN = "EAAtesttokenwijkbot0123456789"
VERIFY_TOKEN = "verify-token-wijkbot-42"
BUSINESS_NUMBER = "+31 20 123 4567"
KINDS = ("feedback", "digest", "poll", "poll_results", "introduction", "relay_answer", "update")
APPROVED = {(f"wijkbot_{kind}", language): "{{1}}" for kind in KINDS for language in ("nl", "en", "tr", "ar", "pl")}


class WindowClock:
    """Epoch seconds that tests move by hand; the channel's 24-hour window and the emulator share it."""

    def __init__(self) -> None:
        self.at = time.time()

    def __call__(self) -> float:
        return self.at

    def advance(self, hours: float) -> None:
        self.at += hours * 3600


def whatsapp_section(emu: CloudApiEmulator, port: int, **extra: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "phone_number_id": emu.phone_number_id, "access_token": "env:WIJKBOT_TEST_WA_TOKEN",
        "app_secret": "env:WIJKBOT_TEST_WA_SECRET", "verify_token": VERIFY_TOKEN, "phone_number": BUSINESS_NUMBER,
        "webhook_listen": "127.0.0.1", "webhook_port": port, "api_base_url": emu.base_url,
        "templates": {language: {kind: f"wijkbot_{kind}" for kind in KINDS}
                      for language in ("nl", "en", "tr", "ar", "pl")}}
    section.update(extra)
    return section


@dataclass
class WaRunning:
    emu: CloudApiEmulator
    app: App
    channel: WhatsAppChannel
    config: Config
    clock: WindowClock

    async def count(self, table: str, where: str = "1 = 1") -> int:
        async with self.app.db.transaction() as tx:
            return int(await tx.value(f"SELECT COUNT(*) FROM {table} WHERE {where}"))

    async def reply(self, user: WaUser, wait: float = 5.0) -> StoredMessage:
        return await self.emu.wait_for_message(user, wait)

    async def handled(self) -> None:
        """Wait until the webhooks delivered so far (and the status webhooks they caused) are handled, and the
        replies sent meanwhile are settled (a turn's replies are kept with it until sent: bot/engine/replies.py),
        as tests/channels/telegram/test_forget.py's ``settled`` does."""
        for _ in range(2):  # a reply sent while a webhook was handled can bring a status webhook of its own
            await self.emu.settle()
            await self.channel.webhook.idle()
            await self.app.held.flush()

    async def overview(self) -> str:
        """What an organiser's ``!queue`` answers in the moderation room."""
        [overview] = await self.app.dispatch(Incoming(
            actor=Actor("matrix", "@organiser:localhost"), moderator=True, command="queue",
            address=Address("matrix", "!mod-centrum:localhost", private=False)))
        return overview.text

    async def press(self, user: WaUser, message: StoredMessage, label: str) -> StoredMessage:
        await user.press(message, label)
        return await self.reply(user)

    async def onboard(self, user: WaUser, neighbourhood: str = "Centrum", language: str = "English") -> None:
        await user.send("start")
        question = await self.press(user, await self.reply(user), language)  # no language hint on WhatsApp
        question = await self.press(user, question, neighbourhood)
        welcome = await self.press(user, question, "Yes, I agree")
        assert "welcome" in welcome.text.lower(), welcome.text
        await self.handled()
        for message in self.emu.messages_to(user):
            message.consumed = True


def make_wa_config(tmp_path: Path, emu: CloudApiEmulator, port: int, **extra: Any) -> Config:
    return make_config(tmp_path, whatsapp=whatsapp_section(emu, port, **extra))


async def start_wa(emu: CloudApiEmulator, config: Config, clock: WindowClock) -> WaRunning:
    channel = WhatsAppChannel(config, command_table(), now=clock, retry_delays=(0.01, 0.02))
    app = App(config, [channel])
    await app.start(background=False)
    return WaRunning(emu, app, channel, config, clock)


@pytest.fixture
def wa_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKBOT_TEST_WA_TOKEN", ACCESS_TOKEN)
    monkeypatch.setenv("WIJKBOT_TEST_WA_SECRET", APP_SECRET)


@pytest.fixture
def wa_clock() -> WindowClock:
    return WindowClock()


@asynccontextmanager
async def running_with(tmp_path: Path, clock: WindowClock, **extra: Any) -> AsyncIterator[WaRunning]:
    """The App with the WhatsApp channel against a fresh emulator; ``extra`` changes the ``[whatsapp]`` section."""
    from tests.channels.conftest import free_port  # conftest imports this module's fixtures

    port = free_port()
    async with CloudApiEmulator(app_secret=APP_SECRET, access_token=ACCESS_TOKEN, templates=dict(APPROVED),
                                webhook_url=f"http://127.0.0.1:{port}/whatsapp", now=clock) as emu:
        running = await start_wa(emu, make_wa_config(tmp_path, emu, port, **extra), clock)
        try:
            yield running
        finally:
            await running.handled()
            await running.app.stop()


@pytest.fixture
async def wa(tmp_path: Path, wa_env: None, wa_clock: WindowClock, engine: str) -> AsyncIterator[WaRunning]:
    async with running_with(tmp_path, wa_clock) as running:
        yield running


def whatsapp_toml(emu: CloudApiEmulator, port: int, throughput: int = 80, database: str = 'path = "wijkbot.sqlite3"'
                  ) -> str:
    """A whole config.toml with only the WhatsApp channel, for `wijkbot run` in a subprocess (crash test, benchmark);
    the secrets come from WIJKBOT_TEST_WA_TOKEN and WIJKBOT_TEST_WA_SECRET (:data:`SUBPROCESS_ENV`)."""
    templates = "".join(f"[whatsapp.templates.{language}]\n" + "".join(f'{kind} = "wijkbot_{kind}"\n' for kind in KINDS)
                        for language in ("nl", "en", "tr", "ar", "pl"))
    section = (f'[whatsapp]\nphone_number_id = "{emu.phone_number_id}"\naccess_token = "env:WIJKBOT_TEST_WA_TOKEN"\n'
               f'app_secret = "env:WIJKBOT_TEST_WA_SECRET"\nverify_token = "{VERIFY_TOKEN}"\nwebhook_port = {port}\n'
               f'api_base_url = "{emu.base_url}"\nthroughput = {throughput}\n{templates}')
    return config_toml("", "", ("centrum",), channel=section, database=database)


async def seed_feedback(directory: Path, users: list[WaUser], *, residents: bool = True) -> None:
    """WhatsApp residents (unless ``residents=False``: they are there) and one queued feedback message for each,
    as `!feedback` would leave them, in the database of a `wijkbot run` that is not running."""
    db = Database(database_url(directory))
    await db.open()
    services = Services(config=make_config(directory), db=db, clock=SystemClock())
    async with db.transaction() as tx:
        for n, user in enumerate(users):
            if residents:
                await tx.execute("INSERT INTO residents (channel, user_id, chat_id, language, neighbourhood_id,"
                                 " consent_at, created_at, quiet_start, quiet_end) VALUES ('whatsapp', ?, ?, 'nl',"
                                 " 'centrum', '2026-01-01', '2026-01-01', '00:00', '00:00')",
                                 (user.bsuid, user.bsuid))
            await outbox.enqueue(tx, services, Address("whatsapp", user.bsuid), Reply(text=f"Terugkoppeling {n}"),
                                 purpose="feedback")
    await db.close()


SUBPROCESS_ENV = {"WIJKBOT_TEST_WA_TOKEN": ACCESS_TOKEN, "WIJKBOT_TEST_WA_SECRET": APP_SECRET}


def start_run(config: Path) -> subprocess.Popen[bytes]:
    """`wijkbot run` in a subprocess (crash tests): its stderr is read when it has stopped."""
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **SUBPROCESS_ENV})
