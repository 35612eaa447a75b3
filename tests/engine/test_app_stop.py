"""App.stop stops what sends through the channels (the outbox, scheduled jobs, flood releases) before the channels
themselves: a channel never has to send while it closes its connections. Matrix-nio opened a new HTTP session for
a request made after close(), and nobody closed that one (tests/channels/matrix/test_restart.py shows the channel
side on a real Synapse)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import App
from bot.channels.base import Address, Reply, SendResult
from bot.engine import outbox
from tests.support import Recorder, make_config


class SlowNetwork(Recorder):
    """A channel whose sends hang (a slow homeserver); it notes whether one was still running when it stopped."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.sending = asyncio.Event()
        self.in_flight = 0
        self.in_flight_at_stop: int | None = None

    async def send(self, reply: Reply) -> SendResult:
        self.in_flight += 1
        self.sending.set()
        try:
            await asyncio.Event().wait()  # never answers
        finally:
            self.in_flight -= 1
        raise AssertionError("unreachable")

    async def stop(self) -> None:
        self.in_flight_at_stop = self.in_flight
        await super().stop()


async def test_the_outbox_stops_before_the_channels_and_the_message_waits(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    channel = SlowNetwork("telegram")
    app = App(config, [channel])
    await app.start()  # with the outbox dispatcher running
    try:
        async with app.db.transaction() as tx:
            await outbox.enqueue(tx, app.services, Address("telegram", "1001"), Reply(text="de lift is gemaakt"),
                                 purpose="feedback")
        await asyncio.wait_for(channel.sending.wait(), 20)
    finally:
        await app.stop()
    assert channel.in_flight_at_stop == 0  # the send was called off before the channel began to stop

    # Not lost: the next start sends it.
    after = Recorder("telegram")
    again = App(config, [after])
    await again.start(background=False)
    try:
        assert await again.outbox.drain() == 1
        assert after.texts() == ["de lift is gemaakt"]
    finally:
        await again.stop()
