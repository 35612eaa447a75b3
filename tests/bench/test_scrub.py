"""The scrubber benchmark still runs (tiny, so it cannot rot); the real run is bench/scrub.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import scrub as bench_scrub


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "scrub.json"
    status = bench_scrub.main(["--tiny", "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["story_chars"] == 2000 and report["findings_in_story"] >= 5
    assert report["linearity"]["small"] == 1_000 and report["linearity"]["large"] == 10_000
    assert {row["input"] for row in report["linearity"]["rows"]} == set(bench_scrub.ADVERSARIAL)
    hand = report["phones"]["hand-written scanner"]
    assert hand["recall"] >= 0.95 and hand["wrongly_taken"] == 0
    printed = capsys.readouterr().out
    assert "scrub a 2,000-character story" in printed and "worst growth" in printed
    assert status == (0 if report["passed"] else 1)


def test_the_story_holds_every_kind_it_claims() -> None:
    from bot.engine.scrub import scrub

    kinds = {f.kind for f in scrub(bench_scrub.STORY).findings}
    assert kinds == {"phone", "email", "name", "address", "iban"}
