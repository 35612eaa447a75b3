"""Moving a municipality (issue 17, point 6): ``wijkbot db copy`` copies everything from SQLite to PostgreSQL and
back, row for row, checks the row counts, refuses a target that holds data, and the bot goes on on the copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.store.db import Database, DatabaseUrl
from tests.engine.test_moderation import organiser, shared_story
from tests.support import Engine, Person, Recorder, make_config, schema_for
from tests.test_cli import wijkbot

pytestmark = pytest.mark.postgresql_only  # needs both engines at once


async def contents(url: DatabaseUrl) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (but the migrations' own table and PostgreSQL's explicit rowid), sorted."""
    db = Database(url)
    await db.open()
    found: dict[str, list[tuple[object, ...]]] = {}
    try:
        async with db.transaction() as tx:
            if tx.dialect == "sqlite":
                tables = [r[0] for r in await tx.all("SELECT name FROM sqlite_master WHERE type = 'table'")]
            else:
                tables = [r[0] for r in await tx.all("SELECT table_name FROM information_schema.tables"
                                                     " WHERE table_schema = current_schema()")]
            for table in tables:
                if table != "schema_version":
                    rows = [{k: row[k] for k in row.keys() if k != "rowid"} for row in  # noqa: SIM118
                            await tx.all(f"SELECT * FROM {table}")]
                    found[table] = sorted(tuple(sorted((k, repr(bytes(v) if isinstance(v, memoryview) else v))
                                                        for k, v in r.items())) for r in rows)
    finally:
        await db.close()
    return found


async def test_copy_to_postgresql_and_back_keeps_every_row_and_refuses_a_full_target(tmp_path: Path,
                                                                                   engine: str) -> None:
    sqlite_file = tmp_path / "wijkbot.sqlite3"
    app = App(make_config(tmp_path, database={"path": "wijkbot.sqlite3"}), [Recorder("telegram"), Recorder("matrix")])
    await app.start(background=False)
    reference = await shared_story(app, user="anna")
    await Person(app, "bob", channel="telegram").onboard()
    await app.dispatch(organiser(app, f"!approve {reference}"))
    await app.outbox.drain()
    await app.stop()

    schema = schema_for(tmp_path / "copy")
    target = DatabaseUrl("postgresql", dsn=Engine.dsn, schema=schema)
    result = wijkbot("db", "copy", "--from", f"sqlite:///{sqlite_file}", "--to", Engine.dsn, "--to-schema", schema,
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "residents: 2" in result.stdout and "the row counts match" in result.stdout
    original = await contents(DatabaseUrl.sqlite(sqlite_file))
    assert original["residents"] and original["experiences"] and original["outbox"]
    assert await contents(target) == original

    again = wijkbot("db", "copy", "--from", f"sqlite:///{sqlite_file}", "--to", Engine.dsn, "--to-schema", schema,
                    cwd=tmp_path)
    assert again.returncode == 1 and "already holds tables" in again.stderr
    assert await contents(target) == original  # untouched

    back = tmp_path / "back.sqlite3"
    result = wijkbot("db", "copy", "--from", Engine.dsn, "--from-schema", schema, "--to", f"sqlite:///{back}",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert await contents(DatabaseUrl.sqlite(back)) == original

    # The bot goes on on the copy: new rows get new ids after the copied ones.
    moved = App(make_config(tmp_path, database={"url": Engine.dsn, "schema": schema}), [Recorder("telegram")])
    await moved.start(background=False)
    try:
        await shared_story(moved, user="cem")
        async with moved.db.transaction() as tx:
            assert await tx.value("SELECT COUNT(DISTINCT id) FROM residents") == 3
    finally:
        await moved.stop()
