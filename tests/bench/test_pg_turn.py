"""The PostgreSQL turn benchmark still runs (tiny databases); the real run is bench/pg_turn.py."""

from __future__ import annotations

import json
from pathlib import Path

from bench import pg_turn
from tests.pg import SERVER


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, postgresql_database: str) -> None:
    out = tmp_path / "pg_turn.json"
    pg_turn.main(["--residents", "300", "--experiences", "50", "--votes", "1000", "--turns", "20",
                  "--whole-seconds", "1", "--whole-users", "2", "--server", SERVER, "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["database"]["residents"] == 300 and report["database"]["votes"] == 1000
    for engine in ("sqlite", "postgresql"):
        assert report["results"][engine]["help"]["n"] == report["results"][engine]["vote"]["n"] == 20
        assert report["whole_turn"][engine]["n"] >= 20 and report["whole_turn"][engine]["cpu_ms"] > 0
    assert report["whole_turn"]["postgresql"]["server_cpu_ms"] > 0
    assert len(report["summary"]) == 9
