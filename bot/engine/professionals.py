"""Professionals of a neighbourhood (issue 20): their terms (from config.toml and ``!professional``), who may
use the professionals' commands, and observations about patterns, never about people.

An observation is scrubbed like a story and stored with the professional's role only; its text is refused when
it names or describes an individual (a name the scrubber finds or flags, a house number, or a description such
as "de vrouw van nummer 12" or "het gezin op de hoek"): nurses and social workers keep professional secrecy,
and an observation is read by organisers and in the council report."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import NoReturn

from bot.channels.base import Reply
from bot.engine import outbox
from bot.engine.contacts_text import day, neighbourhood_name, tenure, today
from bot.engine.scrub import scrub
from bot.engine.themes import THEMES
from bot.errors import UserError
from bot.i18n import Translator
from bot.services import Services
from bot.store import professionals as repo
from bot.store.db import Tx
from bot.store.experiences import next_reference
from bot.store.professionals import Observation, ProfessionalTerm

_PERSON = (r"(?:man|vrouw|moeder|vader|zoon|dochter|kind|kinderen|jongen|meisje|gezin|familie|bewoner|bewoonster|"
           r"buurman|buurvrouw|meneer|mevrouw|oma|opa|weduwe|woman|man|mother|father|son|daughter|child|boy|girl|"
           r"family|tenant|neighbour|lady|gentleman|widow|kid)")
_WHERE = (r"(?:van|op|in|uit|aan|naast|boven|at|on|in|from|of|next)\s+(?:the\s+|de\s+|het\s+)?"
          r"(?:nummer|nr\.?|huisnummer|number|no\.?|hoek|corner|overkant|door|deur|flat|etage|\d+)")
_INDIVIDUAL = re.compile(rf"\b(?:de|het|die|dat|the|that|this|deze)\s+(?:\w+\s+)?{_PERSON}\s+{_WHERE}", re.IGNORECASE)
_NEXT_DOOR = re.compile(r"\b(?:next\s+door|hiernaast|naast\s+(?:mij|ons|de\s+school))\b", re.IGNORECASE)


def individual(text: str) -> str | None:
    """What in the text points at one person or household (None: it reads as a pattern)."""
    result = scrub(text)
    for finding in (*result.findings, *result.flagged):
        if finding.kind in ("name", "address", "phone", "email", "bsn", "birthdate", "handle", "plate"):
            return finding.original
    match = _INDIVIDUAL.search(text) or _NEXT_DOOR.search(text)
    return match.group(0) if match else None


def secrecy_refusal(found: str) -> NoReturn:
    """Refuse text that points at one person or household, and say why."""
    raise UserError("Not recorded: \"{found}\" points at one person or household. Observations are about "
                    "patterns, not people: professional secrecy protects the people you work with. Write "
                    "what you see without names, addresses or descriptions of someone.", found=found[:60])


async def sync_config(services: Services) -> None:
    """Terms from config.toml; the database is the record (config never reopens a term that ended)."""
    async with services.db.transaction() as tx:
        for hood in services.config.neighbourhoods:
            for person in hood.professionals:
                await repo.upsert_configured(tx, person.id, {
                    "neighbourhood_id": hood.id, "name": person.name, "role": person.role,
                    "organisation": person.organisation, "matrix_user": person.matrix_user,
                    "started_on": person.since.isoformat(),
                    "ended_on": (person.until + timedelta(days=1)).isoformat() if person.until else None},
                    services.now_iso())


async def add(tx: Tx, services: Services, hood: str, name: str, role: str, user: str, who: str) -> ProfessionalTerm:
    if not name or not role or not re.fullmatch(r"@[^:\s]+:\S+", user):
        raise UserError("Use: !professional add [neighbourhood] | name | role | @account:server")
    return await repo.insert(tx, {"neighbourhood_id": hood, "name": name, "role": role, "organisation": "",
                                  "matrix_user": user, "started_on": today(services), "ended_on": None},
                             who, services.now_iso())


async def end(tx: Tx, services: Services, hoods: list[str], reference: str) -> ProfessionalTerm:
    number = reference.strip().upper().removeprefix("PR-")
    term = await repo.by_id(tx, int(number)) if number.isdigit() else None
    if term is None or term.neighbourhood_id not in hoods:
        raise UserError("I don't know professional {reference} here.", reference=reference[:32])
    await repo.end(tx, term.id, today(services))
    return term


terms_in = repo.of_neighbourhoods  # every professional's term in these neighbourhoods (!continuity, !professional)


def terms_text(t: Translator, services: Services, terms: list[ProfessionalTerm]) -> str:
    """Per neighbourhood and role: who holds it and since when, and who held it before (``!continuity`` and
    ``!professional list``)."""
    if not terms:
        return t._("No professionals recorded yet.")
    now = today(services)
    lines = [t._("Professionals:")]
    for term in terms:
        ended = term.ended_on is not None and term.ended_on <= now
        values = {"neighbourhood": neighbourhood_name(services.config, term.neighbourhood_id), "role": term.role,
                  "name": term.name, "reference": term.reference, "since": day(t, term.started_on),
                  "tenure": tenure(t, term.started_on, (term.ended_on if ended else None) or now)}
        if ended:
            lines.append(t._("{neighbourhood}, {role}: {name} ({reference}), earlier, {since} – {until} ({tenure})",
                             until=day(t, term.ended_on or now), **values))
        else:
            lines.append(t._("{neighbourhood}, {role}: {name} ({reference}), since {since} ({tenure})", **values))
    return "\n".join(lines)


async def observe(tx: Tx, services: Services, term: ProfessionalTerm, typed: str, t: Translator) -> Observation:
    """``!observation theme | text``: refused when it is about an individual; else stored with the role only and
    posted in the moderation room."""
    theme_word, bar, text = typed.partition("|")
    theme = parse_theme(t, theme_word)
    text = text.strip()
    if not bar or theme is None or len(text) < 10:
        raise UserError("Use: !observation theme | what you notice (a pattern, not a person). Themes: {themes}.",
                        themes=", ".join(THEMES))
    found = individual(text)
    if found is not None:
        secrecy_refusal(found)
    result = scrub(text)
    observation = await repo.add_observation(
        tx, reference=await next_reference(tx, "O", services.now().year), professional_id=term.id,
        neighbourhood_id=term.neighbourhood_id, theme=theme, role=term.role, text_public=result.text,
        scrubbed_kinds=",".join(sorted({f.kind for f in result.findings})), now=services.now_iso())
    hood = services.config.neighbourhood(term.neighbourhood_id)
    if hood is not None and hood.moderation_address is not None:
        mt = Translator(services.config.moderation.language, services.config.timezone)
        await outbox.enqueue(tx, services, hood.moderation_address, Reply(text=observation_line(mt, observation)),
                             purpose="observation", subject=observation.reference)
    return observation


def observation_line(t: Translator, observation: Observation) -> str:
    return t._("Observation {reference} ({role}, {theme}): {text}", reference=observation.reference,
               role=observation.role, theme=t._(THEMES.get(observation.theme, observation.theme)),
               text=observation.text_public)


def parse_theme(t: Translator, word: str) -> str | None:
    wanted = word.strip().casefold()
    dutch = Translator("nl")
    return next((key for key, label in THEMES.items() if wanted in (
        key, label.casefold(), t._(label).casefold(), dutch._(label).casefold())), None)
