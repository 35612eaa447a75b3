"""Status webhooks (sent, delivered, read) are recorded on the outbox row the message came from: only the state,
never the moment, nothing for a youth poll; the organisers' overview counts them."""

from __future__ import annotations

from bot.channels.base import Address, Reply
from bot.channels.whatsapp.webhook import Status
from bot.engine import outbox
from tests.channels.whatsapp_fixtures import WaRunning
from tests.support import column_names


async def rows(wa: WaRunning) -> dict[str, tuple[str, str | None, str | None]]:
    async with wa.app.db.transaction() as tx:
        found = await tx.all("SELECT chat_id, status, message_id, delivery FROM outbox ORDER BY id", ())
    return {row["chat_id"]: (row["status"], row["message_id"], row["delivery"]) for row in found}


async def test_delivered_and_read_are_kept_on_the_outbox_row_and_counted_for_organisers(wa: WaRunning) -> None:
    anna, bob, cem = (wa.emu.user(n, name) for n, name in
                      (("31611111111", "Anna"), ("31622222222", "Bob"), ("31633333333", "Cem")))
    for user in (anna, bob, cem):
        await wa.onboard(user)
    cem.reachable = False  # accepted, then failed (131026)
    async with wa.app.db.transaction() as tx:
        for user in (anna, bob, cem):
            await outbox.enqueue(tx, wa.app.services, Address("whatsapp", user.bsuid), Reply(text="News"),
                                 purpose="feedback")
    await wa.app.outbox.drain()
    await wa.handled()
    await wa.emu.user_reads(anna)
    await wa.handled()

    found = await rows(wa)
    anna_got, bob_got = [await wa.reply(u) for u in (anna, bob)]
    assert found[anna.bsuid] == ("sent", anna_got.id, "read")  # the row keeps Meta's message id and the state
    assert found[bob.bsuid] == ("sent", bob_got.id, "delivered")
    assert found[cem.bsuid][0] == "failed" and found[cem.bsuid][2] is None  # failed, never "delivered"
    async with wa.app.db.transaction() as tx:  # only the state: no column holds when it was delivered or read
        columns = await column_names(tx, "outbox")
    assert [c for c in columns if "read" in c or "deliver" in c] == ["delivery"]

    await wa.emu.user_reads(anna)  # a late "delivered" after "read" does not take the row back
    await wa.channel._on_events([Status(anna_got.id, "delivered", anna.bsuid)])
    assert (await rows(wa))[anna.bsuid][2] == "read"

    overview = await wa.overview()
    assert "Messages sent to residents in the last 30 days: 2; arrived: 2; read: 1." in overview
    assert anna.phone not in overview and anna.bsuid not in overview



async def test_a_youth_poll_message_keeps_no_delivery_state(wa: WaRunning) -> None:
    anna = wa.emu.user("31611111111", "Anna")
    await wa.onboard(anna)
    async with wa.app.db.transaction() as tx:
        await tx.execute("INSERT INTO polls (reference, question, youth_min, youth_max, opens_at, closes_at, room,"
                         " created_by, created_at) VALUES ('P-1', 'Q', 12, 17, '2026-01-01', '2026-02-01', 'r', 'o',"
                         " '2026-01-01')")
        await outbox.enqueue(tx, wa.app.services, Address("whatsapp", anna.bsuid), Reply(text="Vote!"),
                             purpose="poll", subject="P-1")
    await wa.app.outbox.drain()
    await wa.handled()
    await wa.emu.user_reads(anna)
    await wa.handled()
    status, message_id, delivery = (await rows(wa))[anna.bsuid]
    assert status == "sent" and message_id == (await wa.reply(anna)).id and delivery is None
