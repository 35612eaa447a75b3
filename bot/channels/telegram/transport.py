"""PTB's networking backend on aiohttp instead of httpx: the same Bot API calls for a tenth of the CPU.

python-telegram-bot lets a bot bring its own HTTP client (``telegram.request.BaseRequest``, the documented
extension point). Its default, ``HTTPXRequest``, spends about 1.7 ms of CPU per call here once many calls wait
for the 16 pooled connections (httpcore re-checks every pooled connection for every request); aiohttp, which
matrix-nio already brings, spends about 0.2 ms (measured with bench/transport.py). For a bot whose button press
costs two or three Bot API calls that is most of its CPU, so the Telegram channel uses this class.

It behaves as ``HTTPXRequest`` does towards PTB: parameters go as a form (their values JSON-encoded by PTB),
uploads as multipart/form-data, and failures become PTB's own errors (``TimedOut`` for every timeout,
``NetworkError`` for the rest), so the retries in ``TelegramChannel._call`` and in PTB's updater work unchanged.
Timeouts map onto aiohttp's: connect covers waiting for a pooled connection plus opening one (so a full pool
waits up to connect + pool timeout, where httpx gives up after the pool timeout), read is the longest silence
while reading the answer; aiohttp has no separate write timeout, so the whole call is capped at read + write +
connect + pool (about 31 s for an upload with PTB's defaults). A proxy comes from the environment as httpx would
take it (``_proxy``; the variables are in the README's *Telegram* section).
A pool that stays full gives a plain TimedOut.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

KEEPALIVE = 5.0  # seconds an idle pooled connection is kept (httpx's default)


class AiohttpRequest(BaseRequest):
    """A pooled aiohttp session for one kind of Bot API traffic (PTB uses one for getUpdates, one for the rest)."""

    __slots__ = ("_connect_timeout", "_media_write_timeout", "_pool_size", "_pool_timeout", "_proxies",
                 "_read_timeout", "_session", "_write_timeout")

    def __init__(self, connection_pool_size: int = 16, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}  # "scheme://host:port" -> proxy URL, or None: go direct

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # No cookie jar: the Bot API sets none, and a jar costs work on every answer.
            # Idle connections are dropped after 5 s, as httpx does: a server that closes them sooner would
            # otherwise see a POST on a dying connection now and then, which aiohttp does not retry.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=KEEPALIVE),
                cookie_jar=aiohttp.DummyCookieJar(), headers={"User-Agent": self.USER_AGENT})
            self._proxies = {}

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None and request_data.contains_files else None
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None if read is None or write is None else read + write + (connect or 0.0) + (pool or 0.0),
            connect=None if connect is None and pool is None else (connect or 0.0) + (pool or 0.0),
            sock_connect=connect, sock_read=read)
        data: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            data = request_data.json_parameters
            if files:
                form = aiohttp.FormData(quote_fields=False)  # file names as they are, not %-escaped (as httpx)
                for name, value in data.items():
                    form.add_field(name, value)
                for name, (filename, content, mimetype) in files.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                data = form
        try:
            async with session.request(method, url, data=data, timeout=timeout, proxy=self._proxy(url)) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp's timeouts are both kinds
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err


    def _proxy(self, url: str) -> str | None:
        """The proxy for ``url`` from the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), as httpx would use it;
        looked up once per host, not on every call."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._proxies:
            proxy = urllib.request.getproxies().get(parts.scheme)
            self._proxies[key] = None if proxy is None or urllib.request.proxy_bypass(parts.hostname or "") \
                else proxy
        return self._proxies[key]


def _given(value: ODVInput[float], default: float | None) -> float | None:
    """A timeout the call passed (None included: no limit), or ours when it passed none."""
    return default if isinstance(value, DefaultValue) else value
