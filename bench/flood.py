"""Benchmark: flood resistance. Other residents' reply latency while one resident floods the bot.

    python bench/flood.py [--users 10 --think 1 --flood-rate 25 --warmup 1 --duration 8 --json out.json]

The whole bot (App with its TelegramChannel, long polling, the scheduler and the flood gate) talks HTTP to the
Bot API emulator (tests/peers/botapi.py). ``--users`` residents each send /help and wait for the answer, over
and over (a closed loop); their latency is the time from sending to the bot's answer appearing in the
emulator. Three phases, each with a fresh bot and database:

* ``quiet``: the residents alone;
* ``flood``: one more resident sends ``--flood-rate`` messages a second the whole time (25/s: fifty in two
  seconds, and on), with flood protection on at its defaults ([limits] 10 messages in 10 s);
* ``unprotected``: the same flood with flood protection off (``flood_messages = 0``): every message answered.

Reported per phase: the residents' answers, p50 and p99 latency, and how many answers the flooder got. Target:
the residents' p99 during the protected flood at most 1.5 times the quiet p99 (plus 20 ms, for timer
granularity at small values). Everything runs in this one process (bot, emulator and simulated people share a
core and the event loop), so the absolute figures are higher than the bot alone would show; the phases are
comparable with each other. Exit status 1 when the target is missed.

Not Telegram's real setting: ``telegram.chat_rate_limit`` is raised to 30 a second here (``CHAT_RATE_LIMIT``;
the real limit, and the default, is 1 a second per chat). At the real limit the flooder's answers (every one of
them in the unprotected phase) are paced one a second, so stopping the bot waited for them for minutes; the
benchmark measures flood protection, not pacing (bench/latency.py measures that, at the real limits).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if str(ROOT := Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import config_toml, machine, progress, warn_if_busy, write_json

TOKEN = "123456:BENCH-token_abcdefghij"
TARGET_RATIO = 1.5
SLACK_MS = 20.0
FLOODER = 900_000
CHAT_RATE_LIMIT = 30.0  # not the real per-chat limit (1/s): see the docstring


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


async def phase(name: str, users: int, think: float, flood_rate: float, protect: bool, warmup: float,
                duration: float) -> dict[str, Any]:
    from bot.app import App
    from bot.channels.telegram import TelegramChannel
    from bot.config import load
    from handlers.commands import translated_menu
    from tests.peers.botapi import BotApiEmulator

    with tempfile.TemporaryDirectory(prefix="wijkbot-flood-") as folder:
        async with BotApiEmulator(token=TOKEN, username="wijkbot_bench_bot") as emu:
            path = Path(folder) / "config.toml"
            path.write_text(config_toml(TOKEN, emu.base_url, flood_messages=10 if protect else 0,
                                             chat_rate_limit=CHAT_RATE_LIMIT), encoding="utf-8")
            config = load(path)
            app = App(config, [TelegramChannel(config, translated_menu(config.languages))])
            await app.start()
            try:
                return await _measure(name, emu, app, users, think, flood_rate, warmup, duration)
            finally:
                await app.stop()


async def _measure(name: str, emu: Any, app: Any, users: int, think: float, flood_rate: float, warmup: float,
                   duration: float) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    start = loop.time()
    measure_from, end = start + warmup, start + warmup + duration
    latencies: list[float] = []
    errors = 0

    async def resident(number: int) -> None:
        nonlocal errors
        user = emu.user(700_000 + number, f"R{number}", language_code="en")
        while loop.time() < end:
            sent = time.perf_counter()
            await user.send("/help")
            try:
                await emu.wait_for_message(user, timeout=30.0)
            except TimeoutError:
                errors += 1
                continue
            if loop.time() >= measure_from:
                latencies.append(time.perf_counter() - sent)
            await asyncio.sleep(think)

    async def flooder() -> int:
        user = emu.user(FLOODER, "Flood", language_code="en")
        sent = 0
        while loop.time() < end:
            await user.send(f"hello? {sent}")
            sent += 1
            await asyncio.sleep(1.0 / flood_rate)
        return sent

    tasks = [asyncio.create_task(resident(n)) for n in range(users)]
    flood = asyncio.create_task(flooder()) if flood_rate > 0 else None
    await asyncio.gather(*tasks)
    flood_sent = await flood if flood is not None else 0
    flood_answers = len(emu.messages(FLOODER)) if flood is not None else 0
    latencies_ms = sorted(1000 * value for value in latencies)
    progress(f"flood: {name}: {len(latencies_ms)} answers, p99 {percentile(latencies_ms, 0.99):.0f} ms")
    return {"phase": name, "answers": len(latencies_ms), "errors": errors,
            "answers_per_second": len(latencies_ms) / duration,
            "p50_ms": percentile(latencies_ms, 0.50), "p99_ms": percentile(latencies_ms, 0.99),
            "flood_sent": flood_sent, "flood_answered": flood_answers}


def run(users: int, think: float, flood_rate: float, warmup: float, duration: float) -> dict[str, Any]:
    phases = {name: asyncio.run(phase(name, users, think, rate, protect, warmup, duration))
              for name, rate, protect in (("quiet", 0.0, True), ("flood", flood_rate, True),
                                          ("unprotected", flood_rate, False))}
    quiet, flood = phases["quiet"]["p99_ms"], phases["flood"]["p99_ms"]
    limit = quiet * TARGET_RATIO + SLACK_MS
    passed = flood <= limit and phases["flood"]["errors"] == 0
    summary = [
        {"metric": "others' p50 / p99 without a flood (ms)",
         "value": f"{phases['quiet']['p50_ms']:.0f} / {quiet:.0f}", "target": ""},
        {"metric": "others' p50 / p99 while one floods, protected (ms)",
         "value": f"{phases['flood']['p50_ms']:.0f} / {flood:.0f}", "target": f"<= {limit:.0f}",
         "passed": passed},
        {"metric": "others' p50 / p99 while one floods, unprotected (ms)",
         "value": f"{phases['unprotected']['p50_ms']:.0f} / {phases['unprotected']['p99_ms']:.0f}", "target": ""},
        {"metric": "flooder's messages / answers, protected",
         "value": f"{phases['flood']['flood_sent']} / {phases['flood']['flood_answered']}", "target": ""},
    ]
    return {"users": users, "think": think, "flood_rate": flood_rate, "warmup": warmup, "duration": duration,
            "phases": phases, "target_ratio": TARGET_RATIO, "passed": passed, "summary": summary, "machine": machine()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=10, help="residents besides the flooder")
    parser.add_argument("--think", type=float, default=1.0, help="seconds a resident pauses after each answer")
    parser.add_argument("--flood-rate", type=float, default=25.0, help="the flooder's messages per second")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    warn_if_busy()
    report = run(args.users, args.think, args.flood_rate, args.warmup, args.duration)
    for row in report["summary"]:
        verdict = "" if "passed" not in row else ("pass" if row["passed"] else "FAIL")
        print(f"{row['metric']:<56} {row['value']:>12} {row['target']:>8}  {verdict}")
    write_json(args.json, report)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
