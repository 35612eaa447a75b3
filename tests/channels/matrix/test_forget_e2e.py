"""/forget and moderation rooms on a real Synapse (issue 13.2 and 13.6).

The whole App with the Matrix channel on Synapse, the resident on another channel. After "Erase me and my
stories" the bot redacts its moderation post (in an encrypted room, as Element makes it), the publication in the
public room and the contact person's copy in her direct chat: other users of the homeserver see the
``m.room.redaction`` events and the posts emptied. A
✅ in one neighbourhood's moderation room on another neighbourhood's post changes nothing, also when the
relation travels inside encrypted content, where the homeserver cannot check that both events are in one room.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import uuid4

import nio

from bot.app import App
from bot.clock import ManualClock
from bot.config_contacts import ContactPerson
from tests.channels.matrix.test_moderation_e2e import notice_matching, start_app, status_of
from tests.channels.matrix_fixtures import (  # the *_fixture imports register fixtures
    ENCRYPTION_STATE,
    MatrixWorld,
    bot_joined,
    centrum_rooms,
    events_in,
    join,
    send_text,
    synapse_fixture,  # noqa: F401
    sync_until,
    wait_event,
    world_fixture,  # noqa: F401
)
from tests.engine.test_moderation import tell_story
from tests.support import Person, Recorder, make_config

WORDS = "lantaarnpalen"
STORY = f"De {WORDS} op het plein zijn al weken kapot."


async def share(app: App, person: Person, neighbourhood: str = "centrum", name: str | None = None) -> str:
    await person.onboard(neighbourhood)
    return await tell_story(app, person, name, STORY)


def redaction_of(event_id: str) -> Any:
    return lambda e: isinstance(e, nio.RedactionEvent) and e.redacts == event_id


async def test_forget_redacts_the_moderation_post_and_the_publication(world: MatrixWorld,
                                                                     manual_clock: ManualClock) -> None:
    w = world
    bot = await w.user("bot")
    organiser = await w.person("org", encryption=True)
    member = await w.person("member", encryption=True)
    contact = await w.person("anna", encryption=True)  # the neighbourhood's contact person
    mod_room, public_room = await centrum_rooms(organiser, member, bot.user_id)
    config = w.config(bot, moderation_room=mod_room, public_rooms=(public_room,))
    anna = ContactPerson(id="anna", name="Anna de Vries", role="wijkcoördinator", since=date(2024, 3, 1),
                         matrix_user=contact.user_id)
    config = replace(config, neighbourhoods=(replace(config.neighbourhoods[0], contacts=(anna,)),))
    telegram = Recorder("telegram")
    app, _ = await start_app(config, telegram, manual_clock)
    try:
        await bot_joined(organiser, mod_room, bot.user_id)
        marieke = Person(app, "7001234", channel="telegram")
        reference = await share(app, marieke, name="Marieke")
        post = await wait_event(organiser, mod_room, notice_matching(reference))
        assert WORDS in post.body and "Marieke" in post.body
        direct = await sync_until(contact, lambda r: next(iter(r.rooms.invite), None))  # the bot opens a DM
        assert isinstance(await contact.join(direct), nio.JoinResponse)
        copy = await wait_event(contact, direct, notice_matching(reference))
        assert WORDS in copy.body
        await send_text(organiser, mod_room, f"!approve {reference}")
        published = await wait_event(member, public_room, notice_matching(WORDS))
        assert "— Marieke" in published.body
        # The post was edited to show the decision: the edit holds the story and the name too.
        edit = await wait_event(organiser, mod_room, lambda e: e.source.get("content", {}).get(
            "m.relates_to", {}).get("rel_type") == "m.replace" and e.source["content"]["m.relates_to"].get(
            "event_id") == post.event_id)
        assert WORDS in str(edit.source) and "Marieke" in str(edit.source)

        await marieke.say("/forget")
        await marieke.say("Erase me and my stories")
        assert "3 messages with your stories are being removed" in marieke.text()

        # Another user of the homeserver sees both posts redacted by the bot (in one sync or in two).
        wanted = {(public_room, published.event_id), (mod_room, post.event_id)}
        seen: dict[tuple[str, str], Any] = {}

        def collect(resp: Any) -> bool:
            for room_id, event_id in wanted:
                found = next((e for e in events_in(resp, room_id) if redaction_of(event_id)(e)), None)
                if found is not None:
                    seen[(room_id, event_id)] = found
            return set(seen) == wanted

        await sync_until(member, collect, deadline=30)
        assert {e.sender for e in seen.values()} == {bot.user_id}
        gone = await wait_event(contact, direct, redaction_of(copy.event_id), deadline=30)  # and in the DM
        assert gone.sender == bot.user_id
        for client, room_id, event_id in ((member, public_room, published.event_id),
                                          (member, mod_room, post.event_id), (organiser, mod_room, edit.event_id),
                                          (contact, direct, copy.event_id)):
            fetched = await client.room_get_event(room_id, event_id)
            assert isinstance(fetched, nio.RoomGetEventResponse), fetched
            assert isinstance(fetched.event, nio.RedactedEvent), fetched.event
            assert WORDS not in str(fetched.event.source) and "Marieke" not in str(fetched.event.source)
        async with app.db.transaction() as tx:
            rows = [" ".join(map(str, tuple(r))) for r in await tx.all("SELECT * FROM outbox")]
            assert await tx.value("SELECT COUNT(*) FROM outbox WHERE purpose = 'delete' AND status = 'sent'") == 3
        assert not any(WORDS in r or "Marieke" in r or "7001234" in r for r in rows)
    finally:
        await app.stop()


async def encrypted_reaction(client: nio.AsyncClient, room_id: str, event_id: str, key: str) -> str:
    """An ``m.reaction`` sent encrypted, its relation only inside the ciphertext (as a client may send it): the
    homeserver cannot see, and so cannot refuse, a relation to an event of another room."""
    if client.olm is not None and client.olm.should_share_group_session(room_id):
        await client.share_group_session(room_id, ignore_unverified_devices=True)
    kind, content = client.encrypt(room_id, "m.reaction", {
        "m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}})
    content.pop("m.relates_to")  # nio copies it into the clear (as the spec asks); a client need not
    method, path, data = nio.Api.room_send(client.access_token, room_id, kind, content, str(uuid4()))
    resp = await client._send(nio.RoomSendResponse, method, path, data, (room_id,))
    assert isinstance(resp, nio.RoomSendResponse), resp
    return str(resp.event_id)


async def test_a_reaction_in_another_neighbourhoods_room_decides_nothing(world: MatrixWorld,
                                                                        manual_clock: ManualClock) -> None:
    w = world
    bot = await w.user("bot")
    org_a = await w.person("orga", encryption=True)  # moderates Centrum's room, and may read Noord's
    org_b = await w.person("orgb", encryption=True)  # moderates Noord's room
    room_a = await org_a.room_create(name="Moderatie Centrum", invite=[bot.user_id], initial_state=[ENCRYPTION_STATE])
    room_b = await org_b.room_create(name="Moderatie Noord", invite=[bot.user_id, org_a.user_id],
                                     initial_state=[ENCRYPTION_STATE])
    assert isinstance(room_a, nio.RoomCreateResponse) and isinstance(room_b, nio.RoomCreateResponse)
    await join(org_a, room_b.room_id)
    mx = {"homeserver": w.synapse.base_url, "user_id": bot.user_id, "password": bot.password,
          "store_dir": "bot-store", "allowed_inviters": [], "organisers": []}
    hoods = [{"id": "centrum", "name": "Centrum", "postcodes": ["1011"], "moderation_room": room_a.room_id},
             {"id": "noord", "name": "Noord", "postcodes": ["1021"], "moderation_room": room_b.room_id}]
    config = make_config(w.tmp_path, matrix=mx, neighbourhoods=hoods)
    app, _ = await start_app(config, Recorder("telegram"), manual_clock)
    try:
        await bot_joined(org_a, room_a.room_id, bot.user_id)
        await bot_joined(org_b, room_b.room_id, bot.user_id)
        reference = await share(app, Person(app, "bob", channel="telegram"), "noord")
        post = await wait_event(org_a, room_b.room_id, notice_matching(reference))  # A's organiser reads B's room

        # In Centrum's room: an encrypted ✅ on Noord's post, then the command; neither decides anything.
        await send_text(org_a, room_a.room_id, "!queue")  # also shares A's encryption session with the bot
        await wait_event(org_a, room_a.room_id, notice_matching("No stories are waiting"))
        await encrypted_reaction(org_a, room_a.room_id, post.event_id, "✅")
        await send_text(org_a, room_a.room_id, f"!approve {reference}")
        refusal = await wait_event(org_a, room_a.room_id, notice_matching(f"I cannot find {reference}"))
        assert "its own neighbourhood" in refusal.body
        assert await status_of(app, reference) == "new"
        async with app.db.transaction() as tx:
            assert await tx.value("SELECT COUNT(*) FROM audit_log") == 0

        # The same encrypted ✅ in Noord's own room, by its moderator, approves it.
        await send_text(org_b, room_b.room_id, "!queue")
        await wait_event(org_b, room_b.room_id, notice_matching(reference))
        await encrypted_reaction(org_b, room_b.room_id, post.event_id, "✅")
        await wait_event(org_b, room_b.room_id, notice_matching(f"{reference} approved"))
        assert await status_of(app, reference) == "approved"
    finally:
        await app.stop()
