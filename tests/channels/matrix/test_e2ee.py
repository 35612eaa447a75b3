"""An encrypted moderation room, as Element makes it: commands, replies, files and reactions both ways."""

from __future__ import annotations

import logging

import nio
import pytest
from nio.crypto import decrypt_attachment

from bot.channels.base import Attachment, AttachmentKind, Incoming, Reply
from tests.channels.matrix_fixtures import (  # the *_fixture imports register fixtures
    ENCRYPTION_STATE,
    MatrixWorld,
    RecordingHost,
    bot_joined,
    react,
    send_text,
    synapse_fixture,  # noqa: F401
    wait_events,
    world_fixture,  # noqa: F401
)

REPORT = b"W-2026-0001;goedgekeurd\n"


def answer(incoming: Incoming) -> list[Reply]:
    if incoming.command == "approve":
        report = Attachment(AttachmentKind.FILE, data=REPORT, filename="rapport.csv", mime_type="text/csv")
        return [Reply(text=f"Goedgekeurd: {incoming.args}", reactions=("✅",), attachment=report)]
    return []


async def test_encrypted_room_both_ways(world: MatrixWorld, caplog: pytest.LogCaptureFixture) -> None:
    w = world
    bot = await w.user("bot")
    organiser = await w.person("org", encryption=True)  # own device and crypto store
    created = await organiser.room_create(name="Moderatie", invite=[bot.user_id], initial_state=[ENCRYPTION_STATE])
    assert isinstance(created, nio.RoomCreateResponse), created
    room_id = created.room_id
    host = RecordingHost(answer)
    with caplog.at_level(logging.INFO, logger="bot.channels.matrix"):
        channel = await w.start(w.config(bot, moderation_room=room_id), host)
    await bot_joined(organiser, room_id, bot.user_id)
    # The bot's own device id and session key are logged, so an organiser can verify the bot.
    assert channel.device_id and any(channel.device_id in r.getMessage() and "session key" in r.getMessage()
                                     for r in caplog.records)
    assert organiser.rooms[room_id].encrypted

    # Organiser → bot, encrypted: decrypted by the bot; the room creator is a moderator (room v12).
    event_id = await send_text(organiser, room_id, "!approve W-2026-0001")
    incoming = await host.next()
    assert (incoming.command, incoming.args, incoming.moderator, incoming.event_id) == (
        "approve", "W-2026-0001", True, event_id)

    # Bot → organiser: an encrypted notice, an encrypted file and the bot's reaction.
    got = await wait_events(organiser, room_id, lambda e: isinstance(
        e, (nio.RoomMessageNotice, nio.RoomEncryptedFile, nio.ReactionEvent, nio.MegolmEvent)), count=3)
    assert not [e for e in got if isinstance(e, nio.MegolmEvent)], "the organiser could not decrypt"
    notice = next(e for e in got if isinstance(e, nio.RoomMessageNotice))
    assert notice.decrypted and notice.body == "Goedgekeurd: W-2026-0001"
    encrypted_file = next(e for e in got if isinstance(e, nio.RoomEncryptedFile))
    download = await organiser.download(encrypted_file.url)
    assert isinstance(download, nio.DownloadResponse), download
    assert download.body != REPORT  # stored encrypted on the server
    plain = decrypt_attachment(download.body, encrypted_file.key["k"], encrypted_file.hashes["sha256"],
                               encrypted_file.iv)
    assert plain == REPORT
    reaction = next(e for e in got if isinstance(e, nio.ReactionEvent))
    assert (reaction.key, reaction.reacts_to) == ("✅", notice.event_id)

    # The organiser taps a reaction on the bot's message.
    await react(organiser, room_id, notice.event_id, "🚫")
    incoming = await host.next()
    assert (incoming.reaction, incoming.reacted_to, incoming.moderator) == ("🚫", notice.event_id, True)
