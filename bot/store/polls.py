"""Polls: the polls, their options and neighbourhoods, votes (linked or keyed-hash), and which message shows which.

Ordinary votes are rows (poll, resident, option); youth votes are rows (poll, voter hash, option) with no time
and no row id. See migration 0004 for the privacy reasoning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.store.db import Record, Row, Tx
from bot.store.residents import Resident
from bot.store.sql import placeholders
from bot.store.tx import Query

ACTIVE = ("scheduled", "open")


@dataclass(frozen=True)
class PollRecord(Record):
    id: int
    reference: str
    question: str
    max_selections: int
    youth_min: int | None
    youth_max: int | None
    opens_at: str
    closes_at: str
    status: str
    room: str
    created_by: str
    created_at: str
    opened_at: str | None
    closed_at: str | None
    closed_by: str | None
    vote_key: str | None
    audience: str = "polls"  # or "professionals": a check question, for residents who opted in to those


    @property
    def youth(self) -> bool:
        return self.youth_min is not None and self.youth_max is not None

    @property
    def band(self) -> str:
        return f"{self.youth_min}-{self.youth_max}" if self.youth else ""


async def create(tx: Tx, *, reference: str, question: str, options: Iterable[str], neighbourhoods: Iterable[str],
                 max_selections: int, youth: tuple[int, int] | None, opens_at: str, closes_at: str, room: str,
                 author: str, now: str, vote_key: str | None, audience: str = "polls") -> PollRecord:
    row = await tx.one(
        "INSERT INTO polls (reference, question, max_selections, youth_min, youth_max, opens_at, closes_at, room,"
        " created_by, created_at, vote_key, audience) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (reference, question, max_selections, youth[0] if youth else None, youth[1] if youth else None, opens_at,
         closes_at, room, author, now, vote_key, audience))
    assert row is not None
    poll = PollRecord.from_row(row)
    for number, label in enumerate(options, start=1):
        await tx.execute("INSERT INTO poll_options (poll_id, number, label) VALUES (?, ?, ?)", (poll.id, number, label))
    for hood in dict.fromkeys(neighbourhoods):
        await tx.execute("INSERT INTO poll_neighbourhoods (poll_id, neighbourhood_id) VALUES (?, ?)", (poll.id, hood))
    return poll


def get_query(poll_id: int) -> Query:
    return "SELECT * FROM polls WHERE id = ?", (poll_id,)


async def get(tx: Tx, poll_id: int) -> PollRecord | None:
    row = await tx.one(*get_query(poll_id))
    return None if row is None else PollRecord.from_row(row)


async def by_reference(tx: Tx, reference: str) -> PollRecord | None:
    row = await tx.one("SELECT * FROM polls WHERE reference = ?", (reference.strip().upper(),))
    return None if row is None else PollRecord.from_row(row)


def options_query(poll_id: int) -> Query:
    return "SELECT number, label FROM poll_options WHERE poll_id = ? ORDER BY number", (poll_id,)


def neighbourhoods_query(poll_id: int) -> Query:
    return "SELECT neighbourhood_id FROM poll_neighbourhoods WHERE poll_id = ? ORDER BY rowid", (poll_id,)


async def options(tx: Tx, poll_id: int) -> list[tuple[int, str]]:
    rows = await tx.all(*options_query(poll_id))
    return [(int(r[0]), str(r[1])) for r in rows]


async def neighbourhoods_and_options(tx: Tx, poll_id: int) -> tuple[list[str], list[tuple[int, str]]]:
    """Both, in one round trip."""
    hoods, options = await tx.many(neighbourhoods_query(poll_id), options_query(poll_id))
    return [str(r[0]) for r in hoods], [(int(r[0]), str(r[1])) for r in options]


async def neighbourhoods(tx: Tx, poll_id: int) -> list[str]:
    rows = await tx.all(*neighbourhoods_query(poll_id))
    return [str(r[0]) for r in rows]


async def of_neighbourhoods(tx: Tx, hoods: list[str], limit: int = 30) -> list[PollRecord]:
    marks = placeholders(hoods)
    rows = await tx.all(f"SELECT DISTINCT p.* FROM polls p JOIN poll_neighbourhoods n ON n.poll_id = p.id"
                        f" WHERE n.neighbourhood_id IN ({marks}) ORDER BY p.id DESC LIMIT ?", (*hoods, limit))
    return [PollRecord.from_row(r) for r in rows]


async def open_for(tx: Tx, hood: str, now: str) -> list[PollRecord]:
    rows = await tx.all("SELECT p.* FROM polls p JOIN poll_neighbourhoods n ON n.poll_id = p.id"
                        " WHERE n.neighbourhood_id = ? AND p.status = 'open' AND p.closes_at > ? ORDER BY p.closes_at",
                        (hood, now))
    return [PollRecord.from_row(r) for r in rows]


async def due(tx: Tx, now: str) -> tuple[list[int], list[int]]:
    """(polls to open, polls to close) at ``now``."""
    opening = await tx.all("SELECT id FROM polls WHERE status = 'scheduled' AND opens_at <= ? ORDER BY id", (now,))
    closing = await tx.all("SELECT id FROM polls WHERE status IN ('scheduled', 'open') AND closes_at <= ?"
                           " ORDER BY id", (now,))
    return [int(r[0]) for r in opening], [int(r[0]) for r in closing]


async def active(tx: Tx) -> list[PollRecord]:
    rows = await tx.all("SELECT * FROM polls WHERE status IN ('scheduled', 'open') ORDER BY id")
    return [PollRecord.from_row(r) for r in rows]


async def set_open(tx: Tx, poll_id: int, now: str) -> None:
    await tx.execute("UPDATE polls SET status = 'open', opened_at = ? WHERE id = ?", (now, poll_id))


async def end(tx: Tx, poll: PollRecord, status: str, actor: str, now: str) -> None:
    """Closed or cancelled. A youth poll's key is deleted: overwritten with zeros in the database file
    (``secure_delete``) and, once the transaction has committed, gone from the WAL too (``Tx.erased``)."""
    await tx.execute("UPDATE polls SET status = ?, closed_at = ?, closed_by = ?, vote_key = NULL WHERE id = ?",
                     (status, now, actor, poll.id))
    if poll.youth:
        tx.erased()


async def set_closes_at(tx: Tx, poll_id: int, closes_at: str) -> None:
    await tx.execute("UPDATE polls SET closes_at = ? WHERE id = ?", (closes_at, poll_id))


# ------------------------------------------------------------------ votes
def resident_vote_query(poll_id: int, channel: str, user_id: str) -> Query:
    """By the person's platform id, not the resident's row id, so it can be read before the resident is."""
    return ("SELECT option FROM poll_votes WHERE poll_id = ? AND resident_id ="
            " (SELECT id FROM residents WHERE channel = ? AND user_id = ?)", (poll_id, channel, user_id))


async def resident_vote(tx: Tx, poll_id: int, resident: Resident) -> frozenset[int]:
    rows = await tx.all(*resident_vote_query(poll_id, resident.channel, resident.user_id))
    return frozenset(int(r[0]) for r in rows)


def set_resident_vote(tx: Tx, poll_id: int, resident_id: int, chosen: frozenset[int], now: str) -> None:
    """Replace the vote (sent with the transaction's next statement or its commit: nothing here reads it back):
    the options no longer chosen go, the chosen ones are there with the time of this vote. The two writes change
    different rows, so PostgreSQL runs them in one statement with the rest of the turn."""
    options = sorted(chosen)
    writes: list[tuple[str, tuple[object, ...]]] = [
        (f"DELETE FROM poll_votes WHERE poll_id = ? AND resident_id = ?{_not_in(options)}",
         (poll_id, resident_id, *options))]
    if options:
        writes.append(("INSERT INTO poll_votes (poll_id, resident_id, option, at) VALUES "
                       + ", ".join("(?, ?, ?, ?)" for _ in options)
                       + " ON CONFLICT (poll_id, resident_id, option) DO UPDATE SET at = excluded.at",
                       tuple(v for option in options for v in (poll_id, resident_id, option, now))))
    tx.defer_disjoint(*writes)


def _not_in(options: list[int]) -> str:
    return f" AND option NOT IN ({', '.join('?' for _ in options)})" if options else ""


def youth_vote_query(poll_id: int, voter: str) -> Query:
    return "SELECT option FROM poll_youth_votes WHERE poll_id = ? AND voter = ?", (poll_id, voter)


async def youth_vote(tx: Tx, poll_id: int, voter: str) -> frozenset[int]:
    rows = await tx.all(*youth_vote_query(poll_id, voter))
    return frozenset(int(r[0]) for r in rows)


def set_youth_vote(tx: Tx, poll_id: int, voter: str, chosen: frozenset[int]) -> None:
    """Replace the vote under its key (sent with the transaction's next statement or its commit), as
    :func:`set_resident_vote` does."""
    options = sorted(chosen)
    writes: list[tuple[str, tuple[object, ...]]] = [
        (f"DELETE FROM poll_youth_votes WHERE poll_id = ? AND voter = ?{_not_in(options)}",
         (poll_id, voter, *options))]
    if options:
        writes.append(("INSERT INTO poll_youth_votes (poll_id, voter, option) VALUES "
                       + ", ".join("(?, ?, ?)" for _ in options) + " ON CONFLICT (poll_id, voter, option) DO NOTHING",
                       tuple(v for option in options for v in (poll_id, voter, option))))
    tx.defer_disjoint(*writes)


_ROWS_PER_INSERT = 300  # 900 parameters a statement: within SQLite's and PostgreSQL's limits


async def youth_votes(tx: Tx, poll_id: int) -> list[tuple[str, int]]:
    """Every (voter hash, option) of a youth poll, in no particular order."""
    rows = await tx.all("SELECT voter, option FROM poll_youth_votes WHERE poll_id = ?", (poll_id,))
    return [(str(r[0]), int(r[1])) for r in rows]


async def replace_youth_votes(tx: Tx, poll_id: int, votes: list[tuple[str, int]]) -> None:
    """Delete a youth poll's vote rows (zeroed in place: ``secure_delete``) and write ``votes`` anew, in the order
    given, so the rows' places in the file follow that order and no longer the order people voted in."""
    await tx.execute("DELETE FROM poll_youth_votes WHERE poll_id = ?", (poll_id,))
    for start in range(0, len(votes), _ROWS_PER_INSERT):
        chunk = votes[start:start + _ROWS_PER_INSERT]
        tx.defer("INSERT INTO poll_youth_votes (poll_id, voter, option) VALUES "
                 + placeholders(chunk, "(?, ?, ?)"),
                 [value for voter, option in chunk for value in (poll_id, voter, option)])


async def tally(tx: Tx, poll: PollRecord) -> tuple[int, dict[int, int]]:
    """(number of voters, option number -> votes)."""
    table, who = ("poll_youth_votes", "voter") if poll.youth else ("poll_votes", "resident_id")
    voters = int(await tx.value(f"SELECT COUNT(DISTINCT {who}) FROM {table} WHERE poll_id = ?", (poll.id,)))
    rows = await tx.all(f"SELECT option, COUNT(*) FROM {table} WHERE poll_id = ? GROUP BY option", (poll.id,))
    return voters, {int(r[0]): int(r[1]) for r in rows}


async def delete_votes(tx: Tx, poll_id: int) -> None:
    await tx.execute("DELETE FROM poll_votes WHERE poll_id = ?", (poll_id,))
    await tx.execute("DELETE FROM poll_youth_votes WHERE poll_id = ?", (poll_id,))


async def voters(tx: Tx, poll_id: int) -> list[Resident]:
    rows = await tx.all("SELECT * FROM residents WHERE id IN (SELECT resident_id FROM poll_votes WHERE poll_id = ?)"
                        " ORDER BY id", (poll_id,))
    return [Resident.from_row(r) for r in rows]


async def audience(tx: Tx, poll_id: int) -> list[Resident]:
    """Reachable residents of the poll's neighbourhoods who opted in to polls, or for a check question to
    questions from professionals (age bands are checked by the engine)."""
    rows = await tx.all("SELECT * FROM residents WHERE unreachable_at IS NULL AND chat_id IS NOT NULL"
                        " AND neighbourhood_id IN (SELECT neighbourhood_id FROM poll_neighbourhoods WHERE poll_id = ?)"
                        " AND CASE (SELECT audience FROM polls WHERE id = ?)"
                        "  WHEN 'professionals' THEN"
                        "   (SELECT COUNT(*) FROM check_question_optins o WHERE o.resident_id = residents.id)"
                        "  ELSE polls_opt_in END = 1 ORDER BY id", (poll_id, poll_id))
    return [Resident.from_row(r) for r in rows]


# ------------------------------------------------------------------ messages that show a poll
async def add_message(tx: Tx, channel: str, message_id: str, chat_id: str, private: bool, poll_id: int) -> None:
    await tx.execute("INSERT INTO poll_messages (channel, message_id, chat_id, private, poll_id) VALUES (?, ?, ?, ?, ?)"
                     " ON CONFLICT DO NOTHING", (channel, message_id, chat_id, int(private), poll_id))


async def by_message(tx: Tx, channel: str, chat_id: str, message_id: str) -> PollRecord | None:
    row = await tx.one("SELECT p.* FROM polls p JOIN poll_messages m ON m.poll_id = p.id"
                       " WHERE m.channel = ? AND m.chat_id = ? AND m.message_id = ?", (channel, chat_id, message_id))
    return None if row is None else PollRecord.from_row(row)


async def messages(tx: Tx, poll_id: int) -> list[Row]:
    return await tx.all("SELECT channel, message_id, chat_id, private FROM poll_messages WHERE poll_id = ?"
                        " ORDER BY rowid", (poll_id,))


async def announced(tx: Tx, poll_id: int) -> int:
    return int(await tx.value("SELECT COUNT(*) FROM poll_messages WHERE poll_id = ? AND private = 1", (poll_id,)))


# ------------------------------------------------------------------ residents' rights
async def votes_of(tx: Tx, resident_id: int) -> list[Row]:
    """A resident's votes in ordinary polls, for /mydata (youth votes are not linked to anyone)."""
    return await tx.all(
        "SELECT p.reference, p.question, o.label AS option, v.at FROM poll_votes v JOIN polls p ON p.id = v.poll_id"
        " JOIN poll_options o ON o.poll_id = v.poll_id AND o.number = v.option WHERE v.resident_id = ?"
        " ORDER BY p.id, v.option", (resident_id,))


async def forget_resident(tx: Tx, resident: Resident) -> None:
    """Erase a resident's ordinary votes and which poll messages were sent to their private chat."""
    await tx.execute("DELETE FROM poll_votes WHERE resident_id = ?", (resident.id,))
    if resident.chat_id is not None:
        await tx.execute("DELETE FROM poll_messages WHERE channel = ? AND chat_id = ? AND private = 1",
                         (resident.channel, resident.chat_id))


def rekey_messages(tx: Tx, channel: str, old: str, new: str) -> None:
    """Poll messages in a person's private chat follow the person's new key."""
    tx.defer("UPDATE poll_messages SET chat_id = ? WHERE channel = ? AND chat_id = ? AND private = 1",
             (new, channel, old))
