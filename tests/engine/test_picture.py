"""The neighbourhood picture for professionals: weekly into their room, and on demand for a period. Stories per
theme against the weeks before, scrubbed public text only (a rejected story counted but not shown),
observations with their role, open commitments, signals and closed polls."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.clock import ManualClock
from bot.engine import picture
from tests.engine.contacts_support import room
from tests.engine.professionals_support import (
    PRO_ROOM,
    add_story,
    app_fixture,  # noqa: F401
    outbox_to,
    pro,
)


async def test_the_weekly_picture_in_the_professionals_room(app: App, manual_clock: ManualClock) -> None:
    now = manual_clock.now()
    for days in (1, 2, 3):  # this week: three housing stories
        await add_story(app, "centrum", "housing", now - timedelta(days=days), text=f"Schimmel in de flat, dag {days}.")
    await add_story(app, "centrum", "housing", now - timedelta(days=4), text="Iets persoonlijks.", status="rejected")
    for weeks in (2, 3):  # the four weeks before: two housing stories, on average 0.5 a week
        await add_story(app, "centrum", "housing", now - timedelta(weeks=weeks))
    await add_story(app, "centrum", "safety", now - timedelta(days=2), text="Fietsen gestolen bij het station.")
    await add_story(app, "noord", "housing", now - timedelta(days=2), text="Dit is Noord.")
    await pro(app, "!observation social | Meer eenzaamheid onder ouderen in de flats aan de westkant.")
    await room(app, "!feedback theme housing | in progress | We praten met de corporatie | veel schimmel | "
                    "2026-03-20")

    manual_clock.advance(timedelta(minutes=1))
    assert await picture.weekly(app.services) == 2  # both neighbourhoods have a professionals' room
    sent = dict(await outbox_to(app, "picture"))
    body = sent[PRO_ROOM]
    assert "Neighbourhood picture of Centrum" in body and "Stories: 5" in body
    assert "- Housing: 4 (on average 0.5 in the 4 periods before)" in body
    assert "Schimmel in de flat, dag 1." in body and "Iets persoonlijks" not in body  # rejected: counted only
    assert "- Safety and crime: 1 (on average 0 in the 4 periods before)" in body
    assert "Dit is Noord" not in body and "Dit is Noord" in sent["!pro-noord:localhost"]
    assert "Observations of professionals: 1" in body and "(wijkagent, Getting along and taking part)" in body
    assert "Open commitments of the municipality: 1" in body and "We praten met de corporatie" in body
    assert "Early signals: 0" in body

    # On demand, for a period; the same in the moderation room for organisers.
    first = (now - timedelta(days=3)).date().isoformat()
    now = manual_clock.now()
    asked = await pro(app, f"!picture {first} {now.date().isoformat()}")
    assert "Stories: 4" in asked and "- Housing: 3" in asked
    assert "Neighbourhood picture of Centrum" in await room(app, "!wijkbeeld")
    assert "two dates" in await pro(app, "!picture gisteren")
    assert "Only professionals with a role" in await pro(app, "!picture", user="@someone:localhost")
