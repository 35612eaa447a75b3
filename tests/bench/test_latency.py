"""The latency benchmark still runs end to end (tiny: 200 recipients at 100/s); the real run is bench/latency.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import latency


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "latency.json"
    latency.main(["--tiny", "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["mode"] == "tiny"
    assert report["told"] == report["sent"] == report["outbox_sent"] == 200  # everyone, once
    assert report["status_429"] == 0
    assert report["quiet"]["answers"] > 0 and report["during_fanout"]["answers"] > 0  # residents were answered
    assert report["quiet"]["errors"] == report["during_fanout"]["errors"] == 0
    assert "during the fan-out" in capsys.readouterr().out
