"""The WhatsApp benchmark still runs end to end (tiny: 100 residents, 20 webhooks); the real run is
bench/whatsapp.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import whatsapp


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "whatsapp.json"
    whatsapp.main(["--residents", "100", "--rate", "200", "--messages", "20", "--wait", "60", "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["rate_limit_errors"] == 0 and report["fanout_per_second"] <= 200  # never above the limit
    assert 0 < report["cpu_ms_per_message"] < 100
    assert "of limit" in capsys.readouterr().out
