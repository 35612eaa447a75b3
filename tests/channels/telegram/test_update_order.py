"""How the Telegram channel takes updates in: each chat in order, different chats at once; sending paced evenly."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from bot.channels.telegram import ChatOrderedUpdates, rate_limiter
from bot.channels.telegram.settings import PACING


def update(update_id: int, chat: int) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": "hi", "chat": {"id": chat, "type": "private", "first_name": "A"},
        "from": {"id": chat, "is_bot": False, "first_name": "A"}}}, None)


async def test_a_chat_waits_for_its_own_earlier_update_but_not_for_other_chats() -> None:
    processor = ChatOrderedUpdates(8)
    log: list[str] = []
    gate = asyncio.Event()

    async def handle(name: str, wait: asyncio.Event | None = None) -> None:
        log.append(f"start {name}")
        if wait is not None:
            await wait.wait()
        log.append(f"end {name}")

    tasks: list[asyncio.Task[Any]] = [
        asyncio.create_task(processor.process_update(update(1, 10), handle("a1", gate))),
        asyncio.create_task(processor.process_update(update(2, 10), handle("a2"))),
        asyncio.create_task(processor.process_update(update(3, 20), handle("b1"))),
    ]
    for _ in range(5):
        await asyncio.sleep(0)
    assert log == ["start a1", "start b1", "end b1"]  # b1 did not wait for a1; a2 did
    gate.set()
    await asyncio.gather(*tasks)
    assert log[3:] == ["end a1", "start a2", "end a2"]
    assert processor._chats == {}  # nothing kept for chats that went quiet


def test_the_pacing_never_fills_a_second_beyond_the_limit() -> None:
    for limit in (30.0, 300.0):
        limiter: Any = rate_limiter(limit, 3)._base_limiter
        burst, rate = limiter.max_rate, limiter.max_rate / limiter.time_period
        assert burst >= 1 and burst + rate <= PACING * limit <= limit  # the most any one-second window can hold
        assert rate >= 0.94 * limit  # and still close to the limit over time
    assert rate_limiter(0, 3)._base_limiter is None  # 0: no overall limit
