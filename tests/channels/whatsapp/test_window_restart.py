"""WhatsApp's 24-hour window survives a restart: the database keeps the hour each resident last wrote (rounded
down), so queued messages go free-form to those who wrote within 24 hours and as templates to the others, after a
clean restart and after a SIGKILL, with the emulator failing any free-form message outside Meta's window (131047)."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

from bot.channels.whatsapp.pacing import hour_of
from bot.store.db import Database
from tests.channels.conftest import free_port
from tests.channels.whatsapp.test_window import queue
from tests.channels.whatsapp_fixtures import (
    ACCESS_TOKEN,
    APP_SECRET,
    APPROVED,
    WindowClock,
    make_wa_config,
    seed_feedback,
    start_run,
    start_wa,
    whatsapp_toml,
)
from tests.peers.whatsapp import CloudApiEmulator
from tests.support import database_toml, database_url


def iso_hour(moment: float) -> str:
    return datetime.fromtimestamp(hour_of(moment), UTC).isoformat(timespec="seconds")


async def stored_hours(directory: Path) -> dict[str, str | None]:
    db = Database(database_url(directory))
    await db.open()
    async with db.transaction() as tx:
        rows = await tx.all("SELECT user_id, last_message_hour FROM residents", ())
    await db.close()
    return {row["user_id"]: row["last_message_hour"] for row in rows}


async def test_after_a_restart_the_bot_still_knows_whose_window_is_open(tmp_path: Path, wa_env: None,
                                                                        engine: str) -> None:
    clock = WindowClock()
    clock.at = hour_of(clock.at) + 20 * 60  # twenty past the hour
    port = free_port()
    async with CloudApiEmulator(app_secret=APP_SECRET, access_token=ACCESS_TOKEN, templates=dict(APPROVED),
                                now=clock, webhook_url=f"http://127.0.0.1:{port}/whatsapp") as emu:
        config = make_wa_config(tmp_path, emu, port)
        wa = await start_wa(emu, config, clock)
        anna, bob = emu.user("31611111111", "Anna"), emu.user("31622222222", "Bob")
        try:
            await wa.onboard(bob)
            clock.advance(2)
            await wa.onboard(anna)  # two hours after Bob
            wrote = clock()
        finally:
            await wa.handled()
            await wa.app.stop()
        assert await stored_hours(tmp_path) == {anna.bsuid: iso_hour(wrote), bob.bsuid: iso_hour(wrote - 7200)}

        wa = await start_wa(emu, config, clock)  # a new process: nothing in memory
        try:
            clock.advance(23)  # Anna wrote 23 hours ago, Bob 25
            await queue(wa, [anna, bob], purpose="feedback")
            anna_got, bob_got = await wa.reply(anna), await wa.reply(bob)
            assert anna_got.kind == "text"  # free-form, as before the restart ...
            assert bob_got.kind == "template" and bob_got.body["template"]["name"] == "wijkbot_feedback"
            assert 131047 not in emu.errors  # ... and nothing free-form reached a closed window

            # 23 h 50 min after her message, 24 h 10 min after the hour kept: Meta would still take free-form, the
            # bot sends the template (its window is never longer than Meta's).
            clock.advance(50 / 60)
            await queue(wa, [anna], purpose="poll", text="A new poll is open.")
            got = await wa.reply(anna)
            assert got.kind == "template" and got.body["template"]["name"] == "wijkbot_poll"

            await anna.send("mydata")  # she wrote again: free-form, and /mydata shows what is kept
            shown = await wa.reply(anna)
            assert "We keep this because for 24 hours after it we may send you normal messages." in shown.text
            export = await wa.reply(anna)
            data, _ = emu.media[export.body["document"]["id"]]
            # What was kept when she asked (this message's hour is kept after its turn).
            assert f'"last_message_hour": "{iso_hour(wrote)}"' in data.decode()
            assert 131047 not in emu.errors
        finally:
            await wa.handled()
            await wa.app.stop()


async def test_killed_then_restarted_it_sends_free_form_to_those_who_wrote_and_templates_to_the_others(
        tmp_path: Path, engine: str) -> None:
    port = free_port()
    async with CloudApiEmulator(app_secret=APP_SECRET, access_token=ACCESS_TOKEN, templates=dict(APPROVED),
                                webhook_url=f"http://127.0.0.1:{port}/whatsapp") as emu:
        anna, cem, bea = (emu.user(number, name) for number, name in
                          (("31611111111", "Anna"), ("31633333333", "Cem"), ("31622222222", "Bea")))
        await seed_feedback(tmp_path, [anna, cem], residents=True)
        await seed_feedback(tmp_path, [bea])  # Bea's queued message tells the test that the bot is up
        config = tmp_path / "config.toml"
        config.write_text(whatsapp_toml(emu, port, database=database_toml(tmp_path)), encoding="utf-8")
        db = Database(database_url(tmp_path))
        await db.open()
        async with db.transaction() as tx:  # Anna's and Cem's feedback comes later, while the bot is down
            await tx.execute("DELETE FROM outbox WHERE chat_id != ?", (bea.bsuid,))
        await db.close()

        bot = start_run(config)
        try:
            await emu.wait_until(lambda: emu.messages_to(bea), 30, "the bot to start")
            await anna.send("status")
            await emu.wait_for_message(anna, 10)  # answered: her window is kept before the answer goes
        finally:
            os.kill(bot.pid, signal.SIGKILL)
            await asyncio.to_thread(bot.communicate, timeout=10)
        assert (await stored_hours(tmp_path))[anna.bsuid] == iso_hour(anna.last_inbound or 0)
        await seed_feedback(tmp_path, [anna, cem], residents=False)  # e.g. !feedback from the organisers' console

        bot = start_run(config)
        try:
            await emu.wait_until(lambda: emu.messages_to(cem), 30, "Cem's feedback")
            await emu.wait_until(lambda: len(emu.messages_to(anna)) >= 2, 30, "Anna's feedback")
        finally:
            bot.send_signal(signal.SIGTERM)
            stderr = (await asyncio.to_thread(bot.communicate, timeout=30))[1].decode()
        assert bot.returncode == 0, stderr
        await emu.settle()

    anna_got, cem_got = emu.messages_to(anna)[-1], emu.messages_to(cem)[-1]
    assert anna_got.kind == "text" and anna_got.text == "Terugkoppeling 0"  # she wrote an hour ago: free-form
    assert cem_got.kind == "template" and cem_got.body["template"]["name"] == "wijkbot_feedback"
    assert 131047 not in emu.errors  # Meta's window was respected for both
    assert anna.bsuid not in stderr and anna.phone not in stderr
