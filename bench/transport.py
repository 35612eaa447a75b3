"""Benchmark: the CPU one Bot API call costs the bot, through PTB's HTTPXRequest and through wijkbot's AiohttpRequest.

    python bench/transport.py [--requests 4000] [--concurrency 64] [--warmup 200] [--json out.json]

The harness: a small aiohttp server answers like the Bot API (getMe, and a sendMessage-like ``Message`` for any
other method, after parsing the form as Telegram must) in its own process: this script with ``--server``, so its
CPU is not counted. This process then drives a real ``telegram.Bot`` with each transport in turn, built alike
(``connection_pool_size=16`` as the Telegram channel uses, generous timeouts so none expires): ``--concurrency``
tasks call ``send_message`` until ``--requests`` calls are done, as a busy bot's handlers do when more calls wait
than the pool has connections (bot/channels/telegram/transport.py explains why that is where httpx is slow).
``--warmup`` calls first, unmeasured, open the pooled connections and warm the code paths.

Reported per transport: the calls, this process's CPU (``time.process_time``: user + system, all threads) per
call, and calls per second of wall time (bounded by the server on a small machine, so only a rough guide). Both
rows include PTB's own work per call (building the request, parsing the ``Message``); the third row, "none (PTB
only)", is that work alone (the same calls answered in memory, no HTTP), so a row minus it is the transport's.

Target: AiohttpRequest costs at most half the CPU per call of HTTPXRequest, PTB's own work included (the reason
the channel uses it; the transports alone differ about tenfold). Exit status 1 when it does not.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if str(ROOT := Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import ServerChild, machine, progress, warn_if_busy, write_json
from bench.peer import cpu_seconds

TOKEN = "123456:BENCH-token_abcdefghij"
CHAT_ID = 700_001
TEXT = "Dank je wel! Je melding over de kapotte lantaarn in de Kerkstraat is doorgestuurd naar de gemeente."
POOL = 16
TIMEOUT = 30.0  # seconds, every kind: a benchmark call must not time out
TARGET_RATIO = 0.5
NO_TRANSPORT = "none (PTB only)"
ME = {"id": 123456, "is_bot": True, "first_name": "Wijkbot", "username": "wijkbot_bench_bot"}


# ----------------------------------------------------------------------------------------- the server process


def serve() -> None:
    """The Bot API stand-in: prints ``{"port": …, "pid": …}`` on stdout, serves until stdin closes."""
    from aiohttp import web

    message_ids = itertools.count(1)

    async def answer(request: web.Request) -> web.Response:
        form = await request.post()
        if request.match_info["method"] == "getMe":
            return web.json_response({"ok": True, "result": ME})
        chat = {"id": int(str(form.get("chat_id", CHAT_ID))), "type": "private", "first_name": "Anna"}
        return web.json_response({"ok": True, "result": {
            "message_id": next(message_ids), "from": ME, "chat": chat, "date": int(time.time()),
            "text": str(form.get("text", ""))}})

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", answer)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        print(json.dumps({"port": runner.addresses[0][1], "pid": os.getpid()}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the coordinator closes it
        await runner.cleanup()

    asyncio.run(main())


class Server(ServerChild):
    """``python bench/transport.py --server`` as a child process."""

    def __init__(self) -> None:
        super().__init__(__file__, "Bot API server", timeout=30.0)
        self.base_url = f"http://127.0.0.1:{self.hello['port']}/bot"


# ----------------------------------------------------------------------------------------------- the client


def transports() -> dict[str, Callable[[int], Any]]:
    """Each transport, built alike: pool size -> a PTB ``BaseRequest``; last, none (PTB's own share)."""
    from telegram.request import BaseRequest, HTTPXRequest, RequestData

    from bot.channels.telegram.transport import AiohttpRequest

    class Canned(BaseRequest):
        """No HTTP at all: every call answered at once, in memory, with what the server would answer."""

        def __init__(self) -> None:
            message = {"message_id": 1, "from": ME, "chat": {"id": CHAT_ID, "type": "private", "first_name": "Anna"},
                       "date": 1_700_000_000, "text": TEXT}
            self.answers = {"getMe": json.dumps({"ok": True, "result": ME}).encode(),
                            "sendMessage": json.dumps({"ok": True, "result": message}).encode()}

        @property
        def read_timeout(self) -> float | None:
            return TIMEOUT

        async def initialize(self) -> None:
            pass

        async def shutdown(self) -> None:
            pass

        async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                             *args: Any, **kwargs: Any) -> tuple[int, bytes]:
            if request_data is not None:
                _ = request_data.json_parameters  # the encoding every real transport asks PTB for
            return 200, self.answers[url.rsplit("/", 1)[1]]

    return {
        "HTTPXRequest": lambda pool: HTTPXRequest(pool, read_timeout=TIMEOUT, write_timeout=TIMEOUT,
                                                  connect_timeout=TIMEOUT, pool_timeout=TIMEOUT),
        "AiohttpRequest": lambda pool: AiohttpRequest(pool, read_timeout=TIMEOUT, write_timeout=TIMEOUT,
                                                      connect_timeout=TIMEOUT, pool_timeout=TIMEOUT),
        NO_TRANSPORT: lambda pool: Canned(),
    }


async def drive(make: Callable[[int], Any], base_url: str, server_pid: int, requests: int, concurrency: int,
                warmup: int) -> dict[str, Any]:
    """``requests`` send_message calls by ``concurrency`` tasks through one transport; CPU and wall time."""
    import telegram

    async def calls(count: int) -> None:
        for _ in range(count):
            await bot.send_message(CHAT_ID, TEXT)

    def share(total: int) -> list[int]:
        tasks = max(1, min(concurrency, total))
        return [total // tasks + (1 if n < total % tasks else 0) for n in range(tasks)]

    bot = telegram.Bot(TOKEN, base_url=base_url, request=make(POOL), get_updates_request=make(1))
    async with bot:
        await asyncio.gather(*(calls(n) for n in share(warmup)))
        gc.collect()
        server_before = cpu_seconds(server_pid)
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        await asyncio.gather(*(calls(n) for n in share(requests)))
        cpu, wall = time.process_time() - cpu_before, time.perf_counter() - wall_before
        server_cpu = cpu_seconds(server_pid) - server_before
    return {"calls": requests, "cpu_seconds": cpu, "wall_seconds": wall, "cpu_ms_per_call": cpu * 1000 / requests,
            "calls_per_second": requests / wall, "server_cpu_ms_per_call": server_cpu * 1000 / requests}


def run(requests: int, concurrency: int, warmup: int) -> dict[str, Any]:
    warn_if_busy()
    rows = []
    with Server() as server:
        for name, make in transports().items():
            progress(f"transport: {name}, {requests} calls by {concurrency} tasks")
            rows.append({"transport": name, **asyncio.run(
                drive(make, server.base_url, server.pid, requests, concurrency, warmup))})
    httpx, ours, _ = rows
    ratio = ours["cpu_ms_per_call"] / httpx["cpu_ms_per_call"]
    passed = ratio <= TARGET_RATIO
    return {
        "benchmark": "transport",
        "requests": requests,
        "concurrency": concurrency,
        "warmup": warmup,
        "pool": POOL,
        "rows": rows,
        "ratio": ratio,
        "target_ratio": TARGET_RATIO,
        "passed": passed,
        "machine": machine(),
        "summary": [
            {"metric": "HTTPXRequest CPU per Bot API call (ms)", "value": round(httpx["cpu_ms_per_call"], 3),
             "target": ""},
            {"metric": "AiohttpRequest CPU per Bot API call (ms)", "value": round(ours["cpu_ms_per_call"], 3),
             "target": ""},
            {"metric": "AiohttpRequest / HTTPXRequest CPU per call", "value": round(ratio, 3),
             "target": f"<= {TARGET_RATIO}", "passed": passed},
        ],
    }


def table(report: dict[str, Any]) -> str:
    lines = [f"{'transport':<16} {'calls':>7} {'CPU ms/call':>12} {'calls/s wall':>13}"]
    for row in report["rows"]:
        lines.append(f"{row['transport']:<16} {row['calls']:>7} {row['cpu_ms_per_call']:>12.3f}"
                     f" {row['calls_per_second']:>13.0f}")
    verdict = "pass" if report["passed"] else "FAIL"
    lines.append(f"AiohttpRequest / HTTPXRequest CPU = {report['ratio']:.2f} (target <= {report['target_ratio']}):"
                 f" {verdict}; {report['concurrency']} concurrent calls over {report['pool']} connections")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=4000, help="measured calls per transport")
    parser.add_argument("--concurrency", type=int, default=64, help="calls in flight at once")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured calls per transport first")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--server", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if args.server:
        serve()
        return 0
    if args.requests < 1 or args.concurrency < 1 or args.warmup < 0:
        parser.error("--requests and --concurrency must be positive, --warmup not negative")
    report = run(args.requests, args.concurrency, args.warmup)
    print(table(report))
    write_json(args.json, report)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
