"""The Telegram side of a benchmark, in a process of its own: the Bot API emulator and simulated users.

    python -m bench.peer [--rate-limit 300] [--per-chat-limits] [--latency-ms 50]

The bot under test talks HTTP to the emulator (tests/peers/botapi.py) in this process, so the emulator's
work (about 0.25 ms of CPU a request) and the simulated users' never run on the bot's core. When listening it
prints one JSON line ``{"base_url": …, "token": …, "pid": …}``; then it answers JSON commands read from stdin,
one per line, with one JSON line each:

* ``{"op": "users", "first": 700000, "count": 10000}``: Telegram users who started the bot (fan-out recipients);
* ``{"op": "polling", "wait": 30}``: wait until the bot calls getUpdates (it is up);
* ``{"op": "load", "mix": "onboard,share,share", "users": 32, "warmup": 3, "duration": 15, "bot_pid": 123}``:
  run simulated users (bench/mix.py) for ``warmup + duration`` seconds; answers the updates answered within
  the measured window, per second, latency percentiles, Bot API requests, and the CPU seconds the bot process
  (from /proc) and this process used in the window. With ``"min_updates": 40`` the window stays open past
  ``duration`` until that many updates were answered in it (at most STEP_TIMEOUT longer): a short run on a busy
  machine then still measures enough work for /proc's CPU clock, which counts in 10 ms ticks. With
  ``"server_pids": [...]`` (PostgreSQL's processes serving the bot) their CPU in the window is answered too;
* ``{"op": "sends", "count": 10000, "wait": 120}``: wait until that many messages were sent; answers the
  achieved rate (messages after the first, over the time from the first to the last) and the 429 answers;
  with ``"first"`` (a chat id) only messages to chats from there on count, the others are ``"other"``;
* ``{"op": "probe", "users": 4, "interval": 4, "duration": 30, "text": "/help", "expect": "text:/share"}``:
  residents who each send ``text`` every ``interval`` seconds (staggered, an open loop) and wait for the
  answer; answers the latency percentiles of the answers (bench/latency.py);
* ``{"op": "quit"}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if str(ROOT := Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.mix import Scenario, Step, parse
from tests.peers.botapi import BotApiEmulator, EmuChat, EmuUser, StoredMessage
from tests.peers.botapi_methods import MethodSpec
from tests.peers.botapi_model import Params

TOKEN = "123456:BENCH-token_abcdefghij"
USERNAME = "wijkbot_bench_bot"
STEP_TIMEOUT = 30.0  # seconds a simulated user waits for the bot's answer before counting an error
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of a process so far (from /proc; this process when ``pid`` is None)."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def living_cpu_seconds(pids: tuple[int, ...]) -> dict[int, float]:
    """``cpu_seconds`` of each of ``pids`` still running (a server process may end meanwhile)."""
    found: dict[int, float] = {}
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            found[pid] = cpu_seconds(pid)
    return found


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


class BenchEmulator(BotApiEmulator):
    """The emulator, plus what a benchmark watches: each chat's next bot message (or edit), and when each send
    arrived."""

    def __init__(self, latency: float = 0.0, **options: Any) -> None:
        super().__init__(token=TOKEN, username=USERNAME, **options)
        self.latency = latency  # seconds added before every Bot API answer but getUpdates': Telegram's distance
        self.watchers: dict[int, Callable[[StoredMessage], None]] = {}
        self.send_times: list[float] = []
        self.send_chats: list[int] = []

    def _store_message(self, chat: EmuChat, stored: StoredMessage) -> None:
        super()._store_message(chat, stored)
        if stored.from_bot:
            watcher = self.watchers.get(chat.id)
            if watcher is not None:
                watcher(stored)

    def _edit_bot_message(self, stored: StoredMessage, changes: dict[str, Any], not_modified: str) -> StoredMessage:
        edited = super()._edit_bot_message(stored, changes, not_modified)
        watcher = self.watchers.get(edited.chat_id)
        if watcher is not None:  # a pressed question that became the answer (wijkbot answers presses in place)
            watcher(edited)
        return edited

    async def _run(self, spec: MethodSpec, params: Params) -> Any:
        if self.latency and spec.name != "getUpdates":
            await asyncio.sleep(self.latency)
        return await super()._run(spec, params)

    def _record_send(self, chat: EmuChat) -> None:
        super()._record_send(chat)
        self.send_times.append(time.monotonic())
        self.send_chats.append(chat.id)


def matches(message: StoredMessage, expect: str, counter: int) -> bool:
    kind, _, wanted = expect.partition(":")
    wanted = wanted.replace("{n}", str(counter))
    if kind == "text":
        return wanted in (message.text or message.data.get("caption") or "")
    return any(button.get("text") == wanted for row in message.buttons() for button in row)


class Load:
    """Simulated users running a mix as fast as the bot answers them (a closed loop: one update at a time each)."""

    def __init__(self, emu: BenchEmulator, scenarios: list[Scenario], first_user: int) -> None:
        self.emu = emu
        self.scenarios = scenarios
        self.next_user = first_user
        self.done: list[tuple[float, float, str]] = []  # (sent at, answered at, scenario) per step
        self.errors: list[str] = []
        self.counter = 0
        self.stopping = False
        self.answered = asyncio.Event()  # set whenever a step is answered

    def new_user(self) -> EmuUser:
        self.next_user += 1
        return self.emu.user(self.next_user, first_name=f"Bewoner{self.next_user}", language_code="en")

    async def step(self, user: EmuUser, step: Step, last: StoredMessage | None, scenario: str) -> StoredMessage:
        loop = asyncio.get_running_loop()
        arrived: asyncio.Future[StoredMessage] = loop.create_future()
        self.counter += 1
        counter = self.counter

        def watch(message: StoredMessage) -> None:
            if not arrived.done() and matches(message, step.expect, counter):
                message.consumed = True
                arrived.set_result(message)

        self.emu.watchers[user.chat.id] = watch
        started = time.monotonic()
        if step.action == "text":
            await user.send(step.value.replace("{n}", str(counter)))
        else:
            if last is None:
                raise RuntimeError(f"{scenario}: a press needs the message of the step before")
            await user.press_button(last, step.value)
        try:
            async with asyncio.timeout(STEP_TIMEOUT):  # not wait_for: in 3.11 it can swallow a cancellation
                message = await arrived
        except TimeoutError:
            seen = [m.text for m in self.emu.messages(user.chat.id)][-3:]
            raise RuntimeError(f"{scenario}: no answer {step.expect!r} to {step.action} {step.value[:30]!r} within "
                               f"{STEP_TIMEOUT:.0f} s; last bot messages: {seen}") from None
        finally:
            self.emu.watchers.pop(user.chat.id, None)
        self.done.append((started, time.monotonic(), scenario))
        self.answered.set()
        return message

    async def simulated_user(self) -> None:
        user: EmuUser | None = None
        while not self.stopping:
            for scenario in self.scenarios:
                if scenario.fresh or user is None:
                    user = self.new_user()
                last: StoredMessage | None = None
                for step in scenario.steps:
                    try:
                        last = await self.step(user, step, last, scenario.name)
                    except RuntimeError as exc:
                        self.errors.append(str(exc))
                        user = None
                        break
                if user is None:
                    break

    async def at_least(self, count: int, begin: float, deadline: float) -> None:
        """Wait until ``count`` steps were answered since ``begin``, or until ``deadline`` (monotonic)."""
        while sum(1 for _, answered, _ in self.done if answered >= begin) < count:
            self.answered.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self.answered.wait()

    async def run(self, users: int, warmup: float, duration: float, bot_pid: int | None,
                  min_updates: int = 0, server_pids: tuple[int, ...] = ()) -> dict[str, Any]:
        tasks = [asyncio.create_task(self.simulated_user()) for _ in range(users)]
        try:
            await asyncio.sleep(warmup)
            begin, requests0 = time.monotonic(), self.emu.stats["requests"]
            bot0, peer0 = (cpu_seconds(bot_pid) if bot_pid else 0.0), cpu_seconds()
            server0 = living_cpu_seconds(server_pids)
            await asyncio.sleep(duration)
            await self.at_least(min_updates, begin, begin + duration + STEP_TIMEOUT)
            end, requests1 = time.monotonic(), self.emu.stats["requests"]
            bot1, peer1 = (cpu_seconds(bot_pid) if bot_pid else 0.0), cpu_seconds()
            server1 = living_cpu_seconds(server_pids)
        finally:
            self.stopping = True
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        window = [(s, a, name) for s, a, name in self.done if begin <= a < end]
        latencies = [(a - s) * 1000 for s, a, _ in window]
        seconds = end - begin
        per_scenario: dict[str, int] = {}
        for _, _, name in window:
            per_scenario[name] = per_scenario.get(name, 0) + 1
        return {
            "updates": len(window),
            "seconds": seconds,
            "per_second": len(window) / seconds,
            "p50_ms": percentile(latencies, 0.50),
            "p99_ms": percentile(latencies, 0.99),
            "mean_ms": statistics.fmean(latencies) if latencies else float("nan"),
            "requests": requests1 - requests0,
            "requests_per_update": (requests1 - requests0) / len(window) if window else float("nan"),
            "bot_cpu_seconds": bot1 - bot0,
            "bot_cpu_ms_per_update": (bot1 - bot0) * 1000 / len(window) if window else float("nan"),
            "server_cpu_ms_per_update": sum(server1[pid] - server0[pid] for pid in server1.keys() & server0.keys())
            * 1000 / len(window) if window else float("nan"),
            "peer_cpu_share": (peer1 - peer0) / seconds,
            "per_scenario": per_scenario,
            "errors": len(self.errors),
            "first_errors": self.errors[:3],
        }


async def serve(args: argparse.Namespace) -> None:
    emu = BenchEmulator(latency=args.latency_ms / 1000, rate_limit_per_second=args.rate_limit or None,
                        per_chat_limits=args.per_chat_limits, record_calls=False)
    await emu.start()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def say(payload: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()

    say({"base_url": emu.base_url, "token": TOKEN, "username": USERNAME, "pid": os.getpid()})
    try:
        while line := await reader.readline():
            command = json.loads(line)
            op = command.pop("op")
            try:
                if op == "quit":
                    say({"ok": True})
                    return
                say({"ok": True, **await handle(emu, op, command)})
            except Exception as exc:  # report to the coordinator instead of dying silently
                say({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    finally:
        await emu.stop()


async def handle(emu: BenchEmulator, op: str, command: dict[str, Any]) -> dict[str, Any]:
    if op == "users":
        first, count = int(command["first"]), int(command["count"])
        for user_id in range(first, first + count):
            emu.user(user_id, first_name=f"R{user_id}", started=True)
        gc.freeze()  # thousands of users: keep the collector's full passes from stalling the emulator mid-run
        # and none at all while it measures: a pause of the emulator's loop (tens of ms with 10,000 chats) stamps
        # the requests that waited through it late and bunched, and its sliding window then answered 429 to a bot
        # that kept its pace (bench/latency.py: 6 in 10,000 with the collector on, 0 with it off). Telegram stamps
        # a request when it arrives. The peer lives for one benchmark, so what it does not collect stays small.
        gc.disable()
        return {"users": count}
    if op == "polling":
        await emu.wait_until(lambda: emu.queue._poll_generation > 0, timeout=float(command.get("wait", 30)),
                             what="the bot to poll")
        return {}
    if op == "load":
        load = Load(emu, parse(str(command["mix"])), int(command.get("first_user", 1_000_000)))
        return await load.run(int(command["users"]), float(command["warmup"]), float(command["duration"]),
                              command.get("bot_pid"), int(command.get("min_updates", 0)),
                              tuple(int(pid) for pid in command.get("server_pids", ())))
    if op == "probe":
        return await probe(emu, int(command["users"]), float(command["interval"]), float(command["duration"]),
                           str(command["text"]), str(command["expect"]), int(command.get("first_user", 2_000_000)))
    if op == "sends":
        count, timeout, first = int(command["count"]), float(command.get("wait", 120)), int(command.get("first", 0))

        def counted() -> list[float]:
            return [at for at, chat in zip(emu.send_times, emu.send_chats, strict=True) if chat >= first]

        with contextlib.suppress(TimeoutError):
            await emu.wait_until(lambda: len(counted()) >= count, timeout=timeout, what=f"{count} sends")
        times, everything = counted(), emu.send_times
        span = times[-1] - times[0] if len(times) > 1 else float("nan")
        other = [at for at, chat in zip(everything, emu.send_chats, strict=True)
                 if chat < first and times and times[0] <= at <= times[-1]]
        return {"sent": len(times), "span_seconds": span, "per_second": (len(times) - 1) / span if len(times) > 1
                else float("nan"), "status_429": emu.stats["429"], "requests": emu.stats["requests"],
                "status_429_overall": emu.stats["429_overall"], "status_429_chat": emu.stats["429_chat"],
                "other_in_span": len(other), "max_in_any_second": max_in_window(everything, 1.0),
                "per_second_timeline": [sum(1 for at in times if times[0] + second <= at < times[0] + second + 1)
                                        for second in range(int(span) + 1)] if len(times) > 1 else []}
    raise ValueError(f"unknown op {op!r}")


async def probe(emu: BenchEmulator, users: int, interval: float, duration: float, text: str, expect: str,
                first_user: int) -> dict[str, Any]:
    """Residents who each send ``text`` every ``interval`` seconds and wait for an answer matching ``expect``."""
    load = Load(emu, [], first_user)
    latencies: list[float] = []
    step = Step("text", text, expect)

    async def resident(offset: float) -> None:
        user = load.new_user()
        await asyncio.sleep(offset)
        begin = time.monotonic()
        while (started := time.monotonic()) < begin + duration:
            try:
                await load.step(user, step, None, "probe")
                latencies.append(load.done[-1][1] - load.done[-1][0])
            except RuntimeError as exc:
                load.errors.append(str(exc))
            await asyncio.sleep(max(0.0, started + interval - time.monotonic()))

    await asyncio.gather(*(resident(interval * n / users) for n in range(users)))
    ms = [latency * 1000 for latency in latencies]
    return {"answers": len(ms), "p50_ms": percentile(ms, 0.50), "p99_ms": percentile(ms, 0.99),
            "max_ms": max(ms, default=float("nan")), "errors": len(load.errors), "first_errors": load.errors[:3]}


def max_in_window(times: list[float], span: float) -> int:
    """The most sends in any window of ``span`` seconds (what a sliding-window rate limit sees)."""
    best, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - span:
            start += 1
        best = max(best, end - start + 1)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rate-limit", type=int, default=0, help="messages per second overall (0: none)")
    parser.add_argument("--per-chat-limits", action="store_true", help="1 message/s per private chat, 20/min a group")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added before every answer but getUpdates'")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
