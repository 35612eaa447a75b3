"""Benchmark: residents' answers while a feedback goes out to 10,000 residents, at Telegram's real limits.

    python bench/latency.py                  # real limits: 30 messages/s overall, 1/s per chat (about 6 minutes)
    python bench/latency.py --scaled         # the emulator allows 300/s overall (labelled "scaled"; ~1 minute)
    python bench/latency.py --tiny           # 200 recipients at 100/s: a smoke run of a few seconds
    python bench/latency.py [--residents N] [--rate R] [--probe-users 4] [--interval 4] [--json out.json]

The harness: the Bot API emulator in its own process (bench/peer.py) limits the bot to ``--rate`` messages a
second overall and one a second per private chat (a sliding window, answering 429 beyond it, like Telegram);
the bot is what ``wijkbot run`` starts (bench/botproc.py), its rate limit set to the same ``--rate`` and its
per-chat limits at their defaults (``telegram.chat_rate_limit`` 1/s).

1. Without a fan-out: ``--probe-users`` residents each send ``/help`` every ``--interval`` seconds (staggered, an
   open loop) for ``--probe-seconds``; the time from sending to the bot's answer arriving at the emulator is
   the reply latency (p50, p99).
2. The coordinator records one feedback for ``--residents`` followers through the engine (one transaction, the
   way ``!feedback`` does), the bot's dispatcher picks the queue up, and as soon as the first of it arrives the
   same residents probe again, during the fan-out.
3. Every fan-out message is awaited. Reported: the fan-out's rate as a fraction of the limit (fan-out messages
   after the first over the time from first to last), the same with the residents' answers in that time added
   (the whole budget the bot used), the emulator's 429 answers, the most messages in any one-second window.

Targets: p99 during the fan-out under 2 s, the budget used at least 97%, no 429. Exit status 1 when one is missed.
Runs under load on shared cores drift; the JSON records the load average before the run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if str(ROOT := Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.fanout import FIRST_CHAT, followers, record_feedback, wait_for_outbox
from bench.harness import Bot, machine, progress, wait_for_polling, write_json

TARGET_P99_MS = 2000.0
TARGET_FRACTION = 0.97
PROBE_FIRST = 100_000  # the probing residents' chat ids, below the fan-out's (which count from FIRST_CHAT)
MODES = {"real": (10_000, 30), "scaled": (10_000, 300), "tiny": (200, 100)}


def run(residents: int, rate: int, probe_users: int, interval: float, probe_seconds: float, mode: str
        ) -> dict[str, Any]:
    with followers(residents, rate, f"latency ({mode})") as (peer, config, database), \
            Bot("wijkbot", "--config", str(config), "--rate-limit", str(rate)) as bot:
        wait_for_polling(peer, bot)
        probe = {"users": probe_users, "interval": interval, "duration": probe_seconds, "text": "/help",
                 "expect": "text:/share"}
        quiet = peer.call("probe", timeout=probe_seconds + 60, first_user=PROBE_FIRST, **probe)
        progress(f"latency: without a fan-out p50 {quiet['p50_ms']:.0f} ms, p99 {quiet['p99_ms']:.0f} ms")
        told, enqueue_seconds = asyncio.run(record_feedback(config))
        peer.call("sends", timeout=60, count=1, first=FIRST_CHAT, wait=50)  # the fan-out has begun
        started = time.monotonic()
        busy = peer.call("probe", timeout=probe_seconds + 60, first_user=PROBE_FIRST + 1000, **probe)
        progress(f"latency: during the fan-out p50 {busy['p50_ms']:.0f} ms, p99 {busy['p99_ms']:.0f} ms;"
                 " waiting for the rest of it")
        wait = residents / rate * 1.5 + 60
        sends = peer.call("sends", timeout=wait + 30, count=residents, first=FIRST_CHAT, wait=wait)
        fanout_seconds = time.monotonic() - started
        delivered = wait_for_outbox(database, residents, 30.0)
        bot.stop()
        stderr = bot.stderr()
    fraction = sends["per_second"] / rate
    budget = ((sends["sent"] - 1 + sends["other_in_span"]) / sends["span_seconds"] / rate
              if sends["sent"] > 1 else float("nan"))
    passed = (sends["sent"] >= residents and delivered == residents and busy["p99_ms"] < TARGET_P99_MS
              and budget >= TARGET_FRACTION and sends["status_429"] == 0 and not quiet["errors"]
              and not busy["errors"])
    label = f"{residents:,} at {rate}/s" + (" (scaled)" if mode == "scaled" else " (tiny)" if mode == "tiny" else "")
    return {
        "benchmark": "latency", "mode": mode, "residents": residents, "told": told, "rate_limit": rate,
        "probe_users": probe_users, "probe_interval": interval, "probe_seconds": probe_seconds,
        "quiet": quiet, "during_fanout": busy, "enqueue_seconds": enqueue_seconds, "fanout_seconds": fanout_seconds,
        "sent": sends["sent"], "outbox_sent": delivered, "span_seconds": sends["span_seconds"],
        "fanout_per_second": sends["per_second"], "fanout_fraction": fraction,
        "answers_in_span": sends["other_in_span"],
        "budget_fraction": budget, "max_in_any_second": sends["max_in_any_second"], "status_429": sends["status_429"],
        "status_429_overall": sends["status_429_overall"], "status_429_chat": sends["status_429_chat"],
        "bot_peak_rss_mb": bot.peak_rss_mb, "passed": passed,
        "bot_warnings": [line for line in stderr.splitlines() if "WARNING" in line or "ERROR" in line][:5],
        "machine": machine(),
        "summary": [
            {"metric": f"reply p50 / p99 without a fan-out, ms ({label})",
             "value": f"{quiet['p50_ms']:.0f} / {quiet['p99_ms']:.0f}", "target": ""},
            {"metric": f"reply p50 / p99 during the fan-out, ms ({label})",
             "value": f"{busy['p50_ms']:.0f} / {busy['p99_ms']:.0f}", "target": f"p99 < {TARGET_P99_MS:.0f}",
             "passed": busy["p99_ms"] < TARGET_P99_MS},
            {"metric": f"budget used during the fan-out, fan-out + answers / limit ({label})",
             "value": round(budget, 3), "target": f">= {TARGET_FRACTION}", "passed": budget >= TARGET_FRACTION},
            {"metric": "fan-out alone / limit", "value": round(fraction, 3), "target": ""},
            {"metric": "429 answers during the latency run", "value": sends["status_429"], "target": "0",
             "passed": sends["status_429"] == 0},
        ],
    }


def table(report: dict[str, Any]) -> str:
    quiet, busy = report["quiet"], report["during_fanout"]
    return "\n".join([
        f"mode {report['mode']}: {report['residents']:,} recipients at {report['rate_limit']}/s overall, 1/s per chat;"
        f" {report['probe_users']} residents probing every {report['probe_interval']:g} s",
        f"{'':24} {'answers':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'errors':>6}",
        *(f"{name:24} {r['answers']:>7} {r['p50_ms']:>7.0f} {r['p99_ms']:>7.0f} {r['max_ms']:>7.0f} {r['errors']:>6}"
          for name, r in (("without a fan-out", quiet), ("during the fan-out", busy))),
        f"fan-out: {report['sent']:,} in {report['span_seconds']:.1f} s = {report['fanout_per_second']:.2f}/s"
        f" ({report['fanout_fraction']:.1%} of the limit); with {report['answers_in_span']} answers in that time"
        f" {report['budget_fraction']:.1%} of the budget; most in one second {report['max_in_any_second']};"
        f" 429 answers {report['status_429']} ({report['status_429_overall']} overall limit,"
        f" {report['status_429_chat']} per-chat limit)",
        f"targets: p99 during the fan-out < {TARGET_P99_MS:.0f} ms, budget >= {TARGET_FRACTION:.0%}, no 429:"
        f" {'pass' if report['passed'] else 'FAIL'}",
        *(f"  bot: {line}" for line in report["bot_warnings"]),
    ])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--scaled", action="store_true", help="the emulator allows 300 messages/s overall")
    size.add_argument("--tiny", action="store_true", help="200 recipients at 100/s, a few seconds")
    parser.add_argument("--residents", type=int, help="fan-out recipients (default: the mode's)")
    parser.add_argument("--rate", type=int, help="the emulator's overall limit and the bot's, messages/s")
    parser.add_argument("--probe-users", type=int, default=4)
    parser.add_argument("--interval", type=float, default=4.0, help="seconds between one resident's messages")
    parser.add_argument("--probe-seconds", type=float, help="how long residents probe (default 30; tiny 3)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    mode = "scaled" if args.scaled else "tiny" if args.tiny else "real"
    residents, rate = MODES[mode]
    probe_seconds = args.probe_seconds or (3.0 if args.tiny else 30.0)
    interval = min(args.interval, probe_seconds)
    report = run(args.residents or residents, args.rate or rate, args.probe_users, interval, probe_seconds, mode)
    print(table(report))
    write_json(args.json, report)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
