"""The Telegram channel: python-telegram-bot 22 on the shared event loop (this package alone imports `telegram`).

Updates arrive by long polling (default) or by webhook (``telegram.mode = "webhook"``; the secret token is
checked on every call). Each becomes an :class:`Incoming` with ``event_id = "u<update_id>"``, so the dialogue
recognises a redelivered update. Choices are inline keyboards whose callback data is signed per person and turn
(:mod:`bot.channels.callback`): forged, foreign or stale presses get a short "expired" answer and change
nothing. A valid press is answered, and the pressed message changes so it cannot be pressed twice: an answer the
dialogue marks ``in_place`` is edited into it (the chosen option on top, the answer's own buttons below: one Bot
API call); otherwise it shows the chosen option without its keyboard and the answer comes as a new message. In
groups the bot only answers commands, and only with a link to a private chat. Sending goes through PTB's
AIORateLimiter (which honours 429 retry_after) over aiohttp (``transport.py``); network errors, 5xx and timeouts
are retried with a capped backoff; a person who blocked the bot is reported to the host as unreachable.
"""

from __future__ import annotations

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.pacing import ChatOrderedUpdates, rate_limiter

__all__ = ["ChatOrderedUpdates", "TelegramChannel", "rate_limiter"]
