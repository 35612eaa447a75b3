"""Fixed contact persons (issue 7): their terms, handovers, and routing stories to the person responsible.

A *position* is a neighbourhood, or one theme in it. Each position has at most one contact person at a time;
every term is a row with a start and (once known) an end date. Terms come from config.toml (``sync_config``, at
start) and from organisers in the moderation room (``add``, ``end``, ``handover``). ``apply_due`` puts dated
changes into effect: it runs after each change and every hour, so a term configured to start next month starts
then. When a term takes over from one that was in effect, that is a handover: the predecessor's open stories
and relay threads move to the successor, residents who opted in get an introduction, the successor a briefing,
the moderation room a note (and an alert when the neighbourhood changes contacts too often). Everything is
written in the caller's transaction, messages as outbox rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.channels.base import Address, Reply
from bot.config import Neighbourhood
from bot.config_contacts import ContactPerson
from bot.engine import contacts_continuity as continuity
from bot.engine import outbox
from bot.engine.contacts_relay import remember_post as relay_remember_post
from bot.engine.contacts_relay import reply_command
from bot.engine.contacts_text import address, card, position, today, translator_for
from bot.engine.feedback import not_before, offer_answers
from bot.engine.outbox import Dispatcher
from bot.engine.themes import THEMES
from bot.errors import UserError
from bot.i18n import Translator
from bot.scheduler import Scheduler
from bot.services import Services
from bot.store import audit
from bot.store import contacts as repo
from bot.store import residents as residents_repo
from bot.store.contacts import Contact as Contact  # re-exported: handlers name the record, never the store
from bot.store.db import Tx
from bot.store.experiences import Experience

log = logging.getLogger(__name__)


def _configured_values(person: ContactPerson) -> dict[str, Any]:
    return {"name": person.name, "role": person.role, "organisation": person.organisation,
            "reachable_how": person.reachable_how, "reachable_when": person.reachable_when, "photo": person.photo,
            "language": person.language, "matrix_user": person.matrix_user, "telegram_chat": person.telegram_chat,
            "started_on": person.since.isoformat()}


async def sync_config(services: Services) -> None:
    """Bring the configured contact persons into the database, then put due changes into effect.

    The database is the record: config adds people and updates their details and dates, but never reopens a
    term that has ended (e.g. by a handover from the moderation room). A configured person who is no longer in
    the file ends today (or disappears, if their term had not started yet)."""
    async with services.db.transaction() as tx:
        keys: set[str] = set()
        for hood in services.config.neighbourhoods:
            for person in hood.contacts:
                keys.add(person.id)
                await _sync_one(tx, services, hood, person)
        for contact in await repo.configured(tx):
            if contact.config_key in keys or contact.ended_on is not None:
                continue
            if contact.activated_at is None:
                await repo.delete_unstarted(tx, contact.id)
            else:
                await repo.update(tx, contact.id, {"ended_on": today(services)})
                await audit.add(tx, contact.reference, "config", "contact_ended", None, services.now_iso())
        await apply_due(tx, services)


async def _sync_one(tx: Tx, services: Services, hood: Neighbourhood, person: ContactPerson) -> None:
    values = _configured_values(person)
    existing = await repo.by_key(tx, person.id)
    if existing is None:
        if person.until is not None:
            values["ended_on"] = person.until.isoformat()
        created = await repo.insert(tx, neighbourhood_id=hood.id, theme=person.theme, values=values,
                                    added_by="config", now=services.now_iso(), config_key=person.id)
        await audit.add(tx, created.reference, "config", "contact_added", None, services.now_iso())
        return
    if (existing.neighbourhood_id, existing.theme) != (hood.id, person.theme):
        if existing.activated_at is None:
            await repo.move_position(tx, existing.id, hood.id, person.theme)
        else:
            log.warning("contact %s changed position in the configuration; a term keeps its position, so give the "
                        "person a new id for the new position", person.id)
    if person.until is not None and existing.closed_at is None:
        values["ended_on"] = person.until.isoformat()
    changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
    if changed:
        await repo.update(tx, existing.id, changed)


async def apply_due(tx: Tx, services: Services) -> list[tuple[Contact | None, Contact]]:
    """Put terms that have started or ended into effect; returns the handovers made as (old, new) pairs (old is
    None for a first contact person in a position)."""
    now, day = services.now_iso(), today(services)
    ended = await repo.due_to_close(tx, day)
    for contact in ended:
        await repo.update(tx, contact.id, {"closed_at": now})
    made: list[tuple[Contact | None, Contact]] = []
    for contact in await repo.due_to_activate(tx, day):
        if contact.ended_on is not None and contact.ended_on <= day:
            # A term that ended before the bot knew it: history, never in effect here.
            await repo.update(tx, contact.id, {"activated_at": now, "closed_at": now, "historical": 1})
            continue
        await repo.update(tx, contact.id, {"activated_at": now})
        fresh = await repo.by_id(tx, contact.id)
        assert fresh is not None
        predecessor = await repo.live_predecessor(tx, fresh)
        if predecessor is not None:
            await _handover(tx, services, predecessor, fresh)
        made.append((predecessor, fresh))
    for contact in ended:
        after = await repo.by_id(tx, contact.id)
        if after is not None and after.succeeded_by is None:
            await _note_vacancy(tx, services, after)
    return made


async def _handover(tx: Tx, services: Services, old: Contact, new: Contact) -> None:
    now = services.now_iso()
    changes: dict[str, Any] = {"succeeded_by": new.id}
    if old.closed_at is None:
        changes["closed_at"] = now
        if old.ended_on is None or old.ended_on > new.started_on:
            changes["ended_on"] = new.started_on
    await repo.update(tx, old.id, changes)
    position_terms = [c.id for c in await repo.of_neighbourhoods(tx, [new.neighbourhood_id])
                      if c.theme == new.theme and c.id != new.id]
    stories = await repo.move_open_stories(tx, position_terms, new.id, now)
    threads = await repo.move_threads(tx, position_terms, new.id, now)
    await _introduce(tx, services, old, new, {t.resident_id for t in threads})
    for thread in threads:
        await _tell_thread(tx, services, thread, old, new)
    await _brief_successor(tx, services, old, new, stories, [t.reference for t in threads])
    await _note_handover(tx, services, old, new, len(stories), len(threads))
    await audit.add(tx, new.reference, "wijkbot", "contact_handover", f"{old.reference} → {new.reference}", now)


async def _resident_message(tx: Tx, services: Services, resident_id: int,
                            text_of: Callable[[Translator], str], purpose: str,
                            subject: str) -> None:
    resident = await residents_repo.by_id(tx, resident_id)
    if resident is None or resident.chat_id is None or resident.unreachable_at is not None:
        return
    t = Translator(resident.language, services.config.timezone)
    await outbox.enqueue(tx, services, Address(resident.channel, resident.chat_id), Reply(text=text_of(t)),
                         purpose=purpose, subject=subject, not_before=not_before(services, resident))


async def _introduce(tx: Tx, services: Services, old: Contact, new: Contact, skip: set[int]) -> None:
    """Residents of the neighbourhood who asked for it meet the new contact person (after their quiet hours)."""
    config = services.config

    def text(t: Translator) -> str:
        return "\n".join([t._("A new contact person: {name} takes over from {previous}.", name=new.name,
                              previous=old.name), "", card(t, config, new), "",
                          t._("Type /contact to see your contact persons or to send a message.")])

    for resident in await repo.intro_recipients(tx, new.neighbourhood_id):
        if resident.id not in skip:  # those with an open conversation hear it with that (below)
            await _resident_message(tx, services, resident.id, text, "contact-intro", new.reference)


async def _tell_thread(tx: Tx, services: Services, thread: repo.Thread, old: Contact, new: Contact) -> None:
    def text(t: Translator) -> str:
        return "\n".join([t._("Your conversation {reference} now continues with {name}, who takes over from "
                              "{previous}. Your messages so far have been passed on.", reference=thread.reference,
                              name=new.name, previous=old.name), "", card(t, services.config, new)])

    await _resident_message(tx, services, thread.resident_id, text, "contact-intro", thread.reference)


async def _brief_successor(tx: Tx, services: Services, old: Contact, new: Contact, stories: list[str],
                           threads: list[str]) -> None:
    target = address(new)
    if target is None:
        return
    t = translator_for(services.config, new)
    lines = [t._("Welcome! From today you are the contact person for {position}, taking over from {previous}.",
                 position=position(t, services.config, new.neighbourhood_id, new.theme), previous=old.name)]
    if stories:
        lines.append(t._("Stories still waiting for a decision or feedback: {references}",
                         references=", ".join(stories)))
    if threads:
        lines.append(t._("Open conversations with residents: {references}. Answer with {command} R-… your text.",
                         references=", ".join(threads), command=reply_command(target.channel)))
    await outbox.enqueue(tx, services, target, Reply(text="\n".join(lines)), purpose="contact-brief",
                         subject=new.reference)


async def _note_handover(tx: Tx, services: Services, old: Contact, new: Contact, stories: int, threads: int) -> None:
    config = services.config
    hood = config.neighbourhood(new.neighbourhood_id)
    room = hood.moderation_address if hood else None
    if room is None:
        return
    t = Translator(config.moderation.language, config.timezone)
    count = await continuity.handovers_last_year(tx, services, new.neighbourhood_id)
    text = t._("Handover for {position}: {previous} ({old}) → {name} ({new}). Moved: {stories} stories, {threads} "
               "conversations. Handovers in this neighbourhood in the last 12 months: {count}.",
               position=position(t, config, new.neighbourhood_id, new.theme), previous=old.name, old=old.reference,
               name=new.name, new=new.reference, stories=stories, threads=threads, count=count)
    await outbox.enqueue(tx, services, room, Reply(text=text), purpose="contact-handover", subject=new.reference)
    limit = config.continuity.max_handovers_per_year
    if count > limit:
        await outbox.enqueue(tx, services, room, Reply(text=continuity.alert_text(t, config, new.neighbourhood_id,
                                                                                  count)),
                             purpose="continuity-alert", subject=new.neighbourhood_id)


async def _note_vacancy(tx: Tx, services: Services, old: Contact) -> None:
    hood = services.config.neighbourhood(old.neighbourhood_id)
    room = hood.moderation_address if hood else None
    if room is None:
        return
    t = Translator(services.config.moderation.language, services.config.timezone)
    text = t._("{name} ({reference}) is no longer the contact person for {position}, and nobody has taken over yet. "
               "Name a successor with !contact add. Until then, new stories go to the neighbourhood's contact "
               "person, if there is one.", name=old.name, reference=old.reference,
               position=position(t, services.config, old.neighbourhood_id, old.theme))
    await outbox.enqueue(tx, services, room, Reply(text=text), purpose="contact-vacancy", subject=old.reference)


# ------------------------------------------------------------------ organisers' changes (the moderation room)
async def add(tx: Tx, services: Services, *, neighbourhood: str, theme: str, values: dict[str, Any],
              actor: str) -> tuple[Contact, Contact | None]:
    """A new contact person from today; if the position has one, this is a handover from them. Returns the new
    term and the one it took over from."""
    if theme and theme not in THEMES:
        raise UserError("Unknown theme. Choose one of: {themes}.", themes=", ".join(THEMES))
    contact = await repo.insert(tx, neighbourhood_id=neighbourhood, theme=theme,
                                values={**values, "started_on": today(services)}, added_by=actor,
                                now=services.now_iso())
    await audit.add(tx, contact.reference, actor, "contact_added", None, services.now_iso())
    made = await apply_due(tx, services)
    fresh = await repo.by_id(tx, contact.id)
    assert fresh is not None
    return fresh, next((old for old, new in made if new.id == contact.id), None)


async def end(tx: Tx, services: Services, contact: Contact, actor: str, reason: str) -> None:
    if contact.ended_on is not None and contact.closed_at is not None:
        raise UserError("{reference} is no longer a contact person.", reference=contact.reference)
    await repo.update(tx, contact.id, {"ended_on": max(today(services), contact.started_on)})
    await audit.add(tx, contact.reference, actor, "contact_ended", reason or None, services.now_iso())
    await apply_due(tx, services)


async def handover(tx: Tx, services: Services, old: Contact, values: dict[str, Any], actor: str) -> Contact:
    """``old`` hands over to a new person in the same position, from today."""
    if not old.current:
        raise UserError("{reference} is no longer a contact person.", reference=old.reference)
    new, _ = await add(tx, services, neighbourhood=old.neighbourhood_id, theme=old.theme, values=values, actor=actor)
    return new


# ------------------------------------------------------------------ routing
async def route_new_story(tx: Tx, services: Services, e: Experience) -> None:
    """A new story: record who is responsible (the theme's contact person, else the neighbourhood's) and send it
    to them, beside the moderation room, in the same transaction."""
    contact = await repo.responsible(tx, e.neighbourhood_id, e.theme)
    if contact is None:
        return
    await repo.assign(tx, e.id, contact.id, services.now_iso())
    target = address(contact)
    if target is None:
        return
    t = translator_for(services.config, contact)
    lines = [t._("New story {reference} for you as contact person · {neighbourhood} · {theme}",
                 reference=e.reference, neighbourhood=position(t, services.config, e.neighbourhood_id, ""),
                 theme=t._(THEMES.get(e.theme, e.theme))), "", e.text_public, ""]
    if e.place_hint:
        lines.append(t._("Place: {place}", place=e.place_hint))
    lines.append(t._("Organisers decide on publication in the moderation room; record what was done there with "
                     "!feedback {reference}.", reference=e.reference))
    await outbox.enqueue(tx, services, target, Reply(text="\n".join(lines)), purpose="contact-story",
                         subject=e.reference)


async def reroute(tx: Tx, services: Services, e: Experience) -> bool:
    """After a theme change: when another contact person is now responsible, the story moves to them (the
    history keeps who had it until now). Returns whether it moved."""
    current = await repo.current_holder(tx, e.id)
    contact = await repo.responsible(tx, e.neighbourhood_id, e.theme)
    if contact is None or contact.id == current:
        return False
    await repo.release(tx, e.id, services.now_iso())
    await route_new_story(tx, services, e)
    return True


async def addresses(tx: Tx, neighbourhood: str, theme: str | None) -> list[Address]:
    """Where the person responsible for this theme in this neighbourhood is reached (overdue feedback)."""
    contact = await repo.responsible(tx, neighbourhood, theme)
    target = address(contact) if contact is not None else None
    return [target] if target is not None else []


async def of_neighbourhood(tx: Tx, neighbourhood: str) -> list[Contact]:
    """The contact persons in effect in a neighbourhood: the whole neighbourhood first, then per theme."""
    return await repo.current_of_neighbourhood(tx, neighbourhood)


async def terms_in(tx: Tx, neighbourhoods: list[str]) -> list[Contact]:
    """Every term (current, planned, earlier) in these neighbourhoods, for organisers."""
    return await repo.of_neighbourhoods(tx, neighbourhoods)


async def find_term(tx: Tx, neighbourhoods: list[str], reference: str) -> Contact:
    """The term an organiser names (C-12 or 12), if it is in one of these neighbourhoods."""
    number = reference.strip().upper().removeprefix("C-")
    contact = await repo.by_id(tx, int(number)) if number.isdigit() else None
    if contact is None or contact.neighbourhood_id not in neighbourhoods:
        raise UserError("I cannot find contact person {reference} in this room's neighbourhoods.",
                        reference=reference.strip()[:20])
    return contact


async def wants_introductions(tx: Tx, resident_id: int) -> bool:
    """Whether the resident asked to be introduced to each new contact person (/settings)."""
    return await repo.wants_intros(tx, resident_id)


async def set_introductions(tx: Tx, resident_id: int, wanted: bool, now: str) -> None:
    await repo.set_intros(tx, resident_id, wanted, now)


def install(scheduler: Scheduler, dispatcher: Dispatcher, services: Services) -> None:
    """Wire contact persons into the app: dated terms take effect hourly; relayed messages are remembered once
    sent, so a contact person's reply to one finds its conversation. (``sync_config`` runs at start.)"""

    async def job() -> None:
        async with services.db.transaction() as tx:
            await apply_due(tx, services)

    scheduler.every("contact-terms", timedelta(hours=1), job)
    dispatcher.on_sent("relay", relay_remember_post)
    dispatcher.on_sent("relay-answer", offer_answers)  # a typed "1" answers the Answer button too
