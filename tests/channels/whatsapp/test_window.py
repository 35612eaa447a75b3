"""The 24-hour customer service window, templates and Meta's limits, end to end through the outbox."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.channels.base import Address, Reply
from bot.engine import outbox
from tests.channels.conftest import free_port
from tests.channels.whatsapp_fixtures import (
    ACCESS_TOKEN,
    APP_SECRET,
    APPROVED,
    WaRunning,
    WindowClock,
    make_wa_config,
    start_wa,
)
from tests.peers.whatsapp import CloudApiEmulator, WaUser

NEWS = "We repaired the street lights.\nBecause: many of you wrote about the dark street.\tThank you!"


async def queue(wa: WaRunning, users: list[WaUser], purpose: str = "feedback", text: str = NEWS) -> None:
    async with wa.app.db.transaction() as tx:
        for user in users:
            await outbox.enqueue(tx, wa.app.services, Address("whatsapp", user.bsuid), Reply(text=text),
                                 purpose=purpose)
    await wa.app.outbox.drain()
    await wa.handled()


async def outbox_rows(wa: WaRunning) -> list[dict[str, object]]:
    async with wa.app.db.transaction() as tx:
        return [dict(row) for row in await tx.all("SELECT chat_id, status, last_error FROM outbox ORDER BY id", ())]


async def test_a_fan_out_goes_free_form_inside_the_window_and_as_a_template_outside_it(wa: WaRunning) -> None:
    anna, bob, cem = (wa.emu.user(n, name) for n, name in
                      (("31611111111", "Anna"), ("31622222222", "Bob"), ("31633333333", "Cem")))
    for user in (anna, bob, cem):
        await wa.onboard(user)
    wa.clock.advance(25)  # a day and an hour of silence ...
    await cem.send("status")  # ... except from Cem, whose window opens again
    await wa.reply(cem)
    await queue(wa, [anna, bob, cem])
    anna_got, bob_got, cem_got = [await wa.reply(u) for u in (anna, bob, cem)]
    assert cem_got.kind == "text" and cem_got.text == NEWS
    for got in (anna_got, bob_got):
        template = got.body["template"]
        assert got.kind == "template" and template["name"] == "wijkbot_feedback"
        assert template["language"]["code"] == "en"  # the resident's own language
        # One line, no tabs: Meta refuses parameters with newlines, tabs or five spaces (132018).
        assert got.text == ("We repaired the street lights. · Because: many of you wrote about the dark street. · "
                            "Thank you!")
    assert 131047 not in wa.emu.errors and 132018 not in wa.emu.errors
    assert [row["status"] for row in await outbox_rows(wa)] == ["sent"] * 3

    await anna.send("thanks!")  # her answer reopens the window: the next message is free-form again
    await wa.handled()
    for message in wa.emu.messages_to(anna):
        message.consumed = True
    await queue(wa, [anna], purpose="poll", text="A new poll is open.")
    assert (await wa.reply(anna)).kind == "text"


async def test_when_nothing_is_known_of_her_window_queued_messages_go_as_templates_until_she_writes(
        wa: WaRunning) -> None:
    anna = wa.emu.user("31611111111", "Anna")
    await wa.onboard(anna)
    async with wa.app.db.transaction() as tx:  # no hour kept (the restart tests: test_window_restart.py) ...
        await tx.execute("UPDATE residents SET last_message_hour = NULL", ())
    wa.channel.windows.forget(anna.bsuid)  # ... and nothing in memory
    await queue(wa, [anna], purpose="digest")
    got = await wa.reply(anna)
    assert got.kind == "template" and got.body["template"]["name"] == "wijkbot_digest"
    await anna.send("status")
    await wa.reply(anna)
    await queue(wa, [anna], purpose="digest")
    assert (await wa.reply(anna)).kind == "text"  # she wrote: inside the window again


async def test_a_message_meta_fails_because_the_window_closed_goes_again_as_a_template(wa: WaRunning) -> None:
    anna = wa.emu.user("31611111111", "Anna")
    await wa.onboard(anna)
    anna.last_inbound = wa.clock() - 24 * 3600 - 1  # Meta's clock says her window has just closed, ours not yet
    await queue(wa, [anna], purpose="poll-results")
    got = await wa.reply(anna)
    assert 131047 in wa.emu.errors  # accepted, then failed by a status webhook, as Meta does
    assert got.kind == "template" and got.body["template"]["name"] == "wijkbot_poll_results"
    assert [m.kind for m in wa.emu.messages_to(anna) if not m.consumed] == []  # exactly one template


async def test_a_message_without_an_approved_template_stays_in_the_outbox_with_the_reason(
        tmp_path: Path, wa_env: None) -> None:
    clock = WindowClock()
    port = free_port()
    approved = {key: body for key, body in APPROVED.items() if key[0] != "wijkbot_poll"}  # Meta rejected it
    async with CloudApiEmulator(app_secret=APP_SECRET, access_token=ACCESS_TOKEN, templates=approved, now=clock,
                                webhook_url=f"http://127.0.0.1:{port}/whatsapp") as emu:
        templates = {language: {"update": "wijkbot_update", "poll": "wijkbot_poll"}
                     for language in ("nl", "en", "tr", "ar", "pl")}
        wa = await start_wa(emu, make_wa_config(tmp_path, emu, port, templates=templates), clock)
        try:
            anna = emu.user("31611111111", "Anna")
            await wa.onboard(anna)
            clock.advance(25)
            await queue(wa, [anna], purpose="poll", text="A new poll")  # template not approved: 132001
            await queue(wa, [anna], purpose="direct", text="No template of its own, so the update template")
            await queue(wa, [anna], purpose="relay-answer", text="An answer")  # no template configured
            rows = await outbox_rows(wa)
            assert rows[0]["status"] == "failed" and "wijkbot_poll is not approved in en (132001)" in str(
                rows[0]["last_error"])
            assert rows[1]["status"] == "sent"
            assert rows[2]["status"] == "pending" and "no template configured for relay_answer in en" in str(
                rows[2]["last_error"])
            assert [m.body["template"]["name"] for m in emu.messages_to(anna) if m.kind == "template"] == [
                "wijkbot_update"]
            # The organisers' overview counts them.
            overview = await wa.overview()
            assert "Messages to residents that could not be sent: 1 still waiting, 1 given up." in overview
        finally:
            await wa.handled()
            await wa.app.stop()


async def test_an_undeliverable_number_is_marked_unreachable(wa: WaRunning) -> None:
    anna = wa.emu.user("31611111111", "Anna")
    await wa.onboard(anna)
    anna.reachable = False  # e.g. she deleted her WhatsApp account
    await queue(wa, [anna])
    assert 131026 in wa.emu.errors
    async with wa.app.db.transaction() as tx:
        assert await tx.value("SELECT unreachable_at FROM residents", ()) is not None
    [row] = await outbox_rows(wa)  # accepted, then reported failed by a status webhook: marked so
    assert row["status"] == "failed" and "131026" in str(row["last_error"])


async def test_the_number_throughput_and_the_pair_rate_limit_are_kept(tmp_path: Path, wa_env: None) -> None:
    clock = WindowClock()
    port = free_port()
    async with CloudApiEmulator(app_secret=APP_SECRET, access_token=ACCESS_TOKEN, templates=dict(APPROVED),
                                now=clock, webhook_url=f"http://127.0.0.1:{port}/whatsapp", throughput=20,
                                statuses=False) as emu:
        wa = await start_wa(emu, make_wa_config(tmp_path, emu, port, throughput=20), clock)
        try:
            users = [emu.user(f"3161000{n:04d}", f"R{n}") for n in range(30)]
            for user in users:
                user.last_inbound = clock()
            started = time.monotonic()
            await queue(wa, users, purpose="poll", text="A new poll is open.")
            took = time.monotonic() - started
            assert 130429 not in emu.errors and len(emu.messages) == 30
            assert took >= (30 - 1) / 20  # never faster than the configured 20 a second
            # One resident, more than Meta's burst at once: 131056 is waited out, nothing is lost.
            emu.pair_burst = 3
            emu.pair_seconds = 0.5
            await asyncio.gather(*(queue(wa, [users[0]], purpose="poll", text=f"Poll {n}") for n in range(5)))
            assert len(emu.messages_to(users[0])) == 6
        finally:
            await wa.handled()
            await wa.app.stop()
