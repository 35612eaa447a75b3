"""Telegram webhook mode: our own small aiohttp server, which answers Telegram only after the update was handled.

python-telegram-bot's webhook server (tornado) answers 200 as soon as the update is in its queue and handles it
later. Two things go wrong with that:

- an update acknowledged but not yet handled when the process dies is lost: Telegram never sends it again;
- with two processes behind a reverse proxy (bot/cluster.py), a resident's next update can reach the other process
  while the first is still queued in this one, and be handled first.

So the answer waits for the turn: the update goes through the application's update processor (per-chat order
within the process, ``pacing.ChatOrderedUpdates``) and its handler, whose turn commits and whose replies are sent
before the 200 goes back. Telegram then sends it again if the process dies first (the dialogue drops it by its
update id if the turn had committed), and since Telegram (like the Bot API emulator) sends one chat's next update
after the previous one was answered, the per-conversation lock in the database sees a resident's updates in
order, whichever process gets each. A handler's failure is reported by the error handler and answered 200 as well:
the resident got the error reply; sending the update again would not help.

Requests must carry the ``X-Telegram-Bot-Api-Secret-Token`` (``telegram.webhook_secret``; else 403) and JSON (else
403, as PTB does). aiohttp's access log is off: a webhook URL and the time of each request are nobody's business.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot.channels.telegram.settings import ALLOWED_UPDATES
from bot.config_channels import TelegramConfig

log = logging.getLogger("bot.channels.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookServer:
    def __init__(self, application: Any, settings: TelegramConfig) -> None:
        assert settings.webhook_url is not None
        self.application = application
        self.settings = settings
        self.path = "/" + urlsplit(settings.webhook_url).path.lstrip("/")
        self.secret = settings.webhook_secret
        self._runner: web.AppRunner | None = None

    async def start(self, call: Callable[[str, Callable[[], Awaitable[Any]]], Awaitable[Any]]) -> None:
        """Listen, then tell Telegram where (``call`` retries network errors, as the channel's calls do)."""
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.webhook_listen, self.settings.webhook_port).start()
        await call("setWebhook", partial(self.application.bot.set_webhook, url=self.settings.webhook_url,
                                         secret_token=self.secret, allowed_updates=ALLOWED_UPDATES,
                                         drop_pending_updates=False))

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()  # lets the updates being handled finish their answer

    async def _receive(self, request: web.Request) -> web.Response:
        if self.secret is not None and not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), self.secret):
            return web.Response(status=403)
        if request.content_type != "application/json":
            return web.Response(status=403)
        try:
            update = Update.de_json(json.loads(await request.read()), self.application.bot)
        except (ValueError, TypeError, KeyError):
            log.warning("telegram: a webhook request that is not an update was refused")
            return web.Response(status=400)
        app = self.application
        await app.update_processor.process_update(update, app.process_update(update))
        return web.Response(status=200)
