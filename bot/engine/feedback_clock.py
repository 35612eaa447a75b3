"""Feedback on a clock: digests, overdue commitments, and stories still waiting for any feedback."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot import config_addresses as addresses
from bot.channels.base import Address, Reply
from bot.engine import contacts, outbox
from bot.engine.feedback import REOPENED_BY, STATUSES, not_before, offer_answers
from bot.engine.outbox import Dispatcher
from bot.engine.themes import THEMES
from bot.i18n import Translator
from bot.scheduler import Scheduler
from bot.services import Services
from bot.store import feedback as repo
from bot.store.db import Row, Tx
from bot.store.feedback import Feedback
from bot.store.residents import Resident

log = logging.getLogger(__name__)


def digest_due(services: Services, mode: str) -> bool:
    """Weekly digests go out on the configured weekday, monthly ones on the first of the month."""
    local = services.now().astimezone(services.config.timezone)
    if mode == "weekly":
        return local.weekday() == services.config.feedback.digest_weekday
    return mode == "monthly" and local.day == 1


async def send_digests(services: Services) -> int:
    """One message per resident with everything collected since their last digest, grouped by theme."""
    sent = 0
    async with services.db.transaction() as tx:
        for mode in ("weekly", "monthly"):
            if not digest_due(services, mode):
                continue
            for resident in await repo.digest_residents(tx, mode):
                await _digest(tx, services, resident)
                sent += 1
    return sent


async def _digest(tx: Tx, services: Services, resident: Resident) -> None:
    items = await repo.digest_items(tx, resident.id)
    t = Translator(resident.language, services.config.timezone)
    lines = [t.n_("Your overview: {n} update on what was done with residents' input.",
                  "Your overview: {n} updates on what was done with residents' input.", len(items))]
    current = None
    for item in items:
        if item["theme"] != current:
            current = item["theme"]
            lines += ["", t._(THEMES.get(current, current)).upper()]
        lines.append(t._("• {reference} ({status}): {what} Because: {because}", reference=item["reference"],
                         status=t._(STATUSES[item["status"]]), what=item["what"], because=item["because"]))
    lines += ["", t._("Change how often you hear from us with /settings.")]
    assert resident.chat_id is not None
    await outbox.enqueue(tx, services, Address(resident.channel, resident.chat_id), Reply(text="\n".join(lines)),
                         purpose="digest", not_before=not_before(services, resident))
    await repo.clear_digest(tx, resident.id)


async def overdue_commitments(services: Services) -> int:
    """Commitments past their date without an update: posted in the moderation room (once per lapse)."""
    config = services.config
    now = services.now_iso()
    told = 0
    async with services.db.transaction() as tx:
        t = Translator(config.moderation.language, config.timezone)
        for fb in await repo.overdue(tx, now):
            hood = config.neighbourhood(fb.neighbourhood_id)
            text = t._("Overdue: {reference} was promised for {date} and has no update yet. What was promised: "
                       "{what}", reference=fb.reference, date=t.date(datetime.fromisoformat(fb.commitment_date or now)),
                       what=fb.what)
            if hood is not None and hood.moderation_address:
                await outbox.enqueue(tx, services, hood.moderation_address,
                                     Reply(text=text), purpose="overdue", subject=fb.reference)
            for address in await contact_addresses(tx, fb.neighbourhood_id, fb.theme):
                await outbox.enqueue(tx, services, address, Reply(text=text), purpose="overdue", subject=fb.reference)
            if config.feedback.tell_residents_overdue:
                await _tell_residents_overdue(tx, services, fb)
            await repo.mark_overdue_told(tx, fb.id, now)
            told += 1
    return told


async def contact_addresses(tx: Tx, neighbourhood: str, theme: str | None) -> list[Address]:
    """Where the contact person responsible is reached: the theme's, else the neighbourhood's (issue 7)."""
    return await contacts.addresses(tx, neighbourhood, theme)


async def _tell_residents_overdue(tx: Tx, services: Services, fb: Feedback) -> None:
    for resident in await repo.story_authors(tx, fb.id):
        t = Translator(resident.language, services.config.timezone)
        text = t._("We promised an update on {reference}, but it is late. We have asked the people responsible "
                   "to act. We are sorry.", reference=fb.reference)
        assert resident.chat_id is not None
        await outbox.enqueue(tx, services, Address(resident.channel, resident.chat_id), Reply(text=text),
                             purpose="overdue", subject=fb.reference, not_before=not_before(services, resident))


async def without_feedback(tx: Tx, services: Services, neighbourhoods: list[str]) -> list[Row]:
    """Stories older than the configured number of days that have no feedback at all, oldest first."""
    before = (services.now() - timedelta(days=services.config.feedback.no_feedback_days)).isoformat(
        timespec="seconds")
    return await repo.stories_without_feedback(tx, neighbourhoods, before)


async def reopened(tx: Tx, neighbourhoods: list[str]) -> list[Row]:
    """Feedback reopened by a "no" to "did you feel heard?" that the staff have not answered since."""
    return await repo.reopened(tx, neighbourhoods, REOPENED_BY)


def overdue_text(t: Translator, services: Services, rows: Sequence[Row], reopened_rows: Sequence[Row] = ()) -> str:
    lines: list[str] = []
    if rows:
        lines.append(t.n_("{n} story has had no feedback for more than {days} days:",
                          "{n} stories have had no feedback for more than {days} days:", len(rows),
                          days=services.config.feedback.no_feedback_days))
        lines += [f"• {r['reference']} · {t._(THEMES.get(r['theme'], r['theme']))} · "
                  f"{t.date(datetime.fromisoformat(r['created_at']), 'medium')}" for r in rows[:40]]
    if reopened_rows:
        now = services.now()
        if lines:
            lines.append("")
        lines.append(t.n_("{n} feedback is in progress again because a resident did not feel heard; answer it "
                          "with !update:",
                          "{n} feedback items are in progress again because a resident did not feel heard; answer "
                          "them with !update:", len(reopened_rows)))
        for r in reopened_rows[:40]:
            since = datetime.fromisoformat(r["since"])
            lines.append("• " + t.n_("{reference} · reopened {date} · waiting {n} day",
                                     "{reference} · reopened {date} · waiting {n} days",
                                     (now - since).days, reference=r["reference"], date=t.date(since, "medium")))
    return "\n".join(lines)


async def weekly_overdue_reminder(services: Services) -> int:
    """Each moderation room hears which of its stories still wait for feedback."""
    config = services.config
    t = Translator(config.moderation.language, config.timezone)
    rooms: dict[str, list[str]] = {}
    for hood in config.neighbourhoods:
        if hood.moderation_room:
            rooms.setdefault(hood.moderation_room, []).append(hood.id)
    posted = 0
    async with services.db.transaction() as tx:
        for room, hoods in rooms.items():
            rows = await without_feedback(tx, services, hoods)
            again = await reopened(tx, hoods)
            if rows or again:
                await outbox.enqueue(tx, services, addresses.room(room),
                                     Reply(text=overdue_text(t, services, rows, again)), purpose="reminder")
                posted += 1
    return posted


def install(scheduler: Scheduler, dispatcher: Dispatcher, services: Services) -> None:
    """The feedback clock's jobs (digests, overdue commitments, Monday's list of stories without feedback) and
    the hook that lets a typed answer count for "did you feel heard?"."""

    async def digests() -> None:
        await send_digests(services)

    async def commitments() -> None:
        await overdue_commitments(services)

    async def no_feedback() -> None:
        await weekly_overdue_reminder(services)

    scheduler.daily("feedback-digests", services.config.feedback.digest_time, digests)
    scheduler.every("commitment-clock", timedelta(hours=1), commitments)
    scheduler.daily("no-feedback-reminder", "09:00", no_feedback, day_of_week="mon")
    dispatcher.on_sent("feedback", offer_answers)
