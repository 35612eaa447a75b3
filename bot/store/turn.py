"""The opening read of a turn: the event's claim, the conversation and the person, in one round trip (see
``Tx.many``). The second round trip is the commit with the turn's deferred writes. While several processes share a
PostgreSQL database the turn first takes its person's lock (:func:`lock_conversation`), so they handle one
person's updates one after another; that costs round trips (``BEGIN``, the lock, and the commit apart from the
writes), so a process alone does without."""

from __future__ import annotations

from collections.abc import Sequence

from bot.store import conversations, events, inbox
from bot.store import residents as residents_repo
from bot.store.conversations import ConversationState
from bot.store.db import Tx
from bot.store.residents import Resident
from bot.store.tx import Query


async def open_turn(tx: Tx, channel: str, user_id: str, *, event_id: str | None = None, now: str = "",
                    lock: bool = False, ahead: Sequence[Query] = ()) -> tuple[bool, ConversationState, Resident | None]:
    """(whether this event is new, the conversation, the resident). Without an event id the event counts as new;
    with one, a redelivered event is claimed already and reads as not new, and the event leaves the durable inbox
    (bot/store/inbox.py) in this transaction: no extra round trip, and a /forget's erasure covers it. ``ahead``:
    queries the turn's handler will make (e.g. a vote's poll, bot/engine/polls.py), read in the same round trip
    and kept for it (``Tx.read_ahead``)."""
    if lock:  # several processes share the database: this person's turns one after another
        await lock_conversation(tx, channel, user_id)
    queries = [conversations.load_query(channel, user_id), residents_repo.get_query(channel, user_id), *ahead]
    new = True
    if event_id and tx.dialect == "postgresql":
        # One statement that only reads, outside any transaction (bot/store/pg_backend.py); the claim is written
        # with the turn's other writes, in the one statement that commits them. Transactions of this process run
        # one at a time, so nothing claims the event in between.
        handled, conversation_rows, resident_rows, *read = await tx.many(events.handled_query(channel, event_id),
                                                                         *queries)
        events.claim(tx, channel, event_id, now)
        new = not handled[0][0]
    elif event_id:
        claimed, conversation_rows, resident_rows, *read = await tx.many(events.claim_query(channel, event_id, now),
                                                                         *queries)
        new = bool(claimed)
    else:
        conversation_rows, resident_rows, *read = await tx.many(*queries)
    if event_id:
        inbox.done(tx, channel, event_id)  # a message kept in the durable inbox goes with the turn's own commit
    tx.read_ahead(ahead, read)
    state = conversations.from_row(channel, user_id, next(iter(conversation_rows), None))
    resident = Resident.from_row(resident_rows[0]) if resident_rows else None
    return new, state, resident


async def lock_conversation(tx: Tx, channel: str, user_id: str) -> None:
    """Several processes (PostgreSQL): one person's turns one after another, whichever process each update reached.
    A transaction-level advisory lock on the conversation's hash, taken before the turn reads anything and held
    until its commit; a second turn of the same person waits for it, then reads what the first one stored (its own
    statement: under READ COMMITTED the reads after it see the first turn's commit). Other people's turns never
    wait for it (a hash collision, one in four billion pairs, only makes two turns wait for each other)."""
    await tx.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"{channel}:{user_id}",))
