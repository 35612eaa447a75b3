"""Logging: to stderr, INFO by default (WARNING in the shell, whose terminal is the conversation), DEBUG with -v.

Residents' words, platform ids, phone numbers and votes are personal data and never reach the log, at any level
(README, "Privacy"). wijkbot's own lines carry counts, references, channel names and error types, never values.
Several libraries do log values, so whatever the level they stay at the level below which they do not:

- aiosqlite logs every statement it runs with its parameters at DEBUG (ids, story words, phone numbers);
- python-telegram-bot logs every update and every Bot API call's parameters (texts, chat ids) at DEBUG, and its
  base URL, which holds the token;
- httpx and httpcore log every request's URL at INFO and DEBUG (the Bot API URL holds the token);
- matrix-nio logs rooms, user ids and whole sync responses at INFO and DEBUG, and its peewee store its SQL;
- aiohttp's access log has each webhook request line and the caller's address at INFO.

With -v the rest (wijkbot, APScheduler, asyncio …) logs at DEBUG.
"""

from __future__ import annotations

import logging
import sys

LIBRARIES = {
    "aiosqlite": logging.WARNING,
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "nio": logging.WARNING,
    "peewee": logging.WARNING,
    "aiohttp": logging.WARNING,
    "PIL": logging.INFO,  # not values, but a line per PNG chunk of every chart
}
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup(verbose: bool, quiet: bool = False) -> None:
    """Log to stderr: DEBUG with ``verbose``, else WARNING when ``quiet`` (the shell), else INFO."""
    level = logging.DEBUG if verbose else (logging.WARNING if quiet else logging.INFO)
    logging.basicConfig(level=level, format=FORMAT, stream=sys.stderr)
    hold_back_libraries(level)


def hold_back_libraries(level: int) -> None:
    """Keep the libraries that log values at or above the level where they stop doing so."""
    for name, floor in LIBRARIES.items():
        logging.getLogger(name).setLevel(max(floor, level))
