"""A resident's reply survives a crash: `wijkbot run` killed (SIGKILL) after a turn committed but before its answer
reached the Bot API emulator, then started again, delivers that answer exactly once; a normal run (stopped and
started again) delivers it exactly once too."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from bench.harness import config_toml
from bot.store.db import Database
from tests.channels.conftest import TOKEN
from tests.peers.botapi import BotApiEmulator
from tests.support import database_toml, database_url

ANNA = 4242


def start_bot(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def stop_bot(bot: subprocess.Popen[bytes]) -> str:
    bot.send_signal(signal.SIGTERM)
    stderr = (await asyncio.to_thread(bot.communicate, timeout=30))[1].decode()
    assert bot.returncode == 0, stderr
    return stderr


async def reply_rows(folder: Path) -> list[tuple[str, str]]:
    """(status, chat) of every kept turn reply, read from the database as an auditor would."""
    db = Database(database_url(folder))
    await db.open()
    try:
        async with db.transaction() as tx:
            return [tuple(row) for row in await tx.all("SELECT status, chat_id FROM outbox WHERE purpose = 'reply'")]
    finally:
        await db.close()


async def test_killed_between_commit_and_send_the_answer_arrives_once_after_the_restart(tmp_path: Path,
                                                                                        engine: str) -> None:
    config = tmp_path / "config.toml"
    async with BotApiEmulator(token=TOKEN) as emu:
        config.write_text(config_toml(TOKEN, emu.base_url, database=database_toml(tmp_path)), encoding="utf-8")
        anna = emu.user(ANNA, first_name="Anna", language_code="nl")
        # The answer's sendMessage reaches the emulator but takes effect only later; the kill closes the
        # connection first, so Telegram never shows it (aiohttp cancels the handler of a closed connection).
        emu.delay_next("sendMessage", 60, before=True)
        bot = start_bot(config)
        try:
            await anna.send("/start")
            await emu.wait_until(lambda: emu.calls_to("sendMessage"), timeout=60, what="the answer to be sent")
        finally:
            os.kill(bot.pid, signal.SIGKILL)
            await asyncio.to_thread(bot.communicate, timeout=10)  # reaps it and closes its pipes
        assert emu.messages(anna) == []  # the resident has no answer
        assert await reply_rows(tmp_path) == [("held", str(ANNA))]  # but the turn kept it

        bot = start_bot(config)
        try:
            # Telegram delivers /start again (never confirmed): it was handled, so it is dropped. Updates of one
            # chat are handled in order, so once /help is answered the redelivered /start is done with.
            await anna.send("/help")
            await emu.wait_until(lambda: len(emu.messages(anna)) >= 2, timeout=60, what="both answers")
        finally:
            stderr = await stop_bot(bot)
        texts = [message.text or "" for message in emu.messages(anna)]
    assert len(texts) == 2, texts  # the kept answer to /start once, the answer to /help once
    assert sum("/share" in text or "/delen" in text for text in texts) == 1  # only /help lists the commands
    assert await reply_rows(tmp_path) == []  # sent by the dispatcher, then deleted
    assert str(ANNA) not in stderr


async def test_a_normal_run_answers_once_and_a_restart_sends_nothing_again(tmp_path: Path, engine: str) -> None:
    config = tmp_path / "config.toml"
    async with BotApiEmulator(token=TOKEN) as emu:
        config.write_text(config_toml(TOKEN, emu.base_url, database=database_toml(tmp_path)), encoding="utf-8")
        anna = emu.user(ANNA, first_name="Anna", language_code="nl")
        bot = start_bot(config)
        try:
            await anna.send("/start")
            await emu.wait_for_message(anna, timeout=60)
        finally:
            await stop_bot(bot)
        assert await reply_rows(tmp_path) == []  # sent, so deleted: its words are not kept

        bot = start_bot(config)
        try:
            await anna.send("/help")
            await emu.wait_until(lambda: len(emu.messages(anna)) >= 2, timeout=60, what="the second answer")
        finally:
            await stop_bot(bot)
        assert len(emu.messages(anna)) == 2
    assert await reply_rows(tmp_path) == []
