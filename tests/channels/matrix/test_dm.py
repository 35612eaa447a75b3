"""A resident talks to the bot in a Matrix direct chat (real Synapse, real MatrixChannel, recording Host)."""

from __future__ import annotations

import asyncio

import nio

from bot.channels.base import Actor, Address, Attachment, AttachmentKind, Choice, Incoming, Reply
from tests.channels.matrix_fixtures import (  # the *_fixture imports register fixtures
    MatrixWorld,
    RecordingHost,
    bot_joined,
    is_notice,
    send_text,
    synapse_fixture,  # noqa: F401
    wait_event,
    wait_events,
    world_fixture,  # noqa: F401
)

EXPORT = b'{"verhalen": ["Het bankje is kapot"]}'


def answer(incoming: Incoming) -> list[Reply]:
    if incoming.text == "bestand":
        export = Attachment(AttachmentKind.FILE, data=EXPORT, filename="mijn-gegevens.json",
                            mime_type="application/json")
        return [Reply(text="Je gegevens staan in het bestand.", attachment=export)]
    if incoming.command is not None:
        return []
    return [Reply(text="Waar woon je?", choices=(Choice("centrum", "Centrum"), Choice("noord", "Noord & Zuid")))]


async def test_resident_in_direct_chat(world: MatrixWorld) -> None:
    w = world
    bot = await w.user("bot")
    resident = await w.person("bewoner")
    host = RecordingHost(answer)
    channel = await w.start(w.config(bot), host)

    # A direct-chat invite from a resident on the bot's own server is accepted.
    created = await resident.room_create(is_direct=True, invite=[bot.user_id])
    assert isinstance(created, nio.RoomCreateResponse), created
    room_id = created.room_id
    await bot_joined(resident, room_id, bot.user_id)
    dm = Address("matrix", room_id, private=True)

    hello_id = await send_text(resident, room_id, "hallo")
    incoming = await host.next()
    localpart = resident.user_id[1:].split(":")[0]
    assert incoming == Incoming(actor=Actor("matrix", resident.user_id, localpart, None), address=dm,
                                text="hallo", event_id=hello_id)

    # The reply: an m.notice with the choices as a numbered list, and an HTML <ol>.
    notice = await wait_event(resident, room_id, is_notice)
    assert notice.body == "Waar woon je?\n\n1. Centrum\n2. Noord & Zuid"
    assert notice.formatted_body == "Waar woon je?<ol><li>Centrum</li><li>Noord &amp; Zuid</li></ol>"
    assert notice.format == "org.matrix.custom.html"

    # Commands: "!" or "/" and a word; lower-cased, the rest are the arguments.
    await send_text(resident, room_id, "!Start nu meteen")
    incoming = await host.next()
    assert (incoming.command, incoming.args, incoming.address.private) == ("start", "nu meteen", True)
    await send_text(resident, room_id, "/help")
    assert (await host.next()).command == "help"

    # Never dispatched: an edit, a notice (another bot), an emote. The next Incoming is the file request.
    await send_text(resident, room_id, "* hallo!", "m.text", **{
        "m.new_content": {"msgtype": "m.text", "body": "hallo!"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": hello_id}})
    await send_text(resident, room_id, "ik ben ook een bot", "m.notice")
    await send_text(resident, room_id, "zwaait", "m.emote")
    await send_text(resident, room_id, "bestand")
    incoming = await host.next()
    assert incoming.text == "bestand"

    # A file reply: the text as a notice and the file as m.file whose bytes download intact.
    got = await wait_events(resident, room_id, lambda e: isinstance(e, (nio.RoomMessageFile, nio.RoomMessageNotice)),
                            count=2)
    file_event = next(e for e in got if isinstance(e, nio.RoomMessageFile))
    assert file_event.body == "mijn-gegevens.json"
    assert file_event.source["content"]["info"] == {"mimetype": "application/json", "size": len(EXPORT)}
    download = await resident.download(file_event.url)
    assert isinstance(download, nio.DownloadResponse), download
    assert download.body == EXPORT

    # send() from the outbox: returns the event id the resident sees.
    result = await channel.send(Reply(text="Je verhaal is gepubliceerd.", address=dm, notice=False))
    assert result.ok and result.message_id
    message = await wait_event(resident, room_id, lambda e: isinstance(e, nio.RoomMessageText))
    assert (message.event_id, message.body) == (result.message_id, "Je verhaal is gepubliceerd.")

    # The resident leaves: the host hears it, and sending there reports unreachable.
    assert isinstance(await resident.room_leave(room_id), nio.RoomLeaveResponse)
    await asyncio.wait_for(host.gone.wait(), 15)
    assert host.unreachable_addresses == [dm]
    result = await channel.send(Reply(text="Nog iets?", address=dm))
    assert not result.ok and result.unreachable
    assert len(host.received) == 4
