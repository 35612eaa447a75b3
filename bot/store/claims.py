"""Outbox rows claimed by one process of several (PostgreSQL; issue 17, point 5).

Two dispatchers must never send the same row. On PostgreSQL :func:`next_due` claims the rows it returns in one
statement: it picks due rows with ``FOR UPDATE SKIP LOCKED`` (a row another process is claiming at that moment
is skipped, not waited for) and marks them with the process's token (``claimed_by``, see
``bot/store/cluster.py``) and a lease (``claimed_until``). Another process takes a claimed row only when the
lease ran out or the claiming process is gone (its liveness lock is no longer in ``pg_locks``: at once after a
``kill -9``), so a dead process's rows come back without waiting and a live one's are never sent twice. What a
process died while sending (accepted by the platform, not yet marked sent) is sent again: the in-flight window.
The same statement brings the rows' files (one round trip, as ``outbox.due``).

A turn's replies held with the turn name their process too, and :func:`release_held` makes only those of dead
processes pending (at start and, on the leader, every few seconds), where one process released them all.

SQLite serves one process (``bot/store/single.py``): there ``next_due`` is ``outbox.due`` and ``release_held``
releases every held row, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.store import outbox
from bot.store.cluster import ALIVE, LIVE_KEY
from bot.store.db import Tx
from bot.store.outbox import Pending, _pending

_ALIVE = f"({ALIVE.format(key=LIVE_KEY.format(schema='current_schema()'))})"  # this municipality's live processes


def postgres(tx: Tx) -> bool:
    return tx.dialect == "postgresql"


async def next_due(tx: Tx, now: str, limit: int, *, owner: int | None, lease_until: str,
                   channels: Sequence[str]) -> list[Pending]:
    """The next ``limit`` rows to send (interactive first), claimed for ``owner`` until ``lease_until`` on
    PostgreSQL; on PostgreSQL only rows of ``channels`` (the ones this process runs now)."""
    if not postgres(tx) or owner is None:
        return await outbox.due(tx, now, limit)
    if not channels:
        return []
    marks = ", ".join("?" for _ in channels)
    rows = await tx.all(
        "WITH claimed AS (UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id IN ("
        f" SELECT id FROM outbox WHERE status = 'pending' AND not_before <= ? AND channel IN ({marks})"
        f" AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until < ? OR claimed_by NOT IN {_ALIVE})"
        " ORDER BY priority, id LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING *)"
        " SELECT claimed.*, outbox_files.data AS file_data FROM claimed"
        " LEFT JOIN outbox_files ON outbox_files.digest = claimed.file ORDER BY claimed.priority, claimed.id",
        (owner, lease_until, now, *channels, owner, now, limit))
    return [_pending(row, None if row["file_data"] is None else bytes(row["file_data"])) for row in rows]


async def release_held(tx: Tx, now: str, own: int | None = None) -> int:
    """The replies a dead process never confirmed sent are due now (SQLite: every held reply, at start). ``own``:
    this process's token, whose rows count as a dead one's too (at start, where the process has none of its own
    yet; the leader's periodic sweep leaves its own turns' replies, which it is about to settle, alone)."""
    if not postgres(tx):
        return await outbox.release_held(tx, now)
    return await tx.execute(
        "UPDATE outbox SET status = 'pending', not_before = ?, claimed_by = NULL WHERE status = 'held'"
        f" AND (claimed_by IS NULL OR claimed_by = ? OR claimed_by NOT IN {_ALIVE})", (now, own))


async def take_over_held(tx: Tx, channel: str, event_id: str, owner: int) -> list[Pending]:
    """A redelivered event whose turn a dead process committed: its replies that process held and never confirmed
    sent (or that were released meanwhile and no live process has claimed), now held by ``owner``, which sends
    them at once, in their order, before it answers the platform (PostgreSQL; else none)."""
    if not postgres(tx):
        return []
    rows = await tx.all(
        "WITH taken AS (UPDATE outbox SET status = 'held', claimed_by = ?, claimed_until = NULL"
        " WHERE channel = ? AND starts_with(subject, ?) AND purpose IN (?, ?) AND status IN ('held', 'pending')"
        f" AND (claimed_by IS NULL OR claimed_by NOT IN {_ALIVE}) RETURNING *)"
        " SELECT taken.*, outbox_files.data AS file_data FROM taken"
        " LEFT JOIN outbox_files ON outbox_files.digest = taken.file ORDER BY taken.id",
        (owner, channel, f"{channel}:{event_id}:", outbox.REPLY, outbox.ERASING_REPLY))
    return [_pending(row, None if row["file_data"] is None else bytes(row["file_data"])) for row in rows]
