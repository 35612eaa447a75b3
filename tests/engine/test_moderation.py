"""Moderation through the outbox: new stories reach the moderation room; organisers decide; authors hear."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.channels.base import Actor, Address, Incoming
from bot.clock import ManualClock
from bot.store import experiences as experiences_repo
from tests.support import Person, Recorder

MOD_ROOM = "!mod-centrum:localhost"
STORY = "Call 06-12345678: the streetlights on the Kerkstraat are broken since March."


def organiser(app: App, line: str, moderator: bool = True, user: str = "@org:localhost",
              room: str = MOD_ROOM) -> Incoming:
    word, _, args = line.lstrip("!").partition(" ")
    return Incoming(Actor("matrix", user), Address("matrix", room, private=False), text=line, command=word,
                    args=args, moderator=moderator)


async def shared_story(app: App, user: str = "anna", channel: str = "telegram", name: str | None = None) -> str:
    person = Person(app, user, channel=channel)
    await person.onboard("centrum")
    return await tell_story(app, person, name)


async def tell_story(app: App, person: Person, name: str | None = None, story: str = STORY) -> str:
    """``person`` (onboarded) shares ``story`` about safety, anonymously or with ``name``; returns its reference."""
    await person.say("/share")
    await person.say("Safety and crime")
    await person.say(story)
    await person.say("Skip")
    if person.actor.channel == "telegram":
        await person.say("Skip")  # no photo
    await person.say("With my first name" if name else "Anonymous")
    if name:
        await person.say(name)
    await person.say("Send")
    async with app.db.transaction() as tx:
        return str(await tx.value("SELECT reference FROM experiences ORDER BY id DESC LIMIT 1"))


async def test_a_new_story_appears_in_the_moderation_room_scrubbed(app: App, matrix_recorder: Recorder) -> None:
    reference = await shared_story(app)
    assert matrix_recorder.sent == []  # queued in the outbox, not sent inside the resident's turn
    assert await app.outbox.drain() == 1
    post = matrix_recorder.sent[0]
    assert post.address == Address("matrix", MOD_ROOM, private=False)
    assert reference in post.text and "[telefoonnummer]" in post.text and "06-12345678" not in post.text
    assert "Removed before you saw it: phone number" in post.text
    assert post.reactions == ("✅", "🚫", "✏️")


async def test_approve_by_command_tells_author_and_publishes(app: App, matrix_recorder: Recorder,
                                                             telegram_recorder: Recorder) -> None:
    reference = await shared_story(app, name="Anna")
    await app.outbox.drain()
    replies = await app.dispatch(organiser(app, f"!approve {reference}"))
    assert f"{reference} approved" in replies[0].text
    await app.outbox.drain()
    author = [r for r in telegram_recorder.sent if r.address and r.address.chat_id == "anna"]
    assert len(author) == 1 and "approved" in author[0].text
    public = matrix_recorder.texts("!public-centrum:localhost")
    assert len(public) == 1 and "[telefoonnummer]" in public[0] and "— Anna" in public[0]
    assert any("— Anna" in text for text in telegram_recorder.texts("-100123"))
    replies = await app.dispatch(organiser(app, f"!log {reference}"))
    assert "@org:localhost" in replies[0].text and "approved" in replies[0].text


async def test_approve_by_reaction_on_the_moderation_post(app: App, matrix_recorder: Recorder) -> None:
    reference = await shared_story(app)
    await app.outbox.drain()
    post_id = "$matrix-1"
    reaction = Incoming(Actor("matrix", "@org:localhost"), Address("matrix", MOD_ROOM, private=False),
                        reaction="✅", reacted_to=post_id, moderator=True, event_id="$r1")
    replies = await app.dispatch(reaction)
    assert f"{reference} approved" in replies[0].text
    async with app.db.transaction() as tx:
        stored = await experiences_repo.by_reference(tx, reference)
    assert stored is not None and stored.status == "approved"


async def test_reject_by_reaction_on_a_decided_post_says_who_decided_instead_of_asking_a_reason(app: App) -> None:
    reference = await shared_story(app)
    await app.outbox.drain()
    await app.dispatch(organiser(app, f"!approve {reference}"))
    reaction = Incoming(Actor("matrix", "@org:localhost"), Address("matrix", MOD_ROOM, private=False),
                        reaction="🚫", reacted_to="$matrix-1", moderator=True, event_id="$r2")
    replies = await app.dispatch(reaction)
    assert f"{reference} was already approved" in replies[0].text and "Why is" not in replies[0].text
    reason = Incoming(Actor("matrix", "@org:localhost"), Address("matrix", MOD_ROOM, "$matrix-1", private=False),
                      text="4 already reported", moderator=True, event_id="$t1")
    assert await app.dispatch(reason) == []  # in the post's thread, but no reason is waited for


async def test_reject_needs_a_reason_which_reaches_the_author(app: App, telegram_recorder: Recorder) -> None:
    reference = await shared_story(app)
    await app.outbox.drain()
    replies = await app.dispatch(organiser(app, f"!reject {reference}"))
    assert "Please give the reason" in replies[0].text and "5 · advertising – advertising or spam" in replies[0].text
    replies = await app.dispatch(organiser(app, f"!afwijzen {reference} This names a neighbour."))
    assert "rejected" in replies[0].text
    await app.outbox.drain()
    assert any("This names a neighbour." in t for t in telegram_recorder.texts("anna"))
    replies = await app.dispatch(organiser(app, f"!approve {reference}"))
    assert "already rejected" in replies[0].text


async def test_a_non_moderator_is_refused_and_nothing_changes(app: App) -> None:
    reference = await shared_story(app)
    replies = await app.dispatch(organiser(app, f"!approve {reference}", moderator=False, user="@someone:x"))
    assert "only moderators" in replies[0].text
    async with app.db.transaction() as tx:
        stored = await experiences_repo.by_reference(tx, reference)
        assert await tx.value("SELECT COUNT(*) FROM audit_log") == 0
    assert stored is not None and stored.status == "new"


async def test_edit_rescrubs_and_theme_changes(app: App) -> None:
    reference = await shared_story(app)
    replies = await app.dispatch(organiser(app, f"!edit {reference} Lights broken, mail jan@example.org"))
    assert "[e-mailadres]" in replies[0].text and "jan@example.org" not in replies[0].text
    replies = await app.dispatch(organiser(app, f"!theme {reference} housing"))
    assert "Housing" in replies[0].text
    replies = await app.dispatch(organiser(app, "!queue"))
    assert reference in replies[0].text and "Housing" in replies[0].text


async def test_wrong_room_and_unknown_reference(app: App) -> None:
    reference = await shared_story(app)
    replies = await app.dispatch(organiser(app, "!approve W-1999-0001"))
    assert "I cannot find W-1999-0001" in replies[0].text
    replies = await app.dispatch(organiser(app, f"!approve {reference}", room="!other:localhost"))
    assert "not a moderation room" in replies[0].text


async def test_waiting_stories_are_reminded_once_per_period(app: App, manual_clock: ManualClock,
                                                            matrix_recorder: Recorder) -> None:
    reference = await shared_story(app)
    await app.outbox.drain()
    from bot.engine import moderation

    assert await moderation.remind(app.services) == 0
    manual_clock.advance(timedelta(hours=49))
    assert await moderation.remind(app.services) == 1
    assert await moderation.remind(app.services) == 0  # not again right away
    await app.outbox.drain()
    assert reference in matrix_recorder.texts(MOD_ROOM)[-1] and "waiting" in matrix_recorder.texts(MOD_ROOM)[-1]
    manual_clock.advance(timedelta(hours=49))
    assert await moderation.remind(app.services) == 1
