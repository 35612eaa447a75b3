"""Assertions the scrubber's tests share (test_scrub.py, test_scrub_places.py)."""

from __future__ import annotations

import re

from bot.engine.scrub import KINDS, MARKERS, ScrubResult, scrub


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def assert_scrubbed(value: str, kind: str, template: str = "Bel of mail me: {} graag.") -> ScrubResult:
    text = template.format(value)
    result = scrub(text)
    assert result.text == template.format(MARKERS[kind]), result
    assert result.changed
    assert [f.kind for f in result.findings] == [kind]
    assert result.findings[0].original == value
    assert digits(value) not in digits(result.text) or not digits(value)
    return result


def assert_unchanged(text: str) -> None:
    result = scrub(text)
    assert result.text == text, result.findings
    assert result.findings == ()
    assert not result.changed


def check_invariants(text: str, result: ScrubResult) -> None:
    """Findings are sorted, non-overlapping, point into the original, and rebuild the scrubbed text."""
    pos = 0
    rebuilt: list[str] = []
    for f in result.findings:
        assert f.kind in KINDS
        assert pos <= f.start < f.end <= len(text)
        assert text[f.start : f.end] == f.original
        rebuilt.append(text[pos : f.start])
        rebuilt.append(MARKERS[f.kind])
        pos = f.end
    rebuilt.append(text[pos:])
    assert "".join(rebuilt) == result.text
