"""What the benchmarks share: the peer process (emulator + simulated users), the bot process under test, a
benchmark script's own server child, a configuration file for the bot, residents seeded in PostgreSQL, and reading
a process's CPU and memory from /proc. The two-process tests (tests/cluster/) use the configuration and the
seeding too."""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def progress(message: str) -> None:
    """What a benchmark is doing now, on stderr (the table goes to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[variable] = "1"  # the bot's own numpy (deliberation math) must not spread over the peer's core
    return env


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the coordinator dies, so no bot or emulator is left behind."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def peak_rss_mb(pid: int) -> float:
    """The most resident memory the process ever had (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Peer:
    """``python -m bench.peer`` as a child process, driven by JSON lines."""

    def __init__(self, rate_limit: int = 0, per_chat_limits: bool = False, latency_ms: float = 0.0) -> None:
        command = [sys.executable, "-m", "bench.peer", "--rate-limit", str(rate_limit), "--latency-ms",
                   str(latency_ms)]
        if per_chat_limits:
            command.append("--per-chat-limits")
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close)
        self.process = subprocess.Popen(command, cwd=ROOT, env=environment(), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self._stderr, text=True,
                                        preexec_fn=_die_with_parent)
        hello = self._read(60.0)
        self.base_url: str = hello["base_url"]
        self.token: str = hello["token"]
        self.pid: int = hello["pid"]

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            self.process.kill()
            raise RuntimeError(f"the benchmark peer did not answer within {timeout:.0f} s: {self.stderr()[-2000:]}")
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the benchmark peer stopped: {self.stderr()[-2000:]}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def call(self, op: str, timeout: float = 120.0, **arguments: Any) -> dict[str, Any]:
        """Send one command; ``timeout`` is how long its answer may take (beyond that the peer is killed)."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self.process.stdin.flush()
        answer = self._read(timeout)
        if not answer.get("ok"):
            raise RuntimeError(f"peer {op} failed: {answer.get('error')}")
        return answer

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.call("quit")
                self.process.wait(10)
            except (RuntimeError, OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(10)
        for stream in (self.process.stdin, self.process.stdout):  # its pipes, or they stay open until collected
            if stream is not None:
                stream.close()
        self._stderr.close()

    def __enter__(self) -> Peer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class Bot:
    """``python -m bench.botproc …`` as a child process; ``stop`` sends SIGTERM and reports its peak memory."""

    def __init__(self, *arguments: str) -> None:
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close)
        self.process = subprocess.Popen([sys.executable, "-m", "bench.botproc", *arguments], cwd=ROOT,
                                        env=environment(), stdout=subprocess.DEVNULL, stderr=self._stderr,
                                        preexec_fn=_die_with_parent)
        self.pid = self.process.pid
        self.peak_rss_mb = float("nan")

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.peak_rss_mb = peak_rss_mb(self.pid)
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode

    def __enter__(self) -> Bot:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
        self._stderr.close()


class ServerChild:
    """A benchmark script run again with ``--server`` as a child process (so its CPU is not the coordinator's): it
    prints one JSON line with at least its ``pid`` on stdout, then serves until its stdin closes. ``what`` names it
    in the error when no line comes within ``timeout`` seconds; the line is ``hello``."""

    def __init__(self, script: str, what: str, timeout: float) -> None:
        self.process = subprocess.Popen([sys.executable, str(Path(script).resolve()), "--server"], cwd=ROOT,
                                        env=environment(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        preexec_fn=_die_with_parent)
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.close()
            raise RuntimeError(f"the benchmark's {what} did not start")
        self.hello: dict[str, Any] = json.loads(line)
        self.pid: int = self.hello["pid"]

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def config_toml(token: str, base_url: str, neighbourhoods: tuple[str, ...] = ("centrum", "noord"),
                flood_messages: int = 0, channel: str | None = None, chat_rate_limit: float | None = None,
                database: str = 'path = "wijkbot.sqlite3"') -> str:
    """A wijkbot configuration with Telegram at ``base_url`` (or ``channel``, another channel's section), SQLite
    beside the file (or ``database``: the lines of another ``[database]`` section) and no moderation rooms (no
    Matrix channel runs, so their outbox rows would only wait). Also
    used by the crash tests. Flood protection is off unless asked for: a simulated user in a closed loop sends
    several messages a second. ``chat_rate_limit`` overrides Telegram's real per-chat pacing (1/s); only a
    benchmark that says so in its docstring and README row sets it."""
    hoods = "".join(f'\n[[neighbourhoods]]\nid = "{hood}"\nname = "{hood.title()}"\n' for hood in neighbourhoods)
    section = channel if channel is not None else f'[telegram]\ntoken = "{token}"\napi_base_url = "{base_url}"\n'
    if channel is None and chat_rate_limit is not None:
        section += f"chat_rate_limit = {chat_rate_limit}\n"
    return config_head(database, flood_messages) + section + hoods


def config_head(database: str, flood_messages: int = 0) -> str:
    """The sections every test configuration starts with: the municipality (Teststad), its five languages, its
    privacy contact, ``[database]`` with the lines ``database`` and ``[limits]`` with ``flood_messages``."""
    return f"""
[municipality]
name = "Gemeente Teststad"
timezone = "Europe/Amsterdam"
[languages]
offered = ["nl", "en", "tr", "ar", "pl"]
default = "nl"
[privacy]
controller = "Gemeente Teststad"
contact = "privacy@teststad.nl"
statement_url = "https://teststad.nl/privacy"
[database]
{database}
[limits]
flood_messages = {flood_messages}
"""


def write_config(directory: Path, peer: Peer, neighbourhoods: int = 2, flood_messages: int = 0) -> Path:
    """A benchmark's configuration: Telegram against the peer's emulator, SQLite in ``directory`` (or, when
    ``WIJKBOT_BENCH_POSTGRESQL`` names a PostgreSQL database, a schema of its own there)."""
    path = directory / "config.toml"
    hoods = ("centrum", "noord", "oost", "west")[:neighbourhoods]
    path.write_text(config_toml(peer.token, peer.base_url, hoods, flood_messages, database=database_lines(directory)),
                    encoding="utf-8")
    return path


def database_lines(directory: Path) -> str:
    """The ``[database]`` lines for a benchmark's bot in ``directory`` (see ``write_config``)."""
    url = os.environ.get("WIJKBOT_BENCH_POSTGRESQL")
    if not url:
        return 'path = "wijkbot.sqlite3"'
    schema = "bench_" + hashlib.sha1(str(directory).encode()).hexdigest()[:12]
    return f'url = "{url}"\nschema = "{schema}"'


async def seed_postgresql_residents(dsn: str, first_chat: int, languages: Sequence[str]) -> None:
    """Telegram residents of Centrum who follow it and never have quiet hours, in bulk into the migrated
    PostgreSQL database ``dsn`` (plain asyncpg: seeding is not measured): the n-th has chat id ``first_chat + n``
    and speaks ``languages[n]``."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.executemany(
            "INSERT INTO residents (channel, user_id, chat_id, language, neighbourhood_id, consent_at, created_at,"
            " feedback_mode, quiet_start, quiet_end, follows_neighbourhood) VALUES ('telegram', $1, $1, $2,"
            " 'centrum', '2026-01-01T00:00:00', '2026-01-01T00:00:00', 'direct', '00:00', '00:00', 1)",
            [(str(first_chat + n), language) for n, language in enumerate(languages)])
    finally:
        await conn.close()


def wait_for_polling(peer: Peer, bot: Bot, timeout: float = 60.0) -> None:
    try:
        peer.call("polling", timeout=timeout + 10, wait=timeout)
    except RuntimeError:
        raise RuntimeError(f"the bot did not start polling: {bot.stderr()[-3000:]}") from None


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal:"))
    except (OSError, StopIteration, ValueError):
        memory_kb = 0
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_gb": round(memory_kb / 2**20, 1),
            "python": sys.version.split()[0], "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "load_average_before": os.getloadavg()[0]}


def warn_if_busy() -> None:
    """Other work on these two cores skews every number: say so before measuring."""
    load = os.getloadavg()[0]
    if load > 0.5:
        progress(f"warning: load average {load:.1f} before the run; other processes share these cores")


def write_json(path: Path | None, report: dict[str, Any]) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
