"""The contact-person relay on a real Synapse: a Telegram resident writes; the bot opens an encrypted direct chat
with the contact person (``is_direct`` invite), relays the words without the resident's account; the contact
person answers with a Matrix rich reply and the resident gets it without the contact's Matrix id. The direct
chat is remembered and reused."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from datetime import date
from typing import Any

import nio

from bot.app import App
from bot.channels.matrix import MatrixChannel
from bot.clock import ManualClock
from bot.config_contacts import ContactPerson
from tests.channels.matrix_fixtures import (  # the *_fixture imports register fixtures
    MatrixWorld,
    send_text,
    synapse_fixture,  # noqa: F401
    sync_until,
    wait_event,
    world_fixture,  # noqa: F401
)
from tests.support import Person, Recorder

RESIDENT_ID = "900123456"
FIRST = "Hallo Anna, het bankje op het plein is weer kapot."
SECOND = "En de lamp ernaast ook."
THIRD = "Is er al nieuws?"


def notice_matching(pattern: str) -> Any:
    return lambda e: isinstance(e, nio.RoomMessageNotice) and re.search(pattern, e.body)


async def write(resident: Person, text: str) -> None:
    await resident.say("/contact")
    await resident.say("Write to Anna de Vries")
    await resident.say(text)
    assert "Sent to Anna de Vries" in resident.text(), resident.text()


async def test_relay_through_a_direct_chat_with_the_contact_person(world: MatrixWorld,
                                                                   manual_clock: ManualClock) -> None:
    w = world
    bot = await w.user("bot")
    anna = await w.person("anna", encryption=True)
    config = w.config(bot)
    person = ContactPerson(id="anna", name="Anna de Vries", role="wijkcoördinator", since=date(2024, 3, 1),
                           matrix_user=anna.user_id)
    config = replace(config, neighbourhoods=(replace(config.neighbourhoods[0], contacts=(person,)),))
    telegram = Recorder("telegram")
    channel = MatrixChannel(config)
    app = App(config, [channel, telegram], clock=manual_clock)
    await app.start()
    try:
        await asyncio.wait_for(channel.ready.wait(), 30)
        resident = Person(app, RESIDENT_ID, channel="telegram")
        await resident.onboard("centrum")
        await write(resident, FIRST)

        # The bot invites Anna to a direct chat (is_direct), encrypted; she joins and reads the message.
        def invited(resp: Any) -> Any:
            for room_id, info in resp.rooms.invite.items():
                for event in info.invite_state:
                    if isinstance(event, nio.InviteMemberEvent) and event.state_key == anna.user_id:
                        return room_id, bool(event.content.get("is_direct"))
            return None

        room_id, is_direct = await sync_until(anna, invited)
        assert is_direct
        assert isinstance(await anna.join(room_id), nio.JoinResponse)
        relayed = await wait_event(anna, room_id, notice_matching("R-1"))
        assert FIRST in relayed.body and RESIDENT_ID not in relayed.body and "!reply R-1" in relayed.body
        assert anna.rooms[room_id].encrypted
        # It needs her attention: it mentions her (m.mentions and a pill), so Element notifies her.
        content = relayed.source["content"]
        assert content["m.mentions"] == {"user_ids": [anna.user_id]}
        assert f'<a href="https://matrix.to/#/{anna.user_id}">' in content["formatted_body"]

        # She answers with a rich reply; the resident hears it on Telegram, without her Matrix id.
        await send_text(anna, room_id, "Dank je, we maken het vrijdag.",
                        **{"m.relates_to": {"m.in_reply_to": {"event_id": relayed.event_id}}})
        await wait_event(anna, room_id, notice_matching(r"Sent to the resident \(R-1\)"))
        await telegram.wait_for(lambda sent: any("vrijdag" in r.text for r in sent))
        answer = next(r for r in telegram.sent if "vrijdag" in r.text)
        assert "Anna de Vries (wijkcoördinator) answers your message R-1" in answer.text
        assert anna.user_id not in answer.text and room_id not in answer.text

        # The direct chat is remembered (across restarts) and reused for the next message.
        stored = json.loads((w.tmp_path / "bot-store" / "direct_rooms.json").read_text())
        assert stored == {anna.user_id: room_id}
        await write(resident, SECOND)
        again = await wait_event(anna, room_id, notice_matching(SECOND))
        assert "R-1" in again.body
    finally:
        await app.stop()

    # After a restart the same direct chat is used; no new invite.
    channel = MatrixChannel(config)
    app = App(config, [channel, telegram], clock=manual_clock)
    await app.start()
    try:
        await asyncio.wait_for(channel.ready.wait(), 30)
        await write(Person(app, RESIDENT_ID, channel="telegram"), THIRD)
        third = await wait_event(anna, room_id, notice_matching(THIRD))
        assert "R-1" in third.body
        assert len(anna.rooms) == 1
    finally:
        await app.stop()
