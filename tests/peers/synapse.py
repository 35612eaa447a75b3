"""A real Synapse homeserver on loopback, for tests.

Usage from a conftest.py::

    from tests.peers.synapse import synapse_fixture  # noqa: F401  (registers fixture "synapse")

and in a test::

    async def test_x(synapse):
        alice = await synapse.register_user("alice")
        client = await make_client(synapse, alice)
        ...
        await client.close()

One server per test session (``synapse`` fixture), on a free 127.0.0.1 port, SQLite in a temporary
directory, federation off, every rate limit raised. ``restart()`` keeps port and data, so tokens,
rooms and devices survive it. See tests/peers/matrix_notes.md for the nio recipes.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import hmac
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

SERVER_NAME = "localhost"

# Every new-style rate limiter that Synapse 1.163 reads (synapse/config/ratelimiting.py); dotted keys
# are nested. rc_federation has a different shape and is irrelevant with federation off.
_RC_KEYS = (
    "rc_message",
    "rc_registration",
    "rc_registration_token_validity",
    "rc_login.address",
    "rc_login.account",
    "rc_login.failed_attempts",
    "rc_admin_redaction",
    "rc_joins.local",
    "rc_joins.remote",
    "rc_joins_per_room",
    "rc_key_requests",
    "rc_3pid_validation",
    "rc_invites.per_room",
    "rc_invites.per_user",
    "rc_invites.per_issuer",
    "rc_third_party_invite",
    "rc_media_create",
    "rc_presence.per_user",
    "rc_delayed_event_mgmt",
    "rc_room_creation",
    "rc_reports",
    "rc_user_directory",
    "rc_profile",
)
_UNLIMITED = {"per_second": 10000, "burst_count": 100000}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rate_limits() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in _RC_KEYS:
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = dict(_UNLIMITED)
    return out


@dataclass(frozen=True)
class RegisteredUser:
    user_id: str
    access_token: str
    device_id: str
    password: str

    @property
    def localpart(self) -> str:
        return self.user_id[1:].split(":", 1)[0]


class SynapseServer:
    """A Synapse subprocess. ``start()``/``stop()``/``restart()`` are blocking (a few seconds at most);
    from async code use ``astart()``/``astop()``/``arestart()`` (they run in a thread)."""

    server_name = SERVER_NAME

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or _free_port()
        self.registration_shared_secret = secrets.token_hex(16)
        self.config_path = self.workdir / "homeserver.yaml"
        self.log_path = self.workdir / "homeserver.log"
        self.output_path = self.workdir / "stdout.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.last_start_seconds: float | None = None
        self._configured = False

    # ---------------------------------------------------------------- properties
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # ---------------------------------------------------------------- config
    def _write_config(self) -> None:
        wd = self.workdir
        log_config = {
            "version": 1,
            "formatters": {
                "precise": {"format": "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s"}
            },
            "filters": {"context": {"()": "synapse.logging.context.LoggingContextFilter", "request": ""}},
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "formatter": "precise",
                    "filename": str(self.log_path),
                    "level": "WARNING",
                    "filters": ["context"],
                    "encoding": "utf8",
                }
            },
            "root": {"level": "WARNING", "handlers": ["file"]},
            "disable_existing_loggers": False,
        }
        (wd / "log_config.yaml").write_text(yaml.safe_dump(log_config))
        config: dict[str, Any] = {
            "server_name": SERVER_NAME,
            "public_baseurl": self.base_url + "/",
            "pid_file": str(wd / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(wd / "homeserver.db")}},
            "log_config": str(wd / "log_config.yaml"),
            "media_store_path": str(wd / "media_store"),
            "signing_key_path": str(wd / "signing.key"),
            "registration_shared_secret": self.registration_shared_secret,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "enable_registration": True,
            "enable_registration_without_verification": True,
            "federation_domain_whitelist": [],
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "report_stats": False,
            "enable_metrics": False,
            "presence": {"enabled": False},
            "bcrypt_rounds": 4,
            "caches": {"sync_response_cache_duration": 0},
            "url_preview_enabled": False,
            **_rate_limits(),
        }
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        subprocess.run(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config_path), "--generate-keys"],
            cwd=wd,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=60,
        )
        self._configured = True

    # ---------------------------------------------------------------- lifecycle
    def start(self, timeout: float = 30.0) -> None:
        """Write the config (first time only), start Synapse and wait until the client API answers."""
        if self.running:
            return
        t0 = time.monotonic()
        if not self._configured:
            self._write_config()
            atexit.register(self.stop)  # no orphaned Synapse if the session ends abnormally
        out = open(self.output_path, "ab")  # noqa: SIM115 - handed to the child
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the terminal does not hit it first
            )
        finally:
            out.close()
        deadline = t0 + timeout
        delay = 0.05
        url = self.base_url + "/_matrix/client/versions"
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"synapse exited with code {self.proc.returncode} during startup\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"synapse did not answer {url} within {timeout}s\n{self.log_tail()}")
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)
        self.last_start_seconds = time.monotonic() - t0

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, wait, SIGKILL as a fallback."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def restart(self) -> None:
        """Stop and start again on the same port with the same database and keys."""
        self.stop()
        self.start()

    async def astart(self) -> None:
        await asyncio.to_thread(self.start)

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)

    async def arestart(self) -> None:
        await asyncio.to_thread(self.restart)

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for path in (self.output_path, self.log_path):
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path.name} (last {len(text)} lines)\n" + "\n".join(text))
        return "\n".join(parts) or "(no synapse log yet)"

    # ---------------------------------------------------------------- users
    async def register_user(self, localpart: str, password: str | None = None, admin: bool = False) -> RegisteredUser:
        """Create a user through the shared-secret admin API; returns its first device and token."""
        password = password or secrets.token_urlsafe(12)
        url = self.base_url + "/_synapse/admin/v1/register"
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as resp:
                resp.raise_for_status()
                nonce = (await resp.json())["nonce"]
            mac = hmac.new(self.registration_shared_secret.encode(), digestmod=hashlib.sha1)
            mac.update(nonce.encode() + b"\x00" + localpart.encode() + b"\x00" + password.encode() + b"\x00")
            mac.update(b"admin" if admin else b"notadmin")
            body = {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            }
            async with http.post(url, json=body) as resp:
                data = await resp.json()
                if resp.status != 200:
                    raise RuntimeError(f"register {localpart}: HTTP {resp.status} {data}")
        return RegisteredUser(data["user_id"], data["access_token"], data["device_id"], password)

    async def api(self, access_token: str | None, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Raw client-server API call, for what nio does not expose (e.g. ``creation_content``)."""
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        async with (
            aiohttp.ClientSession() as http,
            http.request(method, self.base_url + path, json=body, headers=headers) as resp,
        ):
            return resp.status, await resp.json(content_type=None)


# -------------------------------------------------------------------- nio helpers
async def make_client(
    server: SynapseServer,
    user: RegisteredUser,
    store_path: Path | str | None = None,
    encryption: bool = False,
    *,
    device_id: str | None = None,
    access_token: str | None = None,
    device_name: str = "wijkbot-test",
    max_timeouts: int | None = 0,
    request_timeout: float = 30,
):
    """A logged-in ``nio.AsyncClient``.

    * ``encryption=False``: ``restore_login`` with the registration token and device (no store).
    * ``encryption=True``, no ``device_id``: password login for a fresh device (``device_name``),
      store opened in ``store_path``, device keys uploaded.
    * ``encryption=True`` with ``device_id`` and ``access_token`` (from an earlier client's
      ``client.device_id``/``client.access_token``): the same device again from its store.

    ``max_limit_exceeded=0`` makes a 429 come back as an error instead of nio sleeping and retrying;
    ``max_timeouts=0`` makes a connection error raise at once (nio's default None retries forever).
    """
    import nio  # imported lazily so that importing this module for the fixture stays cheap

    if encryption and store_path is None:
        raise ValueError("encryption needs a store_path")
    if store_path is not None:
        Path(store_path).mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - instant
    config = nio.AsyncClientConfig(
        max_limit_exceeded=0,
        max_timeouts=max_timeouts,
        encryption_enabled=encryption,
        store_sync_tokens=True,
        request_timeout=request_timeout,
    )
    client = nio.AsyncClient(
        server.base_url,
        user.user_id,
        store_path=str(store_path) if store_path is not None else "",
        config=config,
    )
    if not encryption:
        client.restore_login(user.user_id, device_id or user.device_id, access_token or user.access_token)
        return client
    if device_id:
        if not access_token:
            raise ValueError("restoring an encrypted device needs its access_token too")
        client.restore_login(user.user_id, device_id, access_token)  # also load_store()
    else:
        resp = await client.login(user.password, device_name=device_name)
        if not isinstance(resp, nio.LoginResponse):
            await client.close()
            raise RuntimeError(f"login failed: {resp}")
    if client.should_upload_keys:
        resp = await client.keys_upload()
        if not isinstance(resp, nio.KeysUploadResponse):
            await client.close()
            raise RuntimeError(f"keys_upload failed: {resp}")
    return client


# -------------------------------------------------------------------- pytest fixture
@pytest.fixture(scope="session", name="synapse")
def synapse_fixture(tmp_path_factory: pytest.TempPathFactory):
    """Fixture ``synapse``: one Synapse per test session. A test that stops it must start it again.

    Import it into a conftest.py (or a test module) as ``synapse_fixture`` or ``synapse``; either
    registers the fixture name ``synapse``."""
    server = SynapseServer(tmp_path_factory.mktemp("synapse"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


synapse = synapse_fixture  # same fixture, for ``from tests.peers.synapse import synapse``


__all__ = ["SERVER_NAME", "RegisteredUser", "SynapseServer", "make_client", "synapse", "synapse_fixture"]


async def housekeeping(client: Any) -> None:
    """What sync_forever() does after each sync; needed for E2EE when syncing by hand."""
    if client.olm is None:
        return
    await client.send_to_device_messages()
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())
