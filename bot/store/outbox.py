"""The outbox table: messages waiting to leave the bot, with their delivery state.

An attachment's bytes (a poll's result chart, queued for every resident it tells) are stored once in
``outbox_files`` under their SHA-256, and each row names them in ``file``; ``due`` brings them back for a whole
batch in the same round trip as the rows, and ``purge`` deletes the files no row names any more. (Rows queued
before schema version 9 carried their bytes base64 in the body; migration 14 moved those into ``outbox_files``.)

``due`` gives interactive rows (priority 0) before bulk ones (1). The replies of a dialogue turn are written as
``held`` rows in the turn's own transaction (``hold``, deferred: no round trip of its own); the channel sends them
right after the commit, and ``settle_held`` deletes them once sent, in batches. At start ``release_held`` makes
the ones a dead process never confirmed ``pending``, so the dispatcher sends them.

A row of purpose ``delete`` takes back a message the bot posted (its body names only the message id; it is
interactive). /forget withdraws rows: every row for the person's chat, and the rows about their stories and words
(``withdraw_*``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.channels.base import Address, Attachment, AttachmentKind, Choice, Poll, Reply
from bot.store.db import Row, Tx, to_hour
from bot.store.sql import placeholders


@dataclass(frozen=True)
class Pending:
    id: int
    address: Address
    reply: Reply
    purpose: str
    subject: str | None
    attempts: int
    priority: int = 0
    deletes: str | None = None  # a "delete" row: take back this message (platform id) at ``address``
    not_before: str | None = None


REPLY = "reply"  # the purpose of a dialogue turn's own replies (held with the turn)
ERASING_REPLY = "reply-erasing"  # the same for a turn that erased personal data: its row goes the same way
INTERACTIVE = 0  # the answer to what someone just did: sent first
BULK = 1  # fan-out, digests, announcements: sent when nothing interactive waits


def _body(reply: Reply) -> str:
    body: dict[str, Any] = {"text": reply.text}
    if reply.choices:
        body["choices"] = [[c.key, c.label] for c in reply.choices]
    if reply.reactions:
        body["reactions"] = list(reply.reactions)
    if reply.attachment is not None:
        body["attachment"] = _attachment_body(reply.attachment)
    if reply.poll is not None:
        body["poll"] = {"question": reply.poll.question, "options": [[c.key, c.label] for c in reply.poll.options],
                        "max_selections": reply.poll.max_selections, "disclosed": reply.poll.disclosed}
    if reply.closes_poll:
        body["closes_poll"] = reply.closes_poll
    if reply.turn is not None:  # the dialogue turn its buttons are signed for (a held reply)
        body["turn"] = reply.turn
    if reply.edit_of:
        body["edit_of"] = reply.edit_of
    if reply.mentions:
        body["mentions"] = list(reply.mentions)
    if reply.settled:
        body["settled"] = True
    return json.dumps(body, ensure_ascii=False)


def _attachment_body(attachment: Attachment) -> dict[str, Any]:
    """The attachment without its bytes (those are in ``outbox_files``, named by the row's ``file``)."""
    fields = {"kind": attachment.kind.value, "ref": attachment.ref, "filename": attachment.filename,
              "mime_type": attachment.mime_type, "alt_text": attachment.alt_text}
    return {key: value for key, value in fields.items() if value is not None}


def _reply(body: dict[str, Any], address: Address, data: bytes | None) -> Reply:
    """The queued reply; ``data`` is the attachment's stored file."""
    attachment = body.get("attachment")
    poll = body.get("poll")
    return Reply(
        text=body["text"], choices=tuple(Choice(k, v) for k, v in body.get("choices", [])),
        reactions=tuple(body.get("reactions", [])), address=address,
        attachment=None if attachment is None else Attachment(
            kind=AttachmentKind(attachment["kind"]), ref=attachment.get("ref"), filename=attachment.get("filename"),
            mime_type=attachment.get("mime_type"), alt_text=attachment.get("alt_text"),
            data=data),
        poll=None if poll is None else Poll(poll["question"], tuple(Choice(k, v) for k, v in poll["options"]),
                                            int(poll["max_selections"]), bool(poll["disclosed"])),
        closes_poll=body.get("closes_poll"), turn=body.get("turn"), edit_of=body.get("edit_of"),
        mentions=tuple(body.get("mentions", [])), settled=bool(body.get("settled")))


def _file(tx: Tx, reply: Reply, now: str) -> str | None:
    """Store the reply's attachment once (deferred); its digest, which the row names."""
    data = reply.attachment.data if reply.attachment is not None else None
    digest = None if data is None else hashlib.sha256(data).hexdigest()
    if digest is not None:  # the same chart for 10,000 residents: stored by the first, named by all
        tx.defer("INSERT INTO outbox_files (digest, data, created_at) VALUES (?, ?, ?)"
                 " ON CONFLICT (digest) DO NOTHING", (digest, data, now))
    return digest


_INSERT = ("INSERT INTO outbox (channel, chat_id, private, body, purpose, subject, not_before, created_at, file,"
           " priority, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


async def add(tx: Tx, address: Address, reply: Reply, *, purpose: str, subject: str | None, now: str,
              not_before: str | None = None, priority: int = INTERACTIVE) -> int:
    digest = _file(tx, reply, now)
    row_id = await tx.value(
        f"{_INSERT} RETURNING id",
        (address.channel, address.chat_id, int(address.private), _body(reply), purpose, subject,
         not_before or now, now, digest, priority, "pending"),
    )
    return int(row_id)


_HOLD = ("INSERT INTO outbox (channel, chat_id, private, body, purpose, subject, not_before, created_at, file,"
         " priority, status, claimed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def hold(tx: Tx, address: Address, reply: Reply, key: str, now: str, owner: int | None = None) -> None:
    """Keep a turn's reply with the turn (deferred into its COMMIT): sent by the channel right after the commit,
    by the dispatcher after a restart if the process died first. The reply of a turn that erased personal data
    (``Tx.erased``: it names the chat of someone who is gone) is marked, so its deletion is an erasure too.
    ``owner``: the holding process's token when several share the database (bot/store/claims.py)."""
    hour = to_hour(now)  # the row names the chat: only the hour, never the moment of, say, a youth vote
    digest = _file(tx, reply, hour)
    tx.defer(_HOLD, (address.channel, address.chat_id, int(address.private), _body(reply),
                     ERASING_REPLY if tx.erasing else REPLY, key, hour, hour, digest, INTERACTIVE, "held", owner))


def settle_held(tx: Tx, sent: Iterable[str], failed: Iterable[str], now: str, files: bool) -> None:
    """Held replies the channel delivered go (they served their purpose; nothing of what they said stays); the
    ones it could not deliver become pending, for the dispatcher's retries. ``files``: some carried a file, and
    files no row names any more go too. All deferred into the caller's transaction."""
    if tx.dialect == "postgresql":  # both in one statement (arrays as parameters): one round trip, no BEGIN
        tx.defer("WITH gone AS (DELETE FROM outbox WHERE status = 'held' AND subject = ANY (CAST(? AS TEXT[]))),"
                 " again AS (UPDATE outbox SET status = 'pending', not_before = ? WHERE status = 'held'"
                 " AND subject = ANY (CAST(? AS TEXT[]))) SELECT 1", (list(sent), to_hour(now), list(failed)))
        sent = failed = ()
    for keys, sql in ((list(sent), "DELETE FROM outbox WHERE status = 'held' AND subject IN ({})"),
                      (list(failed), "UPDATE outbox SET status = 'pending', not_before = ? WHERE status = 'held'"
                                     " AND subject IN ({})")):
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            params = chunk if sql.startswith("DELETE") else [to_hour(now), *chunk]  # due now, at the hour
            tx.defer(sql.format(placeholders(chunk)), params)
    if files:
        tx.defer("DELETE FROM outbox_files WHERE NOT EXISTS"
                 " (SELECT 1 FROM outbox WHERE outbox.file = outbox_files.digest)")


async def delete_reply(tx: Tx, row_id: int) -> None:
    """A delivered row whose words need not be kept (a turn's reply)."""
    await tx.execute("DELETE FROM outbox WHERE id = ?", (row_id,))


async def release_held(tx: Tx, now: str) -> int:
    """At start: the replies a dead process never confirmed sent are due now; how many."""
    return await tx.execute("UPDATE outbox SET status = 'pending', not_before = ? WHERE status = 'held'", (now,))


_DUE = "FROM outbox WHERE status = 'pending' AND not_before <= ? ORDER BY priority, id LIMIT ?"


async def due(tx: Tx, now: str, limit: int) -> list[Pending]:
    """The next ``limit`` rows to send, with their files: both queries in one round trip."""
    rows, files = await tx.many(
        (f"SELECT * {_DUE}", (now, limit)),
        (f"SELECT digest, data FROM outbox_files WHERE digest IN (SELECT due.file FROM (SELECT file {_DUE}) AS due)",
         (now, limit)))
    data = {row["digest"]: _bytes(row["data"]) for row in files}
    return [_pending(row, data.get(row["file"])) for row in rows]


def _bytes(value: bytes | str) -> bytes:
    """A BLOB as read: bytes, or PostgreSQL's hex text when it came with other queries' rows as JSON (Tx.many)."""
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


def _pending(row: Row, data: bytes | None) -> Pending:
    body = json.loads(row["body"])
    address = Address(row["channel"], row["chat_id"], private=bool(row["private"]))
    return Pending(row["id"], address, _reply(body, address, data), row["purpose"], row["subject"], row["attempts"],
                   priority=row["priority"], deletes=body.get("delete"), not_before=row["not_before"])


async def add_delete(tx: Tx, address: Address, message_id: str, now: str) -> int:
    """Queue taking back a message the bot posted (Telegram deleteMessage, a Matrix redaction). The row names
    only the chat and the message id, never what the message said."""
    row_id = await tx.value(
        "INSERT INTO outbox (channel, chat_id, private, body, purpose, subject, not_before, created_at, priority)"
        " VALUES (?, ?, ?, ?, 'delete', NULL, ?, ?, ?) RETURNING id",
        (address.channel, address.chat_id, int(address.private), json.dumps({"text": "", "delete": message_id}),
         now, now, INTERACTIVE))
    return int(row_id)


async def pending_for_chat(tx: Tx, channel: str, chat_id: str) -> list[Pending]:
    """What is queued for one person's private chat, oldest first (/mydata shows it)."""
    rows = await tx.all("SELECT * FROM outbox WHERE status = 'pending' AND channel = ? AND chat_id = ?"
                        " AND private = 1 ORDER BY not_before, id", (channel, chat_id))
    return [_pending(row, None) for row in rows]


async def due_now(tx: Tx, channel: str, chat_id: str, now: str) -> int:
    """Rows for a private chat that failed before and wait for a retry become due ``now``."""
    return await tx.execute("UPDATE outbox SET not_before = ? WHERE channel = ? AND chat_id = ? AND private = 1"
                            " AND status = 'pending' AND attempts > 0 AND not_before > ?", (now, channel, chat_id, now))


async def withdraw_for_chat(tx: Tx, channel: str, chat_id: str) -> int:
    """/forget: every row for a person's private chat goes, queued or delivered (a delivered one still names the
    chat and says what they were told). A row in flight is confirmed to nothing and taken back (see
    ``is_withdrawn``)."""
    return await tx.execute("DELETE FROM outbox WHERE channel = ? AND chat_id = ? AND private = 1",
                            (channel, chat_id))


async def withdraw_about(tx: Tx, subjects: list[str], purposes: tuple[str, ...]) -> list[Pending]:
    """/forget: the rows of these purposes about these subjects (story references) go, queued or delivered;
    returns the ones that were still queued."""
    if not subjects:
        return []
    subject_marks, purpose_marks = placeholders(subjects), placeholders(purposes)
    rows = await tx.all(f"DELETE FROM outbox WHERE subject IN ({subject_marks}) AND purpose IN ({purpose_marks})"
                        " RETURNING *", [*subjects, *purposes])
    return [_pending(row, None) for row in rows if row["status"] == "pending"]


async def withdraw_ending(tx: Tx, purpose: str, subjects: list[str], endings: list[str]) -> list[tuple[Address, str]]:
    """/forget: the rows of ``purpose`` about ``subjects`` whose text ends with one of ``endings`` (a resident's
    comment passed on to a room) go; returns where the delivered ones were posted (address, message id)."""
    if not subjects or not endings:
        return []
    marks = placeholders(subjects)
    rows = await tx.all(f"SELECT id, channel, chat_id, private, body, status, message_id FROM outbox"
                        f" WHERE purpose = ? AND subject IN ({marks})", [purpose, *subjects])
    quoting = [row for row in rows if json.loads(row["body"]).get("text", "").endswith(tuple(endings))]
    for row in quoting:
        tx.defer("DELETE FROM outbox WHERE id = ?", (row["id"],))
    return [(Address(row["channel"], row["chat_id"], private=bool(row["private"])), row["message_id"])
            for row in quoting if row["status"] == "sent" and row["message_id"]]


async def is_withdrawn(tx: Tx, row_id: int) -> bool:
    """Whether a row was withdrawn (by /forget) while the platform was still sending it."""
    return await tx.value("SELECT id FROM outbox WHERE id = ?", (row_id,)) is None


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


async def purge(tx: Tx, created_before: str) -> int:
    """Delete delivered and abandoned rows queued before ``created_before``, and then every file that no row
    names any more (one a pending row still names stays); returns how many rows went."""
    dropped = await tx.execute("DELETE FROM outbox WHERE status != 'pending' AND created_at < ?", (created_before,))
    tx.defer("DELETE FROM outbox_files WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE outbox.file = outbox_files.digest)")
    return dropped


async def counts(tx: Tx) -> dict[str, int]:
    rows = await tx.all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
    return {row[0]: int(row[1]) for row in rows}


async def undelivered(tx: Tx) -> tuple[int, int]:
    """Messages to people that could not go out: (still waiting after a failed attempt, given up for good)."""
    row = await tx.one("SELECT COALESCE(SUM(CASE WHEN status = 'pending' AND attempts > 0 THEN 1 ELSE 0 END), 0),"
                       " COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0)"
                       " FROM outbox WHERE private = 1", ())
    return (int(row[0]), int(row[1])) if row is not None else (0, 0)


async def failed_after_sent(tx: Tx, channel: str, message_id: str, error: str) -> None:
    """The platform accepted a message and later reported it undelivered (a status webhook)."""
    await tx.execute("UPDATE outbox SET status = 'failed', last_error = ? WHERE channel = ? AND message_id = ?"
                     " AND status = 'sent'", (error[:200], channel, message_id))


# A youth poll's messages keep no delivery state: when a young resident read the announcement is not recorded.
_NOT_YOUTH = ("NOT EXISTS (SELECT 1 FROM polls WHERE polls.reference = outbox.subject"
              " AND polls.youth_min IS NOT NULL)")


async def delivery(tx: Tx, channel: str, message_id: str, state: str) -> None:
    """The platform delivered (``delivered``) or showed (``read``) a sent message: only the state, never the
    moment, on the row itself (it goes with the row); never back from read to delivered."""
    earlier = "delivery IS NULL" if state == "delivered" else "(delivery IS NULL OR delivery = 'delivered')"
    tx.defer(f"UPDATE outbox SET delivery = ? WHERE channel = ? AND message_id = ? AND status = 'sent'"
             f" AND {earlier} AND {_NOT_YOUTH}", (state, channel, message_id))


async def delivered_counts(tx: Tx) -> tuple[int, int, int]:
    """Messages to residents sent and not purged yet: (sent, delivered or read, read)."""
    row = await tx.one("SELECT COUNT(*), COALESCE(SUM(CASE WHEN delivery IS NOT NULL THEN 1 ELSE 0 END), 0),"
                       " COALESCE(SUM(CASE WHEN delivery = 'read' THEN 1 ELSE 0 END), 0)"
                       " FROM outbox WHERE private = 1 AND status = 'sent'", ())
    return (int(row[0]), int(row[1]), int(row[2])) if row is not None else (0, 0, 0)


def rekey(tx: Tx, channel: str, old: str, new: str) -> None:
    """Rows for a person's private chat follow the person's new key."""
    tx.defer("UPDATE outbox SET chat_id = ? WHERE channel = ? AND chat_id = ? AND private = 1", (new, channel, old))
