"""Conversation state per (channel, user): which dialogue, which step, what was said so far.

``updated_at`` is only there to drop dialogues left idle for a day, so it keeps the hour, not the moment, and a
turn that changed nothing (a tap on a poll button outside any dialogue) writes nothing: the row never records
when someone voted in a youth poll (see README, "Youth polls").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.store.db import Row, Tx, to_hour


@dataclass
class ConversationState:
    channel: str
    user_id: str
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    turn: int = 0
    choices: list[tuple[str, str]] = field(default_factory=list)  # (key, label) offered in this turn
    stored: tuple[Any, ...] | None = field(default=None, compare=False, repr=False)  # the columns as loaded


def _columns(state: ConversationState) -> tuple[Any, ...]:
    return (state.flow, state.step, json.dumps(state.data, ensure_ascii=False), state.turn,
            json.dumps(state.choices, ensure_ascii=False))


def load_query(channel: str, user_id: str) -> tuple[str, tuple[str, ...]]:
    return "SELECT * FROM conversations WHERE channel = ? AND user_id = ?", (channel, user_id)


async def load(tx: Tx, channel: str, user_id: str) -> ConversationState:
    return from_row(channel, user_id, await tx.one(*load_query(channel, user_id)))


def from_row(channel: str, user_id: str, row: Row | None) -> ConversationState:
    if row is None:
        return ConversationState(channel, user_id)
    return ConversationState(
        channel=channel,
        user_id=user_id,
        flow=row["flow"],
        step=row["step"],
        data=json.loads(row["data"]),
        turn=row["turn"],
        choices=[(k, v) for k, v in json.loads(row["choices"])],
        stored=(row["flow"], row["step"], row["data"], row["turn"], row["choices"]),
    )


def save(tx: Tx, state: ConversationState, now: str) -> None:
    """Store the state with the transaction's next statement or its commit (nothing reads it back in between);
    a state that did not change since it was loaded is not written at all."""
    columns = _columns(state)
    if columns == state.stored:
        return
    state.stored = columns
    tx.defer(
        "INSERT INTO conversations (channel, user_id, flow, step, data, turn, choices, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (channel, user_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
        " data = excluded.data, turn = excluded.turn, choices = excluded.choices,"
        " updated_at = excluded.updated_at",
        (state.channel, state.user_id, *columns, to_hour(now)),
    )


def delete(tx: Tx, channel: str, user_id: str) -> None:
    """Forget the state, with the transaction's next statement or its commit."""
    tx.defer("DELETE FROM conversations WHERE channel = ? AND user_id = ?", (channel, user_id))


async def purge_idle(tx: Tx, before: str) -> int:
    """Forget dialogues nobody touched since ``before`` (e.g. onboarding abandoned before consent)."""
    return await tx.execute("DELETE FROM conversations WHERE updated_at < ?", (before,))


def rekey(tx: Tx, channel: str, old: str, new: str) -> None:
    """The dialogue under ``old`` continues under ``new`` (one under ``new`` without it gives way)."""
    tx.defer("DELETE FROM conversations WHERE channel = ? AND user_id = ?"
             " AND EXISTS (SELECT 1 FROM conversations c WHERE c.channel = ? AND c.user_id = ?)",
             (channel, new, channel, old))
    tx.defer("UPDATE conversations SET user_id = ? WHERE channel = ? AND user_id = ?", (new, channel, old))
