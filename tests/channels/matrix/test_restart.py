"""Restarts: the bot's (same device, sync token kept) and the homeserver's (reconnect with backoff)."""

from __future__ import annotations

import json
import stat
from dataclasses import replace

import nio

from bot.channels.base import Address, Incoming, Reply
from tests.channels.matrix_fixtures import (  # the *_fixture imports register fixtures
    MatrixWorld,
    RecordingHost,
    bot_joined,
    is_notice,
    join,
    send_text,
    synapse_fixture,  # noqa: F401
    wait_event,
    wait_events,
    world_fixture,  # noqa: F401
)
from tests.peers.synapse import make_client


def echo(incoming: Incoming) -> list[Reply]:
    return [Reply(text=f"ontvangen: {incoming.text}")]


async def test_bot_restart_keeps_device_and_position(world: MatrixWorld) -> None:
    w = world
    bot = await w.user("bot")
    resident = await w.person("bewoner")
    created = await resident.room_create(is_direct=True, invite=[bot.user_id])
    assert isinstance(created, nio.RoomCreateResponse), created
    room_id = created.room_id
    # The bot's account was in the room before the channel ever ran: that history is never replayed.
    other_device = await make_client(w.synapse, bot)
    w.clients.append(other_device)
    await join(other_device, room_id)
    await send_text(resident, room_id, "oud")

    config = w.config(bot)
    host = RecordingHost(echo)
    first = await w.start(config, host)
    await send_text(resident, room_id, "nieuw 1")
    assert (await host.next()).text == "nieuw 1"
    device_id = first.device_id
    store = config.matrix.store_dir if config.matrix else None
    assert store is not None
    credentials = store / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert json.loads(credentials.read_text())["device_id"] == device_id
    await w.stop(first)

    # While the bot is down: more than a sync timeline holds (the channel fills the gap with /messages).
    for n in range(1, 6):
        await send_text(resident, room_id, f"weg {n}")
    second = await w.start(config, host, timeline_limit=2)
    assert second.device_id == device_id  # same device, same keys: no new session for organisers to verify
    received = [(await host.next()).text for _ in range(5)]
    assert received == [f"weg {n}" for n in range(1, 6)]
    # ... and answered at once, though they came with the first sync after the restart.
    notices = await wait_events(resident, room_id, is_notice, count=6)
    assert [e.body for e in notices] == [f"ontvangen: {text}" for text in ["nieuw 1", *received]]
    await send_text(resident, room_id, "nieuw 2")
    assert (await host.next()).text == "nieuw 2"
    assert [i.text for i in host.received] == ["nieuw 1", *received, "nieuw 2"]


async def test_homeserver_restart(world: MatrixWorld) -> None:
    w = world
    bot = await w.user("bot")
    resident = await w.person("bewoner")
    host = RecordingHost(echo)
    channel = await w.start(w.config(bot), host, backoff_max=2.0)
    created = await resident.room_create(is_direct=True, invite=[bot.user_id])
    assert isinstance(created, nio.RoomCreateResponse), created
    room_id = created.room_id
    dm = Address("matrix", room_id, private=True)
    await bot_joined(resident, room_id, bot.user_id)
    await send_text(resident, room_id, "voor")
    assert (await host.next()).text == "voor"
    assert (await wait_event(resident, room_id, is_notice)).body == "ontvangen: voor"

    await w.synapse.astop()
    try:
        during = await channel.send(Reply(text="tijdens de storing", address=dm))
        assert not during.ok and not during.unreachable and during.error
    finally:
        await w.synapse.astart()

    await send_text(resident, room_id, "na")
    assert (await host.next()).text == "na"
    assert (await wait_event(resident, room_id, is_notice)).body == "ontvangen: na"
    assert channel.connected


async def test_access_token_login_keeps_that_device(world: MatrixWorld) -> None:
    w = world
    bot = await w.user("bot")
    config = w.config(bot)
    assert config.matrix is not None
    config = replace(config, matrix=replace(config.matrix, password=None, access_token=bot.access_token))
    host = RecordingHost(echo)
    channel = await w.start(config, host)
    assert channel.device_id == bot.device_id  # the token's own device, found with whoami
    resident = await w.person("bewoner")
    created = await resident.room_create(is_direct=True, invite=[bot.user_id])
    assert isinstance(created, nio.RoomCreateResponse), created
    await bot_joined(resident, created.room_id, bot.user_id)
    await send_text(resident, created.room_id, "hoi")
    assert (await host.next()).text == "hoi"
    assert (await wait_event(resident, created.room_id, is_notice)).body == "ontvangen: hoi"
