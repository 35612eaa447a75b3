"""Benchmark: a year's report back over 100,000 residents and 50,000 stories, and its memory.

    python bench/report.py [--residents 100000 --stories 50000 --json out.json]

The coordinator builds two databases with the real migrations, filled in bulk (plain sqlite3, not measured):
a *full* one (the residents, the stories spread over two years so the year before has its own, one feedback
for every ten stories, "did you feel heard?" answers, closed polls) and a *small* one with the same residents
and a tenth of the stories. A worker process of its own (``--worker``) makes the whole report of the last
year for every neighbourhood on each database, as ``wijkbot report`` does: figures, HTML, CSV, JSON and PDF.

Reported: the seconds for the full database (target under 10 s), and the peak resident memory of the worker on
both (``ru_maxrss``): the report streams its queries, so the full database may use at most 25 MB more than
the small one although it holds ten times the stories. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if str(ROOT := Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import environment, machine, progress, warn_if_busy, write_json
from bench.scale import CONFIG, HOODS, LANGUAGES, STORY, THEME_KEYS, _iso, _migrate, _poll

TARGET_SECONDS = 10.0
TARGET_GROWTH_MB = 25.0
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def build(directory: Path, residents: int, stories: int, seed: int = 0) -> dict[str, Any]:
    """A migrated database in ``directory``: ``stories`` over the two years before NOW."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.toml").write_text(CONFIG, encoding="utf-8")
    database = directory / "wijkbot.sqlite3"
    asyncio.run(_migrate(database))
    rng = random.Random(seed)
    span = 2 * 365 * 24 * 3600
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executemany(
            "INSERT INTO residents (id, channel, user_id, chat_id, language, neighbourhood_id, consent_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ((n, ("telegram", "matrix")[n % 7 == 0], str(10**6 + n), str(10**6 + n), LANGUAGES[n % 5],
              HOODS[n % len(HOODS)], _iso(NOW), _iso(NOW - timedelta(seconds=rng.randrange(span))))
             for n in range(1, residents + 1)))
        moments = sorted(NOW - timedelta(seconds=rng.randrange(span)) for _ in range(stories))
        conn.executemany(
            "INSERT INTO experiences (id, reference, resident_id, neighbourhood_id, theme, text, text_public,"
            " scrubbed_kinds, language, status, created_at, decided_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'phone', ?, ?, ?, ?)",
            ((n, f"W-{moment.year}-{n:05d}", resident, HOODS[resident % len(HOODS)], THEME_KEYS[n % 8], STORY,
              STORY.replace("06-12345678", "[telefoonnummer]"), LANGUAGES[resident % 5],
              ("new", "approved", "approved", "rejected")[n % 4], _iso(moment), _iso(moment + timedelta(hours=5)))
             for n, (resident, moment) in enumerate(((rng.randint(1, residents), m) for m in moments), start=1)))
        feedback = 0
        for n in range(10, stories + 1, 10):
            moment = moments[n - 1] + timedelta(days=rng.randint(1, 40))
            feedback_id = int(conn.execute(
                "INSERT INTO feedback (reference, neighbourhood_id, theme, status, what, because, commitment_date,"
                " author, created_at, updated_at) VALUES (?, ?, NULL, ?, 'We repaired it.', 'It was needed.', ?,"
                " '@org:localhost', ?, ?) RETURNING id",
                (f"F-{moment.year}-{n:05d}", HOODS[n % len(HOODS)], ("done", "in_progress")[n % 20 == 0],
                 _iso(moment + timedelta(days=14)), _iso(moment), _iso(moment + timedelta(days=3)))).fetchone()[0])
            conn.executemany("INSERT INTO feedback_experiences (feedback_id, experience_id) VALUES (?, ?)",
                             ((feedback_id, e) for e in range(n - 9, n + 1)))
            conn.executemany(
                "INSERT INTO heard (feedback_id, resident_id, answer, neighbourhood_id, theme, at)"
                " VALUES (?, NULL, ?, ?, NULL, ?)",
                ((feedback_id, ("yes", "partly", "no")[k % 3], HOODS[n % len(HOODS)], _iso(moment))
                 for k in range(3)))
            feedback += 1
        for number in range(2, 14):
            _poll(conn, number, NOW, HOODS, "closed", 1)
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"path": str(database), "residents": residents, "stories": stories, "feedback": feedback,
            "bytes": database.stat().st_size}


async def measure(config_path: Path) -> dict[str, Any]:
    """In the worker: the whole report of the year before NOW, every neighbourhood, all four files."""
    from bot.config import load
    from bot.engine import report

    config = load(config_path)
    end = (NOW - timedelta(days=1)).date()
    start = end.replace(year=end.year - 1) + timedelta(days=1)
    begin = time.perf_counter()
    files = await report.make(config, config.database, [n.id for n in config.neighbourhoods], start, end,
                              "nl", NOW)
    seconds = time.perf_counter() - begin
    received = files.report.value("stories", "received")
    return {"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "figures": len(files.report.figures), "stories_in_year": received, "html_bytes": len(files.html),
            "pdf_bytes": len(files.pdf)}


def run_worker(directory: Path) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-m", "bench.report", "--worker", str(directory / "config.toml")],
                            cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"the report worker failed: {result.stderr[-3000:]}")
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def run(residents: int, stories: int) -> dict[str, Any]:
    warn_if_busy()
    with tempfile.TemporaryDirectory(prefix="wijkbot-report-") as directory:
        root = Path(directory)
        progress(f"report: building the databases ({residents:,} residents; {stories:,} and {stories // 10:,}"
                 " stories)")
        full_db = build(root / "full", residents, stories)
        small_db = build(root / "small", residents, stories // 10)
        progress("report: the small database")
        small = run_worker(root / "small")
        progress("report: the full database")
        full = run_worker(root / "full")
    growth = full["peak_rss_mb"] - small["peak_rss_mb"]
    fast, flat = full["seconds"] < TARGET_SECONDS, growth <= TARGET_GROWTH_MB
    return {
        "benchmark": "report", "full_database": full_db, "small_database": small_db, "full": full, "small": small,
        "memory_growth_mb": growth, "passed": fast and flat, "machine": machine(),
        "summary": [
            {"metric": f"report of a year, {stories:,} stories (s)", "value": round(full["seconds"], 2),
             "target": f"< {TARGET_SECONDS:.0f}", "passed": fast},
            {"metric": f"report memory: {stories:,} vs {stories // 10:,} stories (MB)", "value": round(growth, 1),
             "target": f"<= {TARGET_GROWTH_MB:.0f}", "passed": flat},
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--stories", type=int, default=50_000)
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)  # internal: measure this config's database
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(asyncio.run(measure(args.worker))))
        return 0
    result = run(args.residents, args.stories)
    for row in result["summary"]:
        print(f"{row['metric']:<52} {row['value']!s:>8} {row['target']:>6}  {'pass' if row['passed'] else 'FAIL'}")
    print(f"peak memory: {result['full']['peak_rss_mb']:.0f} MB (full), {result['small']['peak_rss_mb']:.0f} MB"
          " (small)")
    write_json(args.json, result)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
