"""Moderation end to end: the whole App on a real Synapse, an encrypted moderation room made as Element makes
it, a resident on another channel. A story reaches the room; an organiser approves by reaction and rejects by
command; the author hears both; a member's command is refused; a restart does not replay old commands."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import nio

from bot.app import App
from bot.channels.matrix import MatrixChannel
from bot.clock import ManualClock
from bot.config import Config
from tests.channels.matrix_fixtures import (  # the *_fixture imports register fixtures
    MatrixWorld,
    bot_joined,
    centrum_rooms,
    events_in,
    send_text,
    synapse_fixture,  # noqa: F401
    sync_until,
    wait_event,
    world_fixture,  # noqa: F401
)
from tests.support import Person, Recorder

STORY = "Bel 06-12345678: de lantaarns op het plein zijn al weken kapot."


def notice_matching(pattern: str) -> Any:
    return lambda e: isinstance(e, nio.RoomMessageNotice) and re.search(pattern, e.body)


async def start_app(config: Config, telegram: Recorder, clock: ManualClock) -> tuple[App, MatrixChannel]:
    channel = MatrixChannel(config)
    app = App(config, [channel, telegram], clock=clock)
    await app.start()
    await asyncio.wait_for(channel.ready.wait(), 30)
    return app, channel


async def share(app: App, user: str) -> str:
    anna = Person(app, user, channel="telegram")
    await anna.onboard("centrum")
    for line in ("/share", "Safety and crime", STORY, "Skip", "Skip", "Anonymous", "Send"):
        await anna.say(line)
    match = re.search(r"W-\d{4}-\d{4}", anna.text())
    assert match, anna.text()
    return match.group(0)


@dataclass
class Centrum:
    """The running App with Centrum's encrypted moderation room (made by an organiser as Element makes it) and a
    public room, a member who is no moderator, and residents on a recording Telegram channel."""

    app: App
    bot: Any
    organiser: nio.AsyncClient
    member: nio.AsyncClient
    mod_room: str
    public_room: str
    config: Config
    telegram: Recorder


async def centrum(w: MatrixWorld, clock: ManualClock) -> Centrum:
    bot = await w.user("bot")
    organiser = await w.person("org", encryption=True)
    member = await w.person("member")
    mod_room, public_room = await centrum_rooms(organiser, member, bot.user_id)
    config = w.config(bot, moderation_room=mod_room, public_rooms=(public_room,))
    telegram = Recorder("telegram")
    app, _ = await start_app(config, telegram, clock)
    await bot_joined(organiser, mod_room, bot.user_id)
    return Centrum(app, bot, organiser, member, mod_room, public_room, config, telegram)


async def status_of(app: App, reference: str) -> str:
    async with app.db.transaction() as tx:
        return str(await tx.value("SELECT status FROM experiences WHERE reference = ?", (reference,)))


async def test_moderation_from_an_encrypted_room(world: MatrixWorld, manual_clock: ManualClock) -> None:
    c = await centrum(world, manual_clock)
    app, bot, organiser, member, telegram = c.app, c.bot, c.organiser, c.member, c.telegram
    mod_room, public_room, config = c.mod_room, c.public_room, c.config
    try:

        # A story from another channel reaches the encrypted moderation room, scrubbed, with the bot's reactions.
        first = await share(app, "anna")
        seen: list[Any] = []  # the post and the bot's reactions may come in one sync or in several

        def post_with_reaction(resp: Any) -> Any:
            seen.extend(e for e in events_in(resp, mod_room) if e.sender == bot.user_id)
            post = next((e for e in seen if notice_matching(first)(e)), None)
            return post is not None and any(isinstance(e, nio.ReactionEvent) and e.reacts_to == post.event_id
                                             and e.key == "✅" for e in seen) and post

        post = await sync_until(organiser, post_with_reaction)
        assert "[telefoonnummer]" in post.body and "06-12345678" not in post.body

        # A member who is not a moderator is refused politely, and nothing changes.
        await send_text(member, mod_room, f"!approve {first}")
        await wait_event(organiser, mod_room, notice_matching("only moderators"))
        assert await status_of(app, first) == "new"

        # The organiser (room creator, room version 12) approves with a reaction.
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": post.event_id, "key": "✅"}}
        sent = await organiser.room_send(mod_room, "m.reaction", content, ignore_unverified_devices=True)
        assert isinstance(sent, nio.RoomSendResponse), sent
        await wait_event(organiser, mod_room, notice_matching(f"{first} approved"))
        published = await wait_event(member, public_room, notice_matching("lantaarns"))
        assert "[telefoonnummer]" in published.body and "— een bewoner" in published.body  # the public language: Dutch
        await telegram.wait_for(lambda sent: any(first in r.text and "approved" in r.text for r in sent))

        # A rejection by command: the reason reaches the author.
        second = await share(app, "bob")
        await wait_event(organiser, mod_room, notice_matching(second))
        await send_text(organiser, mod_room, f"!afwijzen {second} dubbel: zie {first}")
        await wait_event(organiser, mod_room, notice_matching(f"{second} rejected"))
        await telegram.wait_for(lambda sent: any(f"The reason: already reported (zie {first})." in r.text
                                                 for r in sent))
        async with app.db.transaction() as tx:
            assert await tx.value("SELECT decision_category FROM experiences WHERE reference = ?",
                                  (second,)) == "duplicate"
        async with app.db.transaction() as tx:
            audit = await tx.value("SELECT COUNT(*) FROM audit_log")
    finally:
        await app.stop()

    # A restart replays nothing: the old commands are not handled again, new ones are.
    app, _ = await start_app(config, telegram, manual_clock)
    try:
        third = await share(app, "cem")
        await wait_event(organiser, mod_room, notice_matching(third))
        await send_text(organiser, mod_room, f"!log {first}")
        history = await wait_event(organiser, mod_room, notice_matching(f"History of {first}"))
        assert organiser.user_id in history.body
        async with app.db.transaction() as tx:
            assert await tx.value("SELECT COUNT(*) FROM audit_log") == audit
    finally:
        await app.stop()



async def test_a_story_shared_while_the_homeserver_is_down_arrives_after_it_returns(
        world: MatrixWorld, manual_clock: ManualClock) -> None:
    w = world
    bot = await w.user("bot")
    organiser = await w.person("org")
    created = await organiser.room_create(name="Moderatie", invite=[bot.user_id])
    assert isinstance(created, nio.RoomCreateResponse), created
    config = w.config(bot, moderation_room=created.room_id)
    telegram = Recorder("telegram")
    channel = MatrixChannel(config)
    channel.backoff_max = 2.0
    app = App(config, [channel, telegram], clock=manual_clock)
    await app.start()
    try:
        await asyncio.wait_for(channel.ready.wait(), 30)
        await bot_joined(organiser, created.room_id, bot.user_id)
        await w.synapse.astop()
        try:
            reference = await share(app, "anna")  # the resident is answered; the post waits in the outbox
            await app.outbox.drain()
            async with app.db.transaction() as tx:
                assert await tx.value("SELECT status FROM outbox WHERE purpose = 'moderation'") == "pending"
        finally:
            await w.synapse.astart()
        # Past the outbox's backoff (on the test's clock), and drained now: the dispatcher's own round comes only
        # every 5 s of real time, which the test used to wait for.
        manual_clock.advance(timedelta(minutes=1))
        assert await app.outbox.drain() == 1
        await wait_event(organiser, created.room_id, notice_matching(reference))
    finally:
        await app.stop()

