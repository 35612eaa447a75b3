"""Flood protection end to end: PTB over HTTP against the Bot API emulator, time from a manual clock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.base import Incoming, Reply
from bot.clock import ManualClock
from tests.channels.conftest import Running, make_channel, telegram_section
from tests.peers.botapi import BotApiEmulator
from tests.support import make_config

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

STORY = "The lift in our flat has been broken for a month."
SLOW = "You are sending a lot of messages very quickly"


def count_dispatches(app: App, user_id: str) -> Callable[[int], Awaitable[None]]:
    """Count what the channel hands to the App for one person; ``wait(n)`` returns once n were handled (event
    driven: a held message changes nothing the emulator could show)."""
    done = 0
    changed = asyncio.Condition()
    dispatch = app.dispatch

    async def counting(incoming: Incoming) -> list[Reply]:
        nonlocal done
        replies = await dispatch(incoming)
        if incoming.actor.user_id == user_id:
            async with changed:
                done += 1
                changed.notify_all()
        return replies

    app.dispatch = counting  # type: ignore[method-assign]

    async def wait(count: int) -> None:
        async with changed:
            await changed.wait_for(lambda: done >= count)

    return wait


async def test_fifty_messages_in_two_seconds(tmp_path: Path, emu: BotApiEmulator) -> None:
    clock = ManualClock()
    config = make_config(tmp_path, telegram=telegram_section(emu), limits={"flood_messages": 10, "flood_seconds": 10})
    channel = make_channel(config)
    app = App(config, [channel], clock=clock)
    await app.start(background=False)
    bot = Running(emu, app, channel, config)
    try:
        anna, bram = emu.user(2001, "Anna", language_code="en"), emu.user(2002, "Bram", language_code="en")
        await bot.onboard(anna)
        await bot.onboard(bram)
        await anna.send("/share")
        await bot.press(anna, await bot.reply(anna), "Housing")  # "tell us in your own words"
        clock.advance(timedelta(minutes=1))
        await emu.wait_confirmed()
        before = len(emu.messages(anna))
        handled = count_dispatches(app, str(anna.id))

        for number in range(49):  # too short to be a story: each would get "please write more"
            await anna.send(f"hello? {number}")
            clock.advance(timedelta(milliseconds=40))
        await anna.send(STORY)
        await bram.send("/help")  # another resident, in the middle of the flood
        help_text = (await emu.wait_for_message(bram, lambda m: "/share" in (m.text or ""))).text or ""
        assert SLOW not in help_text
        await asyncio.wait_for(handled(50), 10)  # all fifty went through the bot (most of them only held)
        assert [m.text for m in app.flood.held("telegram", str(anna.id))] == [STORY]

        during = [m.text or "" for m in emu.messages(anna)[before:]]
        assert sum(SLOW in text for text in during) == 1  # one friendly "slow down"
        assert sum("at least 10 characters" in text for text in during) == 10  # the ten allowed turns
        assert len(during) == 11  # and nothing for the other 39

        clock.advance(timedelta(seconds=1))  # she pauses: her last message is answered
        assert await app.release_flooded() == 1
        last = await emu.wait_for_message(anna, lambda m: "Where is this?" in (m.text or ""))
        assert last.text and len(emu.messages(anna)) == before + 12
        state = await bot.row("SELECT step, data FROM conversations WHERE user_id = ?", str(anna.id))
        assert state is not None and state["step"] == "place" and STORY in state["data"]
    finally:
        await app.stop()
