"""Where an auditor would look: the raw bytes of the database and its WAL hold no phone number of a resident
whom Meta gives a BSUID, a resident without a number in the webhooks works the same, and after /forget the BSUID
is gone from the files too."""

from __future__ import annotations

from tests.channels.whatsapp_fixtures import WaRunning
from tests.peers.whatsapp import WaUser
from tests.pg_disk import database_bytes


async def raw_files(wa: WaRunning) -> bytes:
    return await database_bytes(wa.app)


async def share_and_read(wa: WaRunning, user: WaUser) -> None:
    await wa.onboard(user)
    await user.send("status")
    await wa.reply(user)
    await user.send("mydata")
    await wa.handled()
    for message in wa.emu.messages_to(user):
        message.consumed = True


async def test_the_number_is_not_stored_where_meta_gives_a_bsuid_and_forget_removes_the_bsuid(wa: WaRunning) -> None:
    anna = wa.emu.user("31612345678", "Anna")
    bob = wa.emu.user("31687654321", "Bob", with_phone=False)  # a username, no number in the webhooks
    await share_and_read(wa, anna)
    await share_and_read(wa, bob)
    files = await raw_files(wa)
    for number in (anna.phone, anna.phone[2:], bob.phone):
        assert number.encode() not in files
    assert anna.bsuid.encode() in files and bob.bsuid.encode() in files  # the key the bot answers on
    assert all(m.body.get("recipient") == bob.bsuid and "to" not in m.body for m in wa.emu.messages_to(bob))

    await anna.send("vergeet")
    question = await wa.reply(anna)
    await wa.press(anna, question, question.labels()[0])
    await wa.handled()
    files = await raw_files(wa)
    assert anna.bsuid.encode() not in files and b"Anna" not in files
    assert bob.bsuid.encode() in files  # only she was erased
