"""Helpers for the poll tests: residents who opted in, organisers' lines in the moderation room, Matrix votes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.app import App
from bot.channels.base import Actor, Address, Incoming, PollVote, Reply
from tests.engine.test_moderation import MOD_ROOM, organiser
from tests.support import Person, Recorder

PUBLIC_ROOM = "!public-centrum:localhost"
TELEGRAM_GROUP = "-100123"
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 2 March 2026, 11:00 in Amsterdam

__all__ = [
    "MOD_ROOM",
    "MONDAY",
    "PUBLIC_ROOM",
    "TELEGRAM_GROUP",
    "join",
    "matrix_vote",
    "message_id",
    "poll_of",
    "room",
    "room_text",
    "rows",
    "sent_to",
    "tap",
]


async def join(app: App, user: str, channel: str = "telegram", hood: str = "centrum", opt_in: bool = True,
               band: str | None = None) -> Person:
    """A resident (English) who may have opted in to polls and stated an age band."""
    person = Person(app, user, channel=channel)
    await person.onboard(hood)
    if opt_in or band:
        await person.say("/settings")
        if opt_in:
            await person.say("Polls")
            await person.say("yes")
        if band:
            await person.say("Age group (for youth polls)")
            await person.say(band)
        await person.say("Done")
    return person


async def room(app: App, line: str, moderator: bool = True, user: str = "@org:localhost") -> str:
    """An organiser's command in the moderation room; the bot's answer."""
    replies = await app.dispatch(organiser(app, line, moderator=moderator, user=user))
    return "\n".join(r.text for r in replies)


async def room_text(app: App, line: str, user: str = "@org:localhost") -> str:
    """A plain message in the moderation room (an answer in the guided form)."""
    incoming = Incoming(Actor("matrix", user), Address("matrix", MOD_ROOM, private=False), text=line,
                        moderator=True, addressed=False)
    return "\n".join(r.text for r in await app.dispatch(incoming))


def tap(person: Person, key: str) -> Incoming:
    """A verified button press (what the Telegram adapter passes on after checking the signature)."""
    return Incoming(person.actor, person.address, choice=key)


def matrix_vote(user: str, message_id: str, *answers: str, chat: str | None = None,
                event_id: str | None = None) -> Incoming:
    """A Matrix poll response, in the person's direct chat (``chat`` None) or in a public room."""
    address = Address("matrix", chat or user, private=chat is None)
    return Incoming(Actor("matrix", user), address, poll_vote=PollVote(message_id, tuple(answers)), event_id=event_id)


def sent_to(recorder: Recorder, chat_id: str) -> list[Reply]:
    return [r for r in recorder.sent if r.address is not None and r.address.chat_id == chat_id]


def message_id(recorder: Recorder, reply: Reply) -> str:
    """The id the Recorder gave a sent reply."""
    return f"${recorder.name}-{recorder.sent.index(reply) + 1}"


async def rows(app: App, sql: str, *params: Any) -> list[dict[str, Any]]:
    async with app.db.transaction() as tx:
        return [dict(r) for r in await tx.all(sql, params)]


async def poll_of(app: App, reference: str = "P-2026-0001") -> dict[str, Any]:
    found = await rows(app, "SELECT * FROM polls WHERE reference = ?", reference)
    assert found, reference
    return found[0]
