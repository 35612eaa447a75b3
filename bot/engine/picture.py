"""The neighbourhood picture for professionals (issue 20): weekly in the professionals' room, and on demand with
``!picture [from to]``. Per theme the stories of the period against the average of the four periods before it
(scrubbed public text, rejected stories counted but not shown), the professionals' observations, the
municipality's open commitments, early signals, and closed polls and conversations."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from bot.channels.base import Reply
from bot.engine import outbox
from bot.engine.contacts_text import neighbourhood_name
from bot.engine.outbox import Dispatcher
from bot.engine.professionals import observation_line
from bot.engine.signals import SOURCE_NAMES
from bot.engine.themes import THEMES
from bot.errors import UserError
from bot.i18n import Translator
from bot.scheduler import Scheduler
from bot.services import Services
from bot.store import picture as repo
from bot.store import professionals as professionals_repo
from bot.store import signals as signals_repo
from bot.store.db import Tx

EARLIER_PERIODS = 4
TEXTS_PER_THEME = 3


def last_week(services: Services) -> tuple[datetime, datetime]:
    """The seven days up to and including this moment (what was recorded in this very second counts)."""
    end = services.now() + timedelta(seconds=1)
    return end - timedelta(days=7), end


def period(services: Services, typed: str) -> tuple[datetime, datetime]:
    """``from to`` as ISO dates (the last day included), else the last seven days."""
    zone = services.config.timezone
    words = typed.split()
    if not words:
        return last_week(services)
    try:
        first, last = date.fromisoformat(words[0]), date.fromisoformat(words[-1])
    except ValueError:
        raise UserError("Give the period as two dates, like !picture 2026-03-01 2026-03-31.") from None
    if last < first:
        raise UserError("Give the period as two dates, like !picture 2026-03-01 2026-03-31.")
    return (datetime.combine(first, time(), zone), datetime.combine(last + timedelta(days=1), time(), zone))


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


async def text(tx: Tx, services: Services, t: Translator, hood: str, start: datetime, end: datetime) -> str:
    length = end - start
    stories = await repo.stories_between(tx, hood, iso(start), iso(end))
    before = await repo.stories_between(tx, hood, iso(start - EARLIER_PERIODS * length), iso(start))
    earlier = Counter(theme for theme, *_ in before)
    lines = [t._("Neighbourhood picture of {neighbourhood}, {start} – {end}", neighbourhood=neighbourhood_name(
        services.config, hood), start=t.date(start, "medium"), end=t.date(end - timedelta(seconds=1), "medium"))]
    lines.append(t._("Stories: {count}", count=len(stories)))
    counts = Counter(theme for theme, *_ in stories)
    for theme in THEMES:
        if not counts[theme] and not earlier[theme]:
            continue
        lines.append(t._("- {theme}: {count} (on average {earlier} in the {periods} periods before)",
                         theme=t._(THEMES[theme]), count=counts[theme],
                         earlier=t.number(round(earlier[theme] / EARLIER_PERIODS, 1)), periods=EARLIER_PERIODS))
        shown = [(ref, words) for story_theme, _, ref, words in stories if story_theme == theme and words]
        lines += [f"  {ref}: {words}" for ref, words in shown[:TEXTS_PER_THEME]]
    observations = await professionals_repo.observations_between(tx, [hood], iso(start), iso(end))
    lines.append(t._("Observations of professionals: {count}", count=len(observations)))
    lines += [f"- {observation_line(t, o)}" for o in observations]
    commitments = await repo.open_commitments(tx, hood)
    lines.append(t._("Open commitments of the municipality: {count}", count=len(commitments)))
    for reference, what, promised in commitments:
        lines.append(t._("- {reference}: {what} (promised for {date})", reference=reference, what=what,
                         date=t.date(datetime.fromisoformat(promised), "medium")) if promised else
                     t._("- {reference}: {what} (no date promised)", reference=reference, what=what))
    found = await signals_repo.of_neighbourhoods(tx, [hood], iso(start), iso(end))
    lines.append(t._("Early signals: {count}", count=len(found)))
    lines += [t._("- {reference}: {source} about {theme}", reference=s.reference, source=t._(SOURCE_NAMES[s.source]),
                  theme=t._(THEMES.get(s.theme, s.theme))) for s in found]
    minimum = services.config.polls.min_results
    for reference, question, label, votes, total in await repo.polls_closed_between(tx, hood, iso(start), iso(end)):
        lines.append(t._("Poll {reference} \"{question}\": most votes for \"{option}\" ({votes} of {total})",
                         reference=reference, question=question, option=label, votes=votes, total=total)
                     if total >= minimum else t._("Poll {reference} \"{question}\": too few votes to show",
                                                  reference=reference, question=question))
    for reference, question in await repo.deliberations_closed_between(tx, hood, iso(start), iso(end)):
        lines.append(t._("Conversation {reference} \"{question}\" closed; !deliberation {reference} in the "
                         "moderation room shows its outcome", reference=reference, question=question))
    return "\n".join(lines)


async def weekly(services: Services) -> int:
    """The picture of the last seven days into every professionals' room."""
    config = services.config
    t = Translator(config.moderation.language, config.timezone)
    start, end = last_week(services)
    sent = 0
    async with services.db.transaction() as tx:
        for hood in config.neighbourhoods:
            if hood.professionals_address is None:
                continue
            body = await text(tx, services, t, hood.id, start, end)
            await outbox.enqueue(tx, services, hood.professionals_address, Reply(text=body), purpose="picture")
            sent += 1
    return sent


def install(scheduler: Scheduler, dispatcher: Dispatcher, services: Services) -> None:
    async def job() -> None:
        await weekly(services)

    scheduler.daily("neighbourhood-picture", "08:00", job, day_of_week="mon")
