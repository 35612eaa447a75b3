"""A rate-limited bot account on a real Synapse (issue 14.5): M_LIMIT_EXCEEDED is waited out per request, for the
retry_after_ms Synapse gives; every message arrives, in order; receiving goes on meanwhile. And the exemption the
README tells homeserver admins about really lifts the limit.

The shared test Synapse has every rate limit raised; the bot account gets a low message rate through the admin
API's per-user override (``override_ratelimit``: Synapse then applies those values to that account's messages,
as rc_message would)."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import nio

from bot.channels.base import Address, Reply
from tests.channels.matrix_fixtures import (  # the *_fixture imports register fixtures
    MatrixWorld,
    RecordingHost,
    bot_joined,
    send_text,
    synapse_fixture,  # noqa: F401
    wait_events,
    world_fixture,  # noqa: F401
)
from tests.peers.synapse import RegisteredUser


class Attempt:
    def __init__(self, at: float, retry_after_ms: int | None, ok: bool) -> None:
        self.at, self.retry_after_ms, self.ok = at, retry_after_ms, ok


def record_sends(client: Any) -> list[Attempt]:
    """Wrap the bot's nio client: every room_send and what Synapse answered, with the time it was sent."""
    attempts: list[Attempt] = []
    original = client.room_send

    async def room_send(*args: Any, **kwargs: Any) -> Any:
        at = time.monotonic()
        resp = await original(*args, **kwargs)
        attempts.append(Attempt(at, getattr(resp, "retry_after_ms", None), isinstance(resp, nio.RoomSendResponse)))
        return resp

    client.room_send = room_send
    return attempts


async def override(w: MatrixWorld, admin: RegisteredUser, user_id: str, per_second: int, burst: int) -> None:
    status, body = await w.synapse.api(admin.access_token, "POST",
                                       f"/_synapse/admin/v1/users/{user_id}/override_ratelimit",
                                       {"messages_per_second": per_second, "burst_count": burst})
    assert status == 200, body


async def room_with_bot(w: MatrixWorld) -> tuple[RegisteredUser, nio.AsyncClient, str, str, RecordingHost, Any]:
    bot, creator_user = await w.user("bot"), await w.user("org")
    creator = await w.client(creator_user)
    alias = f"#buurt{w.tag}:localhost"
    status, body = await w.synapse.api(creator_user.access_token, "POST", "/_matrix/client/v3/createRoom",
                                       {"name": "Buurt", "room_alias_name": alias[1:].split(":")[0],
                                        "invite": [bot.user_id]})
    assert status == 200, body
    host = RecordingHost()
    channel = await w.start(w.config(bot, moderation_room=alias), host)
    await bot_joined(creator, body["room_id"], bot.user_id)
    return bot, creator, body["room_id"], alias, host, channel


async def test_a_rate_limited_bot_waits_per_request_and_loses_nothing(world: MatrixWorld) -> None:
    w = world
    admin = await w.synapse.register_user(f"admin{w.tag}", admin=True)
    bot, creator, room_id, alias, host, channel = await room_with_bot(w)
    await override(w, admin, bot.user_id, per_second=2, burst=2)
    attempts = record_sends(channel.client)
    address = Address("matrix", alias, private=False)

    async def send_all() -> list[bool]:
        return [(await channel.send(Reply(text=f"bericht {n}", address=address))).ok for n in range(8)]

    sending = asyncio.create_task(send_all())
    # Meanwhile the bot keeps receiving: nio does not sleep on the 429 for everyone.
    await send_text(creator, room_id, "!queue")
    assert (await host.next()).command == "queue"
    assert await sending == [True] * 8

    arrived = await wait_events(creator, room_id, lambda e: isinstance(e, nio.RoomMessageNotice), 8)
    assert [e.body for e in arrived] == [f"bericht {n}" for n in range(8)]  # all of them, in order, once

    limited = [a for a in attempts if not a.ok]
    assert limited and all(a.retry_after_ms for a in limited)  # Synapse did push back, with retry_after_ms
    assert len(attempts) == 8 + len(limited)  # one retry per 429: no busy loop
    for refused, retry in itertools.pairwise(attempts):
        if not refused.ok:
            assert retry.at - refused.at >= refused.retry_after_ms / 1000 - 0.005  # the wait was honoured


async def test_the_admin_exemption_lifts_the_limit(world: MatrixWorld) -> None:
    w = world
    admin = await w.synapse.register_user(f"admin{w.tag}", admin=True)
    bot, _, _, alias, _, channel = await room_with_bot(w)
    await override(w, admin, bot.user_id, per_second=1, burst=1)
    await override(w, admin, bot.user_id, per_second=0, burst=0)  # what the README tells admins to do
    attempts = record_sends(channel.client)
    address = Address("matrix", alias, private=False)
    results = [await channel.send(Reply(text=f"melding {n}", address=address)) for n in range(20)]
    assert all(r.ok for r in results) and len(attempts) == 20 and all(a.ok for a in attempts)
