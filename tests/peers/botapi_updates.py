"""Update delivery of the Bot API emulator: getUpdates long polling and webhooks.

Semantics follow https://core.telegram.org/bots/api#getting-updates:

* an update stays pending until confirmed: getUpdates with ``offset`` confirms every update
  with a smaller ``update_id``; a negative offset keeps only the last ``-offset`` updates;
* ``timeout`` long-polls until an update arrives; a newer getUpdates call ends a waiting one
  with 409 "Conflict: terminated by other getUpdates request; ...";
* ``allowed_updates`` is remembered and filters updates created after it was set; the default
  leaves out chat_member, message_reaction and message_reaction_count;
* while a webhook is set getUpdates answers 409; updates are POSTed one per request to the
  webhook with ``X-Telegram-Bot-Api-Secret-Token``, in order per chat, up to
  ``max_connections`` at once, retried with backoff on a non-2xx answer or a network error; a
  2xx answer confirms the update, and a JSON answer with a ``method`` field is executed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

from .botapi_methods import Answer
from .botapi_model import ApiError, Params, bad_request

if TYPE_CHECKING:
    from .botapi import BotApiEmulator

DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
CONFLICT_POLLING = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


@dataclass(frozen=True)
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    ip_address: str | None


def _order_key(update: dict[str, Any]) -> str:
    """Updates with the same key are delivered to a webhook strictly one after another."""
    for kind, payload in update.items():
        if kind == "update_id" or not isinstance(payload, dict):
            continue
        if "chat" in payload:
            return f"chat:{payload['chat']['id']}"
        if kind == "callback_query" and "message" in payload:
            return f"chat:{payload['message']['chat']['id']}"
        if "from" in payload:
            return f"user:{payload['from']['id']}"
        if "user" in payload:
            return f"user:{payload['user']['id']}"
        return f"{kind}:{payload.get('id', update['update_id'])}"
    return f"update:{update['update_id']}"


class UpdateQueue:
    def __init__(
        self,
        emu: BotApiEmulator,
        *,
        retry_delay: float,
        max_attempts: int,
        timeout: float,
        first_update_id: int = 1,
    ) -> None:
        self.emu = emu
        self.retry_delay = retry_delay
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.pending: list[dict[str, Any]] = []
        self.history: dict[int, dict[str, Any]] = {}
        self.allowed_updates: list[str] | None = None
        self.webhook: Webhook | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.webhook_delivered: list[int] = []
        self.webhook_dropped: list[int] = []
        self._next_id = first_update_id
        self._poll_generation = 0
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._attempts: dict[int, int] = {}
        self._retry_at: dict[int, float] = {}

    # ------------------------------------------------------------------ queue

    def allowed(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in DEFAULT_EXCLUDED

    def enqueue(self, kind: str, payload: dict[str, Any]) -> int | None:
        if not self.allowed(kind):
            self.emu.stats["updates_filtered"] += 1
            return None
        update_id = self._next_id
        self._next_id += 1
        update = {"update_id": update_id, kind: payload}
        self.history[update_id] = update
        self.pending.append(update)
        self.emu.stats["updates"] += 1
        self.emu._changed()
        return update_id

    def redeliver(self, update_id: int) -> None:
        update = self.history[update_id]
        self._attempts.pop(update_id, None)
        self._retry_at.pop(update_id, None)
        if all(u["update_id"] != update_id for u in self.pending):
            self.pending.append(update)
            self.pending.sort(key=lambda u: u["update_id"])
        self.emu._changed()

    def _confirm(self, update_id: int) -> None:
        self.pending = [u for u in self.pending if u["update_id"] != update_id]
        self._attempts.pop(update_id, None)
        self._retry_at.pop(update_id, None)

    # ------------------------------------------------------------ getUpdates

    async def get_updates(self, p: Params) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, CONFLICT_WEBHOOK)
        offset = p.get_int("offset")
        limit = min(max(p.get_int("limit", 100), 1), 100)
        timeout = max(p.get_float("timeout"), 0.0)
        if p.get_str("allowed_updates") is not None:
            allowed = p.get_json("allowed_updates", "allowed updates")
            if not isinstance(allowed, list):
                raise bad_request("can't parse allowed updates JSON object")
            self.allowed_updates = [str(kind) for kind in allowed]
        self._poll_generation += 1
        generation = self._poll_generation
        self.emu._changed()  # ends an older waiting getUpdates with 409
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, CONFLICT_POLLING)
            if self.webhook is not None:
                raise ApiError(409, CONFLICT_WEBHOOK)
            if self.pending:
                return list(self.pending[:limit])
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                return []
            await self.emu._wait_changed(remaining)

    # ---------------------------------------------------------------- webhooks

    async def set_webhook(self, p: Params) -> Answer:
        url = p.get_str("url") or ""
        if not url:
            return await self.delete_webhook(p.get_bool("drop_pending_updates"))
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: Wrong HTTP URL specified")
        if self.emu.require_https_webhook and parts.scheme != "https":
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        host = parts.hostname
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise bad_request("bad webhook: the emulator delivers webhooks only to loopback addresses")
        secret = p.get_str("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        if p.get_str("allowed_updates") is not None:
            allowed = p.get_json("allowed_updates", "allowed updates")
            if not isinstance(allowed, list):
                raise bad_request("can't parse allowed updates JSON object")
            self.allowed_updates = [str(kind) for kind in allowed]
        if p.get_bool("drop_pending_updates"):
            self.pending.clear()
        hook = Webhook(url, secret, min(max(p.get_int("max_connections", 40), 1), 100), p.get_str("ip_address"))
        unchanged = hook == self.webhook
        self.webhook = hook
        self.last_error_date = self.last_error_message = None
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._webhook_loop(), name="botapi-emulator-webhook")
        self.emu._changed()
        return Answer(True, "Webhook is already set" if unchanged else "Webhook was set")

    async def delete_webhook(self, drop_pending_updates: bool) -> Answer:
        was_set = self.webhook is not None
        self.webhook = None
        if drop_pending_updates:
            self.pending.clear()
        await self._stop_delivery()
        self.emu._changed()
        return Answer(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    def webhook_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook.max_connections
            info["ip_address"] = "127.0.0.1"
        if self.allowed_updates:
            info["allowed_updates"] = self.allowed_updates
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    async def _webhook_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while self.webhook is not None and not self._closing:
            hook = self.webhook
            now = loop.time()
            busy: set[str] = set()
            next_retry: float | None = None
            for update in list(self.pending):
                update_id = update["update_id"]
                key = _order_key(update)
                if update_id in self._inflight:
                    busy.add(key)
                    continue
                if key in busy:
                    continue
                retry_at = self._retry_at.get(update_id, 0.0)
                if retry_at > now:
                    busy.add(key)
                    next_retry = retry_at if next_retry is None else min(next_retry, retry_at)
                    continue
                if len(self._inflight) >= hook.max_connections:
                    break
                busy.add(key)
                self._inflight[update_id] = asyncio.create_task(self._deliver(update, hook))
            await self.emu._wait_changed(None if next_retry is None else max(next_retry - now, 0.001))

    async def _deliver(self, update: dict[str, Any], hook: Webhook) -> None:
        update_id = update["update_id"]
        error: str | None = None
        try:
            if self._session is None:
                self._session = aiohttp.ClientSession()
            headers = {"Content-Type": "application/json"}
            if hook.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
            body = json.dumps(update, ensure_ascii=False).encode("utf-8")
            timeout = aiohttp.ClientTimeout(total=self.timeout)
            async with self._session.post(hook.url, data=body, headers=headers, timeout=timeout) as response:
                payload = await response.read()
                if 200 <= response.status < 300:
                    self._confirm(update_id)
                    self.webhook_delivered.append(update_id)
                    self.emu.stats["webhook_delivered"] += 1
                    await self._run_reply(response.content_type, payload)
                else:
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
        except aiohttp.ClientConnectorError:
            error = "Connection refused"
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        finally:
            self._inflight.pop(update_id, None)
        if error is not None:
            self._failed(update_id, error)
        self.emu._changed()

    def _failed(self, update_id: int, error: str) -> None:
        self.last_error_date = self.emu.now()
        self.last_error_message = error
        self.emu.stats["webhook_errors"] += 1
        attempts = self._attempts.get(update_id, 0) + 1
        self._attempts[update_id] = attempts
        if attempts >= self.max_attempts:
            self._confirm(update_id)  # Telegram gives up after a number of attempts
            self.webhook_dropped.append(update_id)
            return
        delay = min(self.retry_delay * 2 ** (attempts - 1), 5.0)
        self._retry_at[update_id] = asyncio.get_running_loop().time() + delay

    async def _run_reply(self, content_type: str, payload: bytes) -> None:
        """A webhook may answer with a method call in its body; Telegram executes it."""
        if content_type != "application/json" or not payload:
            return
        try:
            body = json.loads(payload)
        except ValueError:
            return
        if isinstance(body, dict) and isinstance(body.get("method"), str):
            values = {key: value for key, value in body.items() if key != "method"}
            await self.emu._execute(body["method"], Params(values, {}))

    async def _stop_delivery(self) -> None:
        current = asyncio.current_task()
        tasks = [task for task in (self._task, *self._inflight.values()) if task is not None and task is not current]
        self._task = None
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._inflight.clear()

    async def close(self) -> None:
        self._closing = True
        self.emu._changed()
        await self._stop_delivery()
        if self._session is not None:
            await self._session.close()
            self._session = None
