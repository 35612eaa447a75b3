"""The deliberation benchmark still runs (at a tiny size, so it cannot rot); the real run is bench/deliberation.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import deliberation


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "deliberation.json"
    status = deliberation.main(["--participants", "200", "--statements", "20", "--repeat", "1", "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert status == (0 if report["passed"] else 1)
    assert report["participants"] == 200 and report["statements"] == 20
    assert report["passed_math"] is True and len(report["seconds"]) == 1
    assert report["groups_found"] == report["camps"] == 3
    # The whole job ran against a real database, with the probe watching the loop (its figures are only
    # meaningful at full size, on a quiet machine: not asserted here).
    job = report["job"]
    assert job["runs"][0]["recomputed"] == 1 and job["participants_grouped"] > 0
    assert job["runs"][0]["probe_wakeups"] > 0 and job["loop_lag_max_ms"] >= 0
    printed = capsys.readouterr().out
    assert "200 x 20" in printed and "event loop's longest stall" in printed
