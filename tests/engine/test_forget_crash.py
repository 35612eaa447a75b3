"""/forget's removals survive a crash: the bot (a real `wijkbot run` process, Telegram against the Bot API
emulator) commits the erasure, cannot reach Telegram's deleteMessage yet, and is killed with SIGKILL. Started
again, it deletes the group post all the same: the removal was an outbox row written with the erasure."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import telegram

from bench.harness import config_toml
from bot.store.db import Database
from tests.channels.conftest import TOKEN
from tests.peers.botapi import BotApiEmulator
from tests.support import database_toml, database_url

CHAT = 7001234
GROUP = -100123
WORDS = "lantaarnpalen"


def start_bot(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def seed(tmp_path: Path, group_message: int, now: str) -> None:
    """A resident whose approved story the bot posted in the group (as the outbox's hook remembers it)."""
    db = Database(database_url(tmp_path))
    await db.open()
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO residents (id, channel, user_id, chat_id, language, neighbourhood_id,"
                         " consent_at, created_at) VALUES (1, 'telegram', ?, ?, 'en', 'centrum', ?, ?)",
                         (str(CHAT), str(CHAT), now, now))
        await tx.execute("INSERT INTO experiences (id, reference, resident_id, neighbourhood_id, theme, text,"
                         " text_public, author_name, language, status, created_at) VALUES (1, 'W-2026-0001', 1,"
                         " 'centrum', 'safety', ?, ?, 'Marieke', 'en', 'approved', ?)", (WORDS, WORDS, now))
        await tx.execute("INSERT INTO story_posts (channel, chat_id, message_id, private, experience_id, purpose,"
                         " named, posted_at) VALUES ('telegram', ?, ?, 0, 1, 'publish', 1, ?)",
                         (str(GROUP), str(group_message), now))
    await db.close()


async def test_a_removal_queued_by_forget_survives_sigkill(tmp_path: Path, engine: str) -> None:
    async with BotApiEmulator(token=TOKEN) as emu:
        group = emu.group(GROUP, "Centrum buurt")
        resident = emu.user(CHAT, first_name="Marieke", language_code="en", started=True)
        async with telegram.Bot(TOKEN, base_url=emu.base_url) as ptb:
            post = await ptb.send_message(GROUP, f"A story from Centrum: {WORDS} — Marieke")
        await seed(tmp_path, post.message_id, datetime.now(UTC).isoformat(timespec="seconds"))
        config = tmp_path / "config.toml"
        config.write_text(config_toml(TOKEN, emu.base_url, ("centrum",), database=database_toml(tmp_path))
                          + 'telegram_chat = "-100123"\n',
                          encoding="utf-8")
        emu.fail_next("deleteMessage", 500, count=1000)  # Telegram's side is failing for now

        bot = start_bot(config)
        try:
            await resident.send("/forget")
            question = await emu.wait_for_message(resident, timeout=30)
            await resident.press_button(question, "Erase me and my stories")
            done = await emu.wait_for_message(resident, lambda m: "erased your data" in (m.text or ""), timeout=30)
            assert "1 message with your stories is being removed" in (done.text or "")
            await emu.wait_until(lambda: len(emu.calls_to("deleteMessage")) >= 1, timeout=30)
        finally:
            os.kill(bot.pid, signal.SIGKILL)
            await asyncio.to_thread(bot.communicate, timeout=10)  # reaps it and closes its pipes
        assert not emu.message(GROUP, post.message_id).deleted

        emu.clear_faults()  # Telegram is back
        bot = start_bot(config)
        try:
            await emu.wait_until(lambda: emu.message(GROUP, post.message_id).deleted, timeout=90)
        finally:
            bot.send_signal(signal.SIGTERM)
            stderr = (await asyncio.to_thread(bot.communicate, timeout=30))[1].decode()
        assert bot.returncode == 0, stderr
        assert not any(WORDS in (m.text or "") for m in emu.messages(group))
    assert WORDS not in stderr and str(CHAT) not in stderr
    db = Database(database_url(tmp_path))
    await db.open()
    async with db.transaction() as tx:
        assert await tx.value("SELECT status FROM outbox WHERE purpose = 'delete'") == "sent"
        assert await tx.value("SELECT COUNT(*) FROM residents") == 0
    await db.close()
