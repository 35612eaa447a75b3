"""The Matrix side at DEBUG (what `wijkbot -v` logs): matrix-nio and wijkbot's channel log no words, user ids or
room ids while a resident talks to the bot in a direct chat on a real Synapse (issue 13.10)."""

from __future__ import annotations

import logging

import nio
import pytest

from bot.channels.base import Incoming, Reply
from tests.channels.matrix_fixtures import (  # the *_fixture imports register fixtures
    MatrixWorld,
    RecordingHost,
    bot_joined,
    is_notice,
    send_text,
    synapse_fixture,  # noqa: F401
    wait_event,
    world_fixture,  # noqa: F401
)

STORY = "Bel 06-12345678: de lantaarnpaal bij de Zwanenhof knippert al weken."


def answer(incoming: Incoming) -> list[Reply]:
    return [Reply(text="Dank je! Waar is dit?")] if incoming.text else []


async def test_a_direct_chat_logs_no_values_at_debug(world: MatrixWorld, logging_as_with_v: None,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bot = await world.user("bot")
    resident = await world.person("annemieke")
    host = RecordingHost(answer)
    await world.start(world.config(bot), host)
    created = await resident.room_create(is_direct=True, invite=[bot.user_id])
    assert isinstance(created, nio.RoomCreateResponse), created
    await bot_joined(resident, created.room_id, bot.user_id)
    await send_text(resident, created.room_id, STORY)
    assert (await host.next()).text == STORY
    assert (await wait_event(resident, created.room_id, is_notice)).body == "Dank je! Waar is dit?"
    assert any(r.name.startswith("bot") and r.levelno <= logging.INFO for r in caplog.records)
    logged = "\n".join(record.getMessage() for record in caplog.records)  # (the test's own nio client included)
    for secret in (resident.user_id, created.room_id, "annemieke", "06-12345678", "lantaarnpaal", "Zwanenhof"):
        assert secret not in logged, secret
