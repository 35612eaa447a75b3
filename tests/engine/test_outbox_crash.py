"""Kill the bot (SIGKILL) while it delivers a large batch to the Bot API emulator, start it again, and prove
every recipient got the message, with duplicates bounded by the messages in flight at the kill."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.harness import config_toml
from bot.channels.base import Address, Reply
from bot.clock import SystemClock
from bot.engine import outbox
from bot.services import Services
from bot.store.db import Database
from tests.channels.conftest import TOKEN
from tests.peers.botapi import BotApiEmulator
from tests.support import database_toml, database_url, make_config

RECIPIENTS = 120
FIRST_ID = 700_000


def write_config(tmp_path: Path, emu: BotApiEmulator) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(config_toml(TOKEN, emu.base_url, ("centrum",), database=database_toml(tmp_path)), encoding="utf-8")
    return path


async def seed(tmp_path: Path) -> None:
    """Residents and one queued feedback message for each, as `!feedback` would leave them."""
    config = make_config(tmp_path)
    db = Database(database_url(tmp_path))
    await db.open()
    services = Services(config=config, db=db, clock=SystemClock())
    async with db.transaction() as tx:
        for n in range(RECIPIENTS):
            chat = str(FIRST_ID + n)
            await tx.execute("INSERT INTO residents (channel, user_id, chat_id, language, neighbourhood_id,"
                             " consent_at, created_at, quiet_start, quiet_end) VALUES ('telegram', ?, ?, 'nl',"
                             " 'centrum', '2026-01-01', '2026-01-01', '00:00', '00:00')", (chat, chat))
            await outbox.enqueue(tx, services, Address("telegram", chat), Reply(text=f"Terugkoppeling {n}"),
                                 purpose="feedback")
    await db.close()


def start_bot(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def delivered(emu: BotApiEmulator) -> Counter[str]:
    return Counter(str(params["chat_id"]) for params in emu.calls_to("sendMessage")
                   if str(params.get("chat_id", "")).isdigit() and int(params["chat_id"]) >= FIRST_ID)


async def test_killed_mid_batch_then_restarted_delivers_everyone_once_or_twice(tmp_path: Path, engine: str) -> None:
    async with BotApiEmulator(token=TOKEN) as emu:
        for n in range(RECIPIENTS):
            emu.user(FIRST_ID + n, first_name=f"R{n}", started=True)
        await seed(tmp_path)
        config = write_config(tmp_path, emu)

        bot = start_bot(config)
        try:
            await emu.wait_until(lambda: len(emu.calls_to("sendMessage")) >= RECIPIENTS // 3, timeout=60)
        finally:
            os.kill(bot.pid, signal.SIGKILL)
            await asyncio.to_thread(bot.communicate, timeout=10)  # reaps it and closes its pipes
        at_kill = sum((await delivered(emu)).values())
        assert 0 < at_kill < RECIPIENTS  # really killed in the middle of the batch

        bot = start_bot(config)
        try:
            await emu.wait_until(lambda: len({str(p["chat_id"]) for p in emu.calls_to("sendMessage")}) >= RECIPIENTS,
                                 timeout=90)
        finally:
            bot.send_signal(signal.SIGTERM)
            stderr = (await asyncio.to_thread(bot.communicate, timeout=30))[1].decode()
        assert bot.returncode == 0, stderr

    counts = await delivered(emu)
    assert set(counts) == {str(FIRST_ID + n) for n in range(RECIPIENTS)}  # everyone got it
    duplicates = sum(counts.values()) - RECIPIENTS
    assert duplicates <= outbox.IN_FLIGHT_PER_CHANNEL  # at most the messages in flight at the kill
    assert "Terugkoppeling" not in stderr  # residents' words never reach the log
    db = Database(database_url(tmp_path))
    await db.open()
    async with db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM outbox WHERE status = 'sent'") == RECIPIENTS
    await db.close()
