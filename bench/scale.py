"""Benchmark: the bot at the size of a city district: 100,000 residents, 50,000 experiences, 1,000,000 votes.

    python bench/scale.py [--residents 100000 --experiences 50000 --votes 1000000 --ops 200 --json out.json]

The coordinator builds two databases with the real migrations: a *full* one filled in bulk (plain sqlite3,
not measured) and an *empty* one with only what the operations need (the residents who act and an open poll).
The votes are poll votes (bot/store/migrations/0004_polls.sql): one open multiple-choice poll for every
neighbourhood, in which every resident chose two options (2 votes per resident), and closed single-choice
polls of earlier months holding the rest.

Each database is then measured by a worker process of its own (``--worker``) that builds the App the way
``wijkbot run`` does (with its Telegram channel, not started: no network), opens the database and times, each
in its own committed transaction through the engine's API:

* sharing an experience (``experiences.share``: scrub, reference number, insert, moderation queue);
* a vote (``polls.cast``: eligibility, options, replacing the resident's vote) in the open poll;
* the tally of the open poll (``polls_results.tally_of``), ``--repeat`` times, with a loop-lag probe
  (bench/looplag.py) on the event loop: the longest stall meanwhile (target under 50 ms).

Reported: median and p99 of each operation on both databases and their ratio (target: the full database within
1.5 times the empty one), the tally time, and the peak resident memory of the worker on the full database
(target under 200 MB; ``ru_maxrss``, the whole life of the process). Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sqlite3
import statistics
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

from bench.harness import config_toml, environment, machine, progress, warn_if_busy, write_json
from bench.looplag import LoopLag

TARGET_RATIO = 1.5
TARGET_RSS_MB = 200.0
TARGET_LAG_MS = 50.0  # the event loop never stalls longer (issue 14)
HOODS = ("centrum", "noord", "oost", "west")
LANGUAGES = ("nl", "en", "tr", "ar", "pl")
THEME_KEYS = ("upbringing", "schooling", "social", "work_income", "health", "housing", "safety", "other")
OPTIONS = ("More green", "More parking", "A playground", "Benches")
STORY = ("Since the summer the street lights on our corner are broken. In the evening it is dark and my children "
         "are afraid to walk home from the sports club. Call me on 06-12345678 if you want to know more.")
CONFIG = config_toml("123456:BENCH-token_abcdefghij", "http://127.0.0.1:9/bot", tuple(HOODS))


# ----------------------------------------------------------------------------------------------- building

def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


async def _migrate(database: Path) -> None:
    from bot.store.db import Database

    db = Database(database)
    await db.open()
    await db.close()


def build(directory: Path, residents: int, experiences: int, votes: int, seed: int = 0) -> dict[str, Any]:
    """A migrated database in ``directory`` with the given numbers of rows (``votes`` rounded to whole polls)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.toml").write_text(CONFIG, encoding="utf-8")
    database = directory / "wijkbot.sqlite3"
    asyncio.run(_migrate(database))
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    year = now.year
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executemany(
            "INSERT INTO residents (id, channel, user_id, chat_id, language, neighbourhood_id, consent_at, created_at,"
            " quiet_start, quiet_end) VALUES (?, 'telegram', ?, ?, ?, ?, ?, ?, '21:00', '08:00')",
            ((n, str(10**6 + n), str(10**6 + n), LANGUAGES[n % 5], HOODS[n % len(HOODS)], _iso(now), _iso(now))
             for n in range(1, residents + 1)))
        conn.executemany(
            "INSERT INTO experiences (reference, resident_id, neighbourhood_id, theme, text, text_public,"
            " scrubbed_kinds, place_hint, language, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'phone', ?, ?, ?, ?)",
            ((f"W-{year}-{n:05d}", resident, HOODS[resident % len(HOODS)], THEME_KEYS[n % 8], STORY,
              STORY.replace("06-12345678", "[telefoonnummer]"), "Kerkstraat", LANGUAGES[resident % 5],
              ("new", "approved", "rejected")[n % 3], _iso(now - timedelta(minutes=n)))
             for n, resident in ((n, rng.randint(1, residents)) for n in range(1, experiences + 1))))
        if experiences:
            conn.execute("INSERT INTO reference_counters (prefix, year, last) VALUES ('W', ?, ?)", (year, experiences))
        poll_votes = _polls(conn, rng, now, residents, votes)
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"path": str(database), "residents": residents, "experiences": experiences, "votes": poll_votes,
            "bytes": database.stat().st_size}


def _poll(conn: sqlite3.Connection, number: int, now: datetime, hoods: Sequence[str], status: str,
          max_selections: int) -> int:
    opens, closes = (now - timedelta(days=1), now + timedelta(days=13)) if status == "open" else \
        (now - timedelta(days=30 * number + 14), now - timedelta(days=30 * number))
    poll_id = int(conn.execute(
        "INSERT INTO polls (reference, question, max_selections, opens_at, closes_at, status, room, created_by,"
        " created_at, opened_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, '!mod-centrum:localhost', '@org:localhost',"
        " ?, ?, ?) RETURNING id",
        (f"P-{now.year}-{number:04d}", f"What should the neighbourhood spend its budget on? ({number})",
         max_selections, _iso(opens), _iso(closes), status, _iso(opens), _iso(opens),
         None if status == "open" else _iso(closes))).fetchone()[0])
    conn.executemany("INSERT INTO poll_options (poll_id, number, label) VALUES (?, ?, ?)",
                     ((poll_id, n, label) for n, label in enumerate(OPTIONS, start=1)))
    conn.executemany("INSERT INTO poll_neighbourhoods (poll_id, neighbourhood_id) VALUES (?, ?)",
                     ((poll_id, hood) for hood in hoods))
    return poll_id


def _polls(conn: sqlite3.Connection, rng: random.Random, now: datetime, residents: int, votes: int) -> int:
    """The open poll (every neighbourhood, choose up to 2; each resident chose 2) and closed single-choice polls
    of half the neighbourhoods each, until ``votes`` votes are stored. Returns the number stored."""
    open_id = _poll(conn, 1, now, HOODS, "open", 2)
    stored = 0
    if votes <= 0:
        return 0
    voters = min(residents, votes // 2)
    conn.executemany("INSERT INTO poll_votes (poll_id, resident_id, option, at) VALUES (?, ?, ?, ?)",
                     ((open_id, resident, option, _iso(now)) for resident in range(1, voters + 1)
                      for option in sorted(rng.sample(range(1, 5), 2))))
    stored += 2 * voters
    number = 2
    while stored < votes:
        hoods = HOODS[number % 2::2]
        poll_id = _poll(conn, number, now, hoods, "closed", 1)
        eligible = [r for r in range(1, residents + 1) if HOODS[r % len(HOODS)] in hoods][: votes - stored]
        if not eligible:
            break
        conn.executemany("INSERT INTO poll_votes (poll_id, resident_id, option, at) VALUES (?, ?, ?, ?)",
                         ((poll_id, resident, rng.randint(1, 4), _iso(now)) for resident in eligible))
        stored += len(eligible)
        number += 1
    return stored


# ------------------------------------------------------------------------------------------------ measuring

def _summary(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {"median_ms": statistics.median(ms), "p99_ms": ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))],
            "n": len(ms)}


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process, MB."""
    current = next((int(line.split()[1]) / 1024 for line in Path("/proc/self/status").read_text().splitlines()
                    if line.startswith("VmRSS:")), float("nan"))
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(config_path: Path, ops: int, repeat: int, warmup: int = 10, seed: int = 1) -> dict[str, Any]:
    """In the worker: the App as ``wijkbot run`` builds it, and the operations timed on its database."""
    from bot.app import App
    from bot.channels.telegram import TelegramChannel
    from bot.config import load
    from bot.engine import experiences, polls, polls_results
    from bot.store import polls as polls_repo
    from bot.store import residents as residents_repo
    from handlers.commands import translated_menu

    config = load(config_path)
    app = App(config, [TelegramChannel(config, translated_menu(config.languages))])
    await app.db.open()
    services = app.services
    rng = random.Random(seed)
    try:
        async with app.db.transaction() as tx:
            ids = [int(r[0]) for r in await tx.all("SELECT id FROM residents ORDER BY random() LIMIT ?",
                                                   (2 * (ops + warmup),))]
            poll_id = int(await tx.value("SELECT id FROM polls WHERE status = 'open' ORDER BY id LIMIT 1"))
        if len(ids) < 2 * (ops + warmup):
            raise RuntimeError(f"the database has {len(ids)} residents; {2 * (ops + warmup)} are needed")
        share_seconds: list[float] = []
        vote_seconds: list[float] = []
        for n in range(ops + warmup):
            async with app.db.transaction() as tx:  # outside the timing: who acts
                resident = await residents_repo.by_id(tx, ids[n])
                voter = await residents_repo.by_id(tx, ids[ops + warmup + n])
                poll = await polls_repo.get(tx, poll_id)
            assert resident is not None and voter is not None and poll is not None
            start = time.perf_counter()
            async with app.db.transaction() as tx:
                await experiences.share(tx, services, resident, theme=THEME_KEYS[n % 8], text=STORY,
                                        place_hint="Kerkstraat", author_name=None, photo_ref=None)
            middle = time.perf_counter()
            async with app.db.transaction() as tx:
                await polls.cast(tx, services, poll, voter, frozenset(rng.sample(range(1, 5), 2)))
            end = time.perf_counter()
            if n >= warmup:
                share_seconds.append(middle - start)
                vote_seconds.append(end - middle)
        tally_seconds = []
        voters = 0
        async with LoopLag() as lag:  # the longest the event loop could not run anything during the tallies
            for _ in range(max(repeat, 1)):
                start = time.perf_counter()
                async with app.db.transaction() as tx:
                    tally = await polls_results.tally_of(tx, services, poll)
                tally_seconds.append(time.perf_counter() - start)
                voters = tally.voters
    finally:
        await app.db.close()
    current, peak = _rss_mb()
    return {"share": _summary(share_seconds), "vote": _summary(vote_seconds),
            "tally": {"median_ms": statistics.median(tally_seconds) * 1000, "voters": voters,
                      "loop_lag_max_ms": lag.max_ms},
            "rss_mb": current, "peak_rss_mb": peak}


def run_worker(directory: Path, ops: int, repeat: int) -> dict[str, Any]:
    """Measure one database in a fresh process (its memory is the bot's, not the coordinator's)."""
    result = subprocess.run([sys.executable, "-m", "bench.scale", "--worker", str(directory / "config.toml"),
                             "--ops", str(ops), "--repeat", str(repeat)], cwd=ROOT, env=environment(),
                            capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"the scale worker failed: {result.stderr[-3000:]}")
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def run(residents: int, experiences: int, votes: int, ops: int, repeat: int) -> dict[str, Any]:
    warn_if_busy()
    with tempfile.TemporaryDirectory(prefix="wijkbot-scale-") as directory:
        root = Path(directory)
        progress(f"scale: building the full database ({residents:,} residents, {experiences:,} experiences,"
                 f" {votes:,} votes)")
        start = time.perf_counter()
        full_db = build(root / "full", residents, experiences, votes)
        build_seconds = time.perf_counter() - start
        empty_db = build(root / "empty", 2 * (ops + 10), 0, 0)
        progress(f"scale: built in {build_seconds:.0f} s ({full_db['bytes'] / 2**20:.0f} MB); measuring the empty one")
        empty = run_worker(root / "empty", ops, repeat)
        progress("scale: measuring the full one")
        full = run_worker(root / "full", ops, repeat)
    share_ratio = full["share"]["median_ms"] / empty["share"]["median_ms"]
    vote_ratio = full["vote"]["median_ms"] / empty["vote"]["median_ms"]
    lag_ms = full["tally"]["loop_lag_max_ms"]
    passed = (share_ratio <= TARGET_RATIO and vote_ratio <= TARGET_RATIO and full["peak_rss_mb"] < TARGET_RSS_MB
              and lag_ms < TARGET_LAG_MS)
    return {
        "benchmark": "scale",
        "full_database": full_db, "empty_database": empty_db, "build_seconds": build_seconds, "ops": ops,
        "empty": empty, "full": full, "share_ratio": share_ratio, "vote_ratio": vote_ratio,
        "target_ratio": TARGET_RATIO, "target_rss_mb": TARGET_RSS_MB, "passed": passed, "machine": machine(),
        "summary": [
            {"metric": "share: full / empty database (median)", "value": round(share_ratio, 2),
             "target": f"<= {TARGET_RATIO}", "passed": share_ratio <= TARGET_RATIO},
            {"metric": "vote: full / empty database (median)", "value": round(vote_ratio, 2),
             "target": f"<= {TARGET_RATIO}", "passed": vote_ratio <= TARGET_RATIO},
            {"metric": f"poll tally, {full['tally']['voters']:,} voters (ms)",
             "value": round(full["tally"]["median_ms"], 1), "target": ""},
            {"metric": "event loop's longest stall during the tallies (ms)", "value": round(lag_ms, 1),
             "target": f"< {TARGET_LAG_MS:.0f}", "passed": lag_ms < TARGET_LAG_MS},
            {"metric": "bot peak memory at full size (MB)", "value": round(full["peak_rss_mb"], 1),
             "target": f"< {TARGET_RSS_MB:.0f}", "passed": full["peak_rss_mb"] < TARGET_RSS_MB},
        ],
    }


def table(report: dict[str, Any]) -> str:
    db = report["full_database"]
    lines = [f"full database: {db['residents']:,} residents, {db['experiences']:,} experiences, {db['votes']:,} votes,"
             f" {db['bytes'] / 2**20:.0f} MB on disk (built in {report['build_seconds']:.0f} s)",
             f"{'operation':<10} {'empty p50':>9} {'empty p99':>9} {'full p50':>9} {'full p99':>9} {'ratio':>6}"
             f" {'target':>6}  result"]
    for name in ("share", "vote"):
        empty, full, ratio = report["empty"][name], report["full"][name], report[f"{name}_ratio"]
        lines.append(f"{name:<10} {empty['median_ms']:>9.2f} {empty['p99_ms']:>9.2f} {full['median_ms']:>9.2f}"
                     f" {full['p99_ms']:>9.2f} {ratio:>6.2f} {report['target_ratio']:>6}"
                     f"  {'pass' if ratio <= report['target_ratio'] else 'FAIL'}")
    full = report["full"]
    lines.append(f"poll tally ({full['tally']['voters']:,} voters): {full['tally']['median_ms']:.1f} ms"
                 f" (empty database: {report['empty']['tally']['median_ms']:.2f} ms); the event loop's longest"
                 f" stall meanwhile {full['tally']['loop_lag_max_ms']:.1f} ms (target < {TARGET_LAG_MS:.0f})")
    peak, limit = full["peak_rss_mb"], report["target_rss_mb"]
    lines.append(f"bot process memory at full size: peak {peak:.0f} MB, now {full['rss_mb']:.0f} MB"
                 f" (target < {limit:.0f} MB): {'pass' if peak < limit else 'FAIL'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--experiences", type=int, default=50_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--ops", type=int, default=200, help="timed shares and votes on each database")
    parser.add_argument("--repeat", type=int, default=5, help="tallies timed")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)  # internal: measure this config's database
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(asyncio.run(measure(args.worker, args.ops, args.repeat))))
        return 0
    report = run(args.residents, args.experiences, args.votes, args.ops, args.repeat)
    print(table(report))
    write_json(args.json, report)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
