"""Feedback and its clock: the feedback rows, their update history, digests, overdue marks and the answers to
"did you feel heard?". The engine (``bot/engine/feedback.py``, ``feedback_clock.py``) decides; this module stores."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.db import Record, Row, Tx
from bot.store.residents import Resident
from bot.store.sql import placeholders


@dataclass(frozen=True)
class Feedback(Record):
    id: int
    reference: str
    neighbourhood_id: str
    theme: str | None
    status: str
    what: str
    because: str
    commitment_date: str | None
    author: str
    created_at: str
    updated_at: str
    overdue_notified_at: str | None
    poll_id: int | None = None


async def by_reference(tx: Tx, reference: str) -> Feedback | None:
    row = await tx.one("SELECT * FROM feedback WHERE reference = ?", (reference,))
    return None if row is None else Feedback.from_row(row)


async def by_id(tx: Tx, feedback_id: int) -> Feedback | None:
    row = await tx.one("SELECT * FROM feedback WHERE id = ?", (feedback_id,))
    return None if row is None else Feedback.from_row(row)


async def recipients(tx: Tx, fb: Feedback) -> list[Resident]:
    """Residents who contributed (linked stories, stories on this theme here, votes in the linked poll) and those
    who follow. Youth votes cannot be traced to anyone, so a youth poll's feedback goes to all it was sent to."""
    feedback_id, neighbourhood, theme = fb.id, fb.neighbourhood_id, fb.theme
    rows = await tx.all(
        "SELECT DISTINCT r.* FROM residents r WHERE r.unreachable_at IS NULL AND r.feedback_mode != 'off' AND ("
        " r.id IN (SELECT e.resident_id FROM feedback_experiences fe JOIN experiences e ON e.id = fe.experience_id"
        "          WHERE fe.feedback_id = ?)"
        " OR (CAST(? AS TEXT) IS NOT NULL AND r.id IN (SELECT resident_id FROM experiences WHERE neighbourhood_id = ?"
        "     AND theme = ? AND resident_id IS NOT NULL))"
        " OR (r.neighbourhood_id = ? AND r.follows_neighbourhood = 1)"
        " OR (r.neighbourhood_id = ? AND CAST(? AS TEXT) IS NOT NULL"
        "     AND r.id IN (SELECT resident_id FROM follows WHERE theme = ?))"
        " OR r.id IN (SELECT resident_id FROM poll_votes WHERE poll_id = ?)"
        " OR EXISTS (SELECT 1 FROM poll_messages m JOIN polls p ON p.id = m.poll_id WHERE m.poll_id = ?"
        "            AND p.youth_min IS NOT NULL AND m.private = 1 AND m.channel = r.channel AND m.chat_id = r.chat_id)"
        ") ORDER BY r.id",
        (feedback_id, theme, neighbourhood, theme, neighbourhood, neighbourhood, theme, theme, fb.poll_id,
         fb.poll_id))
    return [Resident.from_row(r) for r in rows]


async def linked_stories(tx: Tx, feedback_id: int) -> list[tuple[str, int | None]]:
    """(story reference, its author's resident id) for every story the feedback answers, oldest first."""
    rows = await tx.all("SELECT e.reference, e.resident_id FROM feedback_experiences fe"
                        " JOIN experiences e ON e.id = fe.experience_id WHERE fe.feedback_id = ? ORDER BY e.id",
                        (feedback_id,))
    return [(r[0], r[1]) for r in rows]


async def poll_question(tx: Tx, poll_id: int) -> str | None:
    question = await tx.value("SELECT question FROM polls WHERE id = ?", (poll_id,))
    return None if question is None else str(question)


async def add_digest_item(tx: Tx, resident_id: int, update_id: int) -> None:
    await tx.execute("INSERT INTO digest_items (resident_id, feedback_update_id) VALUES (?, ?)"
                     " ON CONFLICT DO NOTHING", (resident_id, update_id))


async def insert(tx: Tx, *, reference: str, neighbourhood: str, theme: str | None, status: str, what: str,
                 because: str, commitment_date: str | None, author: str, now: str, poll_id: int | None,
                 story_ids: list[int]) -> Feedback:
    row = await tx.one(
        "INSERT INTO feedback (reference, neighbourhood_id, theme, status, what, because, commitment_date, author,"
        " created_at, updated_at, poll_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (reference, neighbourhood, theme, status, what, because, commitment_date, author, now, now, poll_id))
    assert row is not None
    fb = Feedback.from_row(row)
    for story_id in story_ids:
        await tx.execute("INSERT INTO feedback_experiences (feedback_id, experience_id) VALUES (?, ?)"
                         " ON CONFLICT DO NOTHING", (fb.id, story_id))
    return fb


async def add_update(tx: Tx, feedback_id: int, status: str, what: str, because: str, author: str,
                     now: str) -> int:
    return int(await tx.value(
        "INSERT INTO feedback_updates (feedback_id, status, what, because, author, at) VALUES (?, ?, ?, ?, ?, ?)"
        " RETURNING id", (feedback_id, status, what, because, author, now)))


async def change(tx: Tx, feedback_id: int, status: str, what: str, because: str, now: str) -> None:
    await tx.execute("UPDATE feedback SET status = ?, what = ?, because = ?, updated_at = ?,"
                     " overdue_notified_at = NULL WHERE id = ?", (status, what, because, now, feedback_id))


async def history(tx: Tx, experience_id: int) -> list[Row]:
    return await tx.all(
        "SELECT f.reference, u.status, u.what, u.because, u.author, u.at, f.commitment_date FROM feedback_updates u"
        " JOIN feedback f ON f.id = u.feedback_id JOIN feedback_experiences fe ON fe.feedback_id = f.id"
        " WHERE fe.experience_id = ? ORDER BY u.id", (experience_id,))


async def save_heard(tx: Tx, fb: Feedback, resident_id: int, answer: str, now: str) -> None:
    """The answer counts for a theme (the barometer per theme): the feedback's own, else the theme of the
    answerer's story it answers, else the one theme all its stories share; otherwise the neighbourhood in general."""
    theme = fb.theme
    if theme is None:
        linked = await tx.all("SELECT e.theme, e.resident_id FROM feedback_experiences fe"
                              " JOIN experiences e ON e.id = fe.experience_id WHERE fe.feedback_id = ?"
                              " ORDER BY e.id", (fb.id,))
        own = [str(row["theme"]) for row in linked if row["resident_id"] == resident_id]
        shared = {str(row["theme"]) for row in linked}
        theme = own[0] if own else next(iter(shared)) if len(shared) == 1 else None
    await tx.execute(
        "INSERT INTO heard (feedback_id, resident_id, answer, neighbourhood_id, theme, at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (feedback_id, resident_id) DO UPDATE SET answer = excluded.answer, at = excluded.at",
        (fb.id, resident_id, answer, fb.neighbourhood_id, theme, now))


async def save_heard_comment(tx: Tx, feedback_id: int, resident_id: int, comment: str | None) -> Row | None:
    """Keep the comment; returns the answer with the feedback's reference and neighbourhood."""
    await tx.execute("UPDATE heard SET comment = ? WHERE feedback_id = ? AND resident_id = ?",
                     (comment, feedback_id, resident_id))
    return await tx.one("SELECT h.answer, f.reference, f.neighbourhood_id FROM heard h JOIN feedback f"
                        " ON f.id = h.feedback_id WHERE h.feedback_id = ? AND h.resident_id = ?",
                        (feedback_id, resident_id))


async def heard_tally(tx: Tx, neighbourhoods: list[str]) -> list[Row]:
    return await tx.all(f"SELECT neighbourhood_id, COALESCE(theme, ''), answer, COUNT(*) FROM heard"
                        f" WHERE neighbourhood_id IN ({placeholders(neighbourhoods)})"
                        " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                        neighbourhoods)


# --- the clock: digests, overdue commitments, stories without feedback

async def digest_residents(tx: Tx, mode: str) -> list[Resident]:
    rows = await tx.all("SELECT DISTINCT r.* FROM residents r JOIN digest_items d ON d.resident_id = r.id"
                        " WHERE r.feedback_mode = ? AND r.unreachable_at IS NULL", (mode,))
    return [Resident.from_row(r) for r in rows]


async def digest_items(tx: Tx, resident_id: int) -> list[Row]:
    return await tx.all(
        "SELECT f.reference, COALESCE(f.theme, 'other') AS theme, u.status, u.what, u.because FROM digest_items d"
        " JOIN feedback_updates u ON u.id = d.feedback_update_id JOIN feedback f ON f.id = u.feedback_id"
        " WHERE d.resident_id = ? ORDER BY theme, u.id", (resident_id,))


async def clear_digest(tx: Tx, resident_id: int) -> None:
    await tx.execute("DELETE FROM digest_items WHERE resident_id = ?", (resident_id,))


async def overdue(tx: Tx, now: str) -> list[Feedback]:
    rows = await tx.all(
        "SELECT * FROM feedback WHERE status NOT IN ('done', 'not_done') AND commitment_date IS NOT NULL"
        " AND commitment_date < ? AND updated_at < commitment_date AND overdue_notified_at IS NULL", (now,))
    return [Feedback.from_row(r) for r in rows]


async def reopened(tx: Tx, neighbourhoods: list[str], by: str) -> list[Row]:
    """Feedback whose latest update was made by ``by`` (the reopening after an unhappy answer): nobody on the staff
    has answered it since. Oldest reopening first; ``since`` is when its clock started."""
    return await tx.all(
        f"SELECT f.reference, f.theme, u.at AS since FROM feedback f JOIN feedback_updates u ON u.feedback_id = f.id"
        f" WHERE f.neighbourhood_id IN ({placeholders(neighbourhoods)}) AND u.author = ?"
        f" AND u.id = (SELECT MAX(l.id) FROM feedback_updates l WHERE l.feedback_id = f.id) ORDER BY u.at, f.id",
        [*neighbourhoods, by])


async def mark_overdue_told(tx: Tx, feedback_id: int, now: str) -> None:
    await tx.execute("UPDATE feedback SET overdue_notified_at = ? WHERE id = ?", (now, feedback_id))


async def story_authors(tx: Tx, feedback_id: int) -> list[Resident]:
    """Reachable authors of the stories a feedback answers who did not turn feedback off."""
    rows = await tx.all("SELECT DISTINCT r.* FROM residents r JOIN experiences e ON e.resident_id = r.id"
                        " JOIN feedback_experiences fe ON fe.experience_id = e.id WHERE fe.feedback_id = ?"
                        " AND r.unreachable_at IS NULL AND r.feedback_mode != 'off'", (feedback_id,))
    return [Resident.from_row(r) for r in rows]


async def stories_without_feedback(tx: Tx, neighbourhoods: list[str], before: str) -> list[Row]:
    return await tx.all(
        f"SELECT e.reference, e.theme, e.created_at, e.neighbourhood_id FROM experiences e"
        f" WHERE e.neighbourhood_id IN ({placeholders(neighbourhoods)}) AND e.created_at < ? AND e.status != 'rejected'"
        f" AND NOT EXISTS (SELECT 1 FROM feedback_experiences fe WHERE fe.experience_id = e.id) ORDER BY e.id",
        (*neighbourhoods, before))
