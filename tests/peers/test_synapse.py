"""The Synapse peer works, and the nio recipes the Matrix adapter needs (see matrix_notes.md)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import aiohttp
import nio
import pytest
import pytest_asyncio

from tests.peers.synapse import (  # synapse_fixture registers the fixture "synapse"
    RegisteredUser,
    SynapseServer,
    housekeeping,
    make_client,
    synapse_fixture,  # noqa: F401
)

pytestmark = pytest.mark.asyncio

ENCRYPTION_STATE = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


# ------------------------------------------------------------------ helpers
def uid() -> str:
    return secrets.token_hex(3)


async def sync_once(client: nio.AsyncClient, timeout_ms: int = 0, **kw: Any) -> nio.SyncResponse:
    resp = await client.sync(timeout=timeout_ms, **kw)
    assert isinstance(resp, nio.SyncResponse), resp
    await housekeeping(client)
    return resp


async def sync_until(
    client: nio.AsyncClient,
    found: Callable[[nio.SyncResponse], Any],
    deadline_s: float = 10.0,
) -> Any:
    """Long-poll sync (no sleeps) until found(response) is truthy; returns that value."""
    end = time.monotonic() + deadline_s
    while True:
        resp = await sync_once(client, timeout_ms=500)
        value = found(resp)
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"{client.user_id}: not seen within {deadline_s}s")


def timeline(resp: nio.SyncResponse, room_id: str) -> list:
    info = resp.rooms.join.get(room_id)
    return list(info.timeline.events) if info else []


def first(resp: nio.SyncResponse, room_id: str, pred: Callable[[Any], bool]) -> Any:
    return next((e for e in timeline(resp, room_id) if pred(e)), None)


async def wait_event(client: nio.AsyncClient, room_id: str, pred: Callable[[Any], bool], own: bool = False) -> Any:
    """First event in room_id matching pred, skipping the client's own echoes (as the bot must)."""
    return await sync_until(
        client, lambda r: first(r, room_id, lambda e: (own or e.sender != client.user_id) and pred(e))
    )


async def send(client: nio.AsyncClient, room_id: str, etype: str, content: dict, **kw: Any) -> str:
    resp = await client.room_send(room_id, etype, content, **kw)
    assert isinstance(resp, nio.RoomSendResponse), resp
    return resp.event_id


def text(body: str, msgtype: str = "m.text") -> dict:
    return {"msgtype": msgtype, "body": body}


async def join_room(inviter: nio.AsyncClient, invitee: nio.AsyncClient, room_id: str) -> None:
    """invitee sees the invite, joins; inviter sees the join."""
    await sync_until(invitee, lambda r: room_id in r.rooms.invite)
    resp = await invitee.join(room_id)
    assert isinstance(resp, nio.JoinResponse), resp
    await wait_event(
        inviter,
        room_id,
        lambda e: isinstance(e, nio.RoomMemberEvent) and e.state_key == invitee.user_id and e.membership == "join",
    )


@pytest_asyncio.fixture
async def clients():
    """Collects clients and closes them after the test."""
    made: list[nio.AsyncClient] = []
    yield made
    for c in made:
        await c.close()


async def pair(server: SynapseServer, clients: list, tag: str) -> tuple[nio.AsyncClient, nio.AsyncClient, str]:
    """alice creates a plain room, bob joins; both have done their first sync."""
    alice = await server.register_user(f"alice{tag}")
    bob = await server.register_user(f"bob{tag}")
    ca, cb = await make_client(server, alice), await make_client(server, bob)
    clients += [ca, cb]
    await sync_once(ca, full_state=True)
    await sync_once(cb, full_state=True)
    resp = await ca.room_create(name=f"room {tag}", invite=[bob.user_id])
    assert isinstance(resp, nio.RoomCreateResponse), resp
    await join_room(ca, cb, resp.room_id)
    return ca, cb, resp.room_id


# ------------------------------------------------------------------ (a) basics
async def test_server_and_messages_both_ways(synapse: SynapseServer, clients):
    assert synapse.server_name == "localhost"
    assert synapse.last_start_seconds is not None and synapse.last_start_seconds < 15
    async with (
        aiohttp.ClientSession() as http,
        http.get(synapse.base_url + "/_matrix/client/versions") as r,
    ):
        assert r.status == 200
        assert "versions" in await r.json()

    t0 = time.monotonic()
    ca, cb, room_id = await pair(synapse, clients, uid())
    setup_s = time.monotonic() - t0
    # Room version 12 (Synapse 1.163 default): room id is a hash, no ":server" part.
    assert ca.rooms[room_id].room_version == "12"
    assert ":" not in room_id

    # bot -> user as m.notice, user -> bot as m.text
    notice_id = await send(ca, room_id, "m.room.message", text("hallo buurt", "m.notice"))
    ev = await wait_event(cb, room_id, lambda e: isinstance(e, nio.RoomMessageNotice))
    assert (ev.body, ev.sender, ev.event_id) == ("hallo buurt", ca.user_id, notice_id)

    await send(cb, room_id, "m.room.message", text("hoi bot"))
    ev = await wait_event(ca, room_id, lambda e: isinstance(e, nio.RoomMessageText))
    assert (ev.body, ev.sender) == ("hoi bot", cb.user_id)
    # A sender also receives its own events in its sync: the bot must skip sender == own user_id.
    assert setup_s < 10, setup_s


async def test_initial_sync_replay_and_resume_from_token(synapse: SynapseServer, clients):
    ca, cb, room_id = await pair(synapse, clients, uid())
    for i in range(3):
        await send(cb, room_id, "m.room.message", text(f"old {i}"))

    # A fresh client (same account, e.g. the bot after a restart without saved token):
    alice = RegisteredUser(ca.user_id, ca.access_token, ca.device_id, "")
    bot = await make_client(synapse, alice)
    clients.append(bot)
    first_sync = await sync_once(bot, full_state=True)
    replayed = [e.body for e in timeline(first_sync, room_id) if isinstance(e, nio.RoomMessageText)]
    assert replayed == ["old 0", "old 1", "old 2"]  # history is replayed: ignore this timeline
    assert room_id in bot.rooms and bot.rooms[room_id].users  # ...but the state is wanted
    saved_token = bot.next_batch

    await send(cb, room_id, "m.room.message", text("new 1"))
    ev = await wait_event(bot, room_id, lambda e: isinstance(e, nio.RoomMessageText))
    assert ev.body == "new 1"  # only new events after the first sync
    await bot.close()

    # Bot is down; a message arrives; bot comes back with the token it saved earlier.
    await send(cb, room_id, "m.room.message", text("while away"))
    bot2 = await make_client(synapse, alice)
    clients.append(bot2)
    resumed = await sync_once(bot2, since=saved_token, full_state=True)
    bodies = [e.body for e in timeline(resumed, room_id) if isinstance(e, nio.RoomMessageText)]
    assert bodies == ["new 1", "while away"]  # everything after the saved token, nothing older
    assert bot2.rooms[room_id].users  # full_state=True rebuilt nio's room state

    # Skipping history without downloading it: a filter with timeline limit 0 on the first sync.
    bot3 = await make_client(synapse, alice)
    clients.append(bot3)
    skip = await sync_once(bot3, sync_filter={"room": {"timeline": {"limit": 0}}}, full_state=True)
    assert timeline(skip, room_id) == []
    assert bot3.rooms[room_id].users
    await send(cb, room_id, "m.room.message", text("after skip"))
    ev = await wait_event(bot3, room_id, lambda e: isinstance(e, nio.RoomMessageText))
    assert ev.body == "after skip"


async def test_sync_forever_callbacks_skip_history(synapse: SynapseServer, clients):
    """The adapter's likely main loop: sync_forever + event callbacks, history skipped on the first sync."""
    ca, cb, room_id = await pair(synapse, clients, uid())
    await send(cb, room_id, "m.room.message", text("old"))
    bot = await make_client(synapse, RegisteredUser(ca.user_id, ca.access_token, ca.device_id, ""))
    clients.append(bot)
    seen: asyncio.Queue = asyncio.Queue()

    async def on_message(room: nio.MatrixRoom, event: nio.RoomMessageText) -> None:
        if event.sender == bot.user_id:
            return  # own echo
        if event.body == "boom":
            raise RuntimeError("handler failed")
        await seen.put((room.room_id, event.body))

    bot.add_event_callback(on_message, (nio.RoomMessageText,))
    task = asyncio.ensure_future(
        bot.sync_forever(timeout=500, full_state=True, first_sync_filter={"room": {"timeline": {"limit": 0}}})
    )
    await asyncio.wait_for(bot.synced.wait(), 10)  # set after each loop; the first one has no timeline
    assert bot.rooms[room_id].users  # state is there
    await send(bot, room_id, "m.room.message", text("own"))
    await send(cb, room_id, "m.room.message", text("new"))
    assert await asyncio.wait_for(seen.get(), 10) == (room_id, "new")
    assert seen.empty()  # neither "old" (history) nor "own" (echo)

    # An exception in a callback propagates out of sync() and ends sync_forever.
    await send(cb, room_id, "m.room.message", text("boom"))
    with pytest.raises(RuntimeError, match="handler failed"):
        await asyncio.wait_for(task, 10)


# ------------------------------------------------------------------ (b) reactions
async def test_reaction_arrives_as_reaction_event(synapse: SynapseServer, clients):
    ca, cb, room_id = await pair(synapse, clients, uid())
    msg_id = await send(ca, room_id, "m.room.message", text("Stem met ✅", "m.notice"))
    await wait_event(cb, room_id, lambda e: getattr(e, "event_id", None) == msg_id)

    reaction = {"m.relates_to": {"rel_type": "m.annotation", "event_id": msg_id, "key": "✅"}}
    reaction_id = await send(cb, room_id, "m.reaction", reaction)
    ev = await wait_event(ca, room_id, lambda e: isinstance(e, nio.ReactionEvent))
    assert (ev.key, ev.reacts_to, ev.sender, ev.event_id) == ("✅", msg_id, cb.user_id, reaction_id)

    # The same key twice by the same user is refused by Synapse (M_DUPLICATE_ANNOTATION).
    dup = await cb.room_send(room_id, "m.reaction", reaction)
    assert isinstance(dup, nio.RoomSendError) and dup.status_code == "M_DUPLICATE_ANNOTATION", dup

    # Un-reacting is a redaction of the reaction event.
    red = await cb.room_redact(room_id, reaction_id)
    assert isinstance(red, nio.RoomRedactResponse), red
    ev = await wait_event(ca, room_id, lambda e: isinstance(e, nio.RedactionEvent))
    assert ev.redacts == reaction_id


# ------------------------------------------------------------------ (c) power levels, creators
def creators(state_events: list[dict]) -> set[str]:
    create = next(e for e in state_events if e["type"] == "m.room.create")
    return {create["sender"], *create["content"].get("additional_creators", [])}


async def test_room_v12_creators_and_power_levels(synapse: SynapseServer, clients):
    tag = uid()
    alice = await synapse.register_user(f"alice{tag}")
    bob = await synapse.register_user(f"bob{tag}")
    carol = await synapse.register_user(f"carol{tag}")
    ca = await make_client(synapse, alice)
    clients.append(ca)
    await sync_once(ca, full_state=True)

    # nio's room_create has no creation_content, so additional_creators needs the raw API.
    status, body = await synapse.api(
        alice.access_token,
        "POST",
        "/_matrix/client/v3/createRoom",
        {
            "name": "moderatie",
            "invite": [bob.user_id, carol.user_id],
            "creation_content": {"additional_creators": [bob.user_id]},
        },
    )
    assert status == 200, body
    room_id = body["room_id"]

    state = await ca.room_get_state(room_id)
    assert isinstance(state, nio.RoomGetStateResponse), state
    create = next(e for e in state.events if e["type"] == "m.room.create")
    assert create["content"]["room_version"] == "12"
    assert "creator" not in create["content"]  # gone since room v11: use the event's sender
    assert creators(state.events) == {alice.user_id, bob.user_id}

    pl = await ca.room_get_state_event(room_id, "m.room.power_levels")
    assert isinstance(pl, nio.RoomGetStateEventResponse), pl
    assert alice.user_id not in pl.content.get("users", {})
    assert bob.user_id not in pl.content.get("users", {})

    # nio's view after a sync: creators have level 0 in its PowerLevels (wrong for v12).
    await sync_until(ca, lambda r: room_id in r.rooms.join)
    levels = ca.rooms[room_id].power_levels
    assert levels.get_user_level(alice.user_id) == 0
    assert levels.get_user_level(bob.user_id) == 0

    # Raise carol to 50: read-modify-write the whole content.
    content = dict(pl.content)
    content["users"] = {**content.get("users", {}), carol.user_id: 50}
    put = await ca.room_put_state(room_id, "m.room.power_levels", content)
    assert isinstance(put, nio.RoomPutStateResponse), put
    pl2 = await ca.room_get_state_event(room_id, "m.room.power_levels")
    assert pl2.content["users"][carol.user_id] == 50
    ev = await wait_event(ca, room_id, lambda e: isinstance(e, nio.PowerLevelsEvent), own=True)
    assert ca.rooms[room_id].power_levels.get_user_level(carol.user_id) == 50
    assert ev.power_levels.get_user_level(carol.user_id) == 50

    # A creator may not be listed in power_levels.users in v12: Synapse refuses the event.
    bad = dict(pl2.content)
    bad["users"] = {**bad["users"], alice.user_id: 100}
    refused = await ca.room_put_state(room_id, "m.room.power_levels", bad)
    assert isinstance(refused, nio.RoomPutStateError), refused
    assert refused.transport_response.status == 400, refused


# ------------------------------------------------------------------ (d) E2EE
async def test_e2ee_room_and_device_persistence(synapse: SynapseServer, clients, tmp_path):
    tag = uid()
    alice = await synapse.register_user(f"alice{tag}")
    bob = await synapse.register_user(f"bob{tag}")
    t0 = time.monotonic()
    ea = await make_client(synapse, alice, tmp_path / "a", encryption=True, device_name="bot")
    eb = await make_client(synapse, bob, tmp_path / "b", encryption=True, device_name="phone")
    clients += [ea, eb]
    assert ea.device_id != alice.device_id  # password login gave a fresh device
    await sync_once(ea, full_state=True)
    await sync_once(eb, full_state=True)

    resp = await ea.room_create(name="versleuteld", invite=[bob.user_id], initial_state=[ENCRYPTION_STATE])
    assert isinstance(resp, nio.RoomCreateResponse), resp
    room_id = resp.room_id
    await join_room(ea, eb, room_id)
    assert ea.rooms[room_id].encrypted

    # Unverified devices: room_send refuses unless told to ignore them.
    with pytest.raises(nio.OlmUnverifiedDeviceError):
        await ea.room_send(room_id, "m.room.message", text("nope"))
    await send(ea, room_id, "m.room.message", text("geheim 1"), ignore_unverified_devices=True)
    ev = await wait_event(eb, room_id, lambda e: isinstance(e, (nio.RoomMessageText, nio.MegolmEvent)))
    assert isinstance(ev, nio.RoomMessageText), ev  # decrypted, not MegolmEvent
    assert ev.body == "geheim 1" and ev.decrypted
    e2e_first_message_s = time.monotonic() - t0

    # Reply the other way (bob's first send shares his own megolm session).
    await send(eb, room_id, "m.room.message", text("terug", "m.notice"), ignore_unverified_devices=True)
    ev = await wait_event(ea, room_id, lambda e: isinstance(e, (nio.RoomMessageNotice, nio.MegolmEvent)))
    assert isinstance(ev, nio.RoomMessageNotice) and ev.body == "terug", ev

    # nio sends m.reaction unencrypted even in an encrypted room ...
    msg_id = await send(ea, room_id, "m.room.message", text("stem"), ignore_unverified_devices=True)
    react = {"m.relates_to": {"rel_type": "m.annotation", "event_id": msg_id, "key": "✅"}}
    await send(eb, room_id, "m.reaction", react)
    ev = await wait_event(ea, room_id, lambda e: isinstance(e, nio.ReactionEvent))
    assert ev.key == "✅" and not ev.decrypted
    # ... while Element encrypts it: after decryption nio still gives a ReactionEvent.
    etype, enc = eb.encrypt(room_id, "m.reaction", {"m.relates_to": {**react["m.relates_to"], "key": "👍"}})
    assert etype == "m.room.encrypted" and "m.relates_to" in enc  # relation stays in clear
    status, body = await synapse.api(
        eb.access_token, "PUT", f"/_matrix/client/v3/rooms/{quote(room_id)}/send/{etype}/{uid()}", enc
    )
    assert status == 200, body
    ev = await wait_event(ea, room_id, lambda e: isinstance(e, (nio.ReactionEvent, nio.MegolmEvent)))
    assert isinstance(ev, nio.ReactionEvent) and ev.key == "👍" and ev.decrypted, ev
    # An encrypted poll start decrypts to UnknownEvent.
    await send(eb, room_id, "org.matrix.msc3381.poll.start", poll_start("Q?"), ignore_unverified_devices=True)
    ev = await wait_event(ea, room_id, lambda e: isinstance(e, (nio.UnknownEvent, nio.MegolmEvent)))
    assert isinstance(ev, nio.UnknownEvent) and ev.type == "org.matrix.msc3381.poll.start", ev
    assert ev.decrypted

    # Restart bob's client from the same store and device: device keys and sessions persist.
    bob_device, bob_token = eb.device_id, eb.access_token
    await sync_once(eb)  # catch up: the store keeps the token of the last sync
    await eb.close()
    clients.remove(eb)
    await send(ea, room_id, "m.room.message", text("terwijl je weg was"), ignore_unverified_devices=True)
    eb2 = await make_client(synapse, bob, tmp_path / "b", encryption=True, device_id=bob_device, access_token=bob_token)
    clients.append(eb2)
    assert eb2.device_id == bob_device and eb2.loaded_sync_token  # token came back from the store
    assert not eb2.should_upload_keys  # same identity keys, nothing to upload
    # Sync resumes from the stored token. nio's store keeps only the token, keys, sessions and the ids of
    # encrypted rooms; full_state=True rebuilds members and power levels in eb2.rooms.
    resumed = await sync_once(eb2, full_state=True)
    msgs = [e for e in timeline(resumed, room_id) if isinstance(e, (nio.RoomMessageText, nio.MegolmEvent))]
    assert [type(e).__name__ for e in msgs] == ["RoomMessageText"], msgs
    assert msgs[0].body == "terwijl je weg was"
    assert eb2.rooms[room_id].encrypted

    await send(ea, room_id, "m.room.message", text("geheim 2"), ignore_unverified_devices=True)
    ev = await wait_event(eb2, room_id, lambda e: isinstance(e, (nio.RoomMessageText, nio.MegolmEvent)))
    assert isinstance(ev, nio.RoomMessageText) and ev.body == "geheim 2", ev
    await send(eb2, room_id, "m.room.message", text("nog hier"), ignore_unverified_devices=True)
    ev = await wait_event(ea, room_id, lambda e: isinstance(e, (nio.RoomMessageText, nio.MegolmEvent)))
    assert isinstance(ev, nio.RoomMessageText) and ev.body == "nog hier", ev
    assert e2e_first_message_s < 10, e2e_first_message_s


# ------------------------------------------------------------------ (e) polls (MSC3381)
def poll_start(question: str, answers: tuple[str, ...] = ("Ja", "Nee")) -> dict:
    return {
        "org.matrix.msc3381.poll.start": {
            "kind": "org.matrix.msc3381.poll.disclosed",
            "max_selections": 1,
            "question": {"org.matrix.msc1767.text": question},
            "answers": [{"id": f"a{i}", "org.matrix.msc1767.text": a} for i, a in enumerate(answers)],
        },
        "org.matrix.msc1767.text": question + "".join(f"\n{i + 1}. {a}" for i, a in enumerate(answers)),
    }


async def test_poll_start_response_end(synapse: SynapseServer, clients):
    ca, cb, room_id = await pair(synapse, clients, uid())
    start_id = await send(ca, room_id, "org.matrix.msc3381.poll.start", poll_start("Bankje?"))
    ev = await wait_event(cb, room_id, lambda e: isinstance(e, nio.UnknownEvent))
    assert ev.type == "org.matrix.msc3381.poll.start" and ev.event_id == start_id
    answers = ev.source["content"]["org.matrix.msc3381.poll.start"]["answers"]
    assert [a["id"] for a in answers] == ["a0", "a1"]

    vote = {
        "m.relates_to": {"rel_type": "m.reference", "event_id": start_id},
        "org.matrix.msc3381.poll.response": {"answers": ["a1"]},
    }
    await send(cb, room_id, "org.matrix.msc3381.poll.response", vote)
    ev = await wait_event(ca, room_id, lambda e: isinstance(e, nio.UnknownEvent))
    assert ev.type == "org.matrix.msc3381.poll.response" and ev.sender == cb.user_id
    content = ev.source["content"]
    assert content["m.relates_to"] == {"rel_type": "m.reference", "event_id": start_id}
    assert content["org.matrix.msc3381.poll.response"]["answers"] == ["a1"]

    end = {
        "m.relates_to": {"rel_type": "m.reference", "event_id": start_id},
        "org.matrix.msc3381.poll.end": {},
        "org.matrix.msc1767.text": "De peiling is gesloten.",
    }
    await send(ca, room_id, "org.matrix.msc3381.poll.end", end)
    ev = await wait_event(cb, room_id, lambda e: isinstance(e, nio.UnknownEvent))
    assert ev.type == "org.matrix.msc3381.poll.end"

    # A relation to an unknown event is refused by Synapse.
    bogus = {**vote, "m.relates_to": {"rel_type": "m.reference", "event_id": "$nonexistent"}}
    refused = await cb.room_send(room_id, "org.matrix.msc3381.poll.response", bogus)
    assert isinstance(refused, nio.RoomSendError), refused


# ------------------------------------------------------------------ (f) homeserver away and back
async def test_server_restart_mid_session(synapse: SynapseServer, clients):
    ca, cb, room_id = await pair(synapse, clients, uid())
    await sync_once(ca)

    t0 = time.monotonic()
    await synapse.astop()
    stop_s = time.monotonic() - t0
    # max_timeouts=0: the connection error is raised, not retried (and not a SyncError).
    with pytest.raises(aiohttp.ClientConnectionError):
        await ca.sync(timeout=0)
    with pytest.raises(aiohttp.ClientConnectionError):
        await ca.room_send(room_id, "m.room.message", text("kwijt"))

    # A client with nio's default max_timeouts=None keeps retrying with backoff until the server is back.
    patient = await make_client(
        synapse,
        RegisteredUser(cb.user_id, cb.access_token, cb.device_id, ""),
        max_timeouts=None,
    )
    clients.append(patient)
    patient.next_batch = cb.next_batch
    pending = asyncio.ensure_future(patient.sync(timeout=0))
    await asyncio.sleep(0.3)  # let it fail at least once before the server is back
    assert not pending.done()

    t0 = time.monotonic()
    await synapse.astart()
    start_s = time.monotonic() - t0
    assert isinstance(await asyncio.wait_for(pending, 30), nio.SyncResponse)

    await sync_once(ca)  # same token, same access token: data survived
    await send(ca, room_id, "m.room.message", text("weer terug", "m.notice"))
    ev = await wait_event(cb, room_id, lambda e: isinstance(e, nio.RoomMessageNotice))
    assert ev.body == "weer terug"
    assert stop_s < 10 and start_s < 15, (stop_s, start_s)
