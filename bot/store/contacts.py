"""Contact persons (terms per position), who is responsible for which story, relay threads, intro opt-ins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.store.db import Record, Row, Tx
from bot.store.residents import Resident
from bot.store.sql import placeholders

FIELDS = ("name", "role", "organisation", "reachable_how", "reachable_when", "photo", "language", "matrix_user",
          "telegram_chat", "started_on", "ended_on", "activated_at", "closed_at", "historical", "succeeded_by")
_CURRENT = "activated_at IS NOT NULL AND closed_at IS NULL"


@dataclass(frozen=True)
class Contact(Record):
    id: int
    config_key: str | None
    neighbourhood_id: str
    theme: str  # "" = the whole neighbourhood
    name: str
    role: str
    organisation: str
    reachable_how: str
    reachable_when: str
    photo: str | None
    language: str | None
    matrix_user: str | None
    telegram_chat: str | None
    started_on: str
    ended_on: str | None
    activated_at: str | None
    closed_at: str | None
    historical: int
    succeeded_by: int | None
    added_by: str
    created_at: str

    @property
    def reference(self) -> str:
        return f"C-{self.id}"

    @property
    def current(self) -> bool:
        return self.activated_at is not None and self.closed_at is None



@dataclass(frozen=True)
class Thread(Record):
    id: int
    resident_id: int
    contact_id: int
    neighbourhood_id: str
    status: str
    created_at: str
    updated_at: str

    @property
    def reference(self) -> str:
        return f"R-{self.id}"



def _contacts(rows: list[Row]) -> list[Contact]:
    return [Contact.from_row(r) for r in rows]


async def insert(tx: Tx, *, neighbourhood_id: str, theme: str, values: dict[str, Any], added_by: str, now: str,
                 config_key: str | None = None) -> Contact:
    columns = [c for c in FIELDS if c in values]
    row = await tx.one(
        f"INSERT INTO contacts (config_key, neighbourhood_id, theme, added_by, created_at, {', '.join(columns)})"
        f" VALUES (?, ?, ?, ?, ?, {', '.join('?' for _ in columns)}) RETURNING *",
        (config_key, neighbourhood_id, theme, added_by, now, *(values[c] for c in columns)))
    assert row is not None
    return Contact.from_row(row)


async def update(tx: Tx, contact_id: int, values: dict[str, Any]) -> None:
    for column, value in values.items():
        if column not in FIELDS:
            raise ValueError(column)
        await tx.execute(f"UPDATE contacts SET {column} = ? WHERE id = ?", (value, contact_id))


async def by_id(tx: Tx, contact_id: int) -> Contact | None:
    row = await tx.one("SELECT * FROM contacts WHERE id = ?", (contact_id,))
    return None if row is None else Contact.from_row(row)


async def by_key(tx: Tx, key: str) -> Contact | None:
    row = await tx.one("SELECT * FROM contacts WHERE config_key = ?", (key,))
    return None if row is None else Contact.from_row(row)


async def configured(tx: Tx) -> list[Contact]:
    return _contacts(await tx.all("SELECT * FROM contacts WHERE config_key IS NOT NULL"))


async def of_neighbourhoods(tx: Tx, hoods: list[str]) -> list[Contact]:
    """Every term in these neighbourhoods, by position and start."""
    marks = placeholders(hoods)
    return _contacts(await tx.all(f"SELECT * FROM contacts WHERE neighbourhood_id IN ({marks})"
                                  f" ORDER BY neighbourhood_id, theme, started_on, id", tuple(hoods)))


async def current(tx: Tx, neighbourhood: str, theme: str) -> Contact | None:
    row = await tx.one(f"SELECT * FROM contacts WHERE neighbourhood_id = ? AND theme = ? AND {_CURRENT}"
                       f" ORDER BY started_on DESC, id DESC LIMIT 1", (neighbourhood, theme))
    return None if row is None else Contact.from_row(row)


async def current_of_neighbourhood(tx: Tx, neighbourhood: str) -> list[Contact]:
    """The neighbourhood's contact persons now: the whole-neighbourhood one first, then per theme."""
    return _contacts(await tx.all(f"SELECT * FROM contacts WHERE neighbourhood_id = ? AND {_CURRENT}"
                                  f" ORDER BY theme, started_on", (neighbourhood,)))


async def responsible(tx: Tx, neighbourhood: str, theme: str | None) -> Contact | None:
    """The theme's contact person if there is one, else the neighbourhood's (one query: the theme sorts first)."""
    row = await tx.one(f"SELECT * FROM contacts WHERE neighbourhood_id = ? AND theme IN (?, '') AND {_CURRENT}"
                       f" ORDER BY theme = '', started_on DESC, id DESC LIMIT 1", (neighbourhood, theme or ""))
    return None if row is None else Contact.from_row(row)


async def of_actor(tx: Tx, channel: str, user_id: str) -> list[Contact]:
    """Current terms held by the person writing (matched on the handle the bot relays to)."""
    column = {"matrix": "matrix_user", "telegram": "telegram_chat"}.get(channel)
    if column is None:
        return []
    return _contacts(await tx.all(f"SELECT * FROM contacts WHERE {column} = ? AND {_CURRENT}", (user_id,)))


async def ever_actor(tx: Tx, channel: str, user_id: str) -> list[Contact]:
    """Every term (past ones too) held by the person writing."""
    column = {"matrix": "matrix_user", "telegram": "telegram_chat"}.get(channel)
    if column is None:
        return []
    return _contacts(await tx.all(f"SELECT * FROM contacts WHERE {column} = ?", (user_id,)))


async def due_to_close(tx: Tx, today: str) -> list[Contact]:
    return _contacts(await tx.all(f"SELECT * FROM contacts WHERE {_CURRENT} AND ended_on IS NOT NULL"
                                  f" AND ended_on <= ? ORDER BY started_on, id", (today,)))


async def due_to_activate(tx: Tx, today: str) -> list[Contact]:
    return _contacts(await tx.all("SELECT * FROM contacts WHERE activated_at IS NULL AND started_on <= ?"
                                  " ORDER BY started_on, id", (today,)))


async def live_predecessor(tx: Tx, successor: Contact) -> Contact | None:
    """The term the successor takes over from: the latest one in the position that was in effect (not history)
    and has no successor yet."""
    row = await tx.one(
        "SELECT * FROM contacts WHERE neighbourhood_id = ? AND theme = ? AND id != ? AND activated_at IS NOT NULL"
        " AND historical = 0 AND succeeded_by IS NULL ORDER BY started_on DESC, id DESC LIMIT 1",
        (successor.neighbourhood_id, successor.theme, successor.id))
    return None if row is None else Contact.from_row(row)


# ------------------------------------------------------------------ responsibility for stories
async def assign(tx: Tx, experience_id: int, contact_id: int, now: str) -> None:
    await tx.execute("INSERT INTO experience_contacts (experience_id, contact_id, since) VALUES (?, ?, ?)"
                     " ON CONFLICT DO NOTHING", (experience_id, contact_id, now))


async def move_open_stories(tx: Tx, old_ids: list[int], new_id: int, now: str) -> list[str]:
    """Stories currently with one of ``old_ids`` that still wait for a decision or any feedback go to ``new_id``;
    the old stretch ends now. Returns their references."""
    if not old_ids:
        return []
    marks = placeholders(old_ids)
    rows = await tx.all(
        f"SELECT ec.experience_id, e.reference FROM experience_contacts ec JOIN experiences e"
        f" ON e.id = ec.experience_id WHERE ec.contact_id IN ({marks}) AND ec.until IS NULL AND e.status != 'rejected'"
        f" AND (e.status = 'new' OR NOT EXISTS (SELECT 1 FROM feedback_experiences fe"
        f" WHERE fe.experience_id = e.id)) ORDER BY e.id", tuple(old_ids))
    for row in rows:
        await tx.execute(f"UPDATE experience_contacts SET until = ? WHERE experience_id = ? AND until IS NULL"
                         f" AND contact_id IN ({marks})", (now, row["experience_id"], *old_ids))
        await assign(tx, row["experience_id"], new_id, now)
    return [str(r["reference"]) for r in rows]


async def responsibility(tx: Tx, experience_id: int) -> list[Row]:
    """Who was responsible for a story, and when (oldest first)."""
    return await tx.all("SELECT c.name, c.role, ec.since, ec.until FROM experience_contacts ec JOIN contacts c"
                        " ON c.id = ec.contact_id WHERE ec.experience_id = ? ORDER BY ec.since", (experience_id,))


# ------------------------------------------------------------------ relay threads
async def thread(tx: Tx, thread_id: int) -> Thread | None:
    row = await tx.one("SELECT * FROM relay_threads WHERE id = ?", (thread_id,))
    return None if row is None else Thread.from_row(row)


async def open_thread(tx: Tx, resident_id: int, contact_id: int) -> Thread | None:
    row = await tx.one("SELECT * FROM relay_threads WHERE resident_id = ? AND contact_id = ? AND status = 'open'"
                       " ORDER BY id DESC LIMIT 1", (resident_id, contact_id))
    return None if row is None else Thread.from_row(row)


async def create_thread(tx: Tx, resident_id: int, contact_id: int, neighbourhood: str, now: str) -> Thread:
    row = await tx.one("INSERT INTO relay_threads (resident_id, contact_id, neighbourhood_id, created_at, updated_at)"
                       " VALUES (?, ?, ?, ?, ?) RETURNING *", (resident_id, contact_id, neighbourhood, now, now))
    assert row is not None
    return Thread.from_row(row)


async def add_message(tx: Tx, thread_id: int, direction: str, contact_id: int, text: str, outbox_id: int | None,
                      now: str) -> None:
    await tx.execute("INSERT INTO relay_messages (thread_id, direction, contact_id, text, outbox_id, at)"
                     " VALUES (?, ?, ?, ?, ?, ?)", (thread_id, direction, contact_id, text, outbox_id, now))
    await tx.execute("UPDATE relay_threads SET updated_at = ? WHERE id = ?", (now, thread_id))


async def messages_since(tx: Tx, resident_id: int, direction: str, since: str) -> int:
    return int(await tx.value("SELECT COUNT(*) FROM relay_messages m JOIN relay_threads t ON t.id = m.thread_id"
                              " WHERE t.resident_id = ? AND m.direction = ? AND m.at >= ?",
                              (resident_id, direction, since)))


async def move_threads(tx: Tx, old_ids: list[int], new_id: int, now: str) -> list[Thread]:
    """Open threads with one of ``old_ids`` continue with ``new_id``; returns them (as they were)."""
    if not old_ids:
        return []
    marks = placeholders(old_ids)
    rows = await tx.all(f"SELECT * FROM relay_threads WHERE contact_id IN ({marks}) AND status = 'open' ORDER BY id",
                        tuple(old_ids))
    await tx.execute(f"UPDATE relay_threads SET contact_id = ?, updated_at = ? WHERE contact_id IN ({marks})"
                     f" AND status = 'open'", (new_id, now, *old_ids))
    return [Thread.from_row(r) for r in rows]


async def took_part(tx: Tx, thread_id: int, contact_ids: set[int]) -> bool:
    """Whether one of these terms was the contact person of a message in the thread."""
    if not contact_ids:
        return False
    marks = placeholders(contact_ids)
    return await tx.value(f"SELECT 1 FROM relay_messages WHERE thread_id = ? AND contact_id IN ({marks}) LIMIT 1",
                          (thread_id, *contact_ids)) is not None


async def open_threads_of(tx: Tx, contact_id: int) -> list[Thread]:
    rows = await tx.all("SELECT * FROM relay_threads WHERE contact_id = ? AND status = 'open' ORDER BY id",
                        (contact_id,))
    return [Thread.from_row(r) for r in rows]


async def remember_post(tx: Tx, channel: str, message_id: str, thread_id: int) -> None:
    await tx.execute("INSERT INTO relay_posts (channel, message_id, thread_id) VALUES (?, ?, ?)"
                     " ON CONFLICT DO NOTHING", (channel, message_id, thread_id))


async def threads_by_post(tx: Tx, channel: str, message_id: str) -> list[Thread]:
    rows = await tx.all("SELECT t.* FROM relay_threads t JOIN relay_posts p ON p.thread_id = t.id"
                        " WHERE p.channel = ? AND p.message_id = ?", (channel, message_id))
    return [Thread.from_row(r) for r in rows]


# ------------------------------------------------------------------ introductions of new contact persons
async def wants_intros(tx: Tx, resident_id: int) -> bool:
    return await tx.value("SELECT 1 FROM contact_intro_optins WHERE resident_id = ?", (resident_id,)) is not None


async def set_intros(tx: Tx, resident_id: int, wanted: bool, now: str) -> None:
    if wanted:
        await tx.execute("INSERT INTO contact_intro_optins (resident_id, since) VALUES (?, ?)"
                         " ON CONFLICT DO NOTHING", (resident_id, now))
    else:
        await tx.execute("DELETE FROM contact_intro_optins WHERE resident_id = ?", (resident_id,))


async def intro_recipients(tx: Tx, neighbourhood: str) -> list[Resident]:
    rows = await tx.all("SELECT r.* FROM residents r JOIN contact_intro_optins o ON o.resident_id = r.id"
                        " WHERE r.neighbourhood_id = ? AND r.unreachable_at IS NULL AND r.chat_id IS NOT NULL"
                        " ORDER BY r.id", (neighbourhood,))
    return [Resident.from_row(r) for r in rows]


# ------------------------------------------------------------------ residents' rights
async def export_of(tx: Tx, resident_id: int) -> dict[str, Any]:
    rows = await tx.all(
        "SELECT t.id AS thread, c.name AS contact, m.direction, m.text, m.at FROM relay_messages m"
        " JOIN relay_threads t ON t.id = m.thread_id JOIN contacts c ON c.id = m.contact_id"
        " WHERE t.resident_id = ? ORDER BY m.id", (resident_id,))
    return {
        "introductions_of_new_contact_persons": await wants_intros(tx, resident_id),
        "messages": [{"reference": f"R-{r['thread']}", "contact_person": r["contact"],
                      "direction": r["direction"], "text": r["text"], "at": r["at"]} for r in rows],
    }


async def forget_resident(tx: Tx, resident_id: int) -> None:
    """Erase a resident's conversations with contact persons, and blank the copies of those words still in the
    outbox (queued or sent). The threads, messages and opt-in also go with the resident (ON DELETE CASCADE)."""
    await tx.execute(
        "UPDATE outbox SET body = '{\"text\": \"\"}', status = CASE WHEN status = 'pending' THEN 'erased'"
        " ELSE status END WHERE id IN (SELECT m.outbox_id FROM relay_messages m JOIN relay_threads t"
        " ON t.id = m.thread_id WHERE t.resident_id = ? AND m.outbox_id IS NOT NULL)", (resident_id,))
    await tx.execute("DELETE FROM relay_threads WHERE resident_id = ?", (resident_id,))
    await tx.execute("DELETE FROM contact_intro_optins WHERE resident_id = ?", (resident_id,))


async def delete_unstarted(tx: Tx, contact_id: int) -> None:
    """A configured person whose term never began leaves no trace."""
    await tx.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))


async def move_position(tx: Tx, contact_id: int, neighbourhood_id: str, theme: str) -> None:
    await tx.execute("UPDATE contacts SET neighbourhood_id = ?, theme = ? WHERE id = ?",
                     (neighbourhood_id, theme, contact_id))


async def current_holder(tx: Tx, experience_id: int) -> int | None:
    """The contact person who has the story now, if any."""
    value = await tx.value("SELECT contact_id FROM experience_contacts WHERE experience_id = ? AND until IS NULL",
                           (experience_id,))
    return None if value is None else int(value)


async def release(tx: Tx, experience_id: int, now: str) -> None:
    """The story's current contact person stops having it (the history keeps who had it until now)."""
    await tx.execute("UPDATE experience_contacts SET until = ? WHERE experience_id = ? AND until IS NULL",
                     (now, experience_id))
