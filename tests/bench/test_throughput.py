"""The throughput benchmark still runs end to end (tiny: a second per side); the real run is bench/throughput.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import throughput


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "throughput.json"
    throughput.main(["--users", "4", "--warmup", "0.5", "--duration", "1.5", "--rounds", "1", "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    echo, same_client, wijkbot = report["sides"]
    assert report["errors"] == 0, [side["first_errors"] for side in report["sides"]]
    assert (echo["side"], same_client["side"], wijkbot["side"]) == ("echo", "echo-aiohttp", "wijkbot")
    assert wijkbot["mix"] == "onboard,share,vote"
    assert echo["updates"] > 0 and same_client["updates"] > 0 and wijkbot["updates"] > 0
    assert wijkbot["ratio"] > 0 and wijkbot["ratio_same_client"] > 0
    assert wijkbot["bot_cpu_seconds"] > 0 and wijkbot["bot_peak_rss_mb"] > 0
    printed = capsys.readouterr().out
    assert "wijkbot / echo" in printed and "onboard,share,vote" in printed and "echo-aiohttp" in printed
