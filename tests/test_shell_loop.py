"""The whole loop without any server (issue 21, point 14): residents in `wijkbot shell` sessions and an organiser's
console (`wijkbot shell --organiser NAME --neighbourhood ID`) on one database. Each session delivers only its
own person's (or room's) queued messages, so what one session queues reaches the other when it runs."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App
from bot.channels.base import Reply
from bot.channels.console import ConsoleChannel, console_room
from bot.cli import shell_config
from bot.clock import ManualClock
from bot.config import load
from tests.test_cli import example_config, wijkbot

# Wednesday 25 November 2026, 11:00 in Amsterdam: outside anyone's quiet hours.
MORNING = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
STORY = "The lift in our flat has been broken for a month."
BINS = "The bins behind our block are never emptied."


class Session:
    """One `wijkbot shell` on the shared database, driven line by line as its terminal would."""

    def __init__(self, app: App, console: ConsoleChannel, out: io.StringIO) -> None:
        self.app, self.console, self.out = app, console, out

    async def say(self, line: str) -> None:
        """A typed line, as the console's reader takes it (a command, a typed button, text in a thread)."""
        incoming = self.console.incoming(line)
        if incoming is None:
            return  # the console answered it itself (a button with no post to press)
        for reply in await self.app.dispatch(incoming):
            self.app.replied(reply, await self.console.send(reply))

    def read(self) -> str:
        text = self.out.getvalue()
        self.out.seek(0)
        self.out.truncate()
        return text


async def session(config_path: Path, clock: ManualClock, user: str, room: str | None = None) -> Session:
    out = io.StringIO()
    console = ConsoleChannel(user=user, stdin=io.StringIO(""), stdout=out, interactive=False, room=room,
                             room_language=load(config_path).moderation.language)
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
                     stdin="!queue\n✅\n", cwd=tmp_path)
    assert opened.returncode == 0, opened.stderr
    # The post that waited is printed, with its buttons, before the first line is read: the typed ✅ finds it.
    assert STORY in opened.stdout and "[1] ✅ 🚫 ✏️" in opened.stdout and "1 verhaal wacht" in opened.stdout
    assert "↳ [1] W-2026-0001 goedgekeurd" in opened.stdout
    assert "✅ Goedgekeurd door marieke" in opened.stdout  # the post's edit, printed before the session ends
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


async def test_the_organiser_presses_the_posts_buttons_by_typing_them(tmp_path: Path) -> None:
    """Issue 21 (14): a terminal cannot react, so the console prints a post's buttons with its number and takes
    them typed; 🚫 asks for the reason in the post's thread, and the next line there is that reason."""
    clock = ManualClock(MORNING)
    config = example_config(tmp_path)
    anna = await session(config, clock, "anna")
    marieke = await session(config, clock, "marieke", room=console_room("noord"))
    try:
        for line in ("/start", "2", "noord", "1", "/share", "6", STORY, "Skip", "1", "1",
                     "/share", "6", BINS, "Skip", "1", "1"):
            await anna.say(line)
        await marieke.app.outbox.drain()
        posts = marieke.read()
        assert posts.index(STORY) < posts.index("[1] ✅ 🚫 ✏️") < posts.index(BINS) < posts.index("[2] ✅ 🚫 ✏️")
        assert "Een knop druk je in door hem te typen met het nummer van het bericht, bijvoorbeeld ✅ 1" in posts

        await marieke.say("✅ 1")
        assert marieke.read().startswith("↳ [1] W-2026-0001 goedgekeurd.")
        await marieke.app.outbox.drain()
        edited = marieke.read()
        assert edited.startswith("✎ [1]") and "✅ Goedgekeurd door marieke" in edited
        assert "[1] ✅" not in edited  # decided: its buttons are gone

        await marieke.say("🚫")  # the latest post that still has 🚫: the bins
        asked = marieke.read()
        assert asked.startswith("↳ [2] Waarom wordt W-2026-0002 niet gepubliceerd?")
        await marieke.say("!wachtrij")  # a command in between leaves the question open
        assert "1 verhaal wacht" in marieke.read()
        await marieke.say("4 de container staat al op de lijst")
        assert marieke.read().startswith("↳ [2] W-2026-0002 afgewezen.")
        await marieke.app.outbox.drain()
        assert "🚫 Afgewezen door marieke" in marieke.read()

        await marieke.say("+no")  # nothing left to press
        assert "Geen enkel bericht hier heeft nog de knop 🚫" in marieke.read()
        await marieke.say("+ok 1")  # a decided post's number: the bot says who decided
        assert "W-2026-0001 is al goedgekeurd" in marieke.read()
        await marieke.say("✅ 7")
        assert "Er is hier geen bericht [7]." in marieke.read()

        await anna.app.outbox.drain()
        told = anna.read()
        assert "W-2026-0001 has been approved" in told
        assert "W-2026-0002 will not be published. The reason: already reported (de container staat al op de lijst)" \
            in told
    finally:
        await anna.app.stop()
        await marieke.app.stop()


async def test_a_typed_button_is_the_reaction_matrix_would_send_and_text_after_an_answer_is_in_its_thread() -> None:
    out = io.StringIO()
    console = ConsoleChannel(user="marieke", stdout=out, interactive=False, room=console_room("noord"),
                             room_language="en")
    ok = console.incoming("ok")
    assert ok is not None and ok.text == "ok" and ok.reaction is None  # a plain word stays a word
    assert console.incoming("✅") is None and "No post in this console has the button ✅" in out.getvalue()

    sent = await console.send(Reply(text="New story W-2026-0001", reactions=("✅", "🚫", "✏️")))
    post = sent.message_id
    assert post is not None and "[1] ✅ 🚫 ✏️" in out.getvalue()
    for typed, button in (("✅", "✅"), ("+OK", "✅"), ("+1", "✅"), ("🚫 1", "🚫"), ("+no [1]", "🚫"),
                          ("✏ #1", "✏️"), ("+edit", "✏️")):  # ✏ without the variation selector is the same key
        pressed = console.incoming(typed)
        assert pressed is not None and (pressed.reaction, pressed.reacted_to) == (button, post), typed
        assert pressed.moderator and pressed.address.chat_id == console_room("noord")
    command = console.incoming("!approve W-2026-0001")
    assert command is not None and command.command == "approve" and command.reply_to is None

    await console.send(Reply(text="Why?", address=replace(console.address, thread=post)))
    assert "↳ [1] Why?" in out.getvalue()
    reason = console.incoming("4 already on the list")
    assert reason is not None and reason.reply_to == post and reason.reaction is None
