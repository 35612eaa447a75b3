"""Benchmark: a dialogue turn on PostgreSQL versus SQLite, at 100,000 residents and 1,000,000 votes.

    python bench/pg_turn.py [--residents 100000 --experiences 50000 --votes 1000000 --turns 300 --json out.json]
                            [--server postgresql://postgres@%2Fvar%2Frun%2Fpostgresql] [--whole-seconds 20]

The database is built once on SQLite (``bench/scale.py``'s builder: residents, stories, poll votes) and copied
into a PostgreSQL schema with ``wijkbot db copy`` (bot/store/copy.py), in a database this run makes and drops.
Then the same App (as ``wijkbot run`` builds it, without a channel) runs the same turns on each engine, each its
own committed transaction through the dialogue engine with a platform event id, as a Telegram update arrives:

* ``help``: a resident sends /help (the turn reads the claim, the conversation and the resident, and writes the
  claim and the kept answer);
* ``vote``: a resident presses an option of the open poll (eligibility, options, replacing the vote). The
  poll allows two options and every resident chose two already, so a press takes one away or, when two are
  chosen, is refused ("at most 2"): about half the presses write, on both engines alike.

Each turn takes two round trips on either engine (tests/store/test_pg_round_trips.py). The server is reached
over its Unix socket when there is one (as README, "PostgreSQL", advises on one machine), else over TCP.

Also reported: how long ``VACUUM FULL poll_votes`` takes at that size, what an erasure of a resident who voted
costs on PostgreSQL (README, "PostgreSQL").

Reported per engine and turn: latency p50 / p99 (wall clock around ``App.dispatch``) and CPU per turn: this
process's (``time.process_time``: the event loop and, for SQLite, its worker thread) plus, for PostgreSQL, the
server process serving the connection (its utime + stime from /proc; we run on the same machine). Target: each
PostgreSQL figure within 1.5 times SQLite's. Exit status 1 when a target is missed.

Then, labelled "whole turn" and not part of the targets: the same database under the whole bot as ``wijkbot
run`` starts it (bench/botproc.py: PTB long polling against the Bot API emulator of the tests in the peer
process, bench/peer.py), where a resident of the database sends ``/help`` and waits for the answer to reach the
emulator, ``--whole-users`` residents in a closed loop, each cycle another resident. Reported per engine: the
answer's latency p50 / p99 as the emulator sees it (it includes the wait for the bot's next getUpdates) and CPU
per update of the bot process and, for PostgreSQL, of the server processes serving it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if str(ROOT := Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import machine, progress, warn_if_busy, write_json
from bench.scale import build

TARGET_RATIO = 1.5
SOCKET = Path("/var/run/postgresql/.s.PGSQL.5432")
SERVER = "postgresql://postgres@%2Fvar%2Frun%2Fpostgresql" if SOCKET.exists() else "postgresql://postgres@127.0.0.1:5432"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def _server_cpu(pid: int) -> float:
    """Seconds of CPU the server process ``pid`` has used (utime + stime, /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


async def _turns(config: Any, residents: int, turns: int, seed: int) -> dict[str, Any]:
    from bot.app import App
    from bot.channels.base import Actor, Address, Incoming

    app = App(config, [])
    await app.start(background=False)
    server_pid = None
    if app.db.dialect == "postgresql":
        server_pid = int(await app.db.backend.conn.fetchval("SELECT pg_backend_pid()"))
    rng = random.Random(seed)
    found: dict[str, Any] = {}
    try:
        for kind in ("help", "vote"):
            latencies: list[float] = []
            cpu = server = 0.0
            for n in range(turns + turns // 5):  # the first fifth warms caches and prepared statements
                user = str(10**6 + rng.randint(1, residents))
                actor, address = Actor("telegram", user), Address("telegram", user)
                incoming = (Incoming(actor, address, text="/help", command="help", event_id=f"{kind}-{n}")
                            if kind == "help" else
                            Incoming(actor, address, choice=f"vote.1.{rng.randint(1, 4)}", event_id=f"{kind}-{n}"))
                before_server = _server_cpu(server_pid) if server_pid else 0.0
                before_cpu, before = time.process_time(), time.perf_counter()
                await app.dispatch(incoming)
                elapsed, used = time.perf_counter() - before, time.process_time() - before_cpu
                if n >= turns // 5:
                    latencies.append(elapsed)
                    cpu += used
                    server += (_server_cpu(server_pid) - before_server) if server_pid else 0.0
            latencies.sort()
            found[kind] = {"n": len(latencies), "p50_ms": 1000 * statistics.median(latencies),
                           "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
                           "cpu_ms": 1000 * (cpu + server) / len(latencies),
                           "server_cpu_ms": 1000 * server / len(latencies)}
    finally:
        await app.stop()
    return found


async def _vacuum_full(url: Any) -> float:
    """Seconds to rewrite the votes table, as an erasure of someone who voted does (bot/store/pg_backend.py)."""
    from bot.store.db import Database

    db = Database(url)
    await db.open()
    try:
        started = time.perf_counter()
        await db.backend.conn.execute("VACUUM FULL poll_votes")
        return time.perf_counter() - started
    finally:
        await db.close()


def _psql(sql: str, server: str, database: str = "postgres") -> str:
    import subprocess

    return subprocess.run(["psql", f"{server}/{database}", "-qAtc", sql], check=True, capture_output=True,
                          timeout=120, text=True).stdout


def _whole_turns(engine: str, database: str, users: int, seconds: float, server: str, name: str) -> dict[str, Any]:
    """``/help`` through the whole bot (``wijkbot run`` against the emulator), residents of the built database."""
    from bench.harness import Bot, Peer, config_toml, wait_for_polling
    from bench.scale import HOODS

    with Peer() as peer, tempfile.TemporaryDirectory(prefix="wijkbot-pg-turn-whole-") as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(config_toml(peer.token, peer.base_url, HOODS, database=database), encoding="utf-8")
        with Bot("wijkbot", "--config", str(config), "--rate-limit", "0") as bot:
            wait_for_polling(peer, bot)
            serving = ("SELECT pid FROM pg_stat_activity WHERE application_name = 'wijkbot'"
                       " AND datname = current_database()")
            pids = [int(pid) for pid in _psql(serving, server, name).split()] if engine == "postgresql" else []
            progress(f"pg_turn: whole turns on {engine}: {users} residents for {seconds:.0f} s")
            found = peer.call("load", timeout=seconds + 90, mix="help", users=users, warmup=2.0, duration=seconds,
                              bot_pid=bot.pid, min_updates=20, server_pids=pids)
            if bot.stop() != 0 or found["errors"]:
                raise RuntimeError(f"whole turns on {engine}: {found['first_errors']} {bot.stderr()[-1500:]}")
    return {"n": found["updates"], "p50_ms": found["p50_ms"], "p99_ms": found["p99_ms"],
            "cpu_ms": found["bot_cpu_ms_per_update"] + found["server_cpu_ms_per_update"],
            "server_cpu_ms": found["server_cpu_ms_per_update"], "per_second": found["per_second"]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--experiences", type=int, default=50_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--turns", type=int, default=300, help="measured turns of each kind per engine")
    parser.add_argument("--server", default=SERVER, help="a PostgreSQL server where this user may create databases")
    parser.add_argument("--synchronous-commit", action="store_true",
                        help="wait for each commit to reach the disk (PostgreSQL's default; SQLite's synchronous=NORMAL"
                             " that wijkbot sets does not)")
    parser.add_argument("--whole-users", type=int, default=4, help="residents sending /help to the whole bot")
    parser.add_argument("--whole-seconds", type=float, default=20.0,
                        help="measured seconds of whole turns per engine (0: none)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    from bot.config import load
    from bot.store.copy import copy
    from bot.store.url import DatabaseUrl

    warn_if_busy()
    measured_on = machine()  # with the load average before the run
    name = f"wijkbot_bench_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="wijkbot-pg-turn-") as tmp:
        directory = Path(tmp)
        progress(f"pg_turn: building {args.residents:,} residents, {args.votes:,} votes on SQLite")
        built = build(directory, args.residents, args.experiences, args.votes)
        _psql(f"CREATE DATABASE {name}", args.server)
        if not args.synchronous_commit:  # as README, "PostgreSQL", advises: the durability of SQLite's setting
            _psql(f"ALTER DATABASE {name} SET synchronous_commit = off", args.server)
        try:
            target = DatabaseUrl("postgresql", dsn=f"{args.server}/{name}", schema="bench")
            started = time.perf_counter()
            asyncio.run(copy(DatabaseUrl.sqlite(built["path"]), target, say=lambda line: None))
            copy_seconds = time.perf_counter() - started
            progress(f"pg_turn: copied to PostgreSQL in {copy_seconds:.0f} s")
            sqlite_config = load(directory / "config.toml")
            from dataclasses import replace

            results: dict[str, Any] = {}
            for engine, config in (("sqlite", sqlite_config), ("postgresql", replace(sqlite_config,
                                                                                      database_url=target))):
                progress(f"pg_turn: {args.turns} turns of each kind on {engine}")
                results[engine] = asyncio.run(_turns(config, args.residents, args.turns, seed=7))
            whole: dict[str, Any] = {}
            if args.whole_seconds > 0:
                for engine, lines in (("sqlite", f'path = "{built["path"]}"'),
                                      ("postgresql", f'url = "{target.dsn}"\nschema = "bench"')):
                    whole[engine] = _whole_turns(engine, lines, args.whole_users, args.whole_seconds, args.server,
                                                 name)
            vacuum_seconds = asyncio.run(_vacuum_full(target))
        finally:
            _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", args.server)

    summary, passed = [], True
    for kind in ("help", "vote"):
        s, p = results["sqlite"][kind], results["postgresql"][kind]
        for metric, key in (("latency p50", "p50_ms"), ("latency p99", "p99_ms"), ("CPU", "cpu_ms")):
            ratio = p[key] / s[key] if s[key] else float("inf")
            met = ratio <= TARGET_RATIO
            passed = passed and met
            summary.append({"metric": f"{kind}: {metric}, PostgreSQL / SQLite ({p[key]:.2f} / {s[key]:.2f} ms)",
                            "value": f"{ratio:.2f}", "target": f"<= {TARGET_RATIO}", "passed": met})
    if whole:  # reported, not a target
        for key, label in (("cpu_ms", "CPU"), ("p50_ms", "latency p50")):
            s, p = whole["sqlite"][key], whole["postgresql"][key]
            summary.append({"metric": f"whole /help turn (wijkbot run, emulator): {label}, PostgreSQL / SQLite "
                                      f"({p:.2f} / {s:.2f} ms)", "value": f"{p / s:.2f}", "target": "", "passed": True})
    summary.append({"metric": f"VACUUM FULL poll_votes ({built['votes']:,} votes): what an erasure of a voter costs",
                    "value": f"{vacuum_seconds:.1f} s", "target": "", "passed": True})
    for row in summary:
        verdict = ("met" if row["passed"] else "MISSED") if row["target"] else ""
        print(f"{row['metric']:<70} {row['value']:>6}  {verdict}")
    write_json(args.json, {"benchmark": "pg_turn", "machine": measured_on, "load_average_after": os.getloadavg()[0],
                           "database": built,
                           "synchronous_commit": args.synchronous_commit,
                           "copy_seconds": copy_seconds, "vacuum_full_poll_votes_seconds": vacuum_seconds,
                           "results": results, "whole_turn": whole, "server": args.server,
                           "summary": summary, "passed": passed})
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
