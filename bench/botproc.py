"""The bot under test, in a process of its own: wijkbot, or a bare python-telegram-bot echo bot.

    python -m bench.botproc wijkbot --config bench.toml [--rate-limit 300]
    python -m bench.botproc echo --base-url http://127.0.0.1:PORT/bot --token TOKEN [--rate-limit 0]

``wijkbot`` is what ``wijkbot run`` starts (bot/cli.py: the App with its TelegramChannel, scheduler and
outbox on one event loop, long polling), with the channel's overall rate limit settable. ``echo`` is the
framework's own limit: PTB alone, built like TelegramChannel builds it (the same HTTPXRequest pools and
timeouts, the same AIORateLimiter, no job queue, the same polling timeout and allowed updates, the same update
processing: TelegramChannel's ChatOrderedUpdates), with one handler that sends every text message back. Both
stop cleanly on SIGTERM; logging goes to stderr at WARNING.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

if str(ROOT := Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(ROOT))

POLL_TIMEOUT = 10.0  # TelegramChannel's default
HTTP_TIMEOUT = 10.0


async def until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_wijkbot(config_path: Path, rate_limit: float, concurrent_updates: int) -> None:
    from bot.app import App
    from bot.channels.telegram import TelegramChannel
    from bot.config import load
    from handlers.commands import translated_menu

    config = load(config_path)
    channel = TelegramChannel(config, translated_menu(config.languages), rate_limit=rate_limit,
                              concurrent_updates=concurrent_updates)
    await App(config, [channel]).run_until_signal()


async def run_echo(base_url: str, token: str, rate_limit: float, concurrent_updates: int, transport: str) -> None:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters
    from telegram.request import BaseRequest, HTTPXRequest

    from bot.channels.telegram import ChatOrderedUpdates, rate_limiter
    from bot.channels.telegram.settings import ALLOWED_UPDATES, POLL_INTERVAL, api_urls
    from bot.channels.telegram.transport import AiohttpRequest

    def request() -> BaseRequest:
        kind = AiohttpRequest if transport == "aiohttp" else HTTPXRequest
        return kind(connection_pool_size=16, read_timeout=HTTP_TIMEOUT, write_timeout=HTTP_TIMEOUT,
                    connect_timeout=HTTP_TIMEOUT, pool_timeout=HTTP_TIMEOUT)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await context.bot.send_message(message.chat_id, message.text)

    base, files = api_urls(base_url)
    app: Any = (ApplicationBuilder().token(token).base_url(base).base_file_url(files).request(request())
                .get_updates_request(request()).rate_limiter(rate_limiter(rate_limit, 3))
                .concurrent_updates(ChatOrderedUpdates(max(concurrent_updates, 1))).job_queue(None).build())
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=timedelta(seconds=POLL_TIMEOUT), poll_interval=POLL_INTERVAL,
                                        allowed_updates=ALLOWED_UPDATES)
        await until_signal()
        await app.updater.stop()
        await app.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("kind", choices=("wijkbot", "echo"))
    parser.add_argument("--config", type=Path, help="wijkbot: the configuration file")
    parser.add_argument("--base-url", help="echo: the Bot API's .../bot URL")
    parser.add_argument("--token", help="echo: the bot token")
    parser.add_argument("--transport", choices=("httpx", "aiohttp"), default="httpx",
                        help="echo: PTB's own HTTP client (httpx, its default) or wijkbot's (aiohttp)")
    parser.add_argument("--rate-limit", type=float, default=30.0, help="overall messages per second (0: none)")
    parser.add_argument("--concurrent-updates", type=int, default=None,
                        help="updates of different chats handled at once (default: TelegramChannel's)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    from bot.channels.telegram.settings import CONCURRENT_UPDATES

    concurrent = CONCURRENT_UPDATES if args.concurrent_updates is None else args.concurrent_updates
    if args.kind == "wijkbot":
        asyncio.run(run_wijkbot(args.config, args.rate_limit, concurrent))
    else:
        asyncio.run(run_echo(args.base_url, args.token, args.rate_limit, concurrent, args.transport))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
