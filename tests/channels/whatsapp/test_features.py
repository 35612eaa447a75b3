"""Resident features beyond sharing on WhatsApp: /settings and polls (announced through the outbox, voted with
a button press or by typing), and neighbourhood conversations."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.channels.whatsapp.pacing import hour_of
from tests.channels.whatsapp_fixtures import WaRunning
from tests.engine.polls_support import room
from tests.engine.test_polls_youth_unlinkable import _dump


async def test_settings_and_a_poll_announced_and_voted_on_whatsapp(wa: WaRunning) -> None:
    anna = wa.emu.user("31611111111", "Anna")
    await wa.onboard(anna)
    await anna.send("instellingen")
    settings = await wa.reply(anna)
    assert settings.widget == "list" and "Polls" in " ".join(settings.labels())
    polls = next(label for label in settings.labels() if label.startswith("Polls"))
    question = await wa.press(anna, settings, polls)
    answer = await wa.press(anna, question, question.labels()[0])
    assert answer.text
    await wa.handled()
    for message in wa.emu.messages_to(anna):
        message.consumed = True

    said = await room(wa.app, '!poll "Where should the bench go?" | Square | Park | closes over 3 dagen')
    assert "1 resident" in said  # announced through the outbox after her quiet hours; she can vote now anyway
    await anna.send("peilingen")
    await wa.handled()
    poll = [m for m in wa.emu.messages_to(anna) if not m.consumed][-1]
    for message in wa.emu.messages_to(anna):
        message.consumed = True
    assert "Where should the bench go?" in poll.text and poll.widget == "button", poll.text
    receipt = await wa.press(anna, poll, "Park")
    assert "Park" in receipt.text
    async with wa.app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM poll_votes", ()) == 1


async def test_a_neighbourhood_conversation_on_whatsapp(wa: WaRunning) -> None:
    anna = wa.emu.user("31611111111", "Anna")
    await wa.onboard(anna)
    said = await room(wa.app, '!deliberate "How do we make the square nicer?" | More benches | More trees')
    assert "D-" in said
    await anna.send("praatmee")
    first = await wa.reply(anna)
    assert "Statement 1 of 2" in first.text and first.labels() == ["Agree", "Disagree", "Pass"]
    second = await wa.press(anna, first, "Agree")
    assert "Statement 2 of 2" in second.text and second.widget == "button"
    await wa.press(anna, second, "Pass")
    async with wa.app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM deliberation_votes", ()) == 2


async def test_a_youth_poll_on_whatsapp_with_options_typed_instead_of_tapped(wa: WaRunning) -> None:
    sanne = wa.emu.user("31622222222", "Sanne")
    await wa.onboard(sanne)
    # Typed, not tapped; "Polls" is also a command word, but here it is the offered option.
    for typed in ("settings", "Polls", "yes", "Age group (for youth polls)", "15-17", "Done"):
        await sanne.send(typed)
        await wa.handled()
        for m in wa.emu.messages_to(sanne):
            m.consumed = True
    said = await room(wa.app, "!poll Skatepark or football cage? | Skatepark | Football cage | closes over 3 dagen"
                              " | jongeren 12-17")
    assert "1 resident" in said
    for message in wa.emu.messages_to(sanne):
        message.consumed = True
    await sanne.send("polls")
    await wa.handled()
    poll = [m for m in wa.emu.messages_to(sanne) if not m.consumed][-1]
    assert "Skatepark or football cage?" in poll.text and poll.labels() == ["Skatepark", "Football cage"]
    poll.consumed = True
    wa.clock.at = hour_of(wa.clock.at) + 3600 + 13 * 60 + 17  # she votes at 13 min 17 s past a new hour
    before = await _dump(wa.app)
    receipt = await wa.press(sanne, poll, "Skatepark")
    assert "Skatepark" in receipt.text
    await wa.handled()
    # Her 24-hour window is kept to the hour, so no row that names her holds the minute of her vote.
    changed = await _dump(wa.app) - before
    vote = datetime.fromtimestamp(wa.clock(), UTC)
    assert [row for row in changed if sanne.bsuid in row and vote.isoformat()[:13] + ":00:00" in row]
    assert not [row for row in changed if vote.isoformat()[:16] in row], changed
    async with wa.app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM poll_votes", ()) == 0  # a youth vote is linked to nobody
