"""A story is decided only in its own neighbourhood's moderation room (issue 13.6): a ✅ in neighbourhood A's
room on a post of neighbourhood B's room, or ``!approve`` typed in A's room for B's story, changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.base import Actor, Address, Incoming
from bot.clock import ManualClock
from tests.support import BASE, Person, Recorder, make_config

ROOM_A, ROOM_B = "!mod-centrum:localhost", "!mod-noord:localhost"


@pytest.fixture
async def two_rooms(tmp_path: Path, manual_clock: ManualClock, matrix_recorder: Recorder,
                    telegram_recorder: Recorder) -> AsyncIterator[App]:
    centrum, noord = BASE["neighbourhoods"]
    hoods = [centrum, {**noord, "moderation_room": ROOM_B}]
    application = App(make_config(tmp_path, neighbourhoods=hoods), [matrix_recorder, telegram_recorder],
                      clock=manual_clock)
    await application.start(background=False)
    yield application
    await application.stop()


async def story_in_noord(app: App) -> str:
    bob = Person(app, "bob", channel="telegram")
    await bob.onboard("noord")
    for line in ("/share", "Housing", "The lift in our flat has been broken for a month.", "Skip", "Skip",
                 "Anonymous", "Send"):
        await bob.say(line)
    async with app.db.transaction() as tx:
        return str(await tx.value("SELECT reference FROM experiences"))


async def status(app: App, reference: str) -> tuple[str, int]:
    async with app.db.transaction() as tx:
        row = await tx.one("SELECT status FROM experiences WHERE reference = ?", (reference,))
        audit = await tx.value("SELECT COUNT(*) FROM audit_log")
    assert row is not None
    return str(row["status"]), int(audit)


def in_room(room: str, **what: object) -> Incoming:
    return Incoming(Actor("matrix", "@org:localhost"), Address("matrix", room, private=False), moderator=True,
                    **what)  # type: ignore[arg-type]


async def test_a_reaction_in_another_neighbourhoods_room_changes_nothing(two_rooms: App,
                                                                        matrix_recorder: Recorder) -> None:
    app = two_rooms
    reference = await story_in_noord(app)
    await app.outbox.drain()
    post = matrix_recorder.sent[0]
    assert post.address is not None and post.address.chat_id == ROOM_B and reference in post.text
    post_id = "$matrix-1"

    # A moderator of Centrum's room reacts ✅ there on Noord's post (the event id of a post in another room).
    replies = await app.dispatch(in_room(ROOM_A, reaction="✅", reacted_to=post_id, event_id="$r-a"))
    assert replies == []
    assert await status(app, reference) == ("new", 0)

    # Typed in Centrum's room, the command is refused with an answer that says why.
    word = "approve"
    replies = await app.dispatch(in_room(ROOM_A, text=f"!{word} {reference}", command=word, args=reference))
    assert f"I cannot find {reference}" in replies[0].text and "its own neighbourhood" in replies[0].text
    assert await status(app, reference) == ("new", 0)

    # In Noord's own room the same reaction approves it.
    replies = await app.dispatch(in_room(ROOM_B, reaction="✅", reacted_to=post_id, event_id="$r-b"))
    assert f"{reference} approved" in replies[0].text
    assert await status(app, reference) == ("approved", 1)


async def test_a_post_left_in_a_room_that_no_longer_moderates_the_neighbourhood_decides_nothing(
        tmp_path: Path, manual_clock: ManualClock, matrix_recorder: Recorder, telegram_recorder: Recorder,
            engine: str) -> None:
    """Noord's stories were moderated in Centrum's room; then Noord got its own room. A ✅ on an old post in the
    old room no longer decides: only Noord's room does."""
    centrum, noord = BASE["neighbourhoods"]
    before = make_config(tmp_path, neighbourhoods=[centrum, {**noord, "moderation_room": ROOM_A}])
    app = App(before, [matrix_recorder, telegram_recorder], clock=manual_clock)
    await app.start(background=False)
    reference = await story_in_noord(app)
    await app.outbox.drain()
    await app.stop()

    after = make_config(tmp_path, neighbourhoods=[centrum, {**noord, "moderation_room": ROOM_B}])
    app = App(after, [matrix_recorder, telegram_recorder], clock=manual_clock)
    await app.start(background=False)
    try:
        assert await app.dispatch(in_room(ROOM_A, reaction="✅", reacted_to="$matrix-1", event_id="$r")) == []
        assert await status(app, reference) == ("new", 0)
    finally:
        await app.stop()
