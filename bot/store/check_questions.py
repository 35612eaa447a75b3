"""Check questions of professionals and residents' opt-in to them (issue 20)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.db import Record, Tx


@dataclass(frozen=True)
class CheckQuestion(Record):
    id: int
    reference: str
    professional_id: int
    neighbourhood_id: str
    theme: str
    role: str
    question: str
    options: str  # one option a line
    status: str  # proposed, approved, rejected
    poll_id: int | None
    decided_by: str | None
    decided_at: str | None
    reason: str | None
    created_at: str

    @property
    def option_list(self) -> tuple[str, ...]:
        return tuple(self.options.split("\n"))


async def add(tx: Tx, *, reference: str, professional_id: int, hood: str, theme: str, role: str, question: str,
              options: tuple[str, ...], now: str) -> CheckQuestion:
    row = await tx.one("INSERT INTO check_questions (reference, professional_id, neighbourhood_id, theme, role,"
                       " question, options, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                       (reference, professional_id, hood, theme, role, question, "\n".join(options), now))
    assert row is not None
    return CheckQuestion.from_row(row)


async def by_reference(tx: Tx, reference: str) -> CheckQuestion | None:
    row = await tx.one("SELECT * FROM check_questions WHERE reference = ?", (reference,))
    return CheckQuestion.from_row(row) if row else None


async def decide(tx: Tx, question_id: int, status: str, who: str, now: str, poll_id: int | None = None,
                 reason: str | None = None) -> None:
    await tx.execute("UPDATE check_questions SET status = ?, decided_by = ?, decided_at = ?, poll_id = ?, reason = ?"
                     " WHERE id = ?", (status, who, now, poll_id, reason, question_id))


async def wants(tx: Tx, resident_id: int) -> bool:
    return await tx.value("SELECT 1 FROM check_question_optins WHERE resident_id = ?", (resident_id,)) is not None


async def set_wants(tx: Tx, resident_id: int, wanted: bool, now: str) -> None:
    if wanted:
        await tx.execute("INSERT INTO check_question_optins (resident_id, since) VALUES (?, ?)"
                         " ON CONFLICT (resident_id) DO NOTHING", (resident_id, now))
    else:
        await tx.execute("DELETE FROM check_question_optins WHERE resident_id = ?", (resident_id,))
