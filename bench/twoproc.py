"""Benchmark: one feedback fanned out to 10,000 residents by TWO bot processes on one PostgreSQL database.

    python bench/twoproc.py [--residents 10000] [--rate 300] [--json out.json]

As bench/fanout.py, but the database is PostgreSQL (a fresh database on 127.0.0.1:5432, dropped after) and two
bot processes (bench/botproc.py, what ``wijkbot run`` starts; Telegram in webhook mode, so both may run) share
the outbox: each claims rows with ``FOR UPDATE SKIP LOCKED`` (bot/store/claims.py) and both take their slots
from one sending budget in the database (bot/store/cluster.py, bot/channels/telegram/limiter.py). The emulator
(its own process, bench/peer.py) allows ``--rate`` messages a second overall and 1 a second per chat, and answers
429 beyond, like Telegram.

Reported: the achieved rate of both together as a fraction of the one limit (target 95% or more), the 429 answers
(target 0), the messages each resident got (target: exactly one), how the rows were shared between the processes,
and the most messages in any one-second window. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import socket
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if str(ROOT := Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.fanout import FIRST_CHAT, LANGUAGES, TARGET_FRACTION
from bench.harness import Bot, Peer, config_toml, machine, progress, seed_postgresql_residents, warn_if_busy, write_json
from bench.peer import cpu_seconds

SERVER = "postgresql://postgres@127.0.0.1:5432"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def write_config(directory: Path, peer: Peer, database: str, port: int, name: str) -> Path:
    section = (f'[telegram]\ntoken = "{peer.token}"\napi_base_url = "{peer.base_url}"\nmode = "webhook"\n'
               f'webhook_listen = "127.0.0.1"\nwebhook_port = {port}\n'
               f'webhook_url = "http://127.0.0.1:{port}/telegram"\nwebhook_secret = "bench-secret"\n')
    text = config_toml(peer.token, peer.base_url, ("centrum", "noord"), channel=section)
    path = directory / f"{name}.toml"
    path.write_text(text.replace('[database]\npath = "wijkbot.sqlite3"', f'[database]\nurl = "{database}"'),
                    encoding="utf-8")
    return path


async def create_database() -> str:
    import asyncpg

    name = f"wijkbot_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        # As the README advises for the bot's database (and bench/pg_turn.py does): commits need not wait for the disk.
        await admin.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
    finally:
        await admin.close()
    return name


async def drop_database(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


async def seed(config_path: Path, dsn: str, residents: int) -> None:
    """Migrate, then residents who follow Centrum with no quiet hours, in bulk (seeding is not measured)."""
    from bot.config import load
    from bot.store.db import Database

    db = Database(load(config_path).database)
    await db.open()
    await db.close()
    await seed_postgresql_residents(dsn, FIRST_CHAT, [LANGUAGES[n % len(LANGUAGES)] for n in range(residents)])


async def record_feedback(config_path: Path) -> int:
    from bot.clock import SystemClock
    from bot.config import load
    from bot.engine import feedback
    from bot.services import Services
    from bot.store.db import Database

    config = load(config_path)
    db = Database(config.database)
    await db.open()
    try:
        async with db.transaction() as tx:
            _, told = await feedback.record(
                tx, Services(config=config, db=db, clock=SystemClock()), author="@organiser:localhost",
                neighbourhood="centrum", references=[], theme=None, status="done",
                what="We repaired the street lights on the Kerkstraat",
                because="many of you wrote that the street felt unsafe at night", commitment=None)
        return int(told)
    finally:
        await db.close()


async def shares(dsn: str) -> dict[str, int]:
    """Rows marked sent, per claiming process token (how the two shared the work), and the total."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT claimed_by, COUNT(*) FROM outbox WHERE status = 'sent' GROUP BY claimed_by")
    finally:
        await conn.close()
    return {str(row[0]): int(row[1]) for row in rows}


def run(residents: int, rate: int, wait: float, processes: int = 2) -> dict[str, Any]:
    warn_if_busy()
    name = asyncio.run(create_database())
    dsn = f"{SERVER}/{name}"
    try:
        with Peer(rate_limit=rate, per_chat_limits=True) as peer, \
                tempfile.TemporaryDirectory(prefix="wijkbot-bench-") as directory:
            ports = [free_port() for _ in range(processes)]
            configs = [write_config(Path(directory), peer, dsn, port, f"bot{i}") for i, port in enumerate(ports)]
            progress(f"twoproc: seeding {residents} residents in PostgreSQL ({rate}/s overall, 1/s per chat)")
            peer.call("users", first=FIRST_CHAT, count=residents)
            asyncio.run(seed(configs[0], dsn, residents))
            bots = [Bot("wijkbot", "--config", str(c), "--rate-limit", str(rate)) for c in configs]
            try:
                deadline = time.monotonic() + 60
                while not all(listening(port) for port in ports):
                    if time.monotonic() > deadline or any(b.process.poll() is not None for b in bots):
                        raise RuntimeError("the bots did not start: " + " | ".join(b.stderr()[-1500:] for b in bots))
                    time.sleep(0.2)
                told = asyncio.run(record_feedback(configs[0]))
                progress(f"twoproc: feedback queued for {told} residents; two processes send it")
                cpu_before = [cpu_seconds(bot.pid) for bot in bots]
                result = peer.call("sends", timeout=wait + 30, count=residents, wait=wait)
                cpus = [(cpu_seconds(bot.pid) - before) / result["span_seconds"]
                        for bot, before in zip(bots, cpu_before, strict=True)]
                time.sleep(2)  # the last rows are marked sent just after Telegram accepted them
                by_process = asyncio.run(shares(dsn))
            finally:
                for bot in bots:
                    bot.stop()
                stderr = "\n".join(bot.stderr() for bot in bots)
                for bot in bots:
                    bot.__exit__(None, None, None)  # its stderr file
    finally:
        asyncio.run(drop_database(name))
    fraction = result["per_second"] / rate
    once = result["sent"] == residents == sum(by_process.values())
    bot_cpu = [round(cpu, 3) for cpu in cpus]
    passed = once and fraction >= TARGET_FRACTION and result["status_429"] == 0
    return {
        "benchmark": "twoproc", "processes": processes, "bot_cpu_share": bot_cpu, "residents": residents,
        "told": told, "rate_limit": rate, "sent": result["sent"],
        "outbox_sent_by_process": by_process, "span_seconds": result["span_seconds"],
        "per_second": result["per_second"], "fraction_of_limit": fraction,
        "max_in_any_second": result["max_in_any_second"], "status_429": result["status_429"],
        "per_second_timeline": result["per_second_timeline"], "target_fraction": TARGET_FRACTION, "passed": passed,
        "bot_warnings": [line for line in stderr.splitlines() if "WARNING" in line or "ERROR" in line][:5],
        "machine": machine(),
        "summary": [
            {"metric": f"{processes} processes: fan-out rate / one limit ({residents:,} at {rate}/s)",
             "value": round(fraction, 3), "target": f">= {TARGET_FRACTION}", "passed": fraction >= TARGET_FRACTION},
            {"metric": "two processes: 429 answers", "value": result["status_429"], "target": "0",
             "passed": result["status_429"] == 0},
            {"metric": "two processes: messages per resident", "value": "1" if once else "not 1", "target": "1",
             "passed": once},
        ],
    }


def table(report: dict[str, Any]) -> str:
    return "\n".join([
        f"{'residents':>9} {'limit/s':>7} {'sent':>6} {'seconds':>7} {'rate/s':>7} {'of limit':>8} {'max 1 s':>7}"
        f" {'429':>5}  result",
        f"{report['residents']:>9,} {report['rate_limit']:>7} {report['sent']:>6} {report['span_seconds']:>7.1f}"
        f" {report['per_second']:>7.1f} {report['fraction_of_limit']:>8.1%} {report['max_in_any_second']:>7}"
        f" {report['status_429']:>5}  {'pass' if report['passed'] else 'FAIL'}",
        f"rows sent per process: {sorted(report['outbox_sent_by_process'].values())};"
        f" CPU of a core while sending: {', '.join(f'{c:.0%}' for c in report['bot_cpu_share'])}",
        f"messages per second: {report['per_second_timeline']}",
        *[f"  bot: {line}" for line in report["bot_warnings"]]])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=300, help="the emulator's limit and the bot's, messages per second")
    parser.add_argument("--wait", type=float, default=180.0, help="seconds to wait for every message")
    parser.add_argument("--processes", type=int, default=2, help="bot processes (1: the same on one, to compare)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    report = run(args.residents, args.rate, args.wait, args.processes)
    print(table(report))
    write_json(args.json, report)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
