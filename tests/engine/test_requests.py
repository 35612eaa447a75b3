"""A professional's request to the municipality: it appears in the moderation room, is answered on the
commitment clock of feedback (status, what, because, a typed date), and is posted as overdue in both rooms once
its promised date passes without a final answer."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.clock import ManualClock
from bot.engine import requests
from tests.engine.contacts_support import room
from tests.engine.professionals_support import (
    PRO_ROOM,
    app_fixture,  # noqa: F401
    outbox_to,
    pro,
)

MOD = "!mod-centrum:localhost"


async def test_a_request_is_answered_and_reported_overdue_once(app: App, manual_clock: ManualClock) -> None:
    said = await pro(app, "!request Een ruimte voor jongeren op vrijdagavond | steeds meer overlast bij het plein")
    assert "Request RQ-2026-0001 is in the moderation room" in said
    [(chat, body)] = await outbox_to(app, "request")
    assert chat == MOD and "from the wijkagent (Centrum)" in body and "overlast bij het plein" in body
    assert "Sanne" not in body

    assert "because is needed" in await room(app, "!answer-request RQ-2026-0001 | in progress | We zoeken | ")
    assert "Unknown status" in await room(app, "!answer-request RQ-2026-0001 | misschien | We zoeken | want")
    assert "only moderators" in await pro(app, "!answer-request RQ-2026-0001 | done | x | y")
    answered = await room(app, "!answer-request RQ-2026-0001 | in progress | We zoeken een ruimte in het buurthuis |"
                               " de beheerder is positief | over 3 dagen")
    assert "sent to the professionals' room" in answered
    [(chat, body)] = await outbox_to(app, "request-answer")
    assert chat == PRO_ROOM and "in progress" in body and "de beheerder is positief" in body and "Promised for" in body

    assert await requests.overdue_requests(app.services) == 0  # not due yet
    manual_clock.advance(timedelta(days=4))
    assert await requests.overdue_requests(app.services) == 1
    assert await requests.overdue_requests(app.services) == 0  # once per lapse
    overdue = await outbox_to(app, "request-overdue")
    assert sorted(chat for chat, _ in overdue) == sorted([MOD, PRO_ROOM])
    assert "Overdue: request RQ-2026-0001" in overdue[0][1]
    # A final answer stops the clock.
    await room(app, "!verzoek-antwoord RQ-2026-0001 | klaar | Het buurthuis is open op vrijdag | geregeld")
    manual_clock.advance(timedelta(days=30))
    assert await requests.overdue_requests(app.services) == 0


async def test_a_request_about_an_individual_is_refused(app: App) -> None:
    said = await pro(app, "!verzoek Hulp voor de vrouw van nummer 12 | zij redt het niet alleen")
    assert "professional secrecy" in said and await outbox_to(app, "request") == []
    assert "Use: !request" in await pro(app, "!request alleen iets zonder reden")
