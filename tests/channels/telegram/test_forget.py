"""/forget on Telegram end to end: the whole App with the Telegram channel (PTB over HTTP) against the Bot API
emulator, Matrix as a recording stand-in. A published story's post in the neighbourhood's Telegram group is
deleted after its author erases herself; the Bot API's refusals (a message older than 48 hours, one already
gone) are handled as the Bot API documents them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.base import Actor, Address, Incoming, Reply
from bot.clock import ManualClock
from tests.channels.conftest import BOT_USERNAME, TOKEN, Running, make_channel, telegram_section
from tests.peers.botapi import BotApiEmulator, EmuChat, EmuUser, StoredMessage
from tests.support import Recorder, make_config

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

WORDS = "lantaarnpalen"
STORY = f"De {WORDS} bij de Kerkstraat zijn al weken kapot."
NAME = "Marieke"
GROUP = -100123  # Centrum's Telegram group in the test configuration


class Moment:
    """The emulator's clock (seconds), moved by the test; the bot's ManualClock follows it."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def moment() -> Moment:
    return Moment()


@pytest.fixture
async def running(tmp_path: Path, moment: Moment, manual_clock: ManualClock,
                  engine: str) -> AsyncIterator[Running]:
    manual_clock.set(datetime.fromtimestamp(moment.now, UTC))
    async with BotApiEmulator(token=TOKEN, username=BOT_USERNAME, clock=moment) as emu:
        config = make_config(tmp_path, telegram=telegram_section(emu))
        channel = make_channel(config)
        app = App(config, [channel, Recorder("matrix")], clock=manual_clock)
        await app.start(background=False)
        try:
            yield Running(emu, app, channel, config)
        finally:
            await app.stop()


async def share(bot: Running, user: EmuUser) -> str:
    await user.send("/share")
    question = await bot.press(user, await bot.reply(user), "Safety and crime")
    await user.send(STORY)
    question = await bot.reply(user)
    for label in ("Skip", "Skip", "With my first name"):
        question = await bot.press(user, question, label)
    await user.send(NAME)
    receipt = await bot.press(user, await bot.reply(user), "Send")
    async with bot.app.db.transaction() as tx:
        reference = str(await tx.value("SELECT reference FROM experiences"))
    assert reference in (receipt.text or ""), receipt.text
    return reference


async def approve(app: App, reference: str) -> None:
    word = "approve"
    await app.dispatch(Incoming(Actor("matrix", "@org:localhost"), Address("matrix", "!mod-centrum:localhost",
                                                                            private=False),
                                text=f"!{word} {reference}", command=word, args=reference, moderator=True))


async def published(bot: Running) -> tuple[EmuChat, EmuUser, StoredMessage]:
    """Anna, onboarded on Telegram, shared a story with her first name; it was approved and posted in the group."""
    group = bot.emu.group(GROUP, "Centrum buurt")
    anna = bot.emu.user(3001, "Anna", language_code="en")
    await bot.onboard(anna)
    reference = await share(bot, anna)
    await bot.app.outbox.drain()
    await approve(bot.app, reference)
    await bot.app.outbox.drain()
    post = await bot.emu.wait_for_message(group, lambda m: WORDS in (m.text or ""))
    assert (post.text or "").endswith(f"— {NAME}")
    await bot.reply(anna)  # "Good news: your story … has been approved"
    return group, anna, post


async def settled(app: App) -> None:
    """Wait until the replies the channel sent are settled: their rows, kept with their turns, are gone."""
    for _ in range(100):
        await app.held.flush()
        async with app.db.transaction() as tx:
            if not await tx.value("SELECT COUNT(*) FROM outbox WHERE status = 'held'"):
                return
        await asyncio.sleep(0.05)
    raise AssertionError("a sent reply's row was never settled")


async def test_the_group_post_of_an_erased_story_is_deleted(running: Running) -> None:
    bot, emu, app = running, running.emu, running.app
    group, anna, post = await published(running)

    await anna.send("/forget")
    answer = await bot.press(anna, await bot.reply(anna), "Erase me and my stories")
    assert "3 messages with your stories are being removed" in (answer.text or ""), answer.text  # 2 in Matrix
    await settled(app)  # the answer itself was kept with its turn until sent (bot/engine/replies.py)
    async with app.db.transaction() as tx:
        rows = [" ".join(map(str, tuple(r))) for r in await tx.all("SELECT * FROM outbox")]
    assert rows and not any(WORDS in r or NAME in r or str(anna.id) in r for r in rows)

    await app.outbox.drain()
    assert {"chat_id": str(GROUP), "message_id": str(post.message_id)} in emu.calls_to("deleteMessage")
    assert emu.message(GROUP, post.message_id).deleted
    assert not any(WORDS in (m.text or "") for m in emu.messages(group))
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT status FROM outbox WHERE purpose = 'delete' AND channel = 'telegram'") == "sent"


async def test_a_group_post_older_than_48_hours_keeps_only_a_note(running: Running, moment: Moment,
                                                                   manual_clock: ManualClock) -> None:
    bot, emu, app = running, running.emu, running.app
    group, anna, post = await published(running)
    moment.now += 49 * 3600  # two days later, for Telegram and for the bot
    manual_clock.advance(timedelta(hours=49))

    await anna.send("/forget")
    answer = await bot.press(anna, await bot.reply(anna), "Erase me and my stories")
    assert "1 message in a Telegram group is older than 48 hours" in (answer.text or ""), answer.text
    await app.outbox.drain()
    kept = emu.message(GROUP, post.message_id)
    assert not kept.deleted and kept.edited
    assert kept.text == "Dit verhaal is weggehaald. De persoon die het deelde, heeft daarom gevraagd."
    assert not any(WORDS in (m.text or "") or NAME in (m.text or "") for m in emu.messages(group))
    assert emu.calls_to("deleteMessage") == []  # not even tried: it would be refused


async def test_the_bot_api_refusals_of_delete_message(running: Running, moment: Moment) -> None:
    """Telegram: "A message can only be deleted if it was sent less than 48 hours ago"; older is refused for good
    (no retry changes it), and a message that is already gone counts as deleted."""
    bot, emu = running, running.emu
    group = emu.group(GROUP, "Centrum buurt")
    address = Address("telegram", str(GROUP), private=False)
    first = (await bot.channel.send(Reply(text="Eerste verhaal", address=address))).message_id
    second = (await bot.channel.send(Reply(text="Tweede verhaal", address=address))).message_id
    assert first is not None and second is not None
    moment.now += 47 * 3600
    assert (await bot.channel.delete(address, second)).ok
    assert (await bot.channel.delete(address, second)).ok  # already gone: nothing left to do
    moment.now += 2 * 3600  # the first message is now 49 hours old
    refused = await bot.channel.delete(address, first)
    assert not refused.ok and refused.final and not refused.unreachable
    assert "can't be deleted" in (refused.error or "")
    assert [m.text for m in emu.messages(group)] == ["Eerste verhaal"]

