"""The throughput benchmark still runs end to end (tiny: a second per side); the real run is bench/throughput.py."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench import throughput

MIN_UPDATES = 40


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "throughput.json"
    # At least 40 answered updates per window, however slow the machine is: enough bot CPU for /proc's 10 ms ticks
    # (a 1.5 s window on a loaded machine once held so little work that the bot's CPU read as 0).
    throughput.main(["--users", "4", "--warmup", "0.5", "--duration", "1.5", "--rounds", "1", "--min-updates",
                     str(MIN_UPDATES), "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    echo, same_client, wijkbot = report["sides"]
    assert report["errors"] == 0, [side["first_errors"] for side in report["sides"]]
    assert (echo["side"], same_client["side"], wijkbot["side"]) == ("echo", "echo-aiohttp", "wijkbot")
    assert wijkbot["mix"] == "onboard,share,vote"
    assert wijkbot["ratio"] > 0 and wijkbot["ratio_same_client"] > 0
    for side in (echo, same_client, wijkbot):
        assert side["updates"] >= MIN_UPDATES, side
        # The bot process's own CPU over the window: some, and no more than the machine's cores give in it (not
        # its CPU since it started, nor another process's).
        assert 0 < side["bot_cpu_seconds"] <= side["seconds"] * (os.cpu_count() or 1), side
        assert side["bot_peak_rss_mb"] > 0
    printed = capsys.readouterr().out
    assert "wijkbot / echo" in printed and "onboard,share,vote" in printed and "echo-aiohttp" in printed
