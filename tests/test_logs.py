"""No personal data in the logs at any level (issue 13, point 10): a whole conversation at DEBUG, in process and
through `wijkbot -v shell`, leaves no story words, platform ids or phone numbers in the log, and DEBUG still says
what happened."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.engine import polls
from tests.engine.polls_support import MONDAY, join, room, tap
from tests.support import Person
from tests.test_cli import example_config, wijkbot

USER = "anna-7731"
STORY = "Bel 06-12345678: de lantaarnpaal bij de Zwanenhof knippert al weken."
SECRETS = (USER, "06-12345678", "0612345678", "lantaarnpaal", "Zwanenhof", "Annemieke")


async def test_a_whole_conversation_at_debug_logs_no_values(
        app: App, manual_clock: ManualClock, logging_as_with_v: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    manual_clock.set(MONDAY)
    anna = Person(app, USER, channel="telegram", language_hint="en")
    await anna.onboard()
    for line in ("/share", "Housing", STORY, "Skip", "Skip", "With my first name", "Annemieke", "Send"):
        await anna.say(line)
    assert "Your reference is" in anna.text()
    await app.outbox.drain()
    kid = await join(app, "kid-5521", band="12-14")
    await room(app, "!poll Skatepark or football cage? | Skatepark | Football cage | closes over 3 dagen"
                    " | jongeren 12-17")
    await kid.send(tap(kid, "vote.1.2"))
    manual_clock.advance(timedelta(days=4))
    await polls.sweep(app.services)
    await app.outbox.drain()
    await anna.say("/mydata")
    await anna.say("/forget")
    await anna.say("Erase me and my stories")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert any(record.levelno == logging.DEBUG and record.name.startswith("bot") for record in caplog.records)
    for secret in (*SECRETS, "kid-5521", "Football cage"):
        assert secret not in logged, secret


def test_wijkbot_v_logs_debug_without_values(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    script = f"/start\n2\nnoord\n1\n/share\n6\n{STORY}\nSkip\n2\nAnnemieke\n1\n/mydata\n/forget\n1\n"
    result = wijkbot("-v", "shell", "--config", str(config), "--user", USER, stdin=script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Your reference is" in result.stdout and "erased" in result.stdout  # the conversation took place
    assert " DEBUG bot" in result.stderr  # -v says what happened …
    for secret in SECRETS:
        assert secret not in result.stderr, secret  # … and never with what was said, or by whom
