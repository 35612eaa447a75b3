"""Fixtures and helpers for the Matrix channel tests: a real Synapse, a recording Host and nio test clients.

Import into a test module::

    from tests.channels.matrix_fixtures import MatrixWorld, synapse_fixture, world_fixture  # noqa: F401

and take the fixture ``world``

No wall-clock sleeps: the tests wait for events by long-polling sync on the test clients, and for the bot by
awaiting the RecordingHost's queue, each with a deadline.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import nio
import pytest
import pytest_asyncio

from bot.channels.base import Address, Incoming, Reply, SendResult
from bot.channels.matrix import MatrixChannel
from bot.config import Config
from tests.peers.synapse import RegisteredUser, SynapseServer, housekeeping, make_client
from tests.support import make_config

__all__ = ["ENCRYPTION_STATE", "MatrixWorld", "RecordingHost", "synapse_fixture", "world_fixture"]

DEADLINE = 15.0
LONG_POLL_MS = 5_000
ENCRYPTION_STATE = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}


def tag() -> str:
    return secrets.token_hex(3)


class RecordingHost:
    """The application as the channel sees it: records every Incoming and answers with ``respond(incoming)``."""

    def __init__(self, respond: Callable[[Incoming], list[Reply]] | None = None) -> None:
        self.respond = respond or (lambda incoming: [])
        self.received: list[Incoming] = []
        self.queue: asyncio.Queue[Incoming] = asyncio.Queue()
        self.unreachable_addresses: list[Address] = []
        self.gone: asyncio.Event = asyncio.Event()

    async def dispatch(self, incoming: Incoming) -> list[Reply]:
        self.received.append(incoming)
        await self.queue.put(incoming)
        return self.respond(incoming)

    def replied(self, reply: Reply, result: SendResult) -> None:
        """Nothing is held here."""

    async def unreachable(self, address: Address) -> None:
        self.unreachable_addresses.append(address)
        self.gone.set()

    async def next(self, deadline: float = DEADLINE) -> Incoming:
        return await asyncio.wait_for(self.queue.get(), deadline)


# ------------------------------------------------------------------ nio test-client helpers
async def sync_until(client: nio.AsyncClient, found: Callable[[Any], Any], deadline: float = DEADLINE,
                     **kwargs: Any) -> Any:
    """Long-poll sync until ``found(response)`` is truthy; returns that value.

    Each sync waits up to LONG_POLL_MS: Synapse answers as soon as anything arrives for the client, so a longer
    poll adds no delay, and a slow answer under load costs a few syncs instead of two a second (each one work for
    Synapse, which shares the two cores with the bot it is waiting for)."""
    end = time.monotonic() + deadline
    kwargs.setdefault("sync_filter", {"room": {"timeline": {"limit": 100}}})  # Synapse's default is 10
    while True:
        remaining_ms = int((end - time.monotonic()) * 1000)
        resp = await client.sync(timeout=max(0, min(LONG_POLL_MS, remaining_ms)), **kwargs)
        assert isinstance(resp, nio.SyncResponse), resp
        await housekeeping(client)
        value = found(resp)
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"{client.user_id}: not seen within {deadline}s")


def events_in(resp: Any, room_id: str) -> list[Any]:
    info = resp.rooms.join.get(room_id)
    return list(info.timeline.events) if info else []


async def wait_event(client: nio.AsyncClient, room_id: str, pred: Callable[[Any], bool],
                     deadline: float = DEADLINE) -> Any:
    """The first event in ``room_id`` from someone else that matches ``pred``."""
    return await sync_until(client, lambda r: next(
        (e for e in events_in(r, room_id) if e.sender != client.user_id and pred(e)), None), deadline)


async def wait_events(client: nio.AsyncClient, room_id: str, pred: Callable[[Any], bool], count: int,
                      deadline: float = DEADLINE) -> list[Any]:
    found: list[Any] = []

    def collect(resp: Any) -> bool:
        found.extend(e for e in events_in(resp, room_id) if e.sender != client.user_id and pred(e))
        return len(found) >= count

    await sync_until(client, collect, deadline)
    return found


async def send_text(client: nio.AsyncClient, room_id: str, body: str, msgtype: str = "m.text",
                    **extra: Any) -> str:
    resp = await client.room_send(room_id, "m.room.message", {"msgtype": msgtype, "body": body, **extra},
                                  ignore_unverified_devices=True)
    assert isinstance(resp, nio.RoomSendResponse), resp
    return str(resp.event_id)


async def react(client: nio.AsyncClient, room_id: str, event_id: str, key: str) -> str:
    content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
    resp = await client.room_send(room_id, "m.reaction", content)
    assert isinstance(resp, nio.RoomSendResponse), resp
    return str(resp.event_id)


def is_notice(event: Any) -> bool:
    return isinstance(event, nio.RoomMessageNotice)


class MatrixWorld:
    """One test's people and bots on the shared Synapse; closes every client and stops every channel after."""

    def __init__(self, synapse: SynapseServer, tmp_path: Path) -> None:
        self.synapse = synapse
        self.tmp_path = tmp_path
        self.tag = tag()
        self.clients: list[nio.AsyncClient] = []
        self.channels: list[MatrixChannel] = []

    async def user(self, name: str) -> RegisteredUser:
        return await self.synapse.register_user(f"{name}{self.tag}", password=f"pw-{secrets.token_hex(8)}")

    async def client(self, user: RegisteredUser, encryption: bool = False) -> nio.AsyncClient:
        store = self.tmp_path / f"client-{user.localpart}" if encryption else None
        client = await make_client(self.synapse, user, store, encryption=encryption)
        self.clients.append(client)
        resp = await client.sync(timeout=0, full_state=True)
        assert isinstance(resp, nio.SyncResponse), resp
        await housekeeping(client)
        return client

    async def person(self, name: str, encryption: bool = False) -> nio.AsyncClient:
        return await self.client(await self.user(name), encryption)

    def config(self, bot: RegisteredUser, store: str = "bot-store", allowed_inviters: tuple[str, ...] = (),
               moderation_room: str | None = None, public_rooms: tuple[str, ...] = (),
               organisers: tuple[str, ...] = ()) -> Config:
        matrix = {"homeserver": self.synapse.base_url, "user_id": bot.user_id, "password": bot.password,
                  "store_dir": store, "allowed_inviters": list(allowed_inviters), "organisers": list(organisers)}
        hood: dict[str, Any] = {"id": "centrum", "name": "Centrum", "postcodes": ["1011"],
                                "public_rooms": list(public_rooms)}
        if moderation_room:
            hood["moderation_room"] = moderation_room
        return make_config(self.tmp_path, matrix=matrix, neighbourhoods=[hood])

    async def start(self, config: Config, host: RecordingHost, **attributes: Any) -> MatrixChannel:
        channel = MatrixChannel(config)
        for key, value in attributes.items():
            setattr(channel, key, value)
        self.channels.append(channel)
        await channel.start(host)
        await asyncio.wait_for(channel.ready.wait(), DEADLINE)
        return channel

    async def stop(self, channel: MatrixChannel) -> None:
        await channel.stop()
        self.channels.remove(channel)

    async def close(self) -> None:
        for channel in self.channels:
            await channel.stop()
        for client in self.clients:
            await client.close()


async def join(client: nio.AsyncClient, room_id: str) -> None:
    await sync_until(client, lambda r: room_id in r.rooms.invite)
    resp = await client.join(room_id)
    assert isinstance(resp, nio.JoinResponse), resp


async def centrum_rooms(organiser: nio.AsyncClient, member: nio.AsyncClient, bot_id: str) -> tuple[str, str]:
    """An encrypted moderation room and a public room, made by ``organiser`` as Element makes them, with the bot
    invited and ``member`` in both; returns (moderation room, public room)."""
    created = await organiser.room_create(name="Moderatie Centrum", invite=[bot_id, member.user_id],
                                          initial_state=[ENCRYPTION_STATE])
    assert isinstance(created, nio.RoomCreateResponse), created
    public = await organiser.room_create(name="Centrum", invite=[bot_id, member.user_id])
    assert isinstance(public, nio.RoomCreateResponse), public
    await join(member, created.room_id)  # the same sync brought both invites
    assert isinstance(await member.join(public.room_id), nio.JoinResponse)
    return created.room_id, public.room_id


async def bot_joined(client: nio.AsyncClient, room_id: str, bot_id: str) -> None:
    """``client`` (in the room) sees the bot join."""
    await wait_event(client, room_id, lambda e: isinstance(e, nio.RoomMemberEvent) and e.state_key == bot_id
                     and e.membership == "join")


_SERVER: list[SynapseServer] = []


@pytest.fixture(scope="session", name="synapse")
def synapse_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """One Synapse for all Matrix channel test modules.

    pytest makes a separate session fixture for every module that imports a fixture function, so the server
    itself is kept here and shared; the first teardown at the end of the session stops it.
    """
    if not _SERVER:
        _SERVER.append(SynapseServer(tmp_path_factory.mktemp("synapse-channels")))
    server = _SERVER[0]
    if not server.running:
        server.start()
    yield server
    server.stop()


@pytest_asyncio.fixture(name="world")
async def world_fixture(synapse: SynapseServer, tmp_path: Path, engine: str) -> AsyncIterator[MatrixWorld]:
    world = MatrixWorld(synapse, tmp_path)
    try:
        yield world
    finally:
        await world.close()
