"""Kill `wijkbot run` (SIGKILL) while it sends a fan-out through WhatsApp, part of the recipients inside their
24-hour window and part outside it, start it again, and prove everyone got the message once (or, for the
messages in flight at the kill, twice) — as text or as the approved template."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from pathlib import Path

from bot.engine import outbox
from bot.store.db import Database
from tests.channels.conftest import free_port
from tests.channels.whatsapp_fixtures import (
    ACCESS_TOKEN,
    APP_SECRET,
    APPROVED,
    seed_feedback,
    start_run,
    whatsapp_toml,
)
from tests.peers.whatsapp import CloudApiEmulator
from tests.support import database_toml, database_url

RECIPIENTS = 90



def received(emu: CloudApiEmulator) -> Counter[str]:
    return Counter(m.to for m in emu.messages)


async def test_killed_mid_fan_out_then_restarted_reaches_everyone_inside_and_outside_the_window(
        tmp_path: Path, engine: str) -> None:
    port = free_port()
    async with CloudApiEmulator(app_secret=APP_SECRET, access_token=ACCESS_TOKEN, templates=dict(APPROVED),
                                webhook_url=f"http://127.0.0.1:{port}/whatsapp", throughput=30) as emu:
        users = [emu.user(f"316200{n:05d}", f"R{n}") for n in range(RECIPIENTS)]
        for user in users[::2]:
            user.last_inbound = emu.now()  # half of them wrote an hour ago (Meta's window is open) ...
        await seed_feedback(tmp_path, users)  # ... but no process has heard from anyone: all windows are unknown to it
        config = tmp_path / "config.toml"
        config.write_text(whatsapp_toml(emu, port, throughput=30, database=database_toml(tmp_path)), encoding="utf-8")

        bot = start_run(config)
        try:
            await emu.wait_until(lambda: len(emu.messages) >= RECIPIENTS // 3, 60, "a third of the fan-out")
        finally:
            os.kill(bot.pid, signal.SIGKILL)
            await asyncio.to_thread(bot.communicate, timeout=10)  # reaps it and closes its pipes
        at_kill = len(emu.messages)
        assert 0 < at_kill < RECIPIENTS  # really killed in the middle

        bot = start_run(config)
        try:
            await emu.wait_until(lambda: len(received(emu)) >= RECIPIENTS, 90, "everyone")
        finally:
            bot.send_signal(signal.SIGTERM)
            stderr = (await asyncio.to_thread(bot.communicate, timeout=30))[1].decode()
        assert bot.returncode == 0, stderr
        await emu.settle()

    counts = received(emu)
    assert set(counts) == {user.bsuid for user in users}  # everyone got it ...
    assert sum(counts.values()) - RECIPIENTS <= outbox.IN_FLIGHT_PER_CHANNEL  # ... at most the in-flight twice
    assert all(m.kind == "template" and m.body["template"]["name"] == "wijkbot_feedback" for m in emu.messages)
    assert 130429 not in emu.errors and 131047 not in emu.errors
    assert "Terugkoppeling" not in stderr and users[0].phone not in stderr
    db = Database(database_url(tmp_path))
    await db.open()
    async with db.transaction() as tx:
        # Every row sent, but for those whose answer from Meta came after the SIGTERM (they go at the next start).
        assert await tx.value("SELECT COUNT(*) FROM outbox WHERE status NOT IN ('sent', 'pending')") == 0
        sent = await tx.value("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
        assert sent >= RECIPIENTS - outbox.IN_FLIGHT_PER_CHANNEL
    await db.close()
