"""Two drains at once (the dispatcher's loop and the scheduler's retry job) send each message once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import App
from bot.channels.base import Address, Reply, SendResult
from bot.engine import outbox
from tests.support import Recorder, make_config


class SlowRecorder(Recorder):
    async def send(self, reply: Reply) -> SendResult:
        await asyncio.sleep(0.001)  # a network round trip: the other drain runs meanwhile
        return await super().send(reply)


async def test_concurrent_drains_do_not_send_twice(tmp_path: Path) -> None:
    channel = SlowRecorder("telegram")
    app = App(make_config(tmp_path), [channel])
    await app.start(background=False)
    try:
        async with app.db.transaction() as tx:
            for n in range(60):
                await outbox.enqueue(tx, app.services, Address("telegram", str(1000 + n)), Reply(text=f"m{n}"),
                                     purpose="test")
        delivered = await asyncio.gather(app.outbox.drain(), app.outbox.drain(), app.outbox.drain())
        assert sum(delivered) == 60
        assert sorted(channel.texts()) == sorted(f"m{n}" for n in range(60))  # each exactly once
    finally:
        await app.stop()
