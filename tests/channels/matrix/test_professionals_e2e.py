"""The professionals' room end to end on a real Synapse: an encrypted room made as Element makes it, the bot
joining it from the configuration, a professional with a role. An observation about one person is refused
with the reason and stored nowhere, a pattern is recorded and reaches the moderation room with the role only;
the neighbourhood picture arrives weekly and on demand; a request reaches the moderation room, is answered
there, and is reported overdue in both rooms when its promised date passes. A check question goes from the
professionals' room through the organisers' approval to a resident on Telegram (the unmodified PTB client over
HTTP against the Bot API emulator), who votes with a button, and the result comes back to the room."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import nio

from bot.app import App
from bot.channels.matrix import MatrixChannel
from bot.clock import ManualClock
from bot.engine import picture, polls, requests
from tests.channels.conftest import Running, make_channel, telegram_section
from tests.channels.matrix_fixtures import (  # the *_fixture imports register fixtures
    ENCRYPTION_STATE,
    MatrixWorld,
    bot_joined,
    join,
    send_text,
    synapse_fixture,  # noqa: F401
    wait_event,
    world_fixture,  # noqa: F401
)
from tests.peers.botapi import BotApiEmulator
from tests.support import Recorder, make_config


def notice(pattern: str) -> Any:
    return lambda e: isinstance(e, nio.RoomMessageNotice) and re.search(pattern, e.body)


async def rooms(w: MatrixWorld, bot_id: str) -> tuple[nio.AsyncClient, nio.AsyncClient, str, str]:
    """An organiser and a professional; an encrypted moderation room and professionals' room made by the
    organiser (as Element makes them) with the bot invited and the professional in the second."""
    organiser = await w.person("org", encryption=True)
    sanne = await w.person("sanne", encryption=True)
    made = await organiser.room_create(name="Moderatie Centrum", invite=[bot_id], initial_state=[ENCRYPTION_STATE])
    assert isinstance(made, nio.RoomCreateResponse), made
    pro = await organiser.room_create(name="Professionals Centrum", invite=[bot_id, sanne.user_id],
                                      initial_state=[ENCRYPTION_STATE])
    assert isinstance(pro, nio.RoomCreateResponse), pro
    await join(sanne, pro.room_id)
    return organiser, sanne, made.room_id, pro.room_id


def configured(w: MatrixWorld, bot: Any, sanne: str, mod_room: str, pro_room: str, **sections: Any) -> Any:
    matrix = {"homeserver": w.synapse.base_url, "user_id": bot.user_id, "password": bot.password,
              "store_dir": "bot-store", "allowed_inviters": [], "organisers": []}
    hood = {"id": "centrum", "name": "Centrum", "postcodes": ["1011"], "moderation_room": mod_room,
            "professionals_room": pro_room,
            "professionals": [{"id": "wijkagent", "name": "Sanne Bakker", "role": "wijkagent",
                               "matrix_user": sanne, "since": "2025-01-01"}]}
    return make_config(w.tmp_path, matrix=matrix, neighbourhoods=[hood], **sections)


async def test_a_check_question_from_the_room_to_a_telegram_resident_and_back(
        world: MatrixWorld, emu: BotApiEmulator, manual_clock: ManualClock) -> None:
    w = world
    bot = await w.user("bot")
    organiser, sanne, mod_room, pro_room = await rooms(w, bot.user_id)
    config = configured(w, bot, sanne.user_id, mod_room, pro_room, telegram=telegram_section(emu),
                        polls={"min_results": 1})
    matrix, telegram = MatrixChannel(config), make_channel(config)
    app = App(config, [matrix, telegram], clock=manual_clock)
    await app.start()
    try:
        await asyncio.wait_for(matrix.ready.wait(), 30)
        await bot_joined(sanne, pro_room, bot.user_id)
        running = Running(emu, app, telegram, config)
        anna = emu.user(3101, "Anna", language_code="en")
        await running.onboard(anna)
        await anna.send("/settings")
        menu = await running.press(anna, await running.reply(anna), "Questions from professionals")
        menu = await running.press(anna, menu, "yes")
        assert "Questions from professionals in your neighbourhood: yes" in (menu.text or "")
        await running.press(anna, menu, "Done")

        await send_text(sanne, pro_room, "!toets gezondheid | Herken je meer eenzaamheid bij oudere buren? | ja |"
                                         " nee | weet ik niet")
        proposal = await wait_event(organiser, mod_room, notice(r"CQ-\d{4}-0001"))
        reference = re.search(r"CQ-\d{4}-0001", proposal.body)
        assert reference is not None
        await send_text(organiser, mod_room, f"!toets-goedkeuren {reference.group(0)}")
        await wait_event(sanne, pro_room, notice(r"P-\d{4}-0001"))
        announcement = await running.reply(anna, wait=30)
        assert "Herken je meer eenzaamheid" in (announcement.text or "")
        receipt = await running.press(anna, announcement, "ja")
        assert "ja" in (receipt.text or "")

        manual_clock.advance(timedelta(days=7, minutes=1))
        assert await polls.sweep(app.services) == (0, 1)
        app.services.outbox_kick.set()
        result = await wait_event(sanne, pro_room, notice("Herken je meer eenzaamheid"))
        assert "ja" in result.body and "1" in result.body
    finally:
        await app.stop()


async def test_the_professionals_room_on_synapse(world: MatrixWorld, manual_clock: ManualClock) -> None:
    w = world
    bot = await w.user("bot")
    organiser, sanne, mod_room, pro_room = await rooms(w, bot.user_id)
    config = configured(w, bot, sanne.user_id, mod_room, pro_room)
    channel = MatrixChannel(config)
    app = App(config, [channel, Recorder("telegram")], clock=manual_clock)
    await app.start()
    try:
        await asyncio.wait_for(channel.ready.wait(), 30)
        await bot_joined(sanne, pro_room, bot.user_id)
        await bot_joined(organiser, mod_room, bot.user_id)

        # Text about one person: refused with the reason, nothing reaches the moderation room.
        await send_text(sanne, pro_room, "!observatie gezondheid | De vrouw van nummer 12 lijkt steeds verwarder.")
        await wait_event(sanne, pro_room, notice("professional secrecy|beroepsgeheim"))
        # A pattern: recorded, and the organisers read it with the role, never the name.
        await send_text(sanne, pro_room, "!observation health | Meer eenzaamheid onder ouderen in de flats.")
        await wait_event(sanne, pro_room, notice(r"O-\d{4}-0001"))
        posted = await wait_event(organiser, mod_room, notice(r"O-\d{4}-0001"))
        assert "wijkagent" in posted.body and "eenzaamheid" in posted.body and "Sanne" not in posted.body
        assert "verwarder" not in posted.body

        # The neighbourhood picture: on demand and weekly, in the professionals' room.
        await send_text(sanne, pro_room, "!wijkbeeld")
        shown = await wait_event(sanne, pro_room, notice("Wijkbeeld van Centrum|Neighbourhood picture of Centrum"))
        assert "eenzaamheid" in shown.body
        manual_clock.advance(timedelta(minutes=1))
        assert await picture.weekly(app.services) == 1
        app.services.outbox_kick.set()
        await wait_event(sanne, pro_room, notice("Wijkbeeld van Centrum|Neighbourhood picture of Centrum"))

        # A request: into the moderation room, answered there, overdue in both rooms once the date passes.
        await send_text(sanne, pro_room, "!verzoek Een avondruimte voor jongeren | meer overlast bij het plein")
        request = await wait_event(organiser, mod_room, notice(r"RQ-\d{4}-0001"))
        reference = re.search(r"RQ-\d{4}-0001", request.body)
        assert reference is not None and "wijkagent" in request.body
        await send_text(organiser, mod_room, f"!answer-request {reference.group(0)} | bezig | We zoeken een ruimte |"
                                             " de beheerder is positief | over 3 dagen")
        await wait_event(sanne, pro_room, notice("de beheerder is positief"))
        manual_clock.advance(timedelta(days=4))
        assert await requests.overdue_requests(app.services) == 1
        app.services.outbox_kick.set()
        await wait_event(sanne, pro_room, notice(f"{reference.group(0)}.*(beloofd|promised)"))
        await wait_event(organiser, mod_room, notice(f"{reference.group(0)}.*(beloofd|promised)"))
    finally:
        await app.stop()
