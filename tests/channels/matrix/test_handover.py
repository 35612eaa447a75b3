"""Taking the Matrix sync over (issue 17, point 5), on a real Synapse: the process that dies was the bot's device in
an encrypted moderation room; the one that takes over, on another machine (its own empty store_dir), goes on as
the same device from the same sync position, through the files the host keeps in the database
(bot/channels/matrix/handover.py): it reads what was sent meanwhile, replays nothing the dead one finished, and
still decrypts and encrypts, so the E2EE keys survived."""

from __future__ import annotations

import asyncio

import nio

from bot.channels.base import Incoming, KeepsFiles, Reply
from bot.channels.matrix import MatrixChannel
from tests.channels.matrix_fixtures import (  # the *_fixture imports register fixtures
    ENCRYPTION_STATE,
    MatrixWorld,
    RecordingHost,
    bot_joined,
    send_text,
    synapse_fixture,  # noqa: F401
    wait_events,
    world_fixture,  # noqa: F401
)


class Database:
    """The rows of ``channel_files``, shared by the processes."""

    def __init__(self) -> None:
        self.files: dict[str, dict[str, bytes]] = {}
        self.saves = 0


class ClusterHost(RecordingHost):
    """A host of one of several processes: it keeps the channel's files in the shared database."""

    def __init__(self, database: Database) -> None:
        super().__init__(answer)
        self.database = database

    async def files_load(self, channel: str) -> dict[str, bytes] | None:
        return dict(self.database.files.get(channel, {}))

    async def files_save(self, channel: str, files: dict[str, bytes]) -> None:
        self.database.files.setdefault(channel, {}).update(files)
        self.database.saves += 1


def answer(incoming: Incoming) -> list[Reply]:
    return [Reply(text=f"gelezen: {incoming.args}")] if incoming.command == "lees" else []


async def kill_9(channel: MatrixChannel) -> None:
    """The process is gone: no stop, no last save; only its sockets close."""
    assert channel._task is not None
    channel._task.cancel()
    await asyncio.gather(channel._task, return_exceptions=True)
    await channel.client.close()


async def test_the_taker_over_is_the_same_device_at_the_same_position_and_reads_the_encrypted_room(
        world: MatrixWorld) -> None:
    w = world
    bot = await w.user("bot")
    organiser = await w.person("org", encryption=True)
    created = await organiser.room_create(name="Moderatie", invite=[bot.user_id], initial_state=[ENCRYPTION_STATE])
    assert isinstance(created, nio.RoomCreateResponse), created
    room_id = created.room_id
    database = Database()
    first_host, second_host = ClusterHost(database), ClusterHost(database)
    assert isinstance(first_host, KeepsFiles)

    first = await w.start(w.config(bot, store="store-a", moderation_room=room_id), first_host)
    await bot_joined(organiser, room_id, bot.user_id)
    await send_text(organiser, room_id, "!lees een")
    assert (await first_host.next()).args == "een"
    [notice] = await wait_events(organiser, room_id, lambda e: isinstance(e, (nio.RoomMessageNotice, nio.MegolmEvent)),
                                 count=1)
    assert isinstance(notice, nio.RoomMessageNotice) and notice.body == "gelezen: een"
    await first._idle.wait()  # the batch that carried "een" is handled: its token and keys are in the database
    assert {"credentials.json", "sync_token"} <= set(database.files["matrix"])
    device = first.device_id
    await kill_9(first)
    w.channels.remove(first)

    # While nobody syncs: the organiser writes on in the same encrypted session.
    await send_text(organiser, room_id, "!lees twee")
    second = MatrixChannel(w.config(bot, store="store-b", moderation_room=room_id))
    assert not (second.store_dir / "credentials.json").exists()  # another machine: nothing local
    w.channels.append(second)
    await second.start(second_host)
    await asyncio.wait_for(second.ready.wait(), 30)
    assert second.device_id == device  # no new session for organisers to verify
    received = await second_host.next()
    assert received.args == "twee" and received.moderator  # decrypted: the room key came with the store
    await send_text(organiser, room_id, "!lees drie")
    assert (await second_host.next()).args == "drie"
    assert [i.args for i in second_host.received] == ["twee", "drie"]  # "een" was not replayed
    got = await wait_events(organiser, room_id, lambda e: isinstance(e, (nio.RoomMessageNotice, nio.MegolmEvent)),
                            count=2)
    assert [getattr(e, "body", None) for e in got] == ["gelezen: twee", "gelezen: drie"]  # it encrypts for them too
