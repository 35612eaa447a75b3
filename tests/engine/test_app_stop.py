"""App.stop stops what sends through the channels (the outbox, scheduled jobs, flood releases) before the channels
themselves, so a channel never has to send while it closes its connections: matrix-nio opened a new HTTP session
for a request made after close(), and nothing closed that one. The outbox lets the sends under way finish and
records them (Dispatcher.stop_grace), and what it had not sent stays queued for the next start."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import App
from bot.channels.base import Address, Reply, SendResult
from bot.config import Config
from bot.engine import outbox
from tests.support import Recorder, make_config


class SlowNetwork(Recorder):
    """A channel whose sends wait for ``answer`` (a slow homeserver); it notes whether a send was still under way
    when it was told to stop."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.sending = asyncio.Event()
        self.answer = asyncio.Event()
        self.in_flight = 0
        self.in_flight_at_stop: int | None = None

    async def send(self, reply: Reply) -> SendResult:
        self.in_flight += 1
        self.sending.set()
        try:
            await self.answer.wait()
            return await super().send(reply)
        finally:
            self.in_flight -= 1

    async def stop(self) -> None:
        self.in_flight_at_stop = self.in_flight
        await super().stop()


async def sending(config: Config, channel: SlowNetwork) -> App:
    """The app with its dispatcher running, one message queued, and the channel busy sending it."""
    app = App(config, [channel])
    await app.start()
    async with app.db.transaction() as tx:
        await outbox.enqueue(tx, app.services, Address("telegram", "1001"), Reply(text="de lift is gemaakt"),
                             purpose="feedback")
    await asyncio.wait_for(channel.sending.wait(), 20)
    return app


async def sent_at_next_start(config: Config) -> list[str]:
    after = Recorder("telegram")
    again = App(config, [after])
    await again.start(background=False)
    try:
        await again.outbox.drain()
        return after.texts()
    finally:
        await again.stop()


async def test_a_send_under_way_at_stop_finishes_and_is_recorded_before_the_channel_stops(tmp_path: Path) -> None:
    config, channel = make_config(tmp_path), SlowNetwork("telegram")
    app = await sending(config, channel)
    stopping = asyncio.create_task(app.stop())
    await asyncio.sleep(0)  # the stop has begun (no time passes: the channel has not answered)
    assert not stopping.done() and channel.in_flight_at_stop is None  # the channel is not stopped under the send
    channel.answer.set()
    await stopping
    assert channel.texts() == ["de lift is gemaakt"] and channel.in_flight_at_stop == 0
    assert await sent_at_next_start(config) == []  # recorded as sent: not sent twice


async def test_a_send_that_hangs_is_called_off_before_the_channel_stops_and_waits(tmp_path: Path) -> None:
    config, channel = make_config(tmp_path), SlowNetwork("telegram")
    app = await sending(config, channel)
    app.outbox.stop_grace = 0.05  # the homeserver never answers
    await app.stop()
    assert channel.in_flight_at_stop == 0  # called off before the channel began to stop
    assert await sent_at_next_start(config) == ["de lift is gemaakt"]  # not lost: the next start sends it
