"""Meta does not redeliver a webhook that got a 200: a message the bot acknowledged but had not handled when
`wijkbot run` was killed (SIGKILL) is handled after the restart, exactly once, from the durable inbox.

The message is held deterministically between the 200 and its turn: the flood gate holds a resident's second
message for an hour (``flood_messages = 1`` per ``flood_seconds = 3600``), in memory only, as it would hold the
last message of a burst."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from pathlib import Path

import pytest

from bot.store.db import Database
from tests.channels.conftest import free_port
from tests.channels.whatsapp_fixtures import (
    ACCESS_TOKEN,
    APP_SECRET,
    APPROVED,
    WaRunning,
    seed_feedback,
    start_run,
    whatsapp_toml,
)
from tests.peers.whatsapp import CloudApiEmulator
from tests.support import database_toml, database_url


async def inbox_rows(directory: Path) -> int:
    db = Database(database_url(directory))
    await db.open()
    async with db.transaction() as tx:
        count = int(await tx.value("SELECT COUNT(*) FROM inbox"))
    await db.close()
    return count


async def settled(directory: Path) -> None:
    """Wait until no reply kept with its turn still waits to be confirmed sent (about half a second after it went
    out): a reply sent just before a crash may arrive twice (README, *Architecture*), which this test is not about."""
    for _ in range(400):
        db = Database(database_url(directory))
        await db.open()
        async with db.transaction() as tx:
            held = int(await tx.value("SELECT COUNT(*) FROM outbox WHERE status = 'held'"))
        await db.close()
        if not held:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot never confirmed its answers sent")


async def test_a_message_acknowledged_but_not_handled_at_a_sigkill_is_answered_once_after_the_restart(
        tmp_path: Path, engine: str) -> None:
    port = free_port()
    async with CloudApiEmulator(app_secret=APP_SECRET, access_token=ACCESS_TOKEN, templates=dict(APPROVED),
                                webhook_url=f"http://127.0.0.1:{port}/whatsapp") as emu:
        anna, bea = emu.user("31611111111", "Anna"), emu.user("31622222222", "Bea")
        await seed_feedback(tmp_path, [bea])  # Bea's queued message tells the test that the bot is up
        config = tmp_path / "config.toml"
        config.write_text(whatsapp_toml(emu, port, database=database_toml(tmp_path)).replace(
            "[limits]\nflood_messages = 0\n", "[limits]\nflood_messages = 1\nflood_seconds = 3600\n"), encoding="utf-8")

        bot = start_run(config)
        try:
            await emu.wait_until(lambda: emu.messages_to(bea), 30, "the bot to start")
            await anna.send("start")
            language = await emu.wait_for_message(anna, 10)  # her first message: answered at once
            await anna.send("start")  # her second: acknowledged, then held by the flood gate ...
            assert emu.webhook_answers[-1] == 200
            slow_down = await emu.wait_for_message(anna, 10)  # ... with a "slow down" and no answer yet
            assert len(emu.messages_to(anna)) == 2
            await settled(tmp_path)  # her first answer is confirmed sent: only the held message is at stake
        finally:
            os.kill(bot.pid, signal.SIGKILL)
            await asyncio.to_thread(bot.communicate, timeout=10)
        assert await inbox_rows(tmp_path) == 1  # the acknowledged, unhandled message survived the kill

        bot = start_run(config)
        try:
            answer = await emu.wait_for_message(anna, 30)  # handled from the inbox at start
        finally:
            bot.send_signal(signal.SIGTERM)
            stderr = (await asyncio.to_thread(bot.communicate, timeout=30))[1].decode()
        assert bot.returncode == 0, stderr
        await emu.settle()

    assert answer.text == language.text and answer.labels() == language.labels()  # the same question again
    assert slow_down.text != language.text
    assert len(emu.messages_to(anna)) == 3  # exactly once: no second answer to either message
    assert await inbox_rows(tmp_path) == 0
    assert anna.bsuid not in stderr and anna.phone not in stderr


async def test_a_webhook_whose_messages_cannot_be_kept_is_not_acknowledged_and_meta_tries_again(
        wa: WaRunning, monkeypatch: pytest.MonkeyPatch) -> None:
    anna = wa.emu.user("31611111111", "Anna")
    real_keep = wa.app.inbox_keep

    async def broken(channel: str, items: list[tuple[str, str]]) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(wa.app, "inbox_keep", broken)
    await anna.send("start")
    assert wa.emu.webhook_answers[-1] == 503  # not 200: Meta delivers it again later
    await wa.handled()
    assert wa.emu.messages_to(anna) == []  # nothing was handled from a message that was not kept

    monkeypatch.setattr(wa.app, "inbox_keep", real_keep)
    assert await wa.emu.post_raw(wa.emu.webhooks[-1], wa.emu.sign(wa.emu.webhooks[-1])) == 200  # Meta's retry
    assert (await wa.reply(anna)).labels()  # the language question
    await wa.handled()
    assert await wa.count("inbox") == 0  # handled, and gone with its turn
