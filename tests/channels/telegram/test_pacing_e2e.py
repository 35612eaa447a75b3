"""The Telegram channel's limiter against the Bot API emulator's own limits, through the unmodified PTB client:
consecutive messages to one chat are spaced and never refused, and a 429 in one chat delays only that chat."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.base import SENDING_BULK, Address, Reply
from tests.channels.conftest import BOT_USERNAME, TOKEN, Running, start_bot, telegram_section
from tests.peers.botapi import BotApiEmulator
from tests.support import make_config

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB's own RetryAfter


@pytest.fixture
async def limited(tmp_path: Path) -> AsyncIterator[Running]:
    """The bot against an emulator that answers 429 like Telegram above 1 message a second into a private chat; the
    bot's own pacing is set a little lower (``telegram.chat_rate_limit``), so jitter on a busy machine cannot
    turn its spacing into a 429."""
    async with BotApiEmulator(token=TOKEN, username=BOT_USERNAME, per_chat_limits=True) as emu:
        for user_id in (1101, 1102, 1103, 1104):
            emu.user(user_id, first_name=f"R{user_id}", started=True)
        config = make_config(tmp_path, telegram=telegram_section(emu, chat_rate_limit=0.8))
        running = await start_bot(emu, config, receive=False)
        yield running
        await running.app.stop()


def arrivals(emu: BotApiEmulator, chat: int) -> list[float]:
    return [call.at for call in emu.calls if call.method == "sendMessage" and call.status == 200
            and str(call.params.get("chat_id")) == str(chat)]


async def test_consecutive_messages_to_one_chat_are_spaced_and_none_is_refused(limited: Running) -> None:
    emu, channel = limited.emu, limited.channel
    results = await asyncio.gather(
        *(channel.send(Reply(text=f"part {n}", address=Address("telegram", "1101"))) for n in range(3)),
        channel.send(Reply(text="hello", address=Address("telegram", "1102"))))
    assert all(result.ok for result in results)
    assert emu.stats["429"] == 0  # Telegram's per-chat limit was never hit
    times = arrivals(emu, 1101)
    assert len(times) == 3 and all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))
    assert arrivals(emu, 1102)[0] < times[1]  # another chat did not wait for them
    assert [m.text for m in emu.messages(1101)] == ["part 0", "part 1", "part 2"]  # in order


async def test_a_429_in_one_chat_does_not_delay_the_others(limited: Running) -> None:
    emu, channel = limited.emu, limited.channel
    emu.fail_next("sendMessage", 429, retry_after=3)
    first = asyncio.create_task(channel.send(Reply(text="for 1103", address=Address("telegram", "1103"))))
    await emu.wait_until(lambda: emu.stats["429"] == 1, what="the 429")
    others = await asyncio.gather(channel.send(Reply(text="for 1101", address=Address("telegram", "1101"))),
                                  channel.send(Reply(text="for 1104", address=Address("telegram", "1104"))))
    assert all(result.ok for result in others)
    assert not first.done()  # 1103 still waits out its retry_after while the others were delivered
    assert (await first).ok
    refused_at = next(call.at for call in emu.calls if call.status == 429)
    assert arrivals(emu, 1103)[0] - refused_at >= 3.0
    assert max(arrivals(emu, 1101)[0], arrivals(emu, 1104)[0]) - refused_at < 2.0


async def test_paid_broadcasts_flag_bulk_messages_only_when_the_setting_asks(tmp_path: Path, engine: str) -> None:
    async with BotApiEmulator(token=TOKEN, username=BOT_USERNAME) as emu:
        for user_id in (1101, 1102):
            emu.user(user_id, first_name=f"R{user_id}", started=True)
        config = make_config(tmp_path, telegram=telegram_section(emu, allow_paid_broadcast=True))
        running = await start_bot(emu, config, receive=False)
        try:
            async def bulk() -> None:
                SENDING_BULK.set(True)  # as the outbox dispatcher marks a fan-out's messages
                assert (await running.channel.send(Reply(text="feedback", address=Address("telegram", "1101")))).ok

            await asyncio.create_task(bulk())
            assert (await running.channel.send(Reply(text="answer", address=Address("telegram", "1102")))).ok
        finally:
            await running.app.stop()
    flags = {str(params["chat_id"]): params.get("allow_paid_broadcast") for params in emu.calls_to("sendMessage")}
    assert flags == {"1101": "true", "1102": None}  # the fan-out paid, the answer to a resident never
