"""What the two-process tests run: `wijkbot run` processes, a reverse proxy in front of their webhooks, and their
configuration (PostgreSQL, Telegram by webhook from the Bot API emulator, Matrix on a real Synapse)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import aiohttp
from aiohttp import web

from bench.harness import _die_with_parent, config_head, environment

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_PATH = "/telegram"
SECRET = "cluster-webhook-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Proxy:
    """A reverse proxy as nginx would be configured (README, *Two processes*): each webhook POST goes to the backend
    ``choose`` picks, and to the other one when that one refuses the connection (``proxy_next_upstream error``)."""

    def __init__(self, backends: list[str], choose: Callable[[dict[str, Any]], int]) -> None:
        self.backends = backends
        self.choose = choose
        self.port = free_port()
        self.forwarded = [0 for _ in backends]
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        first = self.choose(json.loads(body)) % len(self.backends)
        order = [first, *[i for i in range(len(self.backends)) if i != first]]
        headers = {key: value for key, value in request.headers.items()
                   if key.lower() in ("content-type", "x-telegram-bot-api-secret-token")}
        for index in order:
            try:
                async with self._session.post(self.backends[index], data=body, headers=headers) as answer:
                    self.forwarded[index] += 1
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientConnectionError:
                continue  # that process is gone: the next one
        return web.Response(status=502)


def config_toml(*, database: str, emulator: str, token: str, webhook_port: int, proxy: str, rate_limit: int,
                homeserver: str, bot_user: str, bot_password: str, store: Path, organiser: str, room: str) -> str:
    return config_head(f'url = "{database}"') + f"""[telegram]
token = "{token}"
api_base_url = "{emulator}"
mode = "webhook"
webhook_listen = "127.0.0.1"
webhook_port = {webhook_port}
webhook_url = "{proxy}"
webhook_secret = "{SECRET}"
rate_limit = {rate_limit}
[matrix]
homeserver = "{homeserver}"
user_id = "{bot_user}"
password = "{bot_password}"
store_dir = "{store}"
organisers = ["{organiser}"]
[[neighbourhoods]]
id = "centrum"
name = "Centrum"
postcodes = ["1011"]
moderation_room = "{room}"
"""


class Wijkbot:
    """``wijkbot run --config …`` in a process of its own (it dies with the test's process)."""

    def __init__(self, config: Path, name: str) -> None:
        self.name = name
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close)
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)], cwd=ROOT,
                                        env=environment(), stdout=subprocess.DEVNULL, stderr=self._stderr,
                                        preexec_fn=_die_with_parent)

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def kill_9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    async def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            for _ in range(300):
                if self.process.poll() is not None:
                    break
                await asyncio.sleep(0.1)
            else:
                self.process.kill()
        self.process.wait(10)
        return int(self.process.returncode)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        with contextlib.suppress(OSError):
            self._stderr.close()
