"""Polls end to end on Telegram: the whole App with the Telegram channel over HTTP against the Bot API emulator
(polling), Matrix as a recording stand-in, the clock injected. Announcement with one-tap buttons, voting, changing
and repeating a vote, a typed vote, a forged button, a vote merged from Matrix, results with a chart photo, and
a vote after closing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.base import Address
from bot.channels.callback import derive_secret, sign
from bot.clock import ManualClock
from tests.channels.conftest import TOKEN, Running, make_channel, telegram_section
from tests.engine.polls_support import MONDAY, join, matrix_vote, message_id, room, sent_to
from tests.peers.botapi import BotApiEmulator, EmuUser, UploadedFile
from tests.support import Recorder, make_config

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def polling(tmp_path: Path, emu: BotApiEmulator, manual_clock: ManualClock,
                  engine: str) -> AsyncIterator[Running]:
    manual_clock.set(MONDAY)
    config = make_config(tmp_path, telegram=telegram_section(emu))
    channel = make_channel(config)
    app = App(config, [channel, Recorder("matrix")], clock=manual_clock)
    await app.start(background=False)
    yield Running(emu, app, channel, config)
    await app.stop()


async def opt_in(bot: Running, user: EmuUser) -> None:
    await user.send("/settings")
    menu = await bot.press(user, await bot.reply(user), "Polls")
    menu = await bot.press(user, menu, "yes")
    assert "Hear about new polls: yes" in (menu.text or "")
    await bot.press(user, menu, "Done")


async def vote_rows(app: App) -> list[tuple[int, int]]:
    async with app.db.transaction() as tx:
        return [(r[0], r[1]) for r in await tx.all("SELECT resident_id, option FROM poll_votes ORDER BY 1, 2")]


async def test_a_poll_on_telegram_from_announcement_to_results(polling: Running, manual_clock: ManualClock) -> None:
    bot, emu, app = polling, polling.emu, polling.app
    matrix = app.channels["matrix"]
    assert isinstance(matrix, Recorder)
    group = emu.group(-100123, "Centrum buurt")
    anna = emu.user(3001, "Anna", language_code="en")
    await bot.onboard(anna)
    await opt_in(bot, anna)
    bob = await join(app, "bob", channel="matrix")  # a resident on Matrix (recording stand-in)

    answer = await room(app, '!poll "What should come on the square?" | More light | Benches | A playground | '
                             'closes over 3 dagen')
    assert "2 residents will hear of it" in answer
    await app.outbox.drain()
    announcement = await bot.reply(anna)
    assert "New poll for Centrum: What should come on the square?" in (announcement.text or "")
    assert announcement.button_labels() == ["More light", "Benches", "A playground"]
    assert all(len(b["callback_data"].encode()) <= 64 for row in announcement.buttons() for b in row)
    in_group = await emu.wait_for_message(group)
    assert "/polls" in (in_group.text or "") and in_group.buttons() == []

    # One tap votes: the announcement becomes the receipt, with the question, the choice and the options again
    # (✓ on the choice), to change.
    receipt = await bot.press(anna, announcement, "Benches")
    assert receipt.message_id == announcement.message_id
    assert (receipt.text or "").startswith("➜ Benches\n\nWhat should come on the square?")
    assert "Thank you! Your vote: Benches." in (receipt.text or "")
    assert receipt.button_labels() == ["More light", "✓ Benches", "A playground"]
    receipt = await bot.press(anna, receipt, "More light")  # changed
    receipt = await bot.press(anna, receipt, "✓ More light")  # the same again: still one vote
    assert "Your vote: More light" in (receipt.text or "")
    await anna.send("3")  # a typed answer counts too
    typed = await bot.reply(anna)
    assert "Your vote: A playground" in (typed.text or "")

    # A button with valid signature but forged data is still checked: refused, nothing changes.
    forged = sign(derive_secret(TOKEN), str(anna.id), None, "vote.1.9")
    receipt.find_button("Benches")["callback_data"] = forged
    refusal = await bot.press(anna, receipt, "Benches")
    assert "not an option of this poll" in (refusal.text or "")

    # A Matrix resident's vote merges into the same tally.
    bobs_poll = message_id(matrix, sent_to(matrix, "bob")[0])
    await bob.send(matrix_vote("bob", bobs_poll, "3"))
    assert [option for _, option in await vote_rows(app)] == [3, 3]
    assert "A playground: 2 votes (100%)" in await room(app, "!count P-2026-0001")

    # Closing: results as text and a chart photo; the announcement's buttons go; a late tap is refused.
    manual_clock.advance(timedelta(days=3))
    for name, at in app.scheduler.planned().items():
        if at <= manual_clock.now():
            await app.scheduler.run(name)
    await app.outbox.drain()
    result = await emu.wait_for_message(anna.chat, lambda m: m.photo is not None)
    assert "Results of the poll P-2026-0001" in (result.caption or "")
    assert "A playground: 2 votes (100%) ▇▇▇▇▇▇▇▇▇▇" in (result.caption or "")
    largest = max(result.photo or [], key=lambda size: size["width"])
    assert emu.file_bytes(largest["file_id"]).startswith(b"\x89PNG")
    assert {"chat_id": str(anna.id), "message_id": str(announcement.message_id)} in emu.calls_to(
        "editMessageReplyMarkup")  # the announcement's buttons go (here they had gone with the first tap)
    group_result = await emu.wait_for_message(group, lambda m: m.photo is not None)
    assert "Results of the poll" in (group_result.caption or "") or "P-2026-0001" in (group_result.caption or "")
    late = await bot.press(anna, typed, "More light")
    assert "This poll has closed. Votes are no longer counted." in (late.text or "")
    assert [option for _, option in await vote_rows(app)] == [3, 3]
    assert matrix.sent[-1].address == Address("matrix", "!public-centrum:localhost", private=False)


async def close_after_votes(bot: Running, residents: list[EmuUser], clock: ManualClock | None = None,
                            closing: datetime | None = None) -> None:
    """Residents who opted in hear of a poll and vote by button; the organiser closes it (at ``closing``); the
    outbox drains."""
    for user in residents:
        await bot.onboard(user)
        await opt_in(bot, user)
    answer = await room(bot.app, '!poll "More light on the square?" | Yes | No | closes over 3 dagen')
    assert f"{len(residents)} resident" in answer
    await bot.app.outbox.drain()
    for user in residents:
        announcement = await bot.emu.wait_for_message(user.chat, lambda m: "New poll" in (m.text or ""))
        await bot.press(user, announcement, "Yes")
    if clock is not None and closing is not None:
        clock.set(closing)
    assert f"the results go to {len(residents)} resident" in await room(bot.app, "!close-poll P-2026-0001")
    await bot.app.outbox.drain()


async def test_the_results_chart_is_uploaded_once_and_then_sent_by_its_file_id(polling: Running) -> None:
    emu = polling.emu
    group = emu.group(-100123, "Centrum buurt")
    residents = [emu.user(3001 + n, name, language_code="en") for n, name in enumerate(["Anna", "Ben", "Cor"])]
    await close_after_votes(polling, residents)

    results = [await emu.wait_for_message(chat, lambda m: m.photo is not None) for chat in [
        *(user.chat for user in residents), group]]
    for result in results[:3]:  # each resident has the chart, with the results as its caption
        assert "Results of the poll P-2026-0001: More light on the square?" in (result.caption or "")
        assert "Yes: 3 votes (100%)" in (result.caption or "")
    largest = [max(result.photo or [], key=lambda size: size["width"])["file_id"] for result in results]
    assert all(emu.file_bytes(file_id).startswith(b"\x89PNG") for file_id in largest)
    sent = [call["photo"] for call in emu.calls_to("sendPhoto")]
    assert len(sent) == 4 and isinstance(sent[0], UploadedFile)  # one upload (whichever chat came first) ...
    assert set(largest) == {largest[0]} and sent[1:] == [largest[0]] * 3  # ... then its file_id for the others


async def test_a_file_id_telegram_refuses_is_forgotten_and_the_chart_uploaded_again(
        polling: Running, manual_clock: ManualClock) -> None:
    emu = polling.emu
    group = emu.group(-100123, "Centrum buurt")
    anna = emu.user(3001, "Anna", language_code="en")
    # Closed at 22:30 in Amsterdam: the group has the results at once, anna after her quiet hours.
    await close_after_votes(polling, [anna], manual_clock, MONDAY.replace(hour=21, minute=30))
    in_group = await emu.wait_for_message(group, lambda m: m.photo is not None)
    for size in in_group.photo or []:
        del emu.files[size["file_id"]]  # Telegram no longer knows the file

    manual_clock.set(MONDAY.replace(hour=7) + timedelta(days=1))  # 08:00 the next morning in Amsterdam
    assert await polling.app.outbox.drain() == 1
    result = await emu.wait_for_message(anna.chat, lambda m: m.photo is not None)
    assert "Results of the poll P-2026-0001" in (result.caption or "")
    assert emu.file_bytes(max(result.photo or [], key=lambda size: size["width"])["file_id"]).startswith(b"\x89PNG")
    calls = [(call.status, call.params["photo"]) for call in emu.calls if call.method == "sendPhoto"]
    largest = max(in_group.photo or [], key=lambda size: size["width"])["file_id"]
    assert [status for status, _ in calls] == [200, 400, 200]  # group: upload; anna: the old file_id, refused ...
    assert isinstance(calls[0][1], UploadedFile) and calls[1][1] == largest and isinstance(calls[2][1], UploadedFile)


async def test_everyone_told_hears_the_result_though_telegram_counts_message_ids_per_chat(polling: Running) -> None:
    """Telegram numbers messages per chat: the announcements in different residents' chats often have the same
    message id, and each must still be remembered for its own chat."""
    bot, emu = polling, polling.emu
    residents = [emu.user(3101 + n, name, language_code="en") for n, name in enumerate(["Anna", "Ben", "Cor"])]
    for user in residents:
        await bot.onboard(user)
        await opt_in(bot, user)
    assert "3 residents will hear of it" in await room(bot.app, '!poll "More light?" | Yes | No | closes over 3 dagen')
    await bot.app.outbox.drain()
    announcements = [await emu.wait_for_message(user.chat, lambda m: "New poll" in (m.text or ""))
                     for user in residents]
    assert len({a.message_id for a in announcements}) < len(announcements)  # the case this test is about
    # Nobody votes; closing still tells all three, and every announcement loses its buttons.
    assert "the results go to 3 residents" in await room(bot.app, "!close-poll P-2026-0001")
    await bot.app.outbox.drain()
    for user, announcement in zip(residents, announcements, strict=True):
        await emu.wait_for_message(user.chat, lambda m: "Results of the poll" in (m.caption or m.text or ""))
        assert emu.message(user.chat, announcement.message_id).buttons() == []
