"""The placeholder lists the repositories build their ``IN (...)`` and multi-row ``VALUES`` with (bot/store/sql.py),
run by SQLite itself."""

from __future__ import annotations

import sqlite3

from bot.store.sql import placeholders


def test_placeholders_match_their_values_and_an_empty_list_matches_nothing() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (id INTEGER, name TEXT)")
    rows = [(1, "noord"), (2, "centrum"), (3, "zuid")]
    db.execute(f"INSERT INTO t (id, name) VALUES {placeholders(rows, '(?, ?)')}", [v for row in rows for v in row])
    wanted = ["noord", "zuid"]
    assert placeholders(wanted) == "?, ?"
    assert db.execute(f"SELECT id FROM t WHERE name IN ({placeholders(wanted)}) ORDER BY id", wanted).fetchall() \
        == [(1,), (3,)]
    assert db.execute(f"SELECT id FROM t WHERE name IN ({placeholders([])})").fetchall() == []  # IN (NULL)
    db.close()
