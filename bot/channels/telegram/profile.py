"""What Telegram shows about the bot before anyone writes to it, in every offered language.

The description appears in an empty chat with the bot (before /start), the short description on its profile
page and with shared links. Both are set per offered language (Telegram picks the one of the person's app
language) and once without a language, in the default language, for everyone else. A text is only written when
it differs from what Telegram already has, so a restart costs reads, not writes (Telegram rate-limits these
settings strictly).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from bot.config import Config
from bot.i18n import N_, Translator

log = logging.getLogger("bot.channels.telegram")

Call = Callable[[str, Callable[[], Awaitable[Any]]], Awaitable[Any]]

DESCRIPTION_LIMIT = 512  # characters (Bot API setMyDescription)
SHORT_DESCRIPTION_LIMIT = 120  # characters (Bot API setMyShortDescription)
DESCRIPTION = N_("Hello! I am the neighbourhood bot of {municipality}. Here you tell the municipality what you "
                 "experience in your neighbourhood, vote in neighbourhood polls, and hear what was done with it.\n\n"
                 "Start the chat to begin. I only store something after you agree. Type /privacy to read how we "
                 "handle your data.")
SHORT_DESCRIPTION = N_("Tell {municipality} what you experience in your neighbourhood, and hear what is done "
                       "with it.")


def fit(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters (a long municipality name must not make Telegram refuse it)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def profile_texts(config: Config, language: str) -> tuple[str, str]:
    """(description, short description) in ``language``."""
    t = Translator(language, config.timezone)
    return (fit(t._(DESCRIPTION, municipality=config.municipality), DESCRIPTION_LIMIT),
            fit(t._(SHORT_DESCRIPTION, municipality=config.municipality), SHORT_DESCRIPTION_LIMIT))


async def publish_profile(bot: Bot, config: Config, call: Call) -> None:
    """Set both descriptions for every offered language and for no language (the default language's)."""
    targets: list[tuple[str | None, str]] = [(language, language) for language in config.languages]
    targets.append((None, config.default_language))
    for language_code, language in targets:
        description, short = profile_texts(config, language)
        try:
            current = await call("getMyDescription", partial(bot.get_my_description, language_code=language_code))
            if current.description != description:
                await call("setMyDescription", partial(bot.set_my_description, description,
                                                       language_code=language_code))
            current = await call("getMyShortDescription", partial(bot.get_my_short_description,
                                                                  language_code=language_code))
            if current.short_description != short:
                await call("setMyShortDescription", partial(bot.set_my_short_description, short,
                                                            language_code=language_code))
        except TelegramError as exc:  # the bot works without them; the next start tries again
            log.warning("telegram: could not publish the bot's description (%s)", type(exc).__name__)
            return
