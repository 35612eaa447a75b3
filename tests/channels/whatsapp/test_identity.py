"""One resident, not two: a resident who wrote before Meta gave business-scoped user ids (keyed on the phone
number) and later arrives with a BSUID and the same number is the same resident, keyed on the BSUID from then
on, with the dialogue, queued messages and settings; the number leaves the database files."""

from __future__ import annotations

from bot.channels.base import Address, Reply
from bot.engine import outbox
from tests.channels.whatsapp_fixtures import WaRunning
from tests.pg_disk import database_bytes


async def raw_files(wa: WaRunning) -> bytes:
    return await database_bytes(wa.app)


async def test_a_resident_keyed_on_the_number_becomes_the_bsuid_resident_with_everything_she_had(
        wa: WaRunning) -> None:
    anna = wa.emu.user("31612345678", "Anna")
    anna.with_bsuid = False  # webhooks as before BSUIDs: only her number
    await wa.onboard(anna)  # in English, in Centrum
    async with wa.app.db.transaction() as tx:
        assert await tx.value("SELECT user_id FROM residents") == anna.phone
        await outbox.enqueue(tx, wa.app.services, Address("whatsapp", anna.phone), Reply(text="Queued news"),
                             purpose="feedback", not_before="2999-01-01T00:00:00+00:00")  # waits in the outbox
    await anna.send("settings")  # a dialogue left open under the number
    settings = await wa.reply(anna)
    assert settings.options()

    anna.with_bsuid = True  # Meta now gives her BSUID beside the number
    await wa.press(anna, settings, settings.labels()[0])  # the open dialogue goes on: same resident
    await wa.handled()
    async with wa.app.db.transaction() as tx:
        residents = [dict(row) for row in await tx.all("SELECT user_id, chat_id, language FROM residents", ())]
        queued = await tx.value("SELECT chat_id FROM outbox WHERE purpose = 'feedback'")
        conversations = [row[0] for row in await tx.all("SELECT user_id FROM conversations", ())]
    assert residents == [{"user_id": anna.bsuid, "chat_id": anna.bsuid, "language": "en"}]  # one, not two
    assert queued == anna.bsuid and conversations == [anna.bsuid]
    for message in wa.emu.messages_to(anna):
        message.consumed = True
    await anna.send("status")
    assert "welcome" not in (await wa.reply(anna)).text.lower()  # no second onboarding
    async with wa.app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM residents") == 1
    files = await raw_files(wa)
    assert anna.phone.encode() not in files and anna.phone[2:].encode() not in files  # the number is gone

    overview = await wa.overview()
    assert anna.phone not in overview and anna.bsuid not in overview


async def test_a_new_resident_with_both_ids_is_keyed_on_the_bsuid_only(wa: WaRunning) -> None:
    bob = wa.emu.user("31687654321", "Bob")
    await wa.onboard(bob)
    async with wa.app.db.transaction() as tx:
        assert [tuple(row) for row in await tx.all("SELECT user_id, chat_id FROM residents", ())] == [
            (bob.bsuid, bob.bsuid)]
    assert bob.phone.encode() not in await raw_files(wa)
