"""The deliberation recompute off the event loop (issue 14.6): packed votes give the same matrix as plain rows,
organisers can ask for a recompute (!recompute / !herbereken), and the interval is a setting."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from bot.app import App
from bot.config import ConfigError
from bot.engine import deliberation_results
from bot.engine.deliberation_math import votes_matrix
from bot.engine.deliberation_snapshot import loads, unpack
from bot.store import deliberations as repo
from tests.engine.test_deliberation_chat import camps, current, opened, room
from tests.support import Recorder, make_config


def packed_from(rows: list[tuple[int, int, int]]) -> list[tuple[int, str]]:
    """What PACKED_VOTES_SQL returns for these (resident, statement, vote) rows."""
    by_statement: dict[int, list[str]] = {}
    for resident, statement, vote in rows:
        by_statement.setdefault(statement, []).append(str(resident * 4 + vote + 1))
    return [(statement, ",".join(codes)) for statement, codes in sorted(by_statement.items())]


@pytest.mark.parametrize("resident_ids", [[3, 7, 9, 12], [5, 10**12, 42, 10**9]])  # dense, and sparse ids
def test_packed_votes_give_the_same_matrix_as_rows(resident_ids: list[int]) -> None:
    rng = np.random.default_rng(1)
    rows = [(r, s, int(rng.integers(-1, 2))) for r in resident_ids for s in (11, 30, 31) if rng.random() < 0.8]
    expected, participants, statements = votes_matrix(rows)
    matrix, got_participants, got_statements = unpack(packed_from(rows))
    assert got_participants == participants and got_statements == statements
    np.testing.assert_array_equal(matrix, expected)  # NaN where someone did not vote, in the same places


async def test_the_database_packs_what_the_rows_say(app: App) -> None:
    d = await opened(app)
    await camps(app, d)
    async with app.db.transaction() as tx:
        rows = await repo.vote_rows(tx, d.id)
        packed = await repo.packed_votes(tx, d.id)
    expected, participants, statements = votes_matrix(rows)
    matrix, got_participants, got_statements = unpack(packed)
    assert (got_participants, got_statements) == (participants, statements) and len(rows) == 43 * 6
    np.testing.assert_array_equal(matrix, expected)


async def test_organisers_ask_for_a_recompute(app: App, matrix_recorder: Recorder) -> None:
    d = await opened(app)
    await camps(app, d)
    answer = await room(app, f"!recompute {d.reference}")
    assert f"{d.reference} is being recomputed" in answer and f"!deliberation {d.reference}" in answer
    # Not inside the organiser's turn (its transaction would hold every resident's turn): a job right after it.
    assert loads((await current(app, d)).snapshot) is None
    assert deliberation_results.NOW_JOB_NAME in app.scheduler.planned()
    await app.scheduler.run(deliberation_results.NOW_JOB_NAME)
    d = await current(app, d)
    snapshot = loads(d.snapshot)
    assert snapshot is not None and snapshot.participants == 43 and d.computed_changes == d.changes
    assert "up to date" in await room(app, f"!herbereken {d.reference}")  # nothing changed since
    assert "only moderators" in await room(app, f"!recompute {d.reference}", moderator=False, user="@x:localhost")
    assert "I cannot find D-2026-0099" in await room(app, "!recompute D-2026-0099")
    assert "Please give a reference" in await room(app, "!recompute")
    assert "!recompute D-REF" in await room(app, "!help") and "!herbereken" in await room(app, "!deliberation")


async def test_the_interval_is_a_setting(tmp_path: Path) -> None:
    config = make_config(tmp_path, deliberation={"recompute_minutes": 30})
    app = App(config, [Recorder("matrix")])
    job = app.scheduler._scheduler.get_job(deliberation_results.JOB_NAME)
    assert job is not None and job.trigger.interval == timedelta(minutes=30)
    assert make_config(tmp_path).deliberation.recompute_minutes == 5
    with pytest.raises(ConfigError) as caught:
        make_config(tmp_path, deliberation={"recompute_minutes": 0})
    assert caught.value.problems == ["deliberation.recompute_minutes: must be a whole number from 1 to 1440"]


@pytest.mark.sqlite_only  # SQLite's query plan
async def test_the_votes_are_read_from_the_index_alone(app: App) -> None:
    """A million votes are read in 0.14 s only while SQLite needs neither the table rows nor a sort for the
    GROUP BY (migration 0013); a schema change that loses that shows here, not only in the benchmark."""
    async with app.db.transaction() as tx:
        plan = " ".join(str(row[3]) for row in await tx.all("EXPLAIN QUERY PLAN " + repo.PACKED_VOTES_SQL, (1,)))
    assert "COVERING INDEX deliberation_votes_matrix" in plan and "TEMP B-TREE" not in plan, plan
