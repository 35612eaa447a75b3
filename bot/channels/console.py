"""The terminal channel: `wijkbot shell`. Interactive on a terminal; otherwise one message per input line.

Choices are printed as a numbered list; the dialogue engine accepts the number or the text. Files (such as the
/mydata export) are written to a folder and their path is printed.

In an organiser's console a post with reaction buttons (a new story) is printed with a short number and its
buttons, ``[3] ✅ 🚫 ✏️``. A terminal cannot click them, so they are typed: the emoji with the post's number
(``🚫 3``), the emoji alone for the latest post that still has that button, or ``+ok``, ``+no``, ``+edit`` where
emoji are hard to type. The channel passes it on as the reaction Matrix would send. The bot's answers about a post
are its thread (``↳ [3] …``), and a line that is not a command or a button is a reply in the thread of the bot's
latest such answer, as it would be typed in Element's thread (the reason asked for after 🚫).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import sys
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from bot.channels.base import Actor, Address, Host, Incoming, Reply, SendResult
from bot.i18n import Translator

# Buttons by the words a terminal user types for them (``+ok 3``): a leading ``+`` says "react", as in Slack, so
# that a plain word ("ok", "no") typed as an answer in a guided dialogue never presses a button.
TYPED_BUTTONS = {"+ok": "✅", "+1": "✅", "+no": "🚫", "+edit": "✏️"}


def parse_line(line: str, actor: Actor, address: Address, prefixes: str = "/", moderator: bool = False) -> Incoming:
    """A typed line as an Incoming: '/word args' (in an organiser's console '!word args') is a command, anything
    else is text."""
    text = line.rstrip("\r\n")
    stripped = text.strip()
    if stripped[:1] in tuple(prefixes) and len(stripped) > 1 and not stripped[1].isspace():
        word, _, args = stripped[1:].partition(" ")
        return Incoming(actor=actor, address=address, command=word.split("@")[0].lower(), args=args.strip(),
                        text=text, moderator=moderator)
    return Incoming(actor=actor, address=address, text=text, moderator=moderator)


def _plain(emoji: str) -> str:
    """An emoji as compared: without the variation selector some keyboards add and others leave out."""
    return emoji.replace("\ufe0f", "")


@dataclass
class _Post:
    """A message with buttons printed in this session: its number here and the platform id it was sent as."""

    number: int
    message_id: str
    buttons: tuple[str, ...]


def console_room(neighbourhood_id: str) -> str:
    """The moderation room of a neighbourhood in ``wijkbot shell`` (the embedded default, no Matrix server): as
    the configuration names it, and as its chat id."""
    return f"console:moderation-{neighbourhood_id}"


class ConsoleChannel:
    name = "console"
    command_prefix = "/"
    can_send_files = True
    accepts_photos = False

    def __init__(self, user: str = "resident", stdin: TextIO | None = None, stdout: TextIO | None = None,
                 files_dir: Path | None = None, interactive: bool | None = None,
                 language_hint: str | None = None, room: str | None = None, room_language: str = "nl") -> None:
        """``room``: an organiser's console for that moderation room (``console_room``): lines are said in the
        room, ``!word`` is a command, and what the bot posts in the room is printed; the console's own words
        (how to press a button) are in ``room_language``."""
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.files_dir = files_dir or Path.cwd()
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self.actor = Actor(channel=self.name, user_id=user, display_name=user, language_hint=language_hint)
        self.room = room
        self.address = (Address(channel=self.name, chat_id=room, private=False) if room is not None
                        else Address(channel=self.name, chat_id=user))
        # The room's chat id as the outbox names it ("console:moderation-x" is addressed as "moderation-x").
        self._chats = {self.address.chat_id, room.partition(":")[2]} if room is not None else {user}
        self.finished = asyncio.Event()
        # Sends what is due for this person or room (the app's outbox drain): before the first line is read and after
        # each line, so what waited and what a line caused (a post's edit after ✅) is printed before the next line
        # is read, and a typed button finds its post, however fast a piped script types.
        self.deliver: Callable[[], Awaitable[object]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._t = Translator(room_language)
        self._posts: dict[str, _Post] = {}  # by message id, in the order printed
        self._thread: str | None = None  # the post the bot's latest answer in a thread was about
        self._explained = False

    async def start(self, host: Host) -> None:
        self._task = asyncio.create_task(self._read_loop(host), name="console-reader")

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _readline(self) -> str:
        if self.interactive:
            post = self._posts.get(self._thread or "")
            self.stdout.write(f"↳ [{post.number}] > " if post is not None else "> ")
            self.stdout.flush()
        return await asyncio.get_running_loop().run_in_executor(None, self._read)

    def _read(self) -> str:
        """One line; bytes that are not UTF-8 become U+FFFD, which the dialogue answers with "ordinary text
        only" (a text stream would raise, or smuggle lone surrogates into the database)."""
        if isinstance(self.stdin, io.TextIOWrapper):
            line: bytes = self.stdin.buffer.readline()
            return line.decode("utf-8", errors="replace")
        return self.stdin.readline()

    async def _read_loop(self, host: Host) -> None:
        try:
            await self._delivered()
            while True:
                line = await self._readline()
                if not line:
                    break
                if not line.strip() and not self.interactive:
                    continue  # blank lines separate a piped script; they are not messages
                incoming = self.incoming(line)
                if incoming is None:
                    continue
                for reply in await host.dispatch(incoming):
                    host.replied(reply, await self.send(reply))
                await self._delivered()
        finally:
            self.finished.set()

    async def _delivered(self) -> None:
        if self.deliver is not None:
            with contextlib.suppress(Exception):  # what could not be sent stays queued for the dispatcher's retries
                await self.deliver()

    def incoming(self, line: str) -> Incoming | None:
        """What a typed line is: a command, a pressed button, or text (in a room: a reply in the thread of the
        bot's latest answer about a post). None when a typed button finds no post: the console says so itself."""
        if self.room is None:
            return parse_line(line, self.actor, self.address)
        pressed = self._pressed(line.strip())
        if isinstance(pressed, str):
            self._print(pressed)
            return None
        if pressed is not None:
            post, button = pressed
            return Incoming(actor=self.actor, address=self.address, reaction=button, reacted_to=post.message_id,
                            moderator=True)
        incoming = parse_line(line, self.actor, self.address, "!/", moderator=True)
        return incoming if incoming.command is not None else replace(incoming, reply_to=self._thread)

    def _pressed(self, line: str) -> tuple[_Post, str] | str | None:
        """The post and button a line presses, a sentence saying why it presses none, or None: not a button."""
        words = line.split()
        if not 1 <= len(words) <= 2:
            return None
        typed = TYPED_BUTTONS.get(words[0].lower(), words[0])
        number = words[1].strip("[#]") if len(words) == 2 else None
        known = {_plain(b) for b in (*TYPED_BUTTONS.values(), *self._buttons())}
        if _plain(typed) not in known or (number is not None and not number.isdigit()):
            return None
        if number is not None:
            post = next((p for p in self._posts.values() if p.number == int(number)), None)
            if post is None:
                return self._t._("There is no post [{number}] in this console.", number=number)
        else:
            post = next((p for p in reversed(self._posts.values())
                         if _plain(typed) in {_plain(b) for b in p.buttons}), None)
            if post is None:
                return self._t._("No post in this console has the button {button} (any more). !queue shows the "
                                 "stories that are waiting.", button=typed)
        return post, next((b for b in post.buttons if _plain(b) == _plain(typed)), typed)

    def _buttons(self) -> set[str]:
        return {b for post in self._posts.values() for b in post.buttons}

    def _print(self, text: str) -> None:
        self.stdout.write(text + "\n\n")
        self.stdout.flush()

    async def delete(self, address: Address, message_id: str) -> SendResult:
        """Text printed on a terminal cannot be taken back (and the bot never posts stories here)."""
        return SendResult(ok=False, final=True, error="a terminal cannot take back printed text")

    def serves(self, address: Address) -> bool:
        """Only this session's person (or room) is delivered to here; other sessions on the same database
        deliver their own (at their start, and while they run)."""
        return address.channel == self.name and address.chat_id in self._chats

    async def send(self, reply: Reply) -> SendResult:
        if reply.address is not None and reply.address.chat_id not in self._chats:
            return SendResult(ok=False, unreachable=True, error="another console user")
        message_id = reply.edit_of or f"console-{uuid.uuid4().hex[:12]}"
        lines = self._framed(reply, message_id)
        lines += [f"  {number}. {choice.label}" for number, choice in enumerate(reply.choices, start=1)]
        attachment = reply.attachment
        if attachment is not None and attachment.data is not None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            safe_user = re.sub(r"[^\w-]", "_", self.actor.user_id)
            path = self.files_dir / f"{safe_user}-{attachment.filename or 'file'}"
            path.write_bytes(attachment.data)
            lines.append(f"  📎 {path}")
        self._print("\n".join(lines))
        return SendResult(ok=True, message_id=message_id)

    def _framed(self, reply: Reply, message_id: str) -> list[str]:
        """The text with what a terminal shows instead of a chat app's frame: which post an answer or an edit is
        about, and a post's buttons under it (how to press them, the first time)."""
        thread = reply.address.thread if reply.address is not None else None
        about = self._posts.get(thread or "")
        if thread is not None:
            self._thread = thread
        if about is not None:
            return [f"↳ [{about.number}] {reply.text}"]
        edited = self._posts.get(reply.edit_of or "")
        if edited is not None:
            if reply.settled:
                edited.buttons = ()
            lines = [f"✎ [{edited.number}]", reply.text]
            if edited.buttons:
                lines.append(f"[{edited.number}] " + " ".join(edited.buttons))
            return lines
        if not reply.reactions or reply.edit_of is not None:
            return [reply.text]
        post = _Post(len(self._posts) + 1, message_id, reply.reactions)
        self._posts[message_id] = post
        lines = [reply.text, f"[{post.number}] " + " ".join(post.buttons)]
        if not self._explained:
            self._explained = True
            lines.append(self._t._("(To press a button, type it with the post's number, for example {example}, or "
                                   "alone for the latest post that has it. Without emoji: +ok, +no, +edit.)",
                                   example=f"{post.buttons[0]} {post.number}"))
        return lines
