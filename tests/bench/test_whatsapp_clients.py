"""The client comparison still runs end to end (tiny); the real run is bench/whatsapp_clients.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import whatsapp_clients


def test_the_client_comparison_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "clients.json"
    assert whatsapp_clients.main(["--calls", "20", "--webhooks", "60", "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    ours, pywa = report["rows"]
    for kind in (*whatsapp_clients.KINDS, "webhook"):
        assert ours[f"{kind}_cpu_ms"] > 0 and pywa[f"{kind}_cpu_ms"] > 0
    # The correctness findings the README states, for both clients.
    assert ours["checks"]["message with phone number only (older payload)"] == "message from 31633333333"
    assert ours["checks"]["failed status 131047 (BSUID only)"].endswith("errors [131047]")
    assert ours["checks"]["error 131056"] == "ApiError code 131056"
    assert pywa["checks"]["message with BSUID only (username)"].startswith("message from NL.")
    assert "pywa/ours" in capsys.readouterr().out
