"""Helpers for the contact-person tests: organisers' commands, a resident who writes, a contact who answers."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from bot.app import App
from bot.channels.base import Actor, Address, Incoming, Reply
from bot.config import Config
from tests.engine.test_moderation import MOD_ROOM, organiser
from tests.support import BASE, make_config

ANNA = "@anna:localhost"  # the contact person's Matrix account
ANNA_DM = "!dm-anna:localhost"  # her direct chat with the bot, as the Matrix adapter would report it
RESIDENT_ID = "900123456"  # the Telegram resident's platform id: must never reach the contact person
ADD_ANNA = f"| Anna de Vries | wijkcoördinator | Gemeente Teststad | 06 12 34 56 78 | di en do 9-17 | {ANNA}"


async def room(app: App, line: str, room_id: str = MOD_ROOM) -> str:
    replies = await app.dispatch(organiser(app, line, room=room_id))
    return "\n".join(r.text for r in replies)


async def from_contact(app: App, text: str, *, user: str = ANNA, chat: str = ANNA_DM, reply_to: str | None = None,
                       channel: str = "matrix") -> list[Reply]:
    """What a contact person types in their direct chat with the bot (a ``!word`` is a command)."""
    command = args = None
    if text[:1] in "!/":
        command, _, args = text[1:].partition(" ")
    incoming = Incoming(Actor(channel, user), Address(channel, chat, private=True), text=text, command=command,
                        args=args or "", reply_to=reply_to)
    return await app.dispatch(incoming)


def config_with_contacts(tmp_path: Path, contacts: list[dict[str, Any]], **sections: Any) -> Config:
    hoods = copy.deepcopy(BASE["neighbourhoods"])
    hoods[0]["contacts"] = contacts
    return make_config(tmp_path, neighbourhoods=hoods, **sections)


async def outbox_rows(app: App, purpose: str) -> list[dict[str, Any]]:
    async with app.db.transaction() as tx:
        rows = await tx.all("SELECT * FROM outbox WHERE purpose = ? ORDER BY id", (purpose,))
    return [dict(r) for r in rows]
