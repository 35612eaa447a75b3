"""The report benchmark still runs (tiny databases); the real run is bench/report.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import report


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.json"
    report.main(["--residents", "500", "--stories", "300", "--json", str(out)])
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["full_database"]["stories"] == 300 and result["small_database"]["stories"] == 30
    assert 0 < result["full"]["seconds"] < 60 and result["full"]["figures"] > 50
    assert result["full"]["stories_in_year"] is not None  # enough stories in the year to show the total
    assert "report of a year" in capsys.readouterr().out


def test_the_database_holds_what_was_asked(tmp_path: Path) -> None:
    built = report.build(tmp_path, residents=100, stories=50)
    assert built["stories"] == 50 and built["feedback"] == 5
