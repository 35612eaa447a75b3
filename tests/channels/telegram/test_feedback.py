"""Feedback reaches a Telegram resident with one-tap "did you feel heard?" buttons, over HTTP."""

from __future__ import annotations

from bot.channels.base import Actor, Address, Incoming
from tests.channels.conftest import Running

MOD_ROOM = "!mod-centrum:localhost"


async def test_feedback_with_heard_buttons_on_telegram(bot: Running) -> None:
    emu, app = bot.emu, bot.app
    anna = emu.user(4242, first_name="Anna", language_code="en")
    await bot.onboard(anna)
    await anna.send("/share")
    question = await bot.reply(anna)
    question = await bot.press(anna, question, "Housing")
    await anna.send("The heating in our block fails every winter and nobody comes.")
    question = await bot.reply(anna)
    question = await bot.press(anna, question, "Skip")  # no place
    question = await bot.press(anna, question, "Skip")  # no photo
    question = await bot.press(anna, question, "Anonymous")
    receipt = await bot.press(anna, question, "Send")
    reference = (receipt.text or "").split("reference is ")[1].split(".")[0]

    async with app.db.transaction() as tx:  # this test runs on the real clock: no quiet hours in its way
        await tx.execute("UPDATE residents SET quiet_start = '00:00', quiet_end = '00:00'")
    organiser = Incoming(Actor("matrix", "@org:localhost"), Address("matrix", MOD_ROOM, private=False),
                         command="feedback", args=f"{reference} | done | New boiler installed | the owner had to",
                         text="!feedback", moderator=True)
    assert "1 resident will hear it" in (await app.dispatch(organiser))[0].text
    await app.outbox.drain()
    message = await bot.reply(anna)
    assert "New boiler installed" in (message.text or "") and message.button_labels() == ["Yes", "Partly", "No"]

    comment_question = await bot.press(anna, message, "No")
    assert "add something" in (comment_question.text or "")
    await anna.send("It still breaks down.")
    assert "We use your answer" in ((await bot.reply(anna)).text or "")
    async with app.db.transaction() as tx:
        row = await tx.one("SELECT answer, comment FROM heard")
    assert row is not None and tuple(row) == ("no", "It still breaks down.")
