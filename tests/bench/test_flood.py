"""The flood benchmark still runs end to end (tiny: two residents, one second a phase); the real run is
bench/flood.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import flood


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "flood.json"
    status = flood.main(["--users", "2", "--flood-rate", "20", "--warmup", "0.2", "--duration", "1", "--json",
                         str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert status == (0 if report["passed"] else 1)
    phases = report["phases"]
    assert [p for p in phases] == ["quiet", "flood", "unprotected"]
    assert all(phases[p]["answers"] > 0 and phases[p]["errors"] == 0 for p in phases)  # the others were served
    assert phases["quiet"]["flood_sent"] == 0 and phases["flood"]["flood_sent"] > 12
    # Protected: ten ordinary answers and one "slow down" (and a held message answered if the flooder's own task
    # was held up for a second on a busy machine); unprotected: every message answered.
    assert 11 <= phases["flood"]["flood_answered"] <= 12
    assert phases["unprotected"]["flood_answered"] > 12
    assert "while one floods, protected" in capsys.readouterr().out
