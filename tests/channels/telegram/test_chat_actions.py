"""A chat action ("sending a file…", "typing…") before answers that take noticeable time, against the emulator."""

from __future__ import annotations

from bot.app import App
from bot.channels.base import Actor, Address, Busy, Incoming
from tests.channels.conftest import Running
from tests.peers.botapi import EmuUser


def sent_since(bot: Running, start: int) -> list[str]:
    return [call.method for call in bot.emu.calls[start:]
            if call.method in ("sendChatAction", "sendMessage", "sendDocument", "editMessageText")]


async def resident(bot: Running, user_id: int) -> tuple[EmuUser, int]:
    """An onboarded resident, and where the Bot API calls after onboarding start."""
    user = bot.emu.user(user_id, "Resident", language_code="en")
    await bot.onboard(user)
    return user, len(bot.emu.calls)


async def test_the_mydata_file_is_announced_before_it_is_sent(bot: Running) -> None:
    emu = bot.emu
    nia, start = await resident(bot, 1014)
    await nia.send("/mydata")
    await bot.reply(nia)
    document = await bot.reply(nia)
    assert document.document is not None
    assert sent_since(bot, start) == ["sendChatAction", "sendMessage", "sendDocument"]
    assert emu.chat_actions[-1] == (nia.chat.id, "upload_document")


async def test_computed_results_show_typing_and_quick_answers_nothing(bot: Running) -> None:
    ali, start = await resident(bot, 1020)
    await ali.send("/help")
    await bot.reply(ali)
    assert sent_since(bot, start) == ["sendMessage"]  # a quick answer: no indicator
    await ali.send("/deliberate results")
    await bot.reply(ali)
    assert bot.emu.chat_actions == [(ali.chat.id, "typing")]


async def test_what_is_slow_is_decided_before_the_turn(app: App) -> None:
    def incoming(command: str, args: str = "", channel: str = "telegram", private: bool = True) -> Incoming:
        return Incoming(Actor(channel, "1"), Address(channel, "1", private=private), text=f"/{command}",
                        command=command, args=args)

    dialogue = app.dialogue
    assert dialogue.busy(incoming("mydata")) is Busy.FILE
    assert dialogue.busy(incoming("mijngegevens")) is Busy.FILE  # the Dutch alias
    assert dialogue.busy(incoming("mydata", channel="console")) is Busy.TYPING  # no files there: text only
    assert dialogue.busy(Incoming(Actor("telegram", "1"), Address("telegram", "1"), choice="mydata")) is Busy.FILE
    assert dialogue.busy(incoming("deliberate", "results")) is Busy.TYPING
    assert dialogue.busy(incoming("deliberate")) is None and dialogue.busy(incoming("share")) is None
    assert dialogue.busy(incoming("mydata", private=False)) is None  # groups get a link, nothing slow


async def test_a_failing_chat_action_is_not_retried_and_the_answer_still_comes(bot: Running) -> None:
    emu = bot.emu
    ida, start = await resident(bot, 1021)
    emu.fail_next("sendChatAction", 500)
    await ida.send("/mydata")
    await bot.reply(ida)
    assert (await bot.reply(ida)).document is not None
    assert sent_since(bot, start) == ["sendChatAction", "sendMessage", "sendDocument"]  # tried once, then on
