"""Residents: people who consented; keyed by (channel, platform user id)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.db import Record, Tx


@dataclass(frozen=True)
class Resident(Record):
    id: int
    channel: str
    user_id: str
    language: str
    neighbourhood_id: str
    consent_at: str
    created_at: str
    unreachable_at: str | None
    chat_id: str | None
    feedback_mode: str = "direct"
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    follows_neighbourhood: int = 0
    polls_opt_in: int = 0  # hears about new polls in their neighbourhood
    age_band: str | None = None  # e.g. "12-14", only for youth polls; never an age or a birth date
    last_active: str | None = None  # the UTC day ("2026-03-02") they last wrote to the bot; for retention
    last_message_hour: str | None = None  # WhatsApp: the UTC hour their last message was sent in (24-hour window)



def get_query(channel: str, user_id: str) -> tuple[str, tuple[str, ...]]:
    return "SELECT * FROM residents WHERE channel = ? AND user_id = ?", (channel, user_id)


async def get(tx: Tx, channel: str, user_id: str) -> Resident | None:
    row = await tx.one(*get_query(channel, user_id))
    return None if row is None else Resident.from_row(row)


async def by_id(tx: Tx, resident_id: int) -> Resident | None:
    row = await tx.one("SELECT * FROM residents WHERE id = ?", (resident_id,))
    return None if row is None else Resident.from_row(row)


async def create(tx: Tx, channel: str, user_id: str, chat_id: str, language: str, neighbourhood_id: str,
                 now: str) -> Resident:
    row = await tx.one(
        "INSERT INTO residents (channel, user_id, chat_id, language, neighbourhood_id, consent_at, created_at,"
        " last_active) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (channel, user_id) DO UPDATE SET language = excluded.language, chat_id = excluded.chat_id,"
        " neighbourhood_id = excluded.neighbourhood_id, consent_at = excluded.consent_at,"
        " last_active = excluded.last_active"
        " RETURNING *",
        (channel, user_id, chat_id, language, neighbourhood_id, now, now, now[:10]),
    )
    assert row is not None
    return Resident.from_row(row)


async def set_language(tx: Tx, resident_id: int, language: str) -> None:
    await tx.execute("UPDATE residents SET language = ? WHERE id = ?", (language, resident_id))


async def set_neighbourhood(tx: Tx, resident_id: int, neighbourhood_id: str) -> None:
    await tx.execute("UPDATE residents SET neighbourhood_id = ? WHERE id = ?", (neighbourhood_id, resident_id))


async def mark_unreachable(tx: Tx, channel: str, chat_id: str, now: str) -> None:
    await tx.execute(
        "UPDATE residents SET unreachable_at = ? WHERE channel = ? AND chat_id = ? AND unreachable_at IS NULL",
        (now, channel, chat_id),
    )


def seen(tx: Tx, resident: Resident, chat_id: str) -> None:
    """The resident wrote to us: they are reachable again, at this chat (written with the next statement)."""
    if resident.unreachable_at is not None or resident.chat_id != chat_id:
        tx.defer("UPDATE residents SET unreachable_at = NULL, chat_id = ? WHERE id = ?",
                         (chat_id, resident.id))


def active(tx: Tx, resident: Resident, now: str) -> None:
    """The resident used the bot today: note the day (not the time) for the retention sweep, with the
    transaction's next statement or its commit, and only when the stored day differs: once a day at most."""
    today = now[:10]
    if resident.last_active != today:
        tx.defer("UPDATE residents SET last_active = ? WHERE id = ?", (today, resident.id))


async def wrote(tx: Tx, channel: str, chat_id: str, hour: str) -> bool:
    """The resident whose chat this is last wrote in ``hour`` (ISO 8601, rounded down to the hour, UTC); an
    earlier hour never replaces a later one (a message handled late, from the inbox after a restart). False when
    nothing changed: no such resident (yet: before consent nothing is stored), or a later hour is kept."""
    changed = await tx.execute("UPDATE residents SET last_message_hour = ? WHERE channel = ? AND chat_id = ?"
                               " AND (last_message_hour IS NULL OR last_message_hour < ?)",
                               (hour, channel, chat_id, hour))
    return changed > 0


async def inactive_since(tx: Tx, day: str) -> list[Resident]:
    """Residents whose last active day (and consent) lies before ``day``."""
    rows = await tx.all("SELECT * FROM residents WHERE last_active < ? AND consent_at < ? ORDER BY id", (day, day))
    return [Resident.from_row(row) for row in rows]


async def reachable_in(tx: Tx, neighbourhood_id: str) -> list[Resident]:
    """Residents of a neighbourhood who can be written to and did not turn messages off."""
    rows = await tx.all("SELECT * FROM residents WHERE neighbourhood_id = ? AND unreachable_at IS NULL"
                        " AND chat_id IS NOT NULL AND feedback_mode != 'off' ORDER BY id", (neighbourhood_id,))
    return [Resident.from_row(row) for row in rows]


async def delete(tx: Tx, resident_id: int) -> None:
    await tx.execute("DELETE FROM residents WHERE id = ?", (resident_id,))


SETTINGS = ("feedback_mode", "quiet_start", "quiet_end", "follows_neighbourhood", "polls_opt_in", "age_band")


async def update_settings(tx: Tx, resident_id: int, values: dict[str, object]) -> None:
    for column, value in values.items():
        if column not in SETTINGS:
            raise ValueError(column)
        await tx.execute(f"UPDATE residents SET {column} = ? WHERE id = ?", (value, resident_id))


async def by_chat(tx: Tx, channel: str, chat_id: str) -> Resident | None:
    row = await tx.one("SELECT * FROM residents WHERE channel = ? AND chat_id = ?", (channel, chat_id))
    return None if row is None else Resident.from_row(row)


async def rekey(tx: Tx, channel: str, old: str, new: str) -> bool:
    """The resident known by ``old`` is known by ``new`` from now on (a platform gave a second, lasting id for the
    same person); False when there is no such resident or ``new`` is taken already."""
    moved = await tx.execute("UPDATE residents SET user_id = ?, chat_id = ? WHERE channel = ? AND user_id = ?"
                             " AND NOT EXISTS (SELECT 1 FROM residents r WHERE r.channel = ? AND r.user_id = ?)",
                             (new, new, channel, old, channel, new))
    return moved > 0
