"""The terminal channel: `wijkbot shell`. Interactive on a terminal; otherwise one message per input line.

Choices are printed as a numbered list; the dialogue engine accepts the number or the text. Files (such as the
/mydata export) are written to a folder and their path is printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import sys
from pathlib import Path
from typing import TextIO

from bot.channels.base import Actor, Address, Host, Incoming, Reply, SendResult


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
                 language_hint: str | None = None, room: str | None = None) -> None:
        """``room``: an organiser's console for that moderation room (``console_room``): lines are said in the
        room, ``!word`` is a command, and what the bot posts in the room is printed."""
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
        self._task: asyncio.Task[None] | None = None

    async def start(self, host: Host) -> None:
        self._task = asyncio.create_task(self._read_loop(host), name="console-reader")

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _readline(self) -> str:
        if self.interactive:
            self.stdout.write("> ")
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
            while True:
                line = await self._readline()
                if not line:
                    break
                if not line.strip() and not self.interactive:
                    continue  # blank lines separate a piped script; they are not messages
                incoming = (parse_line(line, self.actor, self.address) if self.room is None else
                            parse_line(line, self.actor, self.address, "!/", moderator=True))
                for reply in await host.dispatch(incoming):
                    await self.send(reply)
        finally:
            self.finished.set()

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
        lines = [reply.text]
        lines += [f"  {number}. {choice.label}" for number, choice in enumerate(reply.choices, start=1)]
        attachment = reply.attachment
        if attachment is not None and attachment.data is not None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            safe_user = re.sub(r"[^\w-]", "_", self.actor.user_id)
            path = self.files_dir / f"{safe_user}-{attachment.filename or 'file'}"
            path.write_bytes(attachment.data)
            lines.append(f"  📎 {path}")
        self.stdout.write("\n".join(lines) + "\n\n")
        self.stdout.flush()
        return SendResult(ok=True)
