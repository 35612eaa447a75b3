"""Taking back a message the bot posted (Bot API ``deleteMessage``), for /forget. Part of the Telegram channel.

Telegram lets a bot delete its own messages in private chats, groups and supergroups only while they are less
than 48 hours old (https://core.telegram.org/bots/api#deletemessage); after that it answers 400 "message can't be
deleted", which no retry changes: that is a ``final`` failure. A message that is already gone ("message to delete
not found") counts as deleted. A chat the bot was removed from (403) cannot be cleaned up either; the chat
itself is not marked unreachable for it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.channels.base import Address, SendResult
from bot.channels.telegram.pacing import retry_after_seconds

log = logging.getLogger("bot.channels.telegram")

Call = Callable[[str, Callable[[], Awaitable[Any]]], Awaitable[Any]]


async def delete(call: Call, bot: Bot, address: Address, message_id: str) -> SendResult:
    """``call`` is the channel's retrying Bot API call (network errors, 5xx)."""
    try:
        await call("deleteMessage", partial(bot.delete_message, int(address.chat_id), int(message_id)))
    except ValueError:
        return SendResult(ok=False, final=True, error="not a Telegram message")
    except BadRequest as exc:
        if "not found" in exc.message.lower():
            return SendResult(ok=True)
        log.info("telegram: a message cannot be deleted (%s)", exc.message)
        return SendResult(ok=False, final=True, error=exc.message)
    except Forbidden as exc:
        return SendResult(ok=False, final=True, error=exc.message)
    except RetryAfter as exc:
        return SendResult(ok=False, retry_after=retry_after_seconds(exc), error="flood control")
    except TelegramError as exc:
        return SendResult(ok=False, error=f"{type(exc).__name__}: {exc.message}")
    return SendResult(ok=True)
