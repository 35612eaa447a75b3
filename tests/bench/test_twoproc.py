"""The two-process fan-out benchmark still runs end to end (tiny: 300 residents); the real run is bench/twoproc.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import twoproc


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "twoproc.json"
    twoproc.main(["--residents", "300", "--rate", "150", "--wait", "30", "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["told"] == report["sent"] == 300  # everyone, once
    assert sum(report["outbox_sent_by_process"].values()) == 300
    assert len(report["outbox_sent_by_process"]) == 2  # both processes sent
    assert report["status_429"] == 0
    assert report["max_in_any_second"] <= 150
    assert "rows sent per process" in capsys.readouterr().out
