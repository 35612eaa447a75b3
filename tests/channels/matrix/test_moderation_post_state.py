"""The moderation room as Element users expect it (issue 21, points 1-3), on a real Synapse with an encrypted room:
the post says its reactions are buttons, not votes; after a decision the bot edits its post (``m.replace``) to show
who decided what and when and takes back its own reaction prompts; answers are threaded replies to the post that
mention the organiser (``m.mentions`` and a pill); a refusal names who was refused; other notices ping nobody;
🚫 asks for the reason in the post's thread, and the organiser's next reply there becomes the reason."""

from __future__ import annotations

import re
from typing import Any

import nio

from bot.clock import ManualClock
from tests.channels.matrix.test_moderation_e2e import centrum, share, status_of
from tests.channels.matrix_fixtures import (  # the *_fixture imports register fixtures
    MatrixWorld,
    events_in,
    send_text,
    synapse_fixture,  # noqa: F401
    sync_until,
    world_fixture,  # noqa: F401
)


def content(event: Any) -> dict[str, Any]:
    return dict(event.source.get("content", {}))


def edit_of(post_id: str, pattern: str) -> Any:
    return lambda e: (isinstance(e, nio.RoomMessageNotice) and content(e).get("m.relates_to", {}).get("rel_type")
                      == "m.replace" and content(e)["m.relates_to"].get("event_id") == post_id
                      and re.search(pattern, content(e).get("m.new_content", {}).get("body", "")))


def in_thread_of(post_id: str, pattern: str) -> Any:
    def match(e: Any) -> bool:
        relation = content(e).get("m.relates_to", {})
        return (isinstance(e, nio.RoomMessageNotice) and relation.get("rel_type") == "m.thread"
                and relation.get("event_id") == post_id
                and relation.get("m.in_reply_to", {}).get("event_id") == post_id and bool(re.search(pattern, e.body)))
    return match


async def post_of(seen: Seen, client: nio.AsyncClient, room: str, reference: str, bot: str) -> Any:
    post = await seen.wait(lambda e: isinstance(e, nio.RoomMessageNotice) and e.sender == bot
                           and reference in e.body and "m.relates_to" not in content(e))
    for key in ("✅", "🚫", "✏️"):
        await seen.wait(lambda e, key=key: isinstance(e, nio.ReactionEvent) and e.reacts_to == post.event_id
                        and e.key == key)
    return post


async def bots_reactions(client: nio.AsyncClient, room: str, post_id: str, bot: str) -> set[str]:
    """The keys of the bot's reactions still on the post, as the homeserver's relations API lists them."""
    return {e.key async for e in client.room_get_event_relations(room, post_id)
            if isinstance(e, nio.ReactionEvent) and e.sender == bot}


async def react(client: nio.AsyncClient, room: str, event_id: str, key: str) -> None:
    reaction = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
    sent = await client.room_send(room, "m.reaction", reaction, ignore_unverified_devices=True)
    assert isinstance(sent, nio.RoomSendResponse), sent


async def send_in_thread(client: nio.AsyncClient, room: str, root: str, body: str) -> None:
    sent = await client.room_send(room, "m.room.message", {
        "msgtype": "m.text", "body": body, "m.relates_to": {
            "rel_type": "m.thread", "event_id": root, "is_falling_back": True, "m.in_reply_to": {"event_id": root}}},
        ignore_unverified_devices=True)
    assert isinstance(sent, nio.RoomSendResponse), sent


class Seen:
    """Everything others sent to the room since the start, so events that arrive in one sync are all found."""

    def __init__(self, client: nio.AsyncClient, room: str) -> None:
        self.client, self.room, self.events = client, room, []  # type: ignore[var-annotated]

    async def wait(self, pred: Any) -> Any:
        def found(resp: Any) -> Any:
            self.events.extend(e for e in events_in(resp, self.room) if e.sender != self.client.user_id)
            return next((e for e in self.events if pred(e)), None)

        hit = next((e for e in self.events if pred(e)), None)
        return hit if hit is not None else await sync_until(self.client, found)


def mentions_only(event: Any, user_id: str) -> bool:
    c = content(event)
    return (c.get("m.mentions") == {"user_ids": [user_id]}
            and f'<a href="https://matrix.to/#/{user_id}">' in c.get("formatted_body", ""))


async def test_posts_show_their_state_and_answers_go_to_the_post(world: MatrixWorld,
                                                                 manual_clock: ManualClock) -> None:
    c = await centrum(world, manual_clock)
    app, bot, organiser, member, mod_room, telegram = c.app, c.bot, c.organiser, c.member, c.mod_room, c.telegram
    try:
        seen = Seen(organiser, mod_room)
        first = await share(app, "anna")
        post = await post_of(seen, organiser, mod_room, first, bot.user_id)
        assert "buttons for moderators, not votes" in post.body
        assert content(post)["m.mentions"] == {}  # a plain notice pings nobody

        # A member's command is refused, and the refusal names them (a pill and m.mentions).
        await send_text(member, mod_room, f"!approve {first}")
        refusal = await seen.wait(lambda e: isinstance(e, nio.RoomMessageNotice)
                                   and "only moderators" in e.body)
        assert mentions_only(refusal, member.user_id)

        # ✅ approves: the answer is a threaded reply to the post mentioning the organiser; the post is edited to
        # show who approved and when; the bot's own reactions are taken back.
        await react(organiser, mod_room, post.event_id, "✅")
        answer = await seen.wait(in_thread_of(post.event_id, f"{first} approved"))
        assert mentions_only(answer, organiser.user_id)
        edited = await seen.wait(edit_of(post.event_id, "Approved by"))
        assert "buttons for moderators" not in content(edited)["m.new_content"]["body"]
        assert content(edited)["m.new_content"]["m.mentions"] == {}
        for count in (1, 2, 3):  # one redaction per prompt
            await seen.wait(lambda e, count=count: sum(isinstance(x, nio.RedactionEvent) for x in seen.events) >= count)
        assert await bots_reactions(organiser, mod_room, post.event_id, bot.user_id) == set()
        assert await status_of(app, first) == "approved"

        # 🚫 asks for the reason in the post's thread; chatter outside the thread is not the reason; the next reply
        # in the thread is, the author hears it and the post shows it.
        second = await share(app, "bob")
        post2 = await post_of(seen, organiser, mod_room, second, bot.user_id)
        await react(organiser, mod_room, post2.event_id, "🚫")
        question = await seen.wait(in_thread_of(post2.event_id, "Reply in this thread with the number or word"))
        assert mentions_only(question, organiser.user_id)
        assert "1 · personal – personal details about other people" in question.body  # the categories, listed
        await send_text(organiser, mod_room, "Even koffie halen.")
        await send_in_thread(organiser, mod_room, post2.event_id, "1 Dit gaat over één persoon.")
        await seen.wait(in_thread_of(post2.event_id, f"{second} rejected"))
        edited2 = await seen.wait(edit_of(post2.event_id, "Rejected by .*personal details about other people "
                                                          r"\(Dit gaat over één persoon.\)"))
        assert edited2 is not None
        told = "The reason: personal details about other people (Dit gaat over één persoon.)."
        await telegram.wait_for(lambda sent: any(told in r.text for r in sent))
        assert await status_of(app, second) == "rejected"
        assert not any("Even koffie" in r.text for r in telegram.sent)

        # An edit while undecided shows on the post, which keeps its buttons.
        third = await share(app, "cem")
        post3 = await post_of(seen, organiser, mod_room, third, bot.user_id)
        await send_text(organiser, mod_room, f"!edit {third} De lantaarns op het plein zijn kapot.")
        await seen.wait(edit_of(post3.event_id, "Text edited by"))
        assert await bots_reactions(organiser, mod_room, post3.event_id, bot.user_id) == {"✅", "🚫", "✏️"}

        # !log shows who decided by display name, with the Matrix id in brackets.
        await send_text(organiser, mod_room, f"!log {first}")
        history = await seen.wait(lambda e: isinstance(e, nio.RoomMessageNotice) and f"History of {first}" in e.body)
        localpart = organiser.user_id[1:].split(":")[0]
        assert f"{localpart} ({organiser.user_id})" in history.body
    finally:
        await app.stop()
