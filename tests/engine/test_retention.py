"""Nothing personal outlives the retention period promised before consent (24 months in the test config)."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.clock import ManualClock
from bot.engine import retention
from tests.engine.test_moderation import shared_story
from tests.support import Person


async def test_inactive_residents_and_old_stories_lose_everything_personal(app: App,
                                                                          manual_clock: ManualClock) -> None:
    old = await shared_story(app, user="anna", name="Anna")
    await app.outbox.drain()
    assert await retention.sweep(app.services) == retention.Swept(0, 0, 0)  # nothing is old yet

    manual_clock.advance(timedelta(days=400))
    bob = Person(app, "bob", channel="telegram")
    await bob.onboard()
    manual_clock.advance(timedelta(days=40))  # past the outbox's 30 days for anna's delivered messages
    swept = await retention.sweep(app.services)
    assert swept.residents == 0 and swept.stories == 0 and swept.outbox >= 1

    manual_clock.advance(timedelta(days=330))  # anna: 770 days quiet; bob wrote 370 days ago
    await bob.say("/help")
    swept = await retention.sweep(app.services)
    assert (swept.residents, swept.stories) == (1, 0)  # anna erased; her story kept, without her
    async with app.db.transaction() as tx:
        assert [r[0] for r in await tx.all("SELECT user_id FROM residents")] == ["bob"]
        story = await tx.one("SELECT resident_id, text, author_name, text_public FROM experiences"
                             " WHERE reference = ?", (old,))
    assert story is not None and (story["resident_id"], story["text"], story["author_name"]) == (None, None, None)
    assert "[telefoonnummer]" in story["text_public"]


async def test_an_active_residents_old_story_is_anonymised(app: App, manual_clock: ManualClock) -> None:
    reference = await shared_story(app, user="anna", name="Anna")
    manual_clock.advance(timedelta(days=760))
    anna = Person(app, "anna", channel="telegram")
    await anna.say("/status")  # still active
    swept = await retention.sweep(app.services)
    assert (swept.residents, swept.stories) == (0, 1)
    await anna.say("/mydata")
    assert "You shared 0 stories." in anna.text() and reference not in anna.text()
