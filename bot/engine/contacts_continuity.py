"""Continuity figures: how long each position has had its contact person, and how often it changed.

Everything is derived from the terms' dates, so history entered in config.toml counts as well as changes made
in the moderation room. A *handover* is any term that is not the first one in its position; it counts for the
last 12 months when it started in them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.config import Config
from bot.engine.contacts_text import neighbourhood_name, position, tenure, today
from bot.i18n import Translator
from bot.services import Services
from bot.store import contacts as repo
from bot.store.contacts import Contact
from bot.store.db import Tx

YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Position:
    neighbourhood: str
    theme: str
    terms: tuple[Contact, ...]  # started by today, oldest first
    holder: Contact | None  # in effect now
    handovers_last_year: int


def positions(contacts: list[Contact], day: str) -> list[Position]:
    """Group terms by position (neighbourhood, theme) and count the handovers of the last 12 months."""
    year_ago = (date.fromisoformat(day) - YEAR).isoformat()
    grouped: dict[tuple[str, str], list[Contact]] = {}
    for contact in sorted(contacts, key=lambda c: (c.started_on, c.id)):
        if contact.started_on <= day:
            grouped.setdefault((contact.neighbourhood_id, contact.theme), []).append(contact)
    result = []
    for (hood, theme), terms in sorted(grouped.items()):
        holder = next((c for c in reversed(terms) if c.current), None)
        recent = sum(1 for c in terms[1:] if year_ago < c.started_on <= day)
        result.append(Position(hood, theme, tuple(terms), holder, recent))
    return result


def per_neighbourhood(found: list[Position]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in found:
        counts[p.neighbourhood] = counts.get(p.neighbourhood, 0) + p.handovers_last_year
    return counts


async def handovers_last_year(tx: Tx, services: Services, neighbourhood: str) -> int:
    found = positions(await repo.of_neighbourhoods(tx, [neighbourhood]), today(services))
    return per_neighbourhood(found).get(neighbourhood, 0)


def _end(contact: Contact, day: str) -> str:
    return min(contact.ended_on, day) if contact.ended_on else day


def figures_text(t: Translator, config: Config, contacts: list[Contact], hoods: list[str], day: str) -> str:
    """The figures for ``!continuity``: per position the current holder and tenure, the earlier holders, the
    average term; per neighbourhood the handovers in the last 12 months, with a warning above the limit."""
    found = positions(contacts, day)
    limit = config.continuity.max_handovers_per_year
    lines = [t._("Continuity of contact persons (limit: {limit} handovers in 12 months)", limit=limit)]
    counts = per_neighbourhood(found)
    for hood in hoods:
        name = neighbourhood_name(config, hood)
        count = counts.get(hood, 0)
        lines += ["", t.n_("{neighbourhood}: {n} handover in the last 12 months",
                           "{neighbourhood}: {n} handovers in the last 12 months", count, neighbourhood=name)]
        if count > limit:
            lines.append(alert_text(t, config, hood, count))
        here = [p for p in found if p.neighbourhood == hood]
        if not here:
            lines.append(t._("• No contact person yet."))
        for p in here:
            label = position(t, config, hood, p.theme)
            if p.holder is not None:
                lines.append(t._("• {position}: {name} ({reference}), for {tenure}", position=label,
                                 name=p.holder.name, reference=p.holder.reference,
                                 tenure=tenure(t, p.holder.started_on, day)))
            else:
                lines.append(t._("• {position}: nobody at the moment", position=label))
            earlier = [c for c in p.terms if c is not p.holder]
            if earlier:
                lines.append("  " + t._("before: {names}", names="; ".join(
                    f"{c.name} ({tenure(t, c.started_on, _end(c, day))})"
                    for c in earlier)))
            days = [(date.fromisoformat(_end(c, day)) - date.fromisoformat(c.started_on)).days for c in p.terms]
            average_end = (date.fromisoformat(day) - timedelta(days=sum(days) // max(len(days), 1))).isoformat()
            lines.append("  " + t.n_("{n} contact person so far, on average {tenure} each",
                                     "{n} contact persons so far, on average {tenure} each", len(p.terms),
                                     tenure=tenure(t, average_end, day)))
    return "\n".join(lines)


def alert_text(t: Translator, config: Config, neighbourhood: str, count: int) -> str:
    return t._("⚠ Continuity alert: {neighbourhood} had {count} handovers of contact persons in the last 12 "
               "months, more than the {limit} set in continuity.max_handovers_per_year. Residents need known "
               "faces who stay.", neighbourhood=neighbourhood_name(config, neighbourhood), count=count,
               limit=config.continuity.max_handovers_per_year)
