"""The replies of a dialogue turn, kept with the turn, so a crash between its commit and the send loses none.

A turn whose platform event has an id (a chat platform's update or room event) is handled once: a redelivered event is
dropped as handled. Without more, a process that died after the commit but before the answer reached the
platform would leave the person without their receipt for good. So the dialogue writes each reply of the turn
as a ``held`` outbox row in the turn's own transaction (:meth:`HeldReplies.hold`: deferred into the COMMIT, no
round trip of its own) and the channel sends the replies right after the commit, as before, then tells the host
(``Host.replied``). Sent rows are deleted, and rows whose send failed become pending for the dispatcher's retries,
in one transaction for everything reported within ``delay`` seconds (:meth:`HeldReplies.flush`), never one per
turn. At start, rows still held belong to a process that died before confirming them: :meth:`release` makes
them pending and the dispatcher sends them first (interactive priority).

The window: a reply sent in the ``delay`` before a crash, not yet settled, is sent once more after the restart
(the person sees it twice); a reply whose send had not finished is sent once. Nothing is lost. With several
processes (PostgreSQL) the platform sends the event again to another process, whose dialogue finds it handled
and sends the dead process's held replies of it at once (:meth:`HeldReplies.resume`), before the person's next
message, so the answers also keep their order.

The reply of a turn that erased personal data (/forget: ``Tx.erased``) names the chat of someone who is gone, so
the transaction that deletes it is an erasure too (the WAL is truncated after it, ``bot/store/db.py``), whether
it is settled here or sent by the dispatcher later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace

from bot.channels.base import Incoming, Reply, SendResult
from bot.services import Services
from bot.store import claims
from bot.store import outbox as repo
from bot.store.db import Tx

log = logging.getLogger(__name__)

SETTLE_DELAY = 0.5  # seconds: sent replies are deleted in one batch at most this long after the first was sent


class HeldReplies:
    def __init__(self, services: Services, delay: float = SETTLE_DELAY) -> None:
        self.services = services
        self.delay = delay
        self._sent: set[str] = set()
        self._failed: set[str] = set()
        self._files = False  # a settled reply carried a file (the /mydata export): unnamed files go too
        self._erasing: set[str] = set()  # receipts of the replies of turns that erased personal data
        self._task: asyncio.Task[None] | None = None

    def hold(self, tx: Tx, incoming: Incoming, replies: list[Reply]) -> list[Reply]:
        """Write the turn's replies in its transaction; the same replies, each with its ``receipt`` key."""
        if not incoming.event_id:
            return replies
        now = self.services.now_iso()
        held = []
        for index, reply in enumerate(replies):
            if reply.address is None or reply.receipt is not None:  # not for a chat, or held already (resume)
                held.append(reply)
                continue
            key = f"{incoming.actor.channel}:{incoming.event_id}:{index}"
            repo.hold(tx, reply.address, reply, key, now, self.services.process_token)
            if tx.erasing:
                self._erasing.add(key)
            held.append(replace(reply, receipt=key))
        return held

    async def resume(self, tx: Tx, incoming: Incoming) -> list[Reply]:
        """The platform sent ``incoming`` again because the process that committed its turn died before it
        answered: the replies that process held and never confirmed sent are this one's to send now, before the
        person's next message is handled (which the platform sends only after this one is answered), so the
        answers keep their order. A reply the dead process had sent just before it died comes twice, in place."""
        token = self.services.process_token
        if not incoming.event_id or token is None:
            return []
        rows = await claims.take_over_held(tx, incoming.actor.channel, incoming.event_id, token)
        return [replace(row.reply, receipt=row.subject) for row in rows]

    def replied(self, reply: Reply, result: SendResult) -> None:
        """The channel sent ``reply`` (or could not): settle its held row with the next batch."""
        if reply.receipt is None:
            return
        # Sent, or the person blocked the bot (the outbox stops writing to them): done. Otherwise the dispatcher
        # retries it with backoff.
        (self._sent if result.ok or result.unreachable else self._failed).add(reply.receipt)
        self._files = self._files or reply.attachment is not None
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._settle_soon(), name="held-replies")

    async def _settle_soon(self) -> None:
        await asyncio.sleep(self.delay)
        try:
            await self.flush()
        except Exception:  # the rows stay held: sent again after a restart, never lost
            log.exception("could not settle sent replies; they are sent again after a restart")

    async def flush(self) -> int:
        """Settle everything reported so far, in one transaction; how many rows."""
        sent, failed, files = self._sent, self._failed, self._files
        if not sent and not failed:
            return 0
        self._sent, self._failed, self._files = set(), set(), False
        erasing = bool(self._erasing & sent)  # a failed one stays, and the dispatcher erases it once sent
        try:
            async with self.services.db.transaction() as tx:
                repo.settle_held(tx, sent, failed, self.services.now_iso(), files)
                if erasing:
                    tx.erased()
        except BaseException:
            self._sent |= sent
            self._failed |= failed
            self._files = self._files or files
            raise
        self._erasing -= sent | failed
        if failed:
            self.services.outbox_kick.set()
        return len(sent) + len(failed)

    async def release(self, at_start: bool = True) -> int:
        """At start, before any channel receives: what a dead process held and never confirmed is due now. Several
        processes: the leader also sweeps every few seconds (``at_start=False``: its own held replies are not
        dead ones, bot/store/claims.py)."""
        async with self.services.db.transaction() as tx:
            released = await claims.release_held(tx, self.services.now_iso(),
                                                 self.services.process_token if at_start else None)
        if released:
            log.info("%d replies of turns before a restart were not confirmed sent; sending them now", released)
            self.services.outbox_kick.set()
        return released

    async def stop(self) -> None:
        """Settle what is reported (a clean stop sends nothing twice)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
