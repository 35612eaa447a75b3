"""The outbox table: messages waiting to leave the bot, with their delivery state."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.channels.base import Address, Choice, Reply
from bot.store.db import Tx


@dataclass(frozen=True)
class Pending:
    id: int
    address: Address
    reply: Reply
    purpose: str
    subject: str | None
    attempts: int


def _body(reply: Reply) -> str:
    body: dict[str, Any] = {"text": reply.text}
    if reply.choices:
        body["choices"] = [[c.key, c.label] for c in reply.choices]
    if reply.reactions:
        body["reactions"] = list(reply.reactions)
    return json.dumps(body, ensure_ascii=False)


async def add(tx: Tx, address: Address, reply: Reply, *, purpose: str, subject: str | None, now: str,
              not_before: str | None = None) -> int:
    row_id = await tx.value(
        "INSERT INTO outbox (channel, chat_id, private, body, purpose, subject, not_before, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (address.channel, address.chat_id, int(address.private), _body(reply), purpose, subject,
         not_before or now, now),
    )
    return int(row_id)


async def due(tx: Tx, now: str, limit: int) -> list[Pending]:
    rows = await tx.all(
        "SELECT * FROM outbox WHERE status = 'pending' AND not_before <= ? ORDER BY id LIMIT ?", (now, limit))
    result = []
    for row in rows:
        body = json.loads(row["body"])
        address = Address(row["channel"], row["chat_id"], private=bool(row["private"]))
        reply = Reply(text=body["text"], choices=tuple(Choice(k, v) for k, v in body.get("choices", [])),
                      reactions=tuple(body.get("reactions", [])), address=address)
        result.append(Pending(row["id"], address, reply, row["purpose"], row["subject"], row["attempts"]))
    return result


async def sent(tx: Tx, row_id: int, message_id: str | None, now: str) -> None:
    await tx.execute("UPDATE outbox SET status = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1"
                     " WHERE id = ?", (message_id, now, row_id))


async def retry(tx: Tx, row_id: int, not_before: str, error: str | None, give_up: bool) -> None:
    await tx.execute(
        "UPDATE outbox SET attempts = attempts + 1, not_before = ?, last_error = ?, status = ? WHERE id = ?",
        (not_before, (error or "")[:200], "failed" if give_up else "pending", row_id))


async def unreachable(tx: Tx, row_id: int, now: str) -> None:
    await tx.execute("UPDATE outbox SET status = 'unreachable', attempts = attempts + 1, sent_at = ?"
                     " WHERE id = ?", (now, row_id))


async def drop_for_chat(tx: Tx, channel: str, chat_id: str) -> int:
    """Nothing more for a person who blocked the bot or was erased."""
    return await tx.execute("UPDATE outbox SET status = 'unreachable' WHERE status = 'pending'"
                            " AND channel = ? AND chat_id = ? AND private = 1", (channel, chat_id))


async def counts(tx: Tx) -> dict[str, int]:
    rows = await tx.all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
    return {row[0]: int(row[1]) for row in rows}
