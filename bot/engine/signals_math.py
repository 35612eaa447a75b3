"""The early-signal test (issue 20): is the count of the last two weeks higher than the neighbourhood's own
trailing baseline explains?

Method: for one neighbourhood x theme x source, ``window`` is the count of the last ``WINDOW_WEEKS`` (2) weeks
and ``baseline`` the count of the ``BASELINE_WEEKS`` (12) weeks before them. The expected window count is
``(baseline + 0.5) / 12 * 2`` (the 0.5 keeps a theme never heard of before from having an expected count of
zero). The one-sided Poisson tail ``P(X >= window | expected)`` below ``ALPHA`` raises a signal, but only when
``window >= MIN_COUNT`` (5): a handful of messages in a small neighbourhood is never a signal on its own.
The detector runs weekly; ``tests/engine/test_signals_math.py`` measures the false-alarm rate on flat noisy
histories (Poisson and over-dispersed) in simulated years and the delay until a planted rise is flagged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WINDOW_WEEKS = 2
BASELINE_WEEKS = 12
MIN_COUNT = 5
ALPHA = 0.001


@dataclass(frozen=True)
class Test:
    window: int
    expected: float
    p_value: float

    @property
    def rise(self) -> bool:
        return self.window >= MIN_COUNT and self.p_value < ALPHA


def poisson_tail(k: int, mu: float) -> float:
    """P(X >= k) for X ~ Poisson(mu), summed in log space so large counts do not overflow."""
    if k <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    log_term = -mu  # log P(X = 0)
    below = math.exp(log_term)
    for i in range(1, k):
        log_term += math.log(mu) - math.log(i)
        below += math.exp(log_term)
    return max(0.0, 1.0 - below) if below < 0.999 else _upper_sum(k, mu)


def _upper_sum(k: int, mu: float) -> float:
    """P(X >= k) summed upwards (precise when the tail is tiny)."""
    log_term = k * math.log(mu) - mu - math.lgamma(k + 1)
    total = 0.0
    i = k
    while True:
        term = math.exp(log_term)
        total += term
        if term < total * 1e-15 or i > k + 10_000:
            return min(1.0, total)
        i += 1
        log_term += math.log(mu) - math.log(i)


def compare(window: int, baseline: int) -> Test:
    """The test for one cell: ``window`` events in the last two weeks, ``baseline`` in the twelve before."""
    expected = (baseline + 0.5) / BASELINE_WEEKS * WINDOW_WEEKS
    return Test(window=window, expected=expected, p_value=poisson_tail(window, expected))
