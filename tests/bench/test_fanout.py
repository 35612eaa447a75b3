"""The fan-out benchmark still runs end to end (tiny: 200 residents); the real run is bench/fanout.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import fanout


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fanout.json"
    fanout.main(["--residents", "200", "--rate", "200", "--wait", "30", "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["told"] == report["sent"] == report["outbox_sent"] == 200  # everyone, once
    assert report["status_429"] == 0
    assert report["max_in_any_second"] <= 200
    assert "of limit" in capsys.readouterr().out
