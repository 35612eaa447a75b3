"""/contact and the relay from WhatsApp: the contact person (on Matrix) reads the words but never the number or
BSUID, and an answer that comes after the 24-hour window reaches the resident as the relay-answer template."""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from bot.channels.base import Address
from bot.channels.whatsapp import WhatsAppChannel
from bot.clock import ManualClock
from handlers.commands import command_table
from tests.channels.conftest import free_port
from tests.channels.whatsapp_fixtures import (
    ACCESS_TOKEN,
    APP_SECRET,
    APPROVED,
    WaRunning,
    WindowClock,
    whatsapp_section,
)
from tests.engine.contacts_support import ADD_ANNA, ANNA, config_with_contacts, from_contact, room
from tests.peers.whatsapp import CloudApiEmulator
from tests.support import Recorder

MESSAGE = "Hello Anna, the bench at the square is broken again."


async def test_a_whatsapp_resident_and_a_matrix_contact_person_talk_through_the_relay(
        tmp_path: Path, wa_env: None) -> None:
    clock, port, matrix = WindowClock(), free_port(), Recorder("matrix")
    async with CloudApiEmulator(app_secret=APP_SECRET, access_token=ACCESS_TOKEN, templates=dict(APPROVED),
                                now=clock, webhook_url=f"http://127.0.0.1:{port}/whatsapp") as emu:
        config = config_with_contacts(tmp_path, [], whatsapp=whatsapp_section(emu, port))
        channel = WhatsAppChannel(config, command_table(), now=clock, retry_delays=(0.01,))
        app = App(config, [channel, matrix], clock=ManualClock())  # 11:00 in Amsterdam: nobody's quiet hours
        await app.start(background=False)
        wa = WaRunning(emu, app, channel, config, clock)
        try:
            assert "is now the contact person for Centrum" in await room(app, f"!contact add {ADD_ANNA}")
            resident = emu.user("31611111111", "Fatma")
            await wa.onboard(resident)
            await resident.send("contactpersoon")
            await wa.handled()
            card = [m for m in emu.messages_to(resident) if not m.consumed][-1]
            for message in emu.messages_to(resident):
                message.consumed = True
            assert "Anna de Vries" in card.text and "Write to Anna de Vries" in card.labels()
            question = await wa.press(resident, card, "Write to Anna de Vries")
            assert "Type your message for Anna de Vries" in question.text
            await resident.send(MESSAGE)
            assert "R-1" in (await wa.reply(resident)).text
            await app.outbox.drain()
            relayed = [r for r in matrix.sent if r.address == Address("matrix", ANNA, private=True)]
            assert len(relayed) == 1 and MESSAGE in relayed[0].text
            for secret in (resident.phone, resident.phone[2:], resident.bsuid, "whatsapp", "WhatsApp"):
                assert secret not in relayed[0].text

            clock.advance(26)  # Anna answers after the resident's window has closed
            async with app.db.transaction() as tx:
                post = await tx.value("SELECT message_id FROM relay_posts", ())
            await from_contact(app, "Thank you! We repair it on Friday.", reply_to=str(post))
            await app.outbox.drain()
            answer = await wa.reply(resident)
            assert answer.kind == "template" and answer.body["template"]["name"] == "wijkbot_relay_answer"
            assert "We repair it on Friday." in answer.text and ANNA not in answer.text
        finally:
            await wa.handled()
            await app.stop()
