"""Asking residents: a professional's check question waits for the organisers; once approved it goes out as a
poll only to residents who opted in to questions from professionals (not to those who only want polls, not in
the public rooms), and the result comes back to the professionals' room when it closes."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.clock import ManualClock
from bot.engine import polls
from tests.engine.contacts_support import room
from tests.engine.polls_support import join, tap
from tests.engine.professionals_support import (
    PRO_ROOM,
    app_fixture,  # noqa: F401
    outbox_to,
    pro,
)
from tests.support import Person

QUESTION = "!check health | Do you recognise more loneliness among older neighbours? | yes | no | don't know"


async def wants_questions(app: App, user: str) -> Person:
    person = await join(app, user, opt_in=False)
    await person.say("/settings")
    await person.say("Questions from professionals")
    await person.say("yes")
    assert "Questions from professionals in your neighbourhood: yes" in person.text()
    await person.say("Done")
    return person


async def test_a_check_question_from_proposal_through_approval_to_residents_and_back(
        app: App, manual_clock: ManualClock) -> None:
    assert "waits for the organisers' approval" in await pro(app, QUESTION)
    [(chat, body)] = await outbox_to(app, "check-question")
    assert chat == "!mod-centrum:localhost" and "CQ-2026-0001" in body and "wijkagent" in body
    assert await outbox_to(app, "poll") == []  # nothing reaches residents before approval

    askers = [await wants_questions(app, f"asked{i}") for i in range(5)]
    only_polls = await join(app, "pollsonly", opt_in=True)
    assert "only moderators" in await pro(app, "!approve-check CQ-2026-0001")
    assert "goes to 5 residents" in await room(app, "!approve-check CQ-2026-0001")
    assert "already decided" in await room(app, "!approve-check CQ-2026-0001")
    announced = await outbox_to(app, "poll")
    chats = {chat for chat, _ in announced}
    assert chats == {p.address.chat_id for p in askers}  # not the polls-only resident, not the public rooms
    assert only_polls.address.chat_id not in chats
    told = await outbox_to(app, "check-question")
    assert told[-1][0] == PRO_ROOM and "went to 5 residents as poll P-2026-0001" in told[-1][1]

    async with app.db.transaction() as tx:
        poll_id = await tx.value("SELECT poll_id FROM check_questions WHERE reference = 'CQ-2026-0001'")
        poll = await polls.repo.get(tx, int(poll_id))
    assert poll is not None and poll.audience == "professionals"
    for number, person in zip((1, 1, 1, 2, 3), askers, strict=True):
        await person.send(tap(person, polls.choice_key(poll, number)))
    manual_clock.advance(timedelta(days=7, minutes=1))
    assert await polls.sweep(app.services) == (0, 1)
    results = await outbox_to(app, "poll-results")
    to_room = [body for chat, body in results if chat == PRO_ROOM]
    assert len(to_room) == 1 and "Do you recognise more loneliness" in to_room[0] and "3" in to_room[0]
    assert not any(chat in ("!public-centrum:localhost", "-100123") for chat, _ in results)


async def test_a_rejected_check_question_reaches_nobody(app: App) -> None:
    await wants_questions(app, "asked")
    await pro(app, QUESTION)
    assert "Give a reason" in await room(app, "!reject-check CQ-2026-0001")
    assert "hears your reason" in await room(app, "!toets-afwijzen CQ-2026-0001 we vroegen dit vorige maand al")
    assert await outbox_to(app, "poll") == []
    assert "vorige maand al" in (await outbox_to(app, "check-question"))[-1][1]


async def test_a_check_question_about_an_individual_or_malformed_is_refused(app: App) -> None:
    assert "professional secrecy" in await pro(app, "!check health | Is the man next door ok? | yes | no")
    assert "Use: !check" in await pro(app, "!check health | Only a question?")
    assert "Use: !check" in await pro(app, "!check nonsense | Question? | yes | no")
    assert await outbox_to(app, "check-question") == []
