"""The transport benchmark still runs end to end (tiny: 100 calls per transport); the real run is bench/transport.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import transport


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "transport.json"
    transport.main(["--requests", "100", "--concurrency", "8", "--warmup", "10", "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    rows = {row["transport"]: row for row in report["rows"]}
    assert list(rows) == ["HTTPXRequest", "AiohttpRequest", transport.NO_TRANSPORT]
    for row in rows.values():
        assert row["calls"] == 100
        assert row["cpu_ms_per_call"] > 0 and row["calls_per_second"] > 0
    for name in ("HTTPXRequest", "AiohttpRequest"):  # both went over HTTP to the server process, whose CPU at
        # this size is a tick or two of /proc's 10 ms, and now and then none: present and sane, not positive
        assert 0 <= rows[name]["server_cpu_ms_per_call"] < rows[name]["cpu_ms_per_call"] * 100
    assert report["ratio"] > 0 and [r["metric"] for r in report["summary"]][-1].startswith("AiohttpRequest /")
    printed = capsys.readouterr().out
    assert "HTTPXRequest" in printed and "AiohttpRequest" in printed and "CPU ms/call" in printed
