"""Benchmark: one deliberation recompute (bot.engine.deliberation_math.compute) on one core.

    python bench/deliberation.py [--participants 10000 --statements 300 --density 0.3 --repeat 3 --json out.json]

Generates a neighbourhood with planted opinion camps, times ``compute`` ``--repeat`` times and prints size,
votes, median seconds against the target (issue 8: 10,000 x 300 under two seconds on one core) and pass or
fail; ``--json`` also writes the numbers. Exit status 1 when the median misses the target.

Single core: OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS are set to 1 below, before numpy
is imported, because BLAS reads them only when it loads. Imported into a process that already loaded numpy
(as the smoke test does) the setting has no effect; the numbers then say nothing about one core.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

if str(ROOT := Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.engine.deliberation_math import compute  # noqa: E402

TARGET_SECONDS = 2.0


def planted_votes(participants: int, statements: int, density: float, camps: int,
                  seed: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """Votes (+1 / -1 / 0 / NaN) of ``camps`` opinion camps, and each participant's camp.

    Camps sit evenly on a circle; each statement splits the circle along a random line, so a camp leans
    agree (75%) or disagree (25%) on it. One vote in ten is a pass. How much someone votes varies between
    0.2 and 1.8 times ``density``, so some people fall below the clustering minimum.
    """
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(camps) / camps
    positions = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    directions = rng.normal(size=(2, statements))
    stance = np.sign(positions @ directions)
    stance[stance == 0] = 1.0
    camp = rng.integers(camps, size=participants)
    agree_probability = 0.5 + 0.25 * stance[camp]
    rate = np.clip(density * rng.uniform(0.2, 1.8, size=participants), 0.0, 1.0)
    votes = np.where(rng.random((participants, statements)) < agree_probability, 1.0, -1.0)
    votes[rng.random((participants, statements)) < 0.1] = 0.0
    votes[rng.random((participants, statements)) >= rate[:, None]] = np.nan
    return votes, camp


def run(participants: int, statements: int, density: float, repeat: int, camps: int = 3,
        seed: int = 0) -> dict[str, Any]:
    """Time ``compute`` on one planted neighbourhood; the numbers the table and the JSON show."""
    votes, _ = planted_votes(participants, statements, density, camps, seed)
    ids, statement_ids = list(range(participants)), list(range(statements))
    seconds = []
    result = None
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        result = compute(votes, ids, statement_ids, seed=seed)
        seconds.append(time.perf_counter() - start)
    assert result is not None
    median = statistics.median(seconds)
    return {
        "participants": participants,
        "statements": statements,
        "density": density,
        "votes": int((~np.isnan(votes)).sum()),
        "camps": camps,
        "groups_found": result.k,
        "clustered": len(result.clustered),
        "seconds": seconds,
        "median_seconds": median,
        "target_seconds": TARGET_SECONDS,
        "passed": median < TARGET_SECONDS,
        "threads": {name: os.environ.get(name) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")},
        "numpy": np.__version__,
    }


def table(report: dict[str, Any]) -> str:
    header = f"{'size':>14} {'votes':>11} {'groups':>7} {'median s':>9} {'target s':>9}  result"
    size = f"{report['participants']} x {report['statements']}"
    row = (f"{size:>14} {report['votes']:>11,} {report['groups_found']:>7} {report['median_seconds']:>9.3f}"
           f" {report['target_seconds']:>9.1f}  {'pass' if report['passed'] else 'FAIL'}")
    return f"{header}\n{row}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--statements", type=int, default=300)
    parser.add_argument("--density", type=float, default=0.3, help="mean share of statements each person votes on")
    parser.add_argument("--camps", type=int, default=3, help="planted opinion camps")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    report = run(args.participants, args.statements, args.density, args.repeat, args.camps, args.seed)
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
