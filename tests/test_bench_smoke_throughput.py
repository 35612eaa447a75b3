"""The throughput benchmark still runs end to end (tiny: a second per side); the real run is bench/throughput.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import throughput


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "throughput.json"
    throughput.main(["--users", "4", "--warmup", "0.5", "--duration", "1.5", "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    echo, wijkbot = report["sides"]
    assert report["errors"] == 0, [side["first_errors"] for side in report["sides"]]
    assert echo["side"] == "echo" and wijkbot["side"] == "wijkbot" and wijkbot["mix"] == "onboard,share,share"
    assert echo["updates"] > 0 and wijkbot["updates"] > 0 and wijkbot["ratio"] > 0
    assert wijkbot["bot_cpu_seconds"] > 0 and wijkbot["bot_peak_rss_mb"] > 0
    printed = capsys.readouterr().out
    assert "wijkbot / echo" in printed and "onboard,share,share" in printed
