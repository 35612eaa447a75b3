"""Two processes, one municipality, on PostgreSQL: who leads, who is alive, and one sending budget.

Each process keeps one dedicated connection (:class:`Presence`), apart from the pool that runs transactions:

- **Alive.** At connect it takes a session-level advisory lock ``(hashtext('wijkbot-live:' || schema), token)``
  (:data:`LIVE_KEY`: one municipality's processes, in this database) with a random token of its own
  and keeps it until the connection ends. Outbox rows a process claims or holds carry its token
  (``bot/store/claims.py``), and a row whose token has no such lock in ``pg_locks`` belongs to a dead process.
  When a process dies, even by ``kill -9``, the kernel closes its socket, PostgreSQL ends the session and every
  lock of it is gone at once: no heartbeat table, no clock involved.
- **Leader.** :meth:`Presence.try_lead` tries the session-level advisory lock ``(LEADER, hashtext(schema))``
  without waiting; the process holding it runs the scheduled jobs and the Matrix sync (``bot/cluster.py``). The
  lock lives as long as this connection, so a dead leader's lock is released the moment PostgreSQL notices the
  closed socket, and the other process takes over at its next try. One lock per schema: several municipalities
  on one server (one schema each) each have their own leader.
- **One budget.** A platform's overall limit (Telegram: 30 messages a second for the bot) is one row of
  ``send_budget``; :meth:`Presence.reserve` moves its ``next_slot`` forward by ``k`` slots in one statement and
  returns when the first of them starts, relative to the caller's clock, so the processes share the limit without
  agreeing on a clock beyond the wall clock the caller passes in.

The connection is used by one task at a time (an asyncio lock); each call is one round trip. Its commits do not
wait for the disk (``synchronous_commit = off``): a reservation lost in a server crash only leaves a gap.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

import asyncpg

log = logging.getLogger(__name__)

LEADER = 0x77696A6B  # 'wijk': the first key of the leader's advisory lock (the second: the schema's hash)
# The first key of a process's liveness lock (the second: its token), and the processes alive in the same schema
# of the same database (pg_locks shows every database's locks).
LIVE_KEY = "hashtext('wijkbot-live:' || {schema})"
ALIVE = ("SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted"
         " AND classid = ({key})::oid AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")

_RESERVE = (
    "INSERT INTO send_budget (name, next_slot) VALUES ($1, GREATEST($2::float8, $2::float8 + $6::float8)"
    " + $3::int * $4::float8)"
    " ON CONFLICT (name) DO UPDATE SET next_slot = GREATEST(send_budget.next_slot, $2::float8 - $5::float8,"
    " $2::float8 + $6::float8) + $3::int * $4::float8"
    " RETURNING next_slot - $3::int * $4::float8 - $2::float8")


class Presence:
    """This process's dedicated connection: its liveness lock, the leader lock, the shared budget."""

    def __init__(self, dsn: str, schema: str = "public") -> None:
        self.dsn = dsn
        self.schema = schema
        self.token = secrets.randbelow(2 ** 31 - 1) + 1  # this process among the others, nothing about anyone
        self._conn: Any = None
        self._lock = asyncio.Lock()
        self.leading = False

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def open(self) -> None:
        """Connect and take the liveness lock (a new connection is a new life: same token, lock taken again)."""
        self._conn = await asyncpg.connect(self.dsn, server_settings={
            "search_path": self.schema, "application_name": "wijkbot presence",
            "synchronous_commit": "off"})  # a reservation need not wait for the disk: after a crash it is moot
        self.leading = False
        await self._conn.execute(f"SELECT pg_advisory_lock({LIVE_KEY.format(schema='$1::text')}, $2::int)",
                                 self.schema, self.token)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        self.leading = False
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 5)
            except (OSError, asyncpg.PostgresError, TimeoutError):
                conn.terminate()

    def lost(self) -> None:
        """The connection broke: forget it (and with it the leader lock, which PostgreSQL has released)."""
        conn, self._conn = self._conn, None
        self.leading = False
        if conn is not None:
            conn.terminate()

    async def try_lead(self) -> bool:
        """Take the leader lock if nobody holds it; True while this process holds it (the connection is checked
        on the way: a broken one raises)."""
        async with self._lock:
            if self.leading:
                await self._conn.fetchval("SELECT 1")
            else:
                self.leading = bool(await self._conn.fetchval(
                    "SELECT pg_try_advisory_lock($1::int, hashtext($2::text))", LEADER, self.schema))
            return self.leading

    async def resign(self) -> None:
        """Give the leader lock back (a clean stop: the other process need not wait for its next try to notice a
        dead connection, only for its next try)."""
        async with self._lock:
            if self.leading and self.connected:
                await self._conn.execute("SELECT pg_advisory_unlock($1::int, hashtext($2::text))", LEADER,
                                         self.schema)
            self.leading = False

    async def reserve(self, name: str, slots: int, interval: float, now: float, credit: float,
                      not_before: float = 0.0) -> float:
        """Reserve ``slots`` consecutive slots ``interval`` seconds apart of the shared budget ``name``; seconds
        from ``now`` (the caller's wall clock, seconds since the epoch) until the first (at least ``-credit``, and
        at least ``not_before``: the caller's own next slot, when it paced alone before)."""
        async with self._lock:
            return float(await self._conn.fetchval(_RESERVE, name, now, slots, interval, credit, not_before))

    async def alive_tokens(self) -> set[int]:
        """The tokens of every process whose presence connection is open (tests and diagnostics)."""
        async with self._lock:
            rows = await self._conn.fetch(ALIVE.format(key=LIVE_KEY.format(schema="$1::text")), self.schema)
        return {int(row[0]) for row in rows}
