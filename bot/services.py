"""Everything a conversation may use, built once by the composition root (bot/app.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import Clock
from bot.config import Config
from bot.store.db import Database


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock
    file_channels: set[str] = field(default_factory=set)  # channels that can deliver a file to a person
    photo_channels: set[str] = field(default_factory=set)  # channels on which people can send photos
    outbox_kick: asyncio.Event = field(default_factory=asyncio.Event)  # set when something was queued
    # Timed sweeps the engine can ask for from inside a transaction: kind (e.g. "polls") -> "run it at this
    # moment". The composition root connects them to the scheduler; sweeps are idempotent, so a moment asked for
    # by a change that was rolled back, or moved later, runs and finds nothing to do.
    timed: dict[str, Callable[[datetime], None]] = field(default_factory=dict)
    # This process's token among several on one PostgreSQL database (bot/store/cluster.py); None: the only one.
    process_token: int | None = None
    several_processes: bool = False  # others are alive on the same database now: turns take their person's lock
    # Open multiple-choice youth polls' keys, poll id -> key, kept from a press on one of their buttons to read
    # the voter's current vote with the next press's opening read (bot/engine/polls.py, vote_reads); forgotten
    # when this process ends the poll or finds it ended.
    youth_keys: dict[int, str] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock.now()

    def now_iso(self) -> str:
        return self.clock.now().isoformat(timespec="seconds")

    @staticmethod
    def parse_time(value: str) -> datetime:
        return datetime.fromisoformat(value)
