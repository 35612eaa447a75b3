"""The moderation post's state and answers about it, through the engine with recording channels (the Synapse
test, tests/channels/matrix/test_moderation_post_state.py, checks what Element receives)."""

from __future__ import annotations

from bot.app import App
from bot.channels.base import Actor, Address, Incoming
from tests.engine.test_moderation import MOD_ROOM, shared_story
from tests.support import Recorder

ORG = Actor("matrix", "@marieke:localhost", display_name="Marieke")


def in_room(text: str | None = None, thread: str | None = None, **fields: object) -> Incoming:
    command = None
    args = ""
    if text and text.startswith("!"):
        command, _, args = text[1:].partition(" ")
    return Incoming(ORG, Address("matrix", MOD_ROOM, thread, private=False), text=text, command=command, args=args,
                    moderator=True, **fields)  # type: ignore[arg-type]


async def test_a_decision_edits_the_post_and_settles_its_buttons(app: App, matrix_recorder: Recorder) -> None:
    reference = await shared_story(app)
    await app.outbox.drain()
    post = matrix_recorder.sent[-1]
    assert "buttons for moderators, not votes" in post.text

    await app.dispatch(in_room(f"!edit {reference} De lantaarns op het plein zijn kapot."))
    await app.outbox.drain()
    edited = matrix_recorder.sent[-1]
    assert edited.edit_of == "$matrix-1" and not edited.settled and "Text edited by Marieke" in edited.text
    assert "De lantaarns op het plein zijn kapot." in edited.text and "buttons for moderators" in edited.text

    replies = await app.dispatch(in_room(f"!approve {reference}"))
    assert replies[0].address is not None and replies[0].address.thread == "$matrix-1"  # in the post's thread
    assert replies[0].mentions == (ORG.user_id,)
    await app.outbox.drain()
    decided = next(r for r in reversed(matrix_recorder.sent) if r.edit_of == "$matrix-1")
    assert decided.settled and "Approved by Marieke" in decided.text and "buttons for" not in decided.text

    log = (await app.dispatch(in_room(f"!log {reference}")))[0].text
    assert "Marieke (@marieke:localhost)" in log


async def test_a_reject_reaction_takes_the_next_reply_in_the_thread_as_the_reason(
        app: App, matrix_recorder: Recorder, telegram_recorder: Recorder) -> None:
    reference = await shared_story(app)
    await app.outbox.drain()
    asked = await app.dispatch(in_room(reaction="🚫", reacted_to="$matrix-1", event_id="$r1"))
    assert "Reply in this thread with the number or word" in asked[0].text and asked[0].address is not None
    assert "1 · personal – personal details about other people" in asked[0].text  # the categories are listed
    assert asked[0].address.thread == "$matrix-1" and asked[0].mentions == (ORG.user_id,)

    assert await app.dispatch(in_room("Even koffie halen.", event_id="$t1")) == []  # not in the thread
    other = Actor("matrix", "@bob:localhost")
    await app.dispatch(Incoming(other, Address("matrix", MOD_ROOM, "$matrix-1", private=False), text="Eens!",
                                moderator=True, event_id="$t2"))  # someone else's reply is not her reason
    done = await app.dispatch(in_room("1 Dit gaat over één persoon.", thread="$matrix-1", event_id="$t3"))
    assert f"{reference} rejected" in done[0].text
    await app.outbox.drain()
    assert any("The reason: personal details about other people (Dit gaat over één persoon.)" in t
               for t in telegram_recorder.texts())
    assert not any("Even koffie" in t or "Eens!" in t for t in telegram_recorder.texts())
    decided = next(r for r in reversed(matrix_recorder.sent) if r.edit_of == "$matrix-1")
    assert decided.settled and "Rejected by Marieke" in decided.text
    assert "Reason: personal details about other people (Dit gaat over één persoon.)" in decided.text
