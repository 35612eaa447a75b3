"""Benchmark: one feedback delivered to 10,000 residents through the outbox and the rate limiter.

    python bench/fanout.py [--residents 10000] [--rate 300] [--json out.json]

The harness: the Bot API emulator runs in its own process (bench/peer.py) with a sliding-window rate limit of
``--rate`` messages per second overall and Telegram's 1 message a second per private chat, and answers 429
with ``retry_after`` beyond it, like Telegram. Telegram's real limit is about 30 a second; it is scaled up so
10,000 messages take about half a minute, and the bot's rate limiter is configured to match
(``TelegramChannel(rate_limit=…)``, bot/channels/telegram/pacing.py: :func:`rate_limiter`).

The coordinator seeds a database with ``--residents`` Telegram residents of one neighbourhood who follow it
(no quiet hours, five languages), then records one feedback marked *done* through the engine
(``feedback.record``): one transaction that queues every resident's message in their language with the
"did you feel heard?" buttons. Then it starts the bot process (bench/botproc.py: what ``wijkbot run`` starts),
whose outbox dispatcher delivers the queue, and waits until the emulator has them all.

Reported: the achieved rate (messages after the first over the time from the first to the last, as the
emulator received them) as a fraction of the limit (target 95% or more), the emulator's 429 answers (target
0), the most messages in any one-second window, the time to queue the feedback, and the bot's peak memory.
Exit status 1 when a target is missed or a message is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

if str(ROOT := Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import (
    Bot,
    Peer,
    machine,
    progress,
    wait_for_polling,
    warn_if_busy,
    write_config,
    write_json,
)
from bench.peer import cpu_seconds

TARGET_FRACTION = 0.95
FIRST_CHAT = 700_000
LANGUAGES = ("nl", "en", "tr", "ar", "pl")


async def migrate(database: Path) -> None:
    from bot.store.db import Database

    db = Database(database)
    await db.open()
    await db.close()


def seed_residents(database: Path, residents: int) -> None:
    """Residents who follow Centrum and never have quiet hours, in bulk (plain sqlite3: seeding is not measured)."""
    asyncio.run(migrate(database))
    with sqlite3.connect(database) as conn:
        conn.executemany(
            "INSERT INTO residents (channel, user_id, chat_id, language, neighbourhood_id, consent_at, created_at,"
            " feedback_mode, quiet_start, quiet_end, follows_neighbourhood)"
            " VALUES ('telegram', ?, ?, ?, 'centrum', '2026-01-01T00:00:00', '2026-01-01T00:00:00', 'direct',"
            " '00:00', '00:00', 1)",
            ((str(FIRST_CHAT + n), str(FIRST_CHAT + n), LANGUAGES[n % len(LANGUAGES)]) for n in range(residents)))


async def record_feedback(config_path: Path) -> tuple[int, float]:
    """One feedback on Centrum, marked done, through the engine; (residents told, seconds it took)."""
    from bot.clock import SystemClock
    from bot.config import load
    from bot.engine import feedback
    from bot.services import Services
    from bot.store.db import Database

    config = load(config_path)
    db = Database(config.database)
    await db.open()
    try:
        services = Services(config=config, db=db, clock=SystemClock())
        start = time.perf_counter()
        async with db.transaction() as tx:
            _, told = await feedback.record(
                tx, services, author="@organiser:localhost", neighbourhood="centrum", references=[], theme=None,
                status="done", what="We repaired the street lights on the Kerkstraat",
                because="many of you wrote that the street felt unsafe at night", commitment=None)
        return told, time.perf_counter() - start
    finally:
        await db.close()


def sent_rows(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").fetchone()[0])


def wait_for_outbox(database: Path, expected: int, timeout: float) -> int:
    """The outbox rows marked sent, once all are (a row is marked just after Telegram accepted its message)."""
    deadline = time.monotonic() + timeout
    while (count := sent_rows(database)) < expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return count


@contextlib.contextmanager
def followers(residents: int, rate: int, name: str) -> Iterator[tuple[Peer, Path, Path]]:
    """The emulator at ``rate`` messages a second (and 1 a second per chat) with ``residents`` Telegram users,
    and a database where they follow Centrum: (peer, config file, database file)."""
    warn_if_busy()
    with Peer(rate_limit=rate, per_chat_limits=True) as peer, \
            tempfile.TemporaryDirectory(prefix="wijkbot-bench-") as directory:
        config = write_config(Path(directory), peer)
        database = Path(directory) / "wijkbot.sqlite3"
        progress(f"{name}: seeding {residents} residents ({rate}/s overall, 1/s per chat)")
        peer.call("users", first=FIRST_CHAT, count=residents)
        seed_residents(database, residents)
        yield peer, config, database


def run(residents: int, rate: int, wait: float) -> dict[str, Any]:
    with followers(residents, rate, "fanout") as (peer, config, database):
        told, enqueue_seconds = asyncio.run(record_feedback(config))
        progress(f"fanout: feedback queued for {told} residents in {enqueue_seconds:.1f} s; starting the bot")
        with Bot("wijkbot", "--config", str(config), "--rate-limit", str(rate)) as bot:
            wait_for_polling(peer, bot)
            cpu_before = cpu_seconds(bot.pid)
            result = peer.call("sends", timeout=wait + 30, count=residents, wait=wait)
            bot_cpu = cpu_seconds(bot.pid) - cpu_before
            progress(f"fanout: {result['sent']} sent at {result['per_second']:.1f}/s; waiting for the outbox")
            delivered = wait_for_outbox(database, residents, 30.0)
            bot.stop()
            stderr = bot.stderr()
    fraction = result["per_second"] / rate
    passed = (result["sent"] >= residents and delivered == residents and fraction >= TARGET_FRACTION
              and result["status_429"] == 0)
    return {
        "benchmark": "fanout",
        "residents": residents,
        "told": told,
        "rate_limit": rate,
        "enqueue_seconds": enqueue_seconds,
        "sent": result["sent"],
        "outbox_sent": delivered,
        "span_seconds": result["span_seconds"],
        "per_second": result["per_second"],
        "fraction_of_limit": fraction,
        "max_in_any_second": result["max_in_any_second"],
        "status_429": result["status_429"],
        "bot_peak_rss_mb": bot.peak_rss_mb,
        "bot_cpu_share": bot_cpu / result["span_seconds"] if result["span_seconds"] else float("nan"),
        "per_second_timeline": result["per_second_timeline"],
        "target_fraction": TARGET_FRACTION,
        "passed": passed,
        "bot_warnings": [line for line in stderr.splitlines() if "WARNING" in line or "ERROR" in line][:5],
        "machine": machine(),
        "summary": [
            {"metric": f"fan-out rate / limit ({residents:,} at {rate}/s)", "value": round(fraction, 3),
             "target": f">= {TARGET_FRACTION}", "passed": fraction >= TARGET_FRACTION},
            {"metric": "fan-out 429 answers", "value": result["status_429"], "target": "0",
             "passed": result["status_429"] == 0},
            {"metric": f"fan-out queueing {told:,} messages (s)", "value": round(enqueue_seconds, 2), "target": ""},
        ],
    }


def table(report: dict[str, Any]) -> str:
    header = (f"{'residents':>9} {'limit/s':>7} {'sent':>6} {'seconds':>7} {'rate/s':>7} {'of limit':>8}"
              f" {'max 1 s':>7} {'429':>5} {'queue s':>7} {'RSS MB':>6}  result")
    row = (f"{report['residents']:>9,} {report['rate_limit']:>7} {report['sent']:>6} {report['span_seconds']:>7.1f}"
           f" {report['per_second']:>7.1f} {report['fraction_of_limit']:>8.1%} {report['max_in_any_second']:>7}"
           f" {report['status_429']:>5} {report['enqueue_seconds']:>7.2f} {report['bot_peak_rss_mb']:>6.0f}"
           f"  {'pass' if report['passed'] else 'FAIL'}")
    lines = [header, row, f"targets: rate >= {report['target_fraction']:.0%} of the limit, no 429;"
             f" outbox rows sent {report['outbox_sent']:,} of {report['residents']:,};"
             f" bot CPU {report['bot_cpu_share']:.0%} of a core while sending",
             f"messages per second: {report['per_second_timeline']}"]
    lines += [f"  bot: {line}" for line in report["bot_warnings"]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=300, help="the emulator's limit and the bot's, messages per second")
    parser.add_argument("--wait", type=float, default=180.0, help="seconds to wait for every message")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    report = run(args.residents, args.rate, args.wait)
    print(table(report))
    write_json(args.json, report)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
