"""The scale benchmark still runs (tiny databases); the real run is bench/scale.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import scale


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "scale.json"
    scale.main(["--residents", "400", "--experiences", "200", "--votes", "1000", "--ops", "10", "--repeat", "1",
                "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["full_database"]["residents"] == 400 and report["full_database"]["votes"] == 1000
    assert report["full"]["share"]["n"] == report["full"]["vote"]["n"] == 10
    assert report["full"]["tally"]["voters"] == 400
    assert 0 < report["full"]["peak_rss_mb"] < 1000 and report["share_ratio"] > 0
    assert "poll tally" in capsys.readouterr().out


def test_the_database_holds_what_was_asked(tmp_path: Path) -> None:
    built = scale.build(tmp_path, residents=100, experiences=30, votes=350)
    assert built["votes"] == 350 and built["experiences"] == 30
