"""The whole loop without any server (issue 21, point 14): residents in `wijkbot shell` sessions and an organiser's
console (`wijkbot shell --organiser NAME --neighbourhood ID`) on one database. Each session delivers only its
own person's (or room's) queued messages, so what one session queues reaches the other when it runs."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App
from bot.channels.console import ConsoleChannel, console_room, parse_line
from bot.cli import shell_config
from bot.clock import ManualClock
from bot.config import load
from tests.test_cli import example_config, wijkbot

# Wednesday 25 November 2026, 11:00 in Amsterdam: outside anyone's quiet hours.
MORNING = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
STORY = "The lift in our flat has been broken for a month."


class Session:
    """One `wijkbot shell` on the shared database, driven line by line as its terminal would."""

    def __init__(self, app: App, console: ConsoleChannel, out: io.StringIO) -> None:
        self.app, self.console, self.out = app, console, out

    async def say(self, line: str) -> None:
        incoming = (parse_line(line, self.console.actor, self.console.address) if self.console.room is None
                    else parse_line(line, self.console.actor, self.console.address, "!/", moderator=True))
        for reply in await self.app.dispatch(incoming):
            await self.console.send(reply)

    def read(self) -> str:
        text = self.out.getvalue()
        self.out.seek(0)
        self.out.truncate()
        return text


async def session(config_path: Path, clock: ManualClock, user: str, room: str | None = None) -> Session:
    out = io.StringIO()
    console = ConsoleChannel(user=user, stdin=io.StringIO(""), stdout=out, interactive=False, room=room)
    app = App(shell_config(load(config_path)), [console], clock=clock)
    await app.start(background=False)
    return Session(app, console, out)


async def test_share_approve_feedback_across_two_console_sessions(tmp_path: Path) -> None:
    clock = ManualClock(MORNING)
    config = example_config(tmp_path)
    anna = await session(config, clock, "anna")
    marieke = await session(config, clock, "marieke", room=console_room("noord"))
    try:
        for line in ("/start", "2", "noord", "1", "/share", "6", STORY, "Skip", "1", "1"):
            await anna.say(line)
        assert "Your reference is W-2026-0001" in anna.read()

        # Anna's session does not take the room's post (nor mark anyone unreachable); the organiser's does.
        await anna.app.outbox.drain()
        assert marieke.read() == ""
        await marieke.app.outbox.drain()
        post = marieke.read()
        assert "W-2026-0001" in post and STORY in post

        await marieke.say("!goedkeuren W-2026-0001")
        assert "W-2026-0001 goedgekeurd" in marieke.read()
        await marieke.say("!feedback W-2026-0001 | klaar | De lift is gemaakt | de monteur had tijd")
        assert "1 bewoner krijgt het bericht" in marieke.read()
        await marieke.app.outbox.drain()  # the organiser's session leaves Anna's messages for her own session
        assert anna.read() == ""

        await anna.app.outbox.drain()
        told = anna.read()
        assert "W-2026-0001 has been approved" in told
        assert "De lift is gemaakt" in told and "de monteur had tijd" in told and "Did you feel heard?" in told
    finally:
        await anna.app.stop()
        await marieke.app.stop()


def test_the_organisers_console_gets_what_waited_when_it_opens(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    script = f"/start\n2\nnoord\n1\n/share\n6\n{STORY}\nSkip\n1\n1\n"
    shared = wijkbot("shell", "--config", str(config), "--user", "anna", stdin=script, cwd=tmp_path)
    assert "Your reference is W-2026-0001" in shared.stdout, shared.stderr
    opened = wijkbot("shell", "--config", str(config), "--organiser", "marieke", "--neighbourhood", "noord",
                     stdin="!queue\n", cwd=tmp_path)
    assert opened.returncode == 0, opened.stderr
    assert STORY in opened.stdout and "1 verhaal wacht" in opened.stdout
    refused = wijkbot("shell", "--config", str(config), "--organiser", "marieke", cwd=tmp_path)
    assert refused.returncode == 2 and "--neighbourhood" in refused.stderr


async def test_the_organisers_console_rejects_with_a_reason_the_author_hears_in_her_language(tmp_path: Path) -> None:
    clock = ManualClock(MORNING)
    config = example_config(tmp_path)
    anna = await session(config, clock, "anna")
    marieke = await session(config, clock, "marieke", room=console_room("noord"))
    try:
        for line in ("/start", "2", "noord", "1", "/share", "6", STORY, "Skip", "1", "1"):
            await anna.say(line)
        await anna.app.outbox.drain()
        await marieke.app.outbox.drain()
        marieke.read()

        await marieke.say("!hulp")  # a Dutch room: the reasons with their Dutch words
        assert "4 · dubbel – al gemeld" in marieke.read()
        await marieke.say("!afwijzen W-2026-0001 4 de lift staat al op de lijst")
        assert "W-2026-0001" in marieke.read()
        await marieke.app.outbox.drain()
        await anna.app.outbox.drain()
        assert "The reason: already reported (de lift staat al op de lijst)." in anna.read()
    finally:
        await anna.app.stop()
        await marieke.app.stop()
