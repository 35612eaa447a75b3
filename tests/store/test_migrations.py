"""Migrations: from empty and from every earlier version to the newest; a newer database is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store import db as db_module
from bot.store.db import Database, DatabaseTooNew, Tx, latest_version, migrations
from tests.support import database_url


async def schema(db: Database) -> list[tuple[str, ...]]:
    """Every table, column, index and constraint as the engine's catalogue describes it."""
    async with db.transaction() as tx:
        if tx.dialect == "sqlite":
            rows = await tx.all("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        else:
            rows = await tx.all(
                "SELECT table_name, column_name, data_type, is_nullable, COALESCE(column_default, ''), is_identity"
                " FROM information_schema.columns WHERE table_schema = current_schema()"
                " UNION ALL SELECT tablename, indexname, replace(indexdef, current_schema() || '.', ''), '', '', ''"
                " FROM pg_indexes WHERE schemaname = current_schema()"
                " UNION ALL SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), '', '', ''"
                " FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2, 3")
    return [tuple(str(value) for value in r) for r in rows]


async def test_fresh_database_has_the_newest_schema_and_sane_settings(tmp_path: Path, engine: str) -> None:
    db = Database(database_url(tmp_path, "fresh.sqlite3"))
    await db.open()
    assert await db.version() == latest_version() == len(migrations())
    if engine == "sqlite":
        async with db.transaction() as tx:
            assert await tx.value("PRAGMA foreign_keys") == 1
            assert await tx.value("PRAGMA busy_timeout") == 5000
        assert (await db.conn.execute_fetchall("PRAGMA journal_mode"))[0][0] == "wal"
    else:  # the tables live in the configured schema, and nothing of wijkbot's in public
        async with db.transaction() as tx:
            assert await tx.value("SELECT current_schema()") == db.url.schema != "public"
            assert await tx.value("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
                                  " AND table_name = 'residents'") == 0
    await db.close()


@pytest.mark.parametrize("start", range(1, latest_version()))
async def test_every_earlier_version_upgrades_to_the_same_schema_keeping_data(tmp_path: Path, engine: str,
                                                                             start: int) -> None:
    fresh = Database(database_url(tmp_path, "fresh.sqlite3"))
    await fresh.open()
    expected = await schema(fresh)
    await fresh.close()

    old = Database(database_url(tmp_path, "old.sqlite3"))
    await old.open(migrate_to=start)
    assert await old.version() == start
    async with old.transaction() as tx:
        await tx.execute("INSERT INTO residents (channel, user_id, language, neighbourhood_id, consent_at,"
                         " created_at) VALUES ('telegram', '42', 'nl', 'centrum', '2026-01-01', '2026-01-01')")
        if start >= 2:  # from version 2 on, the chat to answer in is stored by the code
            await tx.execute("UPDATE residents SET chat_id = user_id")
    await old.close()

    upgraded = Database(database_url(tmp_path, "old.sqlite3"))
    await upgraded.open()
    assert await upgraded.version() == latest_version()
    assert await schema(upgraded) == expected
    async with upgraded.transaction() as tx:
        row = await tx.one("SELECT user_id, chat_id FROM residents")
    assert row is not None and row["user_id"] == "42" and row["chat_id"] == "42"
    await upgraded.close()


async def test_a_database_from_a_newer_wijkbot_is_refused(tmp_path: Path, engine: str) -> None:
    db = Database(database_url(tmp_path, "new.sqlite3"))
    await db.open()
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO schema_version VALUES (999, '0999_future.sql', '2030-01-01')")
    await db.close()
    with pytest.raises(DatabaseTooNew, match="schema version 999"):
        await Database(database_url(tmp_path, "new.sqlite3")).open()


async def test_a_failed_change_rolls_back_completely(tmp_path: Path, engine: str) -> None:
    db = Database(database_url(tmp_path, "tx.sqlite3"))
    await db.open()
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO reference_counters VALUES ('W', 2026, 5)")
            raise RuntimeError("boom")
    async with db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM reference_counters") == 0
    await db.close()


async def test_version_11_dates_existing_residents_by_their_latest_sign_of_life(tmp_path: Path, engine: str) -> None:
    """Residents from before migration 11 get the latest day anything shows they used the bot, so the retention
    sweep does not erase them for lack of a date."""
    db = Database(database_url(tmp_path, "old.sqlite3"))
    await db.open(migrate_to=10)
    async with db.transaction() as tx:
        for user, consent in (("talker", "2024-01-05T09:00:00+00:00"), ("sharer", "2024-02-01T09:00:00+00:00"),
                              ("voter", "2024-03-01T09:00:00+00:00"), ("quiet", "2024-04-01T09:00:00+00:00")):
            await tx.execute("INSERT INTO residents (channel, user_id, chat_id, language, neighbourhood_id,"
                             " consent_at, created_at) VALUES ('telegram', ?, ?, 'nl', 'centrum', ?, ?)",
                             (user, user, consent, consent))
        await tx.execute("INSERT INTO conversations (channel, user_id, updated_at) VALUES"
                         " ('telegram', 'talker', '2026-06-30T23:59:00+00:00')")
        await tx.execute("INSERT INTO experiences (reference, resident_id, neighbourhood_id, theme, text_public,"
                         " language, created_at) SELECT 'W-2026-0001', id, 'centrum', 'housing', 'x', 'nl',"
                         " '2026-05-04T10:00:00+00:00' FROM residents WHERE user_id = 'sharer'")
        await tx.execute("INSERT INTO polls (reference, question, opens_at, closes_at, room, created_by, created_at)"
                         " VALUES ('P-2026-0001', 'q', '2026-01-01', '2026-02-01', '!r', '@o', '2026-01-01')")
        await tx.execute("INSERT INTO poll_options VALUES (1, 1, 'a')")
        await tx.execute("INSERT INTO poll_votes (poll_id, resident_id, option, at) SELECT 1, id, 1,"
                         " '2026-01-20T08:00:00+00:00' FROM residents WHERE user_id = 'voter'")
    await db.close()
    await db.open()
    async with db.transaction() as tx:
        found = {r["user_id"]: r["last_active"] for r in await tx.all("SELECT user_id, last_active FROM residents")}
    await db.close()
    assert found == {"talker": "2026-06-30", "sharer": "2026-05-04", "voter": "2026-01-20", "quiet": "2024-04-01"}


def test_a_migration_is_sql_or_python_numbered_in_one_sequence() -> None:
    names = [name for _, name, _ in migrations()]
    assert "0014_outbox_files_from_bodies.py" in names and names[0] == "0001_initial.sql"
    assert all(name.endswith((".sql", ".py")) for name in names)


async def test_a_python_step_runs_in_the_transaction_that_records_its_version(
        tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Python step that fails halfway leaves nothing behind: neither its writes nor its version; the next start
    runs it again from the start."""
    db = Database(database_url(tmp_path, "old.sqlite3"))
    await db.open(migrate_to=13)
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO outbox (channel, chat_id, private, body, purpose, not_before, created_at)"
                         " VALUES ('telegram', 'anna', 1, ?, 'poll-results', '2026-01-01', '2026-01-01')",
                         ('{"text": "t", "attachment": {"kind": "photo", "data": "iVBORw=="}}',))
    await db.close()

    class Failing:
        @staticmethod
        async def upgrade(tx: Tx) -> None:
            await tx.execute("UPDATE outbox SET body = 'half done'")
            raise RuntimeError("interrupted")

    monkeypatch.setattr(db_module, "_python_step", lambda name: Failing)
    with pytest.raises(RuntimeError, match="interrupted"):
        await db.open()
    await db.close()
    monkeypatch.undo()

    await db.open()  # the real step, this time to the end
    assert await db.version() == latest_version()
    async with db.transaction() as tx:
        row = await tx.one("SELECT body, file FROM outbox")
        stored = await tx.value("SELECT data FROM outbox_files")
    await db.close()
    assert row is not None and '"data"' not in row["body"] and row["file"] is not None
    assert bytes(stored) == b"\x89PNG"
