"""The PostgreSQL turn benchmark still runs (tiny databases); the real run is bench/pg_turn.py."""

from __future__ import annotations

import json
from pathlib import Path

from bench import pg_turn
from tests.pg import SERVER


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, postgresql_database: str) -> None:
    out = tmp_path / "pg_turn.json"
    pg_turn.main(["--residents", "300", "--experiences", "50", "--votes", "1000", "--turns", "20",
                  "--server", SERVER, "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["database"]["residents"] == 300 and report["database"]["votes"] == 1000
    for engine in ("sqlite", "postgresql"):
        assert report["results"][engine]["help"]["n"] == report["results"][engine]["vote"]["n"] == 20
    assert len(report["summary"]) == 7
