"""No input makes the scrubber more than linear (issue 15, point 7), shown by counting work, not by a clock.

``scrub_base.WORK`` counts the characters of every candidate match the finders look at, every rescan and
every word of the name finder. For each adversarial input (long runs of digits, separators, repeated
patterns) the work at 100,000 characters must be about ten times the work at 10,000, and at most a fixed
number of steps per character. The patterns have bounded repetitions and start only at token boundaries, so
the regular-expression engine's own work per candidate is bounded too; bench/scrub.py times the same inputs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from bench.scrub import ADVERSARIAL
from bot.engine.scrub import MARKERS, scrub
from bot.engine.scrub_base import WORK, _scan, everywhere

_STEPS_PER_CHAR = 40
_RATIO = 12.0  # ten times the input; a quadratic scrubber would show about 100

_PATTERNS = ADVERSARIAL  # the inputs bench/scrub.py times


def _text(piece: str, size: int) -> str:
    return (piece * (size // len(piece) + 1))[:size]


def _work(text: str) -> int:
    WORK.steps = 0
    result = scrub(text)
    assert len(result.text) >= 0
    return WORK.steps


@pytest.mark.parametrize("name", list(_PATTERNS))
def test_work_grows_linearly(name: str) -> None:
    small, large = _work(_text(_PATTERNS[name], 10_000)), _work(_text(_PATTERNS[name], 100_000))
    assert large <= _STEPS_PER_CHAR * 100_000, (name, large)
    assert large <= _RATIO * max(small, 1), (name, small, large)


def test_counting_numbers_is_linear() -> None:
    numbers = " ".join(str(i) for i in range(30_000))
    small, large = _work(numbers[:10_000]), _work(numbers[:100_000])
    assert large <= _RATIO * small and large <= _STEPS_PER_CHAR * 100_000


def test_the_meter_sees_work() -> None:
    """The meter is not blind: a story with data costs work, and more text costs more."""
    story = _PATTERNS["story"]
    assert 0 < _work(story) < _work(story * 10)
    assert MARKERS["phone"] in scrub(story).text


def test_the_meter_catches_a_quadratic_scanner() -> None:
    """A finder that rescans the rest of a run after each rejected start is caught by the same ratio."""
    greedy = re.compile(r"(?<![\w])0[0 ]*")

    def work(size: int) -> int:
        WORK.steps = 0
        text = _text("0 ", size)
        assert list(_scan(greedy, text, lambda t, m: None, everywhere(text))) == []
        return WORK.steps

    small, large = work(1_000), work(10_000)
    assert large > _RATIO * small


def _linear(make: Callable[[int], str]) -> bool:
    return _work(make(100_000)) <= _RATIO * max(_work(make(10_000)), 1)


def test_random_number_soup_is_linear() -> None:
    import random

    rng = random.Random(4)
    soup = "".join(rng.choice("0123456789 -+().@abAB,:/\n\u00a0") for _ in range(100_000))
    assert _linear(lambda size: soup[:size])
