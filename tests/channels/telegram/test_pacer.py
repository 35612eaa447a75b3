"""The Telegram channel's rate limiter (bot/channels/telegram/limiter.py) on a hand-moved clock: the overall
budget, per-chat spacing, interactive before bulk, a 429 that holds only its own chat, paid broadcasts."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.channels.base import SENDING_BULK
from bot.channels.telegram.limiter import PACING, ChatPacer

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB's own RetryAfter


class Time:
    """The pacer's clock: its sleeps move time on instead of waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


class Api:
    """Stands in for PTB's ``_do_post``: records (endpoint, chat, time, data) of each call that went out."""

    def __init__(self, time: Time) -> None:
        self.time = time
        self.calls: list[tuple[str, Any, float, dict[str, Any]]] = []
        self.limited: dict[Any, int] = {}  # chat -> how many 429 answers it still gets

    def call(self, endpoint: str, data: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
        async def post() -> Any:
            chat = data.get("chat_id")
            if self.limited.get(chat):
                self.limited[chat] -= 1
                raise RetryAfter(5)
            self.calls.append((endpoint, chat, self.time.now, dict(data)))
            return True
        return post

    def times(self, chat: Any) -> list[float]:
        return [at for _, c, at, _ in self.calls if c == chat]


@pytest.fixture
def time() -> Time:
    return Time()


@pytest.fixture
def api(time: Time) -> Api:
    return Api(time)


def pacer(time: Time, per_second: float = 30.0, **kwargs: Any) -> ChatPacer:
    return ChatPacer(per_second, clock=time.clock, sleep=time.sleep, **kwargs)


async def request(limiter: ChatPacer, api: Api, chat: Any, endpoint: str = "sendMessage", *,
                  bulk: bool = False) -> Any:
    SENDING_BULK.set(bulk)  # as the outbox dispatcher does, in this request's own task
    data: dict[str, Any] = {"chat_id": chat, "text": "hoi"}
    return await limiter.process_request(api.call(endpoint, data), (), {}, endpoint, data, None)


def spans(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


async def test_consecutive_messages_to_one_chat_are_spaced_never_rejected(time: Time, api: Api) -> None:
    limiter = pacer(time)
    await asyncio.gather(*(request(limiter, api, chat) for chat in (11, 11, 11, 12, 12, -100)),
                         *(request(limiter, api, -100) for _ in range(2)))
    assert len(api.calls) == 8  # all delivered
    assert all(span >= 1 / PACING - 1e-9 for span in spans(api.times(11)))  # a private chat: 1 a second
    assert all(span >= 1 / PACING - 1e-9 for span in spans(api.times(12)))
    assert all(span >= 60 / 20 / PACING - 1e-9 for span in spans(api.times(-100)))  # a group: 20 a minute
    assert api.times(12)[0] < 0.1  # another chat does not wait for the first
    # Edits are not messages: an edit right after a message in the same chat goes at once.
    before = time.now
    await request(limiter, api, 11, "sendMessage")
    await request(limiter, api, 11, "editMessageText")
    assert api.times(11)[-1] - api.times(11)[-2] < 0.1 and time.now - before < 1.1
    await limiter.shutdown()


async def test_the_overall_budget_is_used_evenly_and_never_exceeded(time: Time, api: Api) -> None:
    limiter = pacer(time, 30.0)
    await asyncio.gather(*(request(limiter, api, 1000 + n, bulk=True) for n in range(300)))
    times = sorted(at for _, _, at, _ in api.calls)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 30  # Telegram's limit in any one-second window
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert 0.97 * 30 <= rate <= 30  # and close to all of it
    await limiter.shutdown()


async def test_an_answer_goes_before_bulk_messages_queued_earlier(time: Time, api: Api) -> None:
    limiter = pacer(time, 1.0)  # one message a second overall, so the queue is visible
    bulk = [asyncio.create_task(request(limiter, api, 2000 + n, bulk=True)) for n in range(5)]
    for _ in range(3):
        await asyncio.sleep(0)  # the fan-out waits in the limiter; the first of it has gone
    answer = asyncio.create_task(request(limiter, api, 7))
    await asyncio.gather(*bulk, answer)
    order = [chat for _, chat, _, _ in api.calls]
    assert order[0] == 2000 and order[1] == 7  # the next free slot is the resident's
    assert order[2:] == [2001, 2002, 2003, 2004]  # then the fan-out, oldest first
    await limiter.shutdown()


async def test_a_429_in_one_chat_holds_only_that_chat(time: Time, api: Api) -> None:
    limiter = pacer(time)
    api.limited[21] = 1  # Telegram answers 429 retry_after 5 to the first message into chat 21
    await asyncio.gather(request(limiter, api, 21), *(request(limiter, api, 22) for _ in range(4)),
                         *(request(limiter, api, 30 + n) for n in range(20)))
    assert api.times(21) and api.times(21)[0] >= 5.0  # tried again after its retry_after
    assert max(api.times(30 + n)[0] for n in range(20)) < 1.0  # the others did not wait for it
    assert api.times(22)[0] < 0.1 and all(span < 1.1 for span in spans(api.times(22)))
    await limiter.shutdown()


async def test_flood_control_that_persists_is_reported_after_the_retries(time: Time, api: Api) -> None:
    limiter = pacer(time, max_retries=2)
    api.limited[5] = 3
    with pytest.raises(RetryAfter):
        await request(limiter, api, 5)
    assert api.limited[5] == 0 and api.times(5) == []  # three attempts, each after the chat's retry_after
    assert time.now >= 10.0
    await limiter.shutdown()


async def test_paid_broadcasts_carry_the_flag_on_bulk_messages_only(time: Time, api: Api) -> None:
    limiter = pacer(time, 30.0, paid_per_second=1000.0)
    await asyncio.gather(*(request(limiter, api, 3000 + n, bulk=True) for n in range(200)),
                         request(limiter, api, 8))
    paid = [data.get("allow_paid_broadcast") for _, chat, _, data in api.calls if chat != 8]
    assert paid == [True] * 200
    assert "allow_paid_broadcast" not in next(data for _, chat, _, data in api.calls if chat == 8)
    assert time.now < 0.5  # 200 messages at up to 1,000 a second, not 30
    await limiter.shutdown()
    free = pacer(time, 30.0)
    await request(free, api, 9, bulk=True)
    assert "allow_paid_broadcast" not in api.calls[-1][3]  # off unless the setting asks for it
    await free.shutdown()


async def test_calls_without_a_chat_are_not_limited(time: Time, api: Api) -> None:
    limiter = pacer(time, 1.0)
    data: dict[str, Any] = {"callback_query_id": "1"}
    for _ in range(5):
        await limiter.process_request(api.call("answerCallbackQuery", data), (), {}, "answerCallbackQuery", data,
                                      None)
    assert len(api.calls) == 5 and time.now == 0.0
    await limiter.shutdown()


async def test_a_chat_action_takes_no_slot_of_the_budget_and_is_tried_once(time: Time, api: Api) -> None:
    limiter = pacer(time, 1.0)  # one message a second overall
    fanout = [asyncio.create_task(request(limiter, api, 4000 + n, bulk=True)) for n in range(3)]
    await asyncio.sleep(0)
    await request(limiter, api, 10, "sendChatAction")
    assert api.calls[-1][:3] == ("sendChatAction", 10, 0.0)  # at once, beside the fan-out's slots
    await asyncio.gather(*fanout)
    assert [at for endpoint, _, at, _ in api.calls if endpoint == "sendMessage"] == pytest.approx(
        [0.0, 1 / PACING, 2 / PACING])  # the fan-out lost no slot to it
    api.limited[10] = 1
    refused = time.now
    with pytest.raises(RetryAfter):  # a 429 on it: reported at once, not waited out
        await request(limiter, api, 10, "sendChatAction")
    assert time.now == refused
    calls = len(api.calls)
    assert await request(limiter, api, 10, "sendChatAction") is True and len(api.calls) == calls  # held: none
    await request(limiter, api, 10)
    assert api.times(10)[-1] >= refused + 5.0  # the answer waits out the hold the 429 set
    await limiter.shutdown()
