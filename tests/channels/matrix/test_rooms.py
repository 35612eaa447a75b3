"""Group rooms: "!commands" with moderator flags from power levels and v12 creators, reactions, invites."""

from __future__ import annotations

import nio

from bot.channels.base import Address, Incoming, Reply
from tests.channels.matrix_fixtures import (  # the *_fixture imports register fixtures
    MatrixWorld,
    RecordingHost,
    bot_joined,
    is_notice,
    join,
    react,
    send_text,
    synapse_fixture,  # noqa: F401
    wait_event,
    wait_events,
    world_fixture,  # noqa: F401
)

REACTIONS = ("✅", "🚫", "✏️")


def moderation_item(incoming: Incoming) -> list[Reply]:
    if incoming.command == "nieuw":
        return [Reply(text="Nieuw verhaal W-2026-0001 wacht op moderatie.", reactions=REACTIONS)]
    return []


async def test_commands_moderators_and_reactions(world: MatrixWorld) -> None:
    w = world
    bot = await w.user("bot")
    creator_user, co_creator_user = await w.user("org"), await w.user("coorg")
    creator, co_creator = await w.client(creator_user), await w.client(co_creator_user)
    member, moderator = await w.person("lid"), await w.person("mod")
    alias = f"#moderatie{w.tag}:localhost"

    # A room v12 with an additional creator (raw API: nio's room_create has no creation_content).
    status, body = await w.synapse.api(creator_user.access_token, "POST", "/_matrix/client/v3/createRoom", {
        "name": "Moderatie", "room_alias_name": alias[1:].split(":")[0],
        "invite": [bot.user_id, co_creator.user_id, member.user_id, moderator.user_id],
        "creation_content": {"additional_creators": [co_creator.user_id]}})
    assert status == 200, body
    room_id = body["room_id"]
    for client in (co_creator, member, moderator):
        await join(client, room_id)
    levels = await creator.room_get_state_event(room_id, "m.room.power_levels")
    content = dict(levels.content)
    content["users"] = {**content.get("users", {}), moderator.user_id: 50}
    assert isinstance(await creator.room_put_state(room_id, "m.room.power_levels", content), nio.RoomPutStateResponse)
    await send_text(moderator, room_id, "!approve W-OLD")  # before the bot is there: never dispatched

    host = RecordingHost(moderation_item)
    channel = await w.start(w.config(bot, moderation_room=alias), host)  # joins the configured room by alias
    await bot_joined(creator, room_id, bot.user_id)
    room = Address("matrix", alias, private=False)  # configured rooms are named as the configuration names them

    async def command(client: nio.AsyncClient, text: str) -> Incoming:
        event_id = await send_text(client, room_id, text)
        incoming = await host.next()
        assert (incoming.actor.user_id, incoming.event_id, incoming.address) == (client.user_id, event_id, room)
        return incoming

    first = await command(moderator, "!approve W-2026-0001")
    assert (first.command, first.args, first.addressed, first.moderator) == ("approve", "W-2026-0001", True, True)
    chatter_id = await send_text(member, room_id, "hallo allemaal")
    chatter = await host.next()  # passed on unaddressed: the dialogue only uses it for an organiser's own form
    assert (chatter.event_id, chatter.command, chatter.addressed) == (chatter_id, None, False)
    ordinary = await command(member, "!Approve W-2026-0001")
    assert (ordinary.command, ordinary.moderator) == ("approve", False)
    assert (await command(creator, "!approve W-2026-0001")).moderator is True
    assert (await command(co_creator, "!reject W-2026-0002 spam")).moderator is True
    assert [i.args for i in host.received if i.addressed] == ["W-2026-0001"] * 3 + ["W-2026-0002 spam"]

    # A moderation item with the bot's own reactions under it.
    await send_text(creator, room_id, "!nieuw")
    await host.next()
    got = await wait_events(creator, room_id, lambda e: is_notice(e) or isinstance(e, nio.ReactionEvent), 4)
    item = next(e for e in got if is_notice(e))
    assert sorted(e.key for e in got if isinstance(e, nio.ReactionEvent) and e.reacts_to == item.event_id) == sorted(
        REACTIONS)

    # Reactions on the bot's message arrive (with the moderator flag); on someone else's message they do not.
    await react(moderator, room_id, first.event_id or "", "👍")
    reaction_id = await react(creator, room_id, item.event_id, "✅")
    incoming = await host.next()
    assert (incoming.reaction, incoming.reacted_to, incoming.event_id, incoming.moderator, incoming.address) == (
        "✅", item.event_id, reaction_id, True, room)
    await react(member, room_id, item.event_id, "🚫")
    incoming = await host.next()
    assert (incoming.reaction, incoming.actor.user_id, incoming.moderator) == ("🚫", member.user_id, False)

    # The outbox may address the room by its alias.
    result = await channel.send(Reply(text="Verhaal gepubliceerd", address=Address("matrix", alias, private=False)))
    assert result.ok
    published = await wait_event(creator, room_id, is_notice)
    assert published.event_id == result.message_id
    assert all(i.command != "approve" or i.args != "W-OLD" for i in host.received)


async def test_invites_only_from_allowed_inviters(world: MatrixWorld) -> None:
    w = world
    bot = await w.user("bot")
    organiser, stranger = await w.person("org"), await w.person("vreemde")
    host = RecordingHost()
    await w.start(w.config(bot, allowed_inviters=(organiser.user_id,)), host)

    async def bot_membership(client: nio.AsyncClient, room_id: str, state: str) -> None:
        await wait_event(client, room_id, lambda e: isinstance(e, nio.RoomMemberEvent)
                         and e.state_key == bot.user_id and e.membership == state)

    refused = await stranger.room_create(name="Reclame", invite=[bot.user_id])
    accepted = await organiser.room_create(name="Buurtoverleg")
    assert isinstance(refused, nio.RoomCreateResponse) and isinstance(accepted, nio.RoomCreateResponse)
    await send_text(organiser, accepted.room_id, "!help oud")  # history from before the bot was there
    assert isinstance(await organiser.room_invite(accepted.room_id, bot.user_id), nio.RoomInviteResponse)
    await bot_membership(stranger, refused.room_id, "leave")
    await bot_membership(organiser, accepted.room_id, "join")
    await send_text(organiser, accepted.room_id, "!help nieuw")
    assert (await host.next()).args == "nieuw"
    assert [i.args for i in host.received] == ["nieuw"]
