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


async def test_only_residents_who_stopped_using_the_bot_are_erased(app: App, manual_clock: ManualClock) -> None:
    """Activity is the day someone last wrote, kept on the resident: the hourly purge of idle dialogues (which
    used to be what the sweep looked at) no longer makes an active resident look gone."""
    regular, quiet = Person(app, "regular", channel="telegram"), Person(app, "quiet", channel="telegram")
    await regular.onboard()
    await quiet.onboard()
    for _ in range(25):  # 750 days: the regular writes every month, the other one never again
        manual_clock.advance(timedelta(days=30))
        await regular.say("/help")
        await app.scheduler.run("purge-idle")
    manual_clock.advance(timedelta(days=29))
    await regular.say("/status")  # yesterday
    manual_clock.advance(timedelta(days=1))
    await app.scheduler.run("purge-idle")
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM conversations") == 0  # no dialogue row is left to judge by
    swept = await retention.sweep(app.services)
    assert swept.residents == 1
    async with app.db.transaction() as tx:
        kept = await tx.all("SELECT user_id, last_active FROM residents")
    assert [(r["user_id"], r["last_active"]) for r in kept] == [("regular", (app.services.now() - timedelta(
        days=1)).date().isoformat())]  # a day, never the moment
    period = round(24 * 30.44)
    manual_clock.advance(timedelta(days=period - 1))  # last active exactly the period ago: kept
    assert (await retention.sweep(app.services)).residents == 0
    manual_clock.advance(timedelta(days=1))  # a day longer: erased
    assert (await retention.sweep(app.services)).residents == 1
