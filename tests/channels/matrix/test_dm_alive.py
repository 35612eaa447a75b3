"""Direct chats feel alive (issue 21, point 5), on a real Synapse: a handled message gets the bot's read receipt,
and while a slow answer is prepared the resident sees the bot typing, until the answer is there."""

from __future__ import annotations

import asyncio
from typing import Any

import nio

from bot.channels.base import Busy, Incoming, Reply
from tests.channels.matrix_fixtures import (  # the *_fixture imports register fixtures
    MatrixWorld,
    RecordingHost,
    bot_joined,
    send_text,
    synapse_fixture,  # noqa: F401
    sync_until,
    world_fixture,  # noqa: F401
)


def ephemeral(resp: Any, room_id: str) -> list[Any]:
    info = resp.rooms.join.get(room_id)
    return list(info.ephemeral) if info else []


async def test_read_receipts_and_typing_in_a_direct_chat(world: MatrixWorld) -> None:
    w = world
    bot = await w.user("bot")
    resident = await w.person("bewoner")
    release = asyncio.Event()
    channel_ref: list[Any] = []

    async def slow(incoming: Incoming) -> list[Reply]:
        if incoming.text == "mijn gegevens":  # as the App does for a slow flow: show "typing…" first
            await channel_ref[0].busy(incoming.address, Busy.FILE)
            await release.wait()
        return [Reply(text="Klaar.")]

    host = RecordingHost()
    host.dispatch = slow  # type: ignore[method-assign]
    channel = await w.start(w.config(bot), host)
    channel_ref.append(channel)
    created = await resident.room_create(is_direct=True, invite=[bot.user_id])
    assert isinstance(created, nio.RoomCreateResponse), created
    room_id = created.room_id
    await bot_joined(resident, room_id, bot.user_id)

    # A handled message is marked read by the bot.
    hello = await send_text(resident, room_id, "hallo")
    await sync_until(resident, lambda r: any(
        isinstance(e, nio.ReceiptEvent) and any(rc.event_id == hello and rc.user_id == bot.user_id
                                                for rc in e.receipts) for e in ephemeral(r, room_id)) or None)

    # A slow answer: the bot is typing while it is prepared, and stops once the answer is there.
    await send_text(resident, room_id, "mijn gegevens")
    await sync_until(resident, lambda r: any(isinstance(e, nio.TypingNoticeEvent) and bot.user_id in e.users
                                             for e in ephemeral(r, room_id)) or None)
    release.set()
    await sync_until(resident, lambda r: any(isinstance(e, nio.TypingNoticeEvent) and bot.user_id not in e.users
                                             for e in ephemeral(r, room_id)) or None)
    await w.stop(channel)
