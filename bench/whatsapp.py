"""WhatsApp: CPU per handled message, and a fan-out's rate against the configured throughput.

    python bench/whatsapp.py [--residents 2000] [--rate 80] [--messages 400] [--json out.json]

`wijkbot run` runs as its own process with only the WhatsApp channel, against the Cloud API emulator
(tests/peers/whatsapp.py) in this process. First a feedback message is queued for every resident and the bot is
started: the outbox sends them (as templates: the fresh process has heard from nobody, see the README) and the
rate is measured from the first to the last message the emulator accepted, against ``--rate`` (the emulator's
limit and the bot's ``whatsapp.throughput``). Then residents send ``--messages`` signed webhooks (``status``,
eight at a time) and the bot process's CPU time (from /proc) per handled message is measured: webhook, signature,
dialogue turn with its transaction, the answer through the Cloud API, and the read mark.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if str(ROOT := Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import environment, machine, progress, write_json
from tests.channels.whatsapp_fixtures import (
    ACCESS_TOKEN,
    APP_SECRET,
    APPROVED,
    SUBPROCESS_ENV,
    seed_feedback,
    whatsapp_toml,
)
from tests.peers.whatsapp import CloudApiEmulator

TARGET_FRACTION = 0.9


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_bot(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**environment(), **SUBPROCESS_ENV})


async def measure(residents: int, rate: int, messages: int, wait: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        async with CloudApiEmulator(app_secret=APP_SECRET, access_token=ACCESS_TOKEN, templates=dict(APPROVED),
                                    webhook_url=f"http://127.0.0.1:{port}/whatsapp", throughput=rate,
                                    statuses=False) as emu:
            users = [emu.user(f"3162{n:07d}", f"R{n}") for n in range(residents)]
            await seed_feedback(directory, users)
            config = directory / "config.toml"
            config.write_text(whatsapp_toml(emu, port, throughput=rate), encoding="utf-8")
            progress(f"whatsapp: fan-out of {residents:,} at {rate}/s")
            bot = start_bot(config)
            try:
                await emu.wait_until(lambda: len(emu.messages) >= residents, wait, "the fan-out")
                times = sorted(m.at for m in emu.messages)
                span = max(times[-1] - times[0], 1e-6)
                per_second = (len(times) - 1) / span
                rate_errors = emu.errors.count(130429) + emu.errors.count(131056)

                progress(f"whatsapp: {messages} webhooks, 8 at a time")
                for message in emu.messages:
                    message.consumed = True
                before_count = len(emu.messages)
                gate = asyncio.Semaphore(8)

                async def one(n: int) -> None:
                    async with gate:
                        await users[n % residents].send("status")
                        await emu.wait_until(lambda: len(emu.messages) >= before_count + n + 1 - 8, wait)

                cpu_before, started = cpu_seconds(bot.pid), time.perf_counter()
                await asyncio.gather(*(one(n) for n in range(messages)))
                await emu.wait_until(lambda: len(emu.messages) >= before_count + messages, wait, "every answer")
                await emu.wait_until(lambda: len(emu.read) >= messages, wait, "every read mark")
                cpu = cpu_seconds(bot.pid) - cpu_before
                elapsed = time.perf_counter() - started
            finally:
                bot.send_signal(signal.SIGTERM)
                stderr = (await asyncio.to_thread(bot.communicate, timeout=30))[1].decode()
    fraction = per_second / rate
    cpu_ms = cpu * 1000 / messages
    return {
        "machine": machine(), "residents": residents, "rate_limit": rate, "messages": messages,
        "fanout_per_second": round(per_second, 1), "fraction_of_limit": round(fraction, 3),
        "rate_limit_errors": rate_errors, "cpu_ms_per_message": round(cpu_ms, 2),
        "handled_per_second": round(messages / elapsed, 1), "bot_warnings": [
            line for line in stderr.splitlines() if "WARNING" in line or "ERROR" in line][:5],
        "passed": fraction >= TARGET_FRACTION and rate_errors == 0 and bot.returncode == 0,
        "summary": [
            {"metric": f"CPU per handled WhatsApp message (ms), {messages} webhooks", "value": round(cpu_ms, 2),
             "target": ""},
            {"metric": f"fan-out of {residents:,} templates, rate / limit ({rate}/s)", "value": round(fraction, 2),
             "target": f">= {TARGET_FRACTION}", "passed": fraction >= TARGET_FRACTION},
            {"metric": "fan-out 130429/131056 answers", "value": rate_errors, "target": "0",
             "passed": rate_errors == 0},
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=80, help="the emulator's limit and whatsapp.throughput")
    parser.add_argument("--messages", type=int, default=400, help="webhooks for the CPU measurement")
    parser.add_argument("--wait", type=float, default=180.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    report = asyncio.run(measure(args.residents, args.rate, args.messages, args.wait))
    print(f"fan-out: {report['fanout_per_second']}/s of {report['rate_limit']}/s = {report['fraction_of_limit']:.1%}"
          f" of limit, {report['rate_limit_errors']} rate-limit answers; CPU per handled message "
          f"{report['cpu_ms_per_message']} ms ({report['handled_per_second']}/s); "
          f"{'pass' if report['passed'] else 'FAIL'}")
    for line in report["bot_warnings"]:
        print(f"  bot: {line}")
    write_json(args.json, report)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
