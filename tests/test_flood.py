"""Flood protection (bot/flood.py) in the whole App, on a manual clock: one "slow down", the last message held
and then answered as the answer to the open question, other residents untouched."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.base import Actor, Address, Incoming
from bot.clock import ManualClock
from bot.config import ConfigError, LimitsConfig
from bot.flood import FloodGate, Verdict
from tests.support import BASE, Person, Recorder, make_config

SLOW_EN = "You are sending a lot of messages very quickly"
SLOW_NL = "Je stuurt heel snel veel berichten"
STORY = "The lift in our flat has been broken for a month."


@pytest.fixture
async def flood_app(tmp_path: Path, manual_clock: ManualClock, matrix_recorder: Recorder,
                    telegram_recorder: Recorder) -> AsyncIterator[App]:
    config = make_config(tmp_path, limits={"flood_messages": 10, "flood_seconds": 10})
    application = App(config, [matrix_recorder, telegram_recorder], clock=manual_clock)
    await application.start(background=False)
    yield application
    await application.stop()


async def at_story_step(person: Person) -> None:
    await person.onboard()
    await person.say("/share")
    await person.say("6")  # housing
    assert "in your own words" in person.text()


async def test_a_flood_gets_one_slow_down_and_the_last_message_answers_the_open_question(
        flood_app: App, manual_clock: ManualClock, telegram_recorder: Recorder) -> None:
    anna = Person(flood_app, "anna", channel="telegram")
    await at_story_step(anna)
    manual_clock.advance(timedelta(minutes=1))  # onboarding's messages are out of the window
    answers: list[str] = []
    for number in range(49):  # 49 messages in two seconds, all too short for a story
        answers += [r.text for r in await anna.say(f"hello? {number}")]
        manual_clock.advance(timedelta(milliseconds=40))
    answers += [r.text for r in await anna.say(STORY)]  # the 50th: the real answer
    too_short = [a for a in answers if "at least 10 characters" in a]
    assert len(too_short) == 10  # the first ten were ordinary turns
    assert sum(SLOW_EN in a for a in answers) == 1 and len(answers) == 11  # one "slow down", then silence
    assert flood_app.flood.holding() == 1

    assert await flood_app.release_flooded() == 0  # not yet: she has not paused
    manual_clock.advance(timedelta(seconds=1))
    before = len(telegram_recorder.sent)
    assert await flood_app.release_flooded() == 1
    released = [r.text for r in telegram_recorder.sent[before:]]
    assert len(released) == 1 and "Where is this?" in released[0]  # her last message was taken as the story
    async with flood_app.db.transaction() as tx:
        row = await tx.one("SELECT step, data FROM conversations WHERE channel = 'telegram' AND user_id = 'anna'")
    assert row is not None and row["step"] == "place" and STORY in row["data"]
    assert "hello? 48" not in row["data"]


async def test_other_residents_are_answered_during_a_flood(flood_app: App, manual_clock: ManualClock) -> None:
    anna, bram = Person(flood_app, "anna", channel="telegram"), Person(flood_app, "bram", channel="telegram")
    await bram.onboard()
    for number in range(30):
        await anna.say(f"/help {number}")
    assert flood_app.flood.holding() == 1
    replies = await bram.say("/help")
    assert len(replies) == 1 and "/share" in replies[0].text and SLOW_EN not in replies[0].text


async def test_slow_down_is_in_the_residents_language_and_once_per_window(
        flood_app: App, manual_clock: ManualClock) -> None:
    piet = Person(flood_app, "piet", channel="telegram", language_hint="en")
    await piet.onboard(language="Nederlands")
    manual_clock.advance(timedelta(minutes=1))
    texts = [r.text for _ in range(25) for r in await piet.say("/help")]
    assert sum(SLOW_NL in t for t in texts) == 1 and not any(SLOW_EN in t for t in texts)
    manual_clock.advance(timedelta(seconds=1))  # a pause: the held /help is answered
    assert await flood_app.release_flooded() == 1
    # Still inside the window: another burst is held again, but not told to slow down a second time.
    texts = [r.text for _ in range(3) for r in await piet.say("/help")]
    assert texts == [] and flood_app.flood.holding() == 1
    manual_clock.advance(timedelta(seconds=11))  # a new window: a new flood is told again
    texts = [r.text for _ in range(12) for r in await piet.say("/help")]
    assert sum(SLOW_NL in t for t in texts) == 1


async def test_a_message_after_the_pause_answers_the_held_one_first(
        flood_app: App, manual_clock: ManualClock, telegram_recorder: Recorder) -> None:
    anna = Person(flood_app, "anna", channel="telegram")
    await at_story_step(anna)
    manual_clock.advance(timedelta(minutes=1))
    for _ in range(10):
        await anna.say("hello?")
    await anna.say("too short")  # the slow down; held
    await anna.say(STORY)  # replaces the held one
    manual_clock.advance(timedelta(seconds=2))  # paused, but the release job has not run yet
    before = len(telegram_recorder.sent)
    replies = await anna.say("Dorpsstraat")  # the held story is handled first ("where is this?")
    assert len(telegram_recorder.sent) == before + 1 and "Where is this?" in telegram_recorder.sent[before].text
    # The window still holds her burst, so this one is held too (no second "slow down") and answered after a pause.
    assert replies == [] and flood_app.flood.holding() == 1
    manual_clock.advance(timedelta(seconds=1))
    assert await flood_app.release_flooded() == 1
    assert "photo" in telegram_recorder.sent[-1].text  # "Dorpsstraat" answered "where is this?"


async def test_shared_rooms_the_console_and_a_steady_pace_are_never_held(
        flood_app: App, manual_clock: ManualClock) -> None:
    anna = Person(flood_app, "anna", channel="telegram")
    await anna.onboard()
    manual_clock.advance(timedelta(minutes=1))
    for _ in range(40):  # one message every 1.1 s: below 10 in 10 s
        manual_clock.advance(timedelta(seconds=1.1))
        assert await anna.say("/help")
    room = Incoming(Actor("matrix", "@org:localhost", "Org", None), Address("matrix", "!mod-centrum:localhost",
                                                                            private=False),
                    command="queue", moderator=True)
    shell = Person(flood_app, "operator")  # the console: a script piped into `wijkbot shell`
    for _ in range(30):
        assert flood_app.flood.admit(room).verdict is Verdict.PASS
        assert await shell.say("/help")
    assert flood_app.flood.holding() == 0


def test_the_gate_forgets_quiet_people_and_can_be_turned_off(manual_clock: ManualClock) -> None:
    gate = FloodGate(LimitsConfig(flood_messages=3, flood_seconds=6), manual_clock)
    message = Incoming(Actor("telegram", "1", None, None), Address("telegram", "1"), text="hi")
    verdicts = [gate.admit(message).verdict for _ in range(6)]
    assert verdicts == [Verdict.PASS] * 3 + [Verdict.WARN, Verdict.HOLD, Verdict.HOLD]
    manual_clock.advance(timedelta(seconds=2))  # the pace allowed is one per 6/3 = 2 s
    assert gate.due() == [message] and gate.tracked() == 1
    manual_clock.advance(timedelta(seconds=7))
    assert gate.due() == [] and gate.tracked() == 0  # nothing kept about someone quiet for a whole window
    off = FloodGate(LimitsConfig(flood_messages=0, flood_seconds=6), manual_clock)
    assert all(off.admit(message).verdict is Verdict.PASS for _ in range(100)) and off.tracked() == 0


@pytest.mark.parametrize(("limits", "problem"), [
    ({"flood_messages": -1}, "limits.flood_messages: must be a whole number from 0 to 1000"),
    ({"flood_seconds": 0}, "limits.flood_seconds: must be a whole number from 1 to 3600"),
    ({"flood_second": 5}, "limits.flood_second: unknown key"),
])
def test_flood_settings_are_checked(tmp_path: Path, limits: dict[str, int], problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_config(tmp_path, limits=limits)
    assert any(line.startswith(problem) for line in caught.value.problems), caught.value.problems


def test_flood_defaults(tmp_path: Path) -> None:
    config = make_config(tmp_path, limits=None)
    assert "limits" in BASE and config.limits == LimitsConfig(flood_messages=10, flood_seconds=10)


async def test_a_command_in_a_flood_is_not_replaced(flood_app: App, manual_clock: ManualClock,
                                                    telegram_recorder: Recorder) -> None:
    anna = Person(flood_app, "anna", channel="telegram")
    await at_story_step(anna)
    manual_clock.advance(timedelta(minutes=1))
    for number in range(12):
        await anna.say(f"hello? {number}")
    await anna.say("/cancel")  # she wants out of the dialogue...
    await anna.say("sorry")  # ... and types on
    await anna.say("sorry!")
    assert [m.text for m in flood_app.flood.held("telegram", "anna")] == ["/cancel", "sorry!"]
    manual_clock.advance(timedelta(seconds=1))
    before = len(telegram_recorder.sent)
    assert await flood_app.release_flooded() == 2
    released = [r.text for r in telegram_recorder.sent[before:]]
    assert "Stopped. Nothing was sent." in released[0]  # the command was handled, in the order typed
    async with flood_app.db.transaction() as tx:
        row = await tx.one("SELECT flow FROM conversations WHERE channel = 'telegram' AND user_id = 'anna'")
    assert row is not None and row["flow"] != "share"  # "sorry!" did not become her story
