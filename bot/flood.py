"""Flood protection: one resident who sends many messages in a short time is not answered one by one.

A resident may send ``limits.flood_messages`` private messages within ``limits.flood_seconds`` (default 10 in
10 s) and each is a normal dialogue turn. The next one within that window is a flood:

- it gets one friendly "slow down" answer, in the resident's language (at most one per ``flood_seconds``);
- it, and every further message, is *held* instead of handled: a newer message (or button press) replaces the
  held one, as if the resident corrected their answer, and nothing else happens (no turn, no answer, no
  database work). A command (``/forget``, ``/cancel`` …) is not replaced, except by the same command again: it
  stays held, in order, with the last message after it (at most MAX_HELD messages; beyond that the oldest go);
- once the resident has been quiet for ``flood_seconds / flood_messages`` seconds (the allowed pace, 1 s by
  default), what is held is handled as ordinary turns, in the order typed: the last thing they typed answers
  the question that was open, and the answers are sent. A message that arrives after that pause, before the
  release job ran, first releases what was held, so the order of turns is the order of typing.

While the window still holds a flood's messages, a further message is held the same way and answered after the
pause (without another "slow down"); a steady pace below the limit is never held. Other residents never wait for
any of this: holding costs a short list in a dictionary, and the release job handles a few turns per flooder.

The counters are in memory: a normal resident's turn costs no extra database round trip, only appending a time
to a short deque (at most ``flood_messages + 1`` per person; people quiet for a whole window are forgotten).
Across a restart the counters start empty (a flooder gets a fresh allowance), and what is held at the moment the
process dies is lost: the last message of a burst (and any command held with it), typed less than a second
earlier (on a channel with a durable inbox, WhatsApp's, it is handled after the restart instead). With several
processes each counts the messages it receives (Telegram delivers a chat's updates to one poller; behind a
webhook load balancer a resident could get up to the limit per process).

Only private chats on a platform count: shared rooms (moderation) are organisers' places, and the console is the
operator's own terminal (a script piped into ``wijkbot shell`` types as fast as it can); neither is ever held.
The time is the injectable clock's (``bot/clock.py``), so tests move it by hand.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum

from bot.channels.base import Incoming, Reply
from bot.clock import Clock
from bot.config import Config, LimitsConfig
from bot.i18n import N_, Translator, best_language
from bot.store import turn
from bot.store.db import Database

UNGATED_CHANNELS = frozenset({"console"})
MAX_HELD = 5  # messages held per person: commands in order, and the last other message
SLOW_DOWN = N_("You are sending a lot of messages very quickly. I will answer your last message in a moment, "
               "so you do not need to send it again.")


class Verdict(Enum):
    PASS = "pass"  # an ordinary turn
    WARN = "warn"  # the first message of a flood: held, and answered with "slow down"
    HOLD = "hold"  # held silently (replaces an earlier held message that is not a command)


@dataclass
class _Sender:
    times: deque[float]  # when the last few messages arrived (clock seconds)
    last: float = 0.0
    warned: float | None = None  # when the last "slow down" went out
    held: list[Incoming] = field(default_factory=list)

    def hold(self, incoming: Incoming) -> None:
        last = self.held[-1] if self.held else None
        if last is not None and (last.command is None or (last.command, last.args) == (incoming.command,
                                                                                          incoming.args)):
            self.held[-1] = incoming  # a correction of the answer (or the same command again): the last counts
        else:
            self.held.append(incoming)  # after a command: the command stays
        del self.held[:-MAX_HELD]


@dataclass
class Admission:
    verdict: Verdict
    earlier: list[Incoming] = field(default_factory=list)  # held, burst over: handle these before this one


@dataclass
class FloodGate:
    limits: LimitsConfig
    clock: Clock
    _senders: dict[tuple[str, str], _Sender] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.limits.flood_messages > 0

    @property
    def quiet(self) -> float:
        """How long a flooder must pause before their held message is answered: the allowed pace."""
        return self.limits.flood_seconds / max(self.limits.flood_messages, 1)

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def admit(self, incoming: Incoming) -> Admission:
        """Count one message and say what to do with it (synchronous: no awaits, so no other turn interleaves)."""
        if not self.enabled or not incoming.address.private or incoming.actor.channel in UNGATED_CHANNELS:
            return Admission(Verdict.PASS)
        now = self._now()
        key = (incoming.actor.channel, incoming.actor.user_id)
        sender = self._senders.get(key)
        if sender is None:
            sender = self._senders[key] = _Sender(deque(maxlen=self.limits.flood_messages + 1))
        earlier: list[Incoming] = []
        if sender.held and now - sender.last >= self.quiet:
            earlier, sender.held = sender.held, []
        sender.times.append(now)
        sender.last = now
        window_start = now - self.limits.flood_seconds
        recent = sum(1 for moment in sender.times if moment > window_start)
        if recent <= self.limits.flood_messages:
            return Admission(Verdict.PASS, earlier)
        sender.hold(incoming)
        if sender.warned is None or now - sender.warned >= self.limits.flood_seconds:
            sender.warned = now
            return Admission(Verdict.WARN, earlier)
        return Admission(Verdict.HOLD, earlier)

    def due(self) -> list[Incoming]:
        """Held messages of everyone who has paused long enough, each person's in the order typed (taken out:
        handle each once); forgets people who have been quiet for a whole window."""
        now = self._now()
        released: list[Incoming] = []
        for key, sender in list(self._senders.items()):
            if sender.held and now - sender.last >= self.quiet:
                released += sender.held
                sender.held = []
            if not sender.held and now - sender.last > self.limits.flood_seconds:
                del self._senders[key]
        return released

    def held(self, channel: str, user_id: str) -> list[Incoming]:
        """What is held for one resident, oldest first (tests and diagnostics)."""
        sender = self._senders.get((channel, user_id))
        return list(sender.held) if sender is not None else []

    def holding(self) -> int:
        """How many residents have something held now (tests and diagnostics)."""
        return sum(1 for sender in self._senders.values() if sender.held)

    def tracked(self) -> int:
        return len(self._senders)


async def slow_down(config: Config, db: Database, incoming: Incoming) -> Reply:
    """The "slow down" answer in the resident's own language (one read, once per flood, never per turn)."""
    actor = incoming.actor
    async with db.transaction() as tx:
        _, state, resident = await turn.open_turn(tx, actor.channel, actor.user_id)
    language = resident.language if resident is not None else None
    if language is None:
        language = state.data.get("language")
    if language not in config.languages:
        language = best_language(actor.language_hint, config.languages, config.default_language)
    t = Translator(language, config.timezone)
    return Reply(text=t._(SLOW_DOWN), address=incoming.address)
