"""The two-process fan-out benchmark still runs end to end (tiny: 400 residents at 50 a second, so the fan-out
outlasts the dispatchers' 5-second poll and both processes take part); the real run is bench/twoproc.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import twoproc


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "twoproc.json"
    twoproc.main(["--residents", "400", "--rate", "50", "--wait", "30", "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["told"] == report["sent"] == 400  # everyone, once
    assert sum(report["outbox_sent_by_process"].values()) == 400
    assert len(report["outbox_sent_by_process"]) == 2  # both processes sent
    assert report["status_429"] == 0
    assert report["max_in_any_second"] <= 50
    assert "rows sent per process" in capsys.readouterr().out
