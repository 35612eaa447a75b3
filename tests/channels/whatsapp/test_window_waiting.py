"""What waits for a resident's 24-hour window is not lost: the rest of a message too long for a template
parameter, a poll's buttons, and a message without a template of its kind go out free-form as soon as she
answers (within 30 days)."""

from __future__ import annotations

from pathlib import Path

from bot.channels.whatsapp.render import PARAMETER_LIMIT
from tests.channels.whatsapp.test_window import outbox_rows, queue
from tests.channels.whatsapp_fixtures import WaRunning, WindowClock, running_with
from tests.engine.polls_support import room

PARAGRAPH = ("The council discussed the broken street lights in the Kerkstraat, the Molenweg and around the school. "
             "The contractor replaces the old lamps with LED lights, starting with the streets near the school.\n\n")
LONG = PARAGRAPH * 6 + "Thank you all for writing about it."  # about 1,300 characters


async def test_a_long_message_outside_the_window_is_shortened_and_comes_whole_when_she_answers(
        wa: WaRunning) -> None:
    anna = wa.emu.user("31611111111", "Anna")
    await wa.onboard(anna)
    wa.clock.advance(25)
    await queue(wa, [anna], purpose="feedback", text=LONG)
    template = await wa.reply(anna)
    assert template.kind == "template" and template.body["template"]["name"] == "wijkbot_feedback"
    assert len(template.text) <= PARAMETER_LIMIT and "\n" not in template.text  # Meta takes it (no 132018)
    assert template.text.startswith("The council discussed the broken street lights")
    assert template.text.endswith("… (shortened: answer this message to read all of it)")
    assert [m for m in wa.emu.messages_to(anna) if not m.consumed] == []  # nothing free-form to a closed window ...
    assert 131047 not in wa.emu.errors and 132018 not in wa.emu.errors
    rows = await outbox_rows(wa)
    assert [row["status"] for row in rows] == ["sent", "pending"]  # ... the whole text waits for her

    await anna.send("What does LED mean?")  # her answer opens the window
    await wa.handled()
    await wa.app.outbox.drain()
    await wa.handled()
    whole = [m for m in wa.emu.messages_to(anna) if m.kind == "text" and m.text.startswith("The council")]
    assert [m.text for m in whole] == [LONG]  # all of it, with its paragraphs, right away (not at the next retry)
    assert [row["status"] for row in await outbox_rows(wa)] == ["sent", "sent"]


async def test_a_message_without_a_template_waits_for_her_for_weeks_not_hours(
        tmp_path: Path, wa_env: None, engine: str) -> None:
    templates = {language: {"update": "wijkbot_update"} for language in ("nl", "en", "tr", "ar", "pl")}
    async with running_with(tmp_path, WindowClock(), templates=templates) as wa:
        anna = wa.emu.user("31611111111", "Anna")
        await wa.onboard(anna)
        wa.clock.advance(25)
        await queue(wa, [anna], purpose="relay-answer", text="Marieke answered: I will call you on Monday.")
        async with wa.app.db.transaction() as tx:  # tried hourly for ten hours: more than any other failure gets
            await tx.execute("UPDATE outbox SET attempts = 10, not_before = ?", (wa.app.services.now_iso(),))
        await wa.app.outbox.drain()
        [row] = await outbox_rows(wa)
        assert row["status"] == "pending" and "no template configured for relay_answer" in str(row["last_error"])
        assert [m for m in wa.emu.messages_to(anna) if not m.consumed] == []

        await anna.send("Hello?")
        await wa.handled()
        await wa.app.outbox.drain()
        await wa.handled()
        assert "Marieke answered: I will call you on Monday." in [m.text for m in wa.emu.messages_to(anna)]
        assert [row["status"] for row in await outbox_rows(wa)] == ["sent"]
        assert 131047 not in wa.emu.errors


async def test_a_poll_announced_as_a_template_comes_with_its_buttons_when_she_answers(wa: WaRunning) -> None:
    anna = wa.emu.user("31611111111", "Anna")
    await wa.onboard(anna)
    for typed in ("settings", "Polls", "yes", "Done"):  # she wants to hear about new polls
        await anna.send(typed)
        await wa.handled()
    for message in wa.emu.messages_to(anna):
        message.consumed = True
    wa.clock.advance(25)
    said = await room(wa.app, '!poll "Where should the bench go?" | Square | Park | closes over 3 dagen')
    assert "1 resident" in said
    async with wa.app.db.transaction() as tx:  # her quiet hours are over
        await tx.execute("UPDATE outbox SET not_before = ? WHERE status = 'pending'", (wa.app.services.now_iso(),))
    await wa.app.outbox.drain()
    await wa.handled()
    template = await wa.reply(anna)
    assert template.kind == "template" and template.body["template"]["name"] == "wijkbot_poll"
    assert "Where should the bench go?" in template.text  # a template has no buttons ...

    await anna.send("ok")  # ... "reply to this message to take part"
    await wa.handled()
    await wa.app.outbox.drain()
    await wa.handled()
    poll = [m for m in wa.emu.messages_to(anna) if not m.consumed and m.labels() == ["Square", "Park"]]
    assert len(poll) == 1 and "Where should the bench go?" in poll[0].text
    for message in wa.emu.messages_to(anna):
        message.consumed = True
    receipt = await wa.press(anna, poll[0], "Park")
    assert "Park" in receipt.text
    async with wa.app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM poll_votes", ()) == 1
    assert 131047 not in wa.emu.errors
