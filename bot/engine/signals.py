"""Early signals (issue 20): a weekly job compares each neighbourhood x theme x source (stories, observations,
"no" to "did you feel heard?") with its own trailing history (``bot/engine/signals_math.py``) and raises a
signal when the last two weeks rose more than chance explains. A signal goes to the theme's contact person, the
professionals' room and the moderation room with the references behind it; ``!signals`` lists them and
``!ack SIG-REF note`` acknowledges one (audit log)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.channels.base import Address, Reply
from bot.engine import contacts, outbox
from bot.engine.contacts_text import neighbourhood_name
from bot.engine.outbox import Dispatcher
from bot.engine.signals_math import BASELINE_WEEKS, WINDOW_WEEKS, compare, dispersion
from bot.engine.themes import THEMES
from bot.errors import UserError
from bot.i18n import N_, Translator
from bot.scheduler import Scheduler
from bot.services import Services
from bot.store import audit
from bot.store import signals as repo
from bot.store.db import Tx
from bot.store.experiences import next_reference
from bot.store.signals import SOURCES, Signal

SOURCE_NAMES = {"stories": N_("stories"), "observations": N_("observations of professionals"),
                "unheard": N_("\"no\" to \"did you feel heard?\"")}
MAX_ITEMS = 20  # references listed with a signal


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


async def detect(tx: Tx, services: Services) -> list[Signal]:
    """Test every configured neighbourhood x theme x source once; raise and send the new signals."""
    now = services.now()
    window_start = now - timedelta(weeks=WINDOW_WEEKS)
    since = window_start - timedelta(weeks=BASELINE_WEEKS)
    hoods = {hood.id for hood in services.config.neighbourhoods}
    raised: list[Signal] = []
    bounds = [_iso(since + timedelta(weeks=week)) for week in range(BASELINE_WEEKS + 1)] + [_iso(now)]
    for source in SOURCES:
        *baseline_weeks, window = await repo.weekly_counts(tx, source, bounds)
        for (hood, theme), count in sorted(window.items()):
            if hood not in hoods:
                continue
            weeks = [week.get((hood, theme), 0) for week in baseline_weeks]
            result = compare(count, sum(weeks), dispersion(weeks))
            if not result.rise:
                continue
            earlier = await repo.latest(tx, hood, theme, source)
            if earlier is not None and earlier.raised_at > _iso(window_start):
                continue  # this rise was already signalled
            signal = await repo.add(
                tx, reference=await next_reference(tx, "SIG", now.year), hood=hood, theme=theme, source=source,
                count=result.window, expected=round(result.expected, 2), p_value=result.p_value,
                window_start=_iso(window_start), now=_iso(now),
                items=await repo.references(tx, source, hood, theme, _iso(window_start), _iso(now), MAX_ITEMS))
            await audit.add(tx, signal.reference, "wijkbot", "signal", None, _iso(now))
            await _send(tx, services, signal)
            raised.append(signal)
    return raised


async def _send(tx: Tx, services: Services, signal: Signal) -> None:
    config = services.config
    hood = config.neighbourhood(signal.neighbourhood_id)
    targets: list[Address] = []
    if hood is not None:
        targets += [a for a in (hood.moderation_address, hood.professionals_address) if a is not None]
    targets += await contacts.addresses(tx, signal.neighbourhood_id, signal.theme or None)
    t = Translator(config.moderation.language, config.timezone)
    text = signal_text(t, services, signal, await repo.items(tx, signal.id))
    for target in targets:
        await outbox.enqueue(tx, services, target, Reply(text=text), purpose="signal", subject=signal.reference)


def signal_text(t: Translator, services: Services, signal: Signal, items: list[str]) -> str:
    lines = [t._("Early signal {reference}: {source} about {theme} in {neighbourhood} rose to {count} in two weeks "
                 "(about {expected} expected from the 12 weeks before; chance of this or more: {chance}).",
                 reference=signal.reference, source=t._(SOURCE_NAMES[signal.source]),
                 theme=t._(THEMES.get(signal.theme, signal.theme)) if signal.theme else t._("no theme"),
                 neighbourhood=neighbourhood_name(services.config, signal.neighbourhood_id), count=signal.window_count,
                 expected=t.number(signal.expected), chance=_chance(signal.p_value))]
    if items:
        lines.append(t._("Behind it: {references}", references=", ".join(items)))
    if signal.acked_at:
        lines.append(t._("Acknowledged by {who}: {note}", who=signal.acked_by or "", note=signal.ack_note or ""))
    else:
        lines.append(t._("Acknowledge with: !ack {reference} what you will do", reference=signal.reference))
    return "\n".join(lines)


def _chance(p_value: float) -> str:
    return "< 1/100,000" if p_value < 1e-5 else f"1/{round(1 / p_value):,}"


async def listing(tx: Tx, services: Services, t: Translator, hoods: list[str]) -> str:
    """``!signals``: the signals of the last twelve weeks, newest first."""
    since = _iso(services.now() - timedelta(weeks=BASELINE_WEEKS))
    found = await repo.of_neighbourhoods(tx, hoods, since)
    if not found:
        return t._("No early signals in the last 12 weeks.")
    return "\n\n".join([signal_text(t, services, s, await repo.items(tx, s.id)) for s in reversed(found)])


async def acknowledge(tx: Tx, services: Services, hoods: list[str], reference: str, who: str, note: str) -> Signal:
    signal = await repo.by_reference(tx, reference.strip().upper())
    if signal is None or signal.neighbourhood_id not in hoods:
        raise UserError("I don't know signal {reference} here.", reference=reference[:32])
    if not note.strip():
        raise UserError("Add a note: !ack {reference} what you will do.", reference=signal.reference)
    await repo.acknowledge(tx, signal.id, who, note.strip(), services.now_iso())
    await audit.add(tx, signal.reference, who, "acknowledged", note.strip(), services.now_iso())
    return signal


def install(scheduler: Scheduler, dispatcher: Dispatcher, services: Services) -> None:
    """The detector runs every Monday morning."""

    async def job() -> None:
        async with services.db.transaction() as tx:
            await detect(tx, services)

    scheduler.daily("early-signals", "07:00", job, day_of_week="mon")
