"""Polls end to end on Matrix: the whole App on a real Synapse. A resident in an encrypted direct chat opts in and
gets an MSC3381 poll event; the public room gets one too; votes come back as poll responses (direct chat and
public room), a non-resident's vote is refused in the room, organisers count and close from the moderation room,
and the results end the poll events and arrive as text and an image."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import nio

from bot.app import App
from bot.channels.matrix import MatrixChannel
from bot.channels.matrix.format import POLL_END, POLL_START
from bot.clock import ManualClock
from tests.channels.matrix_fixtures import (  # the *_fixture imports register fixtures
    ENCRYPTION_STATE,
    MatrixWorld,
    bot_joined,
    join,
    send_text,
    synapse_fixture,  # noqa: F401
    wait_event,
    wait_events,
    world_fixture,  # noqa: F401
)
from tests.engine.polls_support import MONDAY
from tests.support import Recorder

RESPONSE = "org.matrix.msc3381.poll.response"


def notice(pattern: str) -> Any:
    return lambda e: isinstance(e, nio.RoomMessageNotice) and re.search(pattern, e.body)


def poll_event(kind: str) -> Any:
    return lambda e: isinstance(e, nio.UnknownEvent) and e.type == kind


async def say(client: nio.AsyncClient, room_id: str, text: str, expect: str) -> Any:
    await send_text(client, room_id, text)
    return await wait_event(client, room_id, notice(expect))


async def respond(client: nio.AsyncClient, room_id: str, start_id: str, *answers: str) -> None:
    content = {"m.relates_to": {"rel_type": "m.reference", "event_id": start_id},
               "org.matrix.msc3381.poll.response": {"answers": list(answers)}}
    resp = await client.room_send(room_id, RESPONSE, content, ignore_unverified_devices=True)
    assert isinstance(resp, nio.RoomSendResponse), resp


async def votes(app: App) -> list[int]:
    async with app.db.transaction() as tx:
        return [int(r[0]) for r in await tx.all("SELECT option FROM poll_votes ORDER BY option")]


async def test_a_poll_on_matrix_from_announcement_to_results(world: MatrixWorld, manual_clock: ManualClock) -> None:
    w = world
    manual_clock.set(MONDAY)
    bot = await w.user("bot")
    organiser = await w.person("org")
    resident = await w.person("res", encryption=True)
    guest = await w.person("guest")
    mod = await organiser.room_create(name="Moderatie", invite=[bot.user_id])
    public = await organiser.room_create(name="Centrum", invite=[bot.user_id, resident.user_id, guest.user_id])
    assert isinstance(mod, nio.RoomCreateResponse) and isinstance(public, nio.RoomCreateResponse)
    await join(resident, public.room_id)
    await join(guest, public.room_id)
    channel = MatrixChannel(w.config(bot, moderation_room=mod.room_id, public_rooms=(public.room_id,)))
    app = App(channel.config, [channel, Recorder("telegram")], clock=manual_clock)
    await app.start(background=False)
    try:
        await asyncio.wait_for(channel.ready.wait(), 30)
        await bot_joined(organiser, mod.room_id, bot.user_id)

        # The resident joins in an encrypted direct chat and opts in to polls.
        dm = await resident.room_create(is_direct=True, invite=[bot.user_id], initial_state=[ENCRYPTION_STATE])
        assert isinstance(dm, nio.RoomCreateResponse), dm
        await bot_joined(resident, dm.room_id, bot.user_id)
        await say(resident, dm.room_id, "/start", "Welkom")
        await say(resident, dm.room_id, "English", "neighbourhood")
        await say(resident, dm.room_id, "Centrum", "agree")
        await say(resident, dm.room_id, "1", "What would you like to do")
        await say(resident, dm.room_id, "/settings", "Your settings")
        await say(resident, dm.room_id, "Polls", "hear about new polls")
        await say(resident, dm.room_id, "yes", "Hear about new polls: yes")

        created = await say(organiser, mod.room_id, "!poll Meer licht op het plein? | Ja | Nee | closes over 3 dagen",
                            "P-2026-0001 is open until")
        assert "1 resident will hear of it" in created.body
        await app.outbox.drain()

        # Native polls: in the direct chat (after the announcement's text) and in the public room.
        start = await wait_event(resident, dm.room_id, poll_event(POLL_START))
        content = start.source["content"]
        poll = content[POLL_START]
        assert poll["question"]["org.matrix.msc1767.text"] == "Meer licht op het plein?"
        assert [(a["id"], a["org.matrix.msc1767.text"]) for a in poll["answers"]] == [("1", "Ja"), ("2", "Nee")]
        assert (poll["kind"], poll["max_selections"]) == ("org.matrix.msc3381.poll.undisclosed", 1)
        assert "1. Ja" in content["org.matrix.msc1767.text"]
        public_start = await wait_event(guest, public.room_id, poll_event(POLL_START))

        # Votes: in the direct chat (answered there), then in the public room (counted silently).
        await respond(resident, dm.room_id, start.event_id, "2")
        await wait_event(resident, dm.room_id, notice("Thank you! Your vote: Nee"))
        await respond(resident, public.room_id, public_start.event_id, "1")
        await respond(guest, public.room_id, public_start.event_id, "1")  # not a resident: refused in the room
        await wait_event(guest, public.room_id, notice("Only residents who joined can vote"))
        assert await votes(app) == [1]  # one vote per resident; the latest counts
        count = await say(organiser, mod.room_id, "!count P-2026-0001", "1 person voted so far")
        assert "Ja: 1 vote (100%)" in count.body

        # Closing: every poll event is ended; the results come as text and an image with alt text.
        await say(organiser, mod.room_id, "!close-poll P-2026-0001", "is closed; the results go to 1 resident")
        await app.outbox.drain()
        in_dm = await wait_events(resident, dm.room_id, lambda e: poll_event(POLL_END)(e) or isinstance(
            e, (nio.RoomEncryptedImage, nio.RoomMessageNotice)), count=3)
        ended = next(e for e in in_dm if poll_event(POLL_END)(e))
        assert ended.source["content"]["m.relates_to"] == {"rel_type": "m.reference", "event_id": start.event_id}
        assert any(isinstance(e, nio.RoomMessageNotice) and "Results of the poll P-2026-0001" in e.body for e in in_dm)
        encrypted_image = next(e for e in in_dm if isinstance(e, nio.RoomEncryptedImage))  # the chart, encrypted
        assert "Bar chart" in encrypted_image.body
        got = await wait_events(guest, public.room_id, lambda e: poll_event(POLL_END)(e) or isinstance(
            e, (nio.RoomMessageImage, nio.RoomMessageNotice)), count=3)
        image = next(e for e in got if isinstance(e, nio.RoomMessageImage))
        assert "Meer licht op het plein?" in image.body  # the alt text (Dutch in the public room once translated)
        download = await guest.download(image.url)
        assert isinstance(download, nio.DownloadResponse) and download.body.startswith(b"\x89PNG")
        assert any(isinstance(e, nio.RoomMessageNotice) and "Ja: 1" in e.body for e in got)

        # A vote after closing is refused.
        await respond(resident, dm.room_id, start.event_id, "1")
        await wait_event(resident, dm.room_id, notice("This poll has closed"))
        assert await votes(app) == [1]
    finally:
        await app.stop()
