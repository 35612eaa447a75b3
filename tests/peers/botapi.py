"""A Telegram Bot API emulator on 127.0.0.1 for tests and benchmarks.

The unmodified python-telegram-bot client talks to it over real HTTP::

    async with BotApiEmulator(token="123456:TEST", username="wijkbot_test_bot") as emu:
        bot = telegram.Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)
        anna = emu.user(id=1001, first_name="Anna", language_code="nl")
        await anna.send("/start nieuwwest")
        ...  # the bot polls getUpdates (or gets webhook POSTs) and answers
        reply = await emu.wait_for_message(anna)          # StoredMessage, event driven
        query_id = await anna.press_button(reply, "Ja")   # a callback_query update
        answer = await emu.wait_for_answer(query_id)      # what answerCallbackQuery said

Bot side (botapi_methods.METHODS): getMe, logOut, close, getUpdates, setWebhook,
deleteWebhook, getWebhookInfo, sendMessage, editMessageText, editMessageCaption,
editMessageReplyMarkup, deleteMessage(s), answerCallbackQuery, sendChatAction, sendPhoto,
sendDocument, sendLocation, getFile (+ GET /file/bot<token>/<file_path>), sendPoll, stopPoll,
set/get/deleteMyCommands, set/getMyDescription, set/getMyShortDescription (``botapi_profile``),
set/getChatMenuButton, getChat, leaveChat, getChatMember. Any other method answers 404 like
Telegram; a real Bot API method that is not emulated is listed in ``emu.unemulated`` (PTB raises
every 404 as ``InvalidToken``).

People side: ``emu.user(...)`` -> ``EmuUser`` (send, send_photo, send_document,
send_location, edit, press, press_button, vote, block, unblock); ``emu.group(...)`` ->
``EmuChat``. Inspection: ``messages``, ``history``, ``message``, ``last_message``, ``calls``,
``calls_to``, ``commands``, ``visible_commands``, ``descriptions``, ``visible_description``,
``answered_callbacks``, ``files``, ``file_bytes``, ``polls``, ``chat_actions``, ``updates``,
``pending_updates``, ``stats``, ``sent_per_second``. Waiting: ``wait_until``, ``wait_for_message``, ``wait_for_call``,
``wait_for_answer``, ``wait_confirmed``. Faults and limits: ``fail_next``, ``delay_next``,
``rate_limit_per_second=``, ``per_chat_limits=``, ``redeliver``, ``drop_pending_updates``.

See ``botapi_updates`` for getUpdates/webhook semantics and ``botapi_format`` for parse
modes, entities and trimming.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import re
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from .botapi_methods import METHODS, Answer, MethodSpec
from .botapi_model import (
    NOT_FOUND,
    UNAUTHORIZED,
    ApiCall,
    ApiError,
    CallbackAnswer,
    Params,
    PollState,
    StoredFile,
    StoredMessage,
    UploadedFile,
    bad_request,
    make_png,
    too_many_requests,
)
from .botapi_more_methods import BotApiMethods
from .botapi_state import EmulatorState
from .botapi_updates import UpdateQueue
from .botapi_users import EmuChat, EmuUser

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiEmulator",
    "CallbackAnswer",
    "EmuChat",
    "EmuUser",
    "PollState",
    "StoredFile",
    "StoredMessage",
    "UploadedFile",
    "make_png",
]

T = TypeVar("T")
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_API_PATH = re.compile(r"^/bot([^/]*)/([^/]*)/?$")
_FILE_PATH = re.compile(r"^/file/bot([^/]*)/(.+)$")


@functools.cache
def _bot_api_method_names() -> frozenset[str]:
    """Every Bot API method name PTB knows (its camelCase aliases), lower-cased."""
    import telegram

    return frozenset(name.lower() for name in dir(telegram.Bot) if re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)+", name))


def _dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    count: int


@dataclass
class _Delay:
    seconds: float
    before: bool
    count: int


_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: "Forbidden: injected failure",
    404: "Not Found",
    409: "Conflict: injected failure",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class BotApiEmulator(EmulatorState):
    """The Telegram side of a bot: Bot API server, chats, users and their updates."""

    def __init__(
        self,
        token: str = "123456:TEST",
        username: str = "wijkbot_test_bot",
        *,
        first_name: str = "Wijkbot Test",
        privacy_mode: bool = True,
        rate_limit_per_second: int | None = None,
        per_chat_limits: bool = False,
        strict_params: bool = True,
        require_https_webhook: bool = False,
        webhook_retry_delay: float = 0.05,
        webhook_max_attempts: int = 8,
        webhook_timeout: float = 10.0,
        callback_query_timeout: float | None = None,
        record_calls: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not _TOKEN_RE.match(token):
            raise ValueError(f"not a bot token: {token!r}")
        super().__init__(
            token,
            username,
            first_name,
            privacy_mode=privacy_mode,
            callback_query_timeout=callback_query_timeout,
            clock=clock,
        )
        self.rate_limit_per_second = rate_limit_per_second
        self.per_chat_limits = per_chat_limits
        self.strict_params = strict_params
        self.require_https_webhook = require_https_webhook
        self.record_calls = record_calls
        self.host = host
        self.port = port
        self.queue = UpdateQueue(
            self, retry_delay=webhook_retry_delay, max_attempts=webhook_max_attempts, timeout=webhook_timeout
        )
        self.methods = BotApiMethods(self)
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, deque[_Delay]] = {}
        self._consumed_calls: set[int] = set()
        self._runner: web.AppRunner | None = None
        self.unemulated: list[str] = []  # real Bot API methods called that the emulator lacks (answered 404)

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For PTB's ``base_url``: PTB requests ``{base_url}{token}/{method}``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=2.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        await self.queue.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -------------------------------------------------------------------- HTTP

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        match = _FILE_PATH.match(request.path)
        if match:
            return self._download(match.group(1), match.group(2))
        match = _API_PATH.match(request.path)
        if not match:
            return self._json(NOT_FOUND.payload(), 404)
        token, method = match.groups()
        if not _TOKEN_RE.match(token):
            return self._json(NOT_FOUND.payload(), 404)
        if token != self.token:
            return self._json(UNAUTHORIZED.payload(), 401)
        try:
            values, files = await self._read_params(request)
        except ApiError as error:
            return self._json(error.payload(), error.status)
        status, payload = await self._execute(method, Params(values, files))
        return self._json(payload, status)

    @staticmethod
    def _json(payload: Any, status: int) -> web.Response:
        return web.Response(text=_dumps(payload), status=status, content_type="application/json")

    @staticmethod
    async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        values: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if not request.can_read_body:
            return values, files
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise bad_request("JSON object expected")
            values.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = UploadedFile(key, value.filename, value.content_type, value.file.read())
                else:
                    values[key] = value
        return values, files

    def _download(self, token: str, path: str) -> web.Response:
        if token != self.token:
            return self._json(UNAUTHORIZED.payload(), 401)
        stored = self._files_by_path.get(path)
        if stored is None:
            return self._json(NOT_FOUND.payload(), 404)
        self.stats["downloads"] += 1
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def _execute(self, method: str, params: Params) -> tuple[int, dict[str, Any]]:
        """Run one Bot API call: (HTTP status, response JSON). Also used for webhook replies."""
        spec = METHODS.get(method.lower())
        call = ApiCall(spec.name if spec else method, params.decoded(), at=self.clock())
        if self.record_calls:
            self.calls.append(call)
        self.stats["requests"] += 1
        try:
            if spec is None:
                if method.lower() in _bot_api_method_names():
                    self.unemulated.append(method)
                    raise ApiError(404, f"Not Found: {method} is a Bot API method the emulator does not implement")
                raise NOT_FOUND
            result = await self._run(spec, params)
            payload: dict[str, Any] = {"ok": True}
            if isinstance(result, Answer):
                payload["result"] = result.result
                if result.description:
                    payload["description"] = result.description
            else:
                payload["result"] = result
            status = 200
        except ApiError as error:
            status, payload = error.status, error.payload()
            call.status, call.error = error.status, error.description
            self.stats[f"status_{error.status}"] += 1
        self._changed()
        return status, payload

    async def _run(self, spec: MethodSpec, params: Params) -> Any:
        delay = self._take(self._delays, spec.name)
        if delay is not None and delay.before:
            await asyncio.sleep(delay.seconds)
        fault = self._take(self._faults, spec.name)
        if fault is not None:
            if fault.status == 429:
                self.stats["429"] += 1
            retry = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
            raise ApiError(fault.status, fault.description, retry)
        if self.strict_params:
            unknown = sorted(params.names() - spec.params)
            if unknown:
                raise bad_request(
                    f'unknown parameter "{unknown[0]}" for {spec.name} '
                    "(emulator strict_params; Telegram itself ignores unknown parameters)"
                )
        if spec.sends:
            self._check_rate(params)
        result = await spec.handler(self.methods, params)
        if delay is not None and not delay.before:
            await asyncio.sleep(delay.seconds)
        return result

    @staticmethod
    def _take(table: dict[str, deque[Any]], method: str) -> Any:
        for key in (method.lower(), "*"):
            entries = table.get(key)
            if entries:
                entry = entries[0]
                entry.count -= 1
                if entry.count <= 0:
                    entries.popleft()
                return entry
        return None

    # ------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        status: int = 500,
        *,
        retry_after: int | None = None,
        count: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` ("*" for any) fail with ``status``.

        429 answers carry ``parameters.retry_after`` (default 1 s), which PTB raises as
        ``telegram.error.RetryAfter``.
        """
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        description = description or _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        self._faults.setdefault(method.lower(), deque()).append(_Fault(status, description, retry_after, count))

    def clear_faults(self) -> None:
        """Forget the failures ``fail_next`` still had in store: the service is back."""
        self._faults.clear()

    def delay_next(self, method: str, seconds: float, *, count: int = 1, before: bool = False) -> None:
        """Delay the answer to the next ``count`` calls of ``method``.

        By default the call takes effect first and only its answer is late (a client timeout
        then does not undo it, as with the real Telegram); ``before=True`` delays the effect too.
        """
        self._delays.setdefault(method.lower(), deque()).append(_Delay(seconds, before, count))

    def _check_rate(self, params: Params) -> None:
        now = time.monotonic()
        if self.rate_limit_per_second:
            window = self._global_window
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self.rate_limit_per_second:
                self.stats["429"] += 1
                self.stats["429_overall"] += 1  # which limit was hit (Telegram does not say; benchmarks want to)
                raise too_many_requests(max(1, math.ceil(window[0] + 1.0 - now)))
        if self.per_chat_limits:
            try:
                chat = self.methods.chat(params)
            except ApiError:
                return  # the method itself answers "chat not found"
            limit, span = (1, 1.0) if chat.type == "private" else (20, 60.0)
            window = self._chat_windows.setdefault(chat.id, deque())
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= limit:
                self.stats["429"] += 1
                self.stats["429_chat"] += 1
                raise too_many_requests(max(1, math.ceil(window[0] + span - now)))

    def reset_rate_limits(self) -> None:
        """Forget the recent sends the rate limits count."""
        self._global_window.clear()
        self._chat_windows.clear()

    def drop_pending_updates(self) -> None:
        """Drop every unconfirmed update (like deleteWebhook with drop_pending_updates)."""
        self.queue.pending.clear()

    def redeliver(self, update_id: int) -> None:
        """Make an update pending again, as if the bot crashed before confirming it.

        A polling bot receives it when it next calls getUpdates with an offset not above
        ``update_id`` (a restarted PTB Updater starts without an offset); a webhook gets it
        POSTed again.
        """
        self.queue.redeliver(update_id)

    # ------------------------------------------------------------ change waiting

    async def wait_until(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        what: str = "condition",
    ) -> T:
        """Wait (event driven) until ``predicate()`` is truthy; returns its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
            await self._wait_changed(remaining)

    async def wait_for_message(
        self,
        chat: EmuChat | EmuUser | int,
        predicate: Callable[[StoredMessage], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> StoredMessage:
        """The next bot message in ``chat`` (matching ``predicate``) not yet returned by this method."""
        target = self._chat_of(chat)

        def find() -> StoredMessage | None:
            for message in target.messages.values():
                if message.from_bot and not message.consumed and (predicate is None or predicate(message)):
                    return message
            return None

        try:
            found = await self.wait_until(find, timeout, what=f"a bot message in chat {target.id}")
        except TimeoutError as error:
            raise TimeoutError(f"{error}; bot messages there: {self.messages(target.id)}") from None
        found.consumed = True
        return found

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> ApiCall:
        """The next successful call of ``method`` (matching ``predicate``) not yet returned by this method."""

        def find() -> tuple[int, ApiCall] | None:
            for index, call in enumerate(self.calls):
                if (
                    index not in self._consumed_calls
                    and call.method.lower() == method.lower()
                    and call.status == 200
                    and (predicate is None or predicate(call))
                ):
                    return index, call
            return None

        index, call = await self.wait_until(find, timeout, what=f"a {method} call")
        self._consumed_calls.add(index)
        return call

    async def wait_for_answer(self, query_id: str, timeout: float = 5.0) -> CallbackAnswer:  # noqa: ASYNC109
        """The bot's answerCallbackQuery for ``query_id``."""
        return await self.wait_until(
            lambda: self.answered_callbacks.get(query_id), timeout, what=f"an answer to callback query {query_id}"
        )

    async def wait_confirmed(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has confirmed (or the webhook accepted) every pending update."""
        await self.wait_until(lambda: not self.queue.pending, timeout, what="all updates to be confirmed")
