"""The moderation audit log: who decided what about which story, when and why."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.db import Tx


@dataclass(frozen=True)
class Entry:
    reference: str
    actor: str
    action: str
    detail: str | None
    at: str


async def add(tx: Tx, reference: str, actor: str, action: str, detail: str | None, now: str) -> None:
    await tx.execute("INSERT INTO audit_log (reference, actor, action, detail, at) VALUES (?, ?, ?, ?, ?)",
                     (reference, actor, action, detail, now))


async def of_reference(tx: Tx, reference: str) -> list[Entry]:
    rows = await tx.all("SELECT reference, actor, action, detail, at FROM audit_log WHERE reference = ?"
                        " ORDER BY id", (reference,))
    return [Entry(*tuple(row)) for row in rows]


async def erase_texts(tx: Tx, references: list[str]) -> None:
    """The texts an erased story had (``edited`` entries); who decided what and when stays."""
    for reference in references:
        tx.defer("UPDATE audit_log SET detail = NULL WHERE reference = ? AND action = 'edited'", (reference,))
