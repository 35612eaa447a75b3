"""Organisers manage contact persons from the moderation room, and see how continuous they are.

    !contact list                                    current, planned and earlier contact persons (C-3 …)
    !contact add [id] [theme] | name | role | organisation | how to reach | when reachable | handles
                                                     a new contact person from today (a handover if the
                                                     position has one); handles: @anna:example.org and/or
                                                     telegram:123456789, used by the bot only, never shown
                                                     to residents; "-" leaves a field empty
    !contact end C-3 [reason]                        the term ends today; the position is vacant
    !contact handover C-3 | name | role | organisation | how to reach | when reachable | handles
                                                     C-3 hands over to a new person in the same position
    !continuity                                      tenure per position, handovers in 12 months, alerts

Dutch: !contactpersoon with lijst, nieuw, einde, overdracht; !continuiteit. ``[id]`` (a neighbourhood id) is
needed only when the room moderates several neighbourhoods; ``[theme]`` makes it a theme's contact person.
Only moderators act (``bot.engine.authority.may_moderate``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.dialogue import Context
from bot.engine import contacts, contacts_continuity, moderation, professionals
from bot.engine.contacts import Contact
from bot.engine.contacts_text import day, position, today
from bot.engine.themes import THEMES
from bot.errors import UserError
from bot.i18n import Translator
from handlers.rooms import organisers_room, words_table

DUTCH = Translator("nl")  # Dutch theme names work in every room
_FIELDS = ("name", "role", "organisation", "reachable_how", "reachable_when")


def _hoods(ctx: Context, room: str) -> list[str]:
    return [h.id for h in moderation.rooms_neighbourhoods(ctx.services.config, room)]


def _position(ctx: Context, room: str, typed: str) -> tuple[str, str]:
    """(neighbourhood, theme) from '[id] [theme]'."""
    hoods = _hoods(ctx, room)
    hood: str | None = None
    theme = ""
    for word in typed.split():
        wanted = word.strip().casefold()
        if wanted.removeprefix("@") in hoods:
            hood = wanted.removeprefix("@")
            continue
        found = next((key for key, label in THEMES.items() if wanted in (
            key, label.casefold(), ctx.t._(label).casefold(), DUTCH._(label).casefold())), None)
        if found is None:
            raise UserError("Unknown theme. Choose one of: {themes}.", themes=", ".join(THEMES))
        theme = found
    if hood is None:
        if len(hoods) != 1:
            raise UserError("This room has several neighbourhoods; add @id, one of: {ids}.", ids=", ".join(hoods))
        hood = hoods[0]
    return hood, theme


def _person(parts: list[str]) -> dict[str, Any]:
    """Name, role, organisation, how, when and the optional handles, from the parts after the first '|'."""
    if len(parts) not in (5, 6):
        raise UserError("Use: !contact add [neighbourhood] [theme] | name | role | organisation | how to reach | "
                        "when reachable | @matrix:server telegram:123 (use - for an empty field)")
    values: dict[str, Any] = {key: ("" if part.strip() == "-" else part.strip()) for key, part in zip(
        _FIELDS, parts, strict=False)}
    if not values["name"] or not values["role"]:
        raise UserError("A contact person needs at least a name and a role.")
    values["matrix_user"] = values["telegram_chat"] = None
    for handle in (parts[5].split() if len(parts) == 6 else []):
        if handle.startswith("@") and ":" in handle:
            values["matrix_user"] = handle
        elif handle.lower().startswith(("telegram:", "tg:")) and handle.split(":", 1)[1].lstrip("-").isdigit():
            values["telegram_chat"] = handle.split(":", 1)[1]
        elif handle != "-":
            raise UserError("I do not understand {handle}. Give a Matrix account (@name:server) or a Telegram chat "
                            "(telegram:123456789).", handle=handle[:40])
    return values


async def _find(ctx: Context, room: str, reference: str) -> Contact:
    return await contacts.find_term(ctx.tx, _hoods(ctx, room), reference)


def _line(ctx: Context, c: Contact) -> str:
    t, config = ctx.t, ctx.services.config
    where = position(t, config, c.neighbourhood_id, c.theme)
    who = t._("{name} ({role})", name=c.name, role=c.role)
    if c.organisation:
        who = t._("{name} ({role}, {organisation})", name=c.name, role=c.role, organisation=c.organisation)
    if c.current:
        handles = [h for h in (c.matrix_user, t._("Telegram") if c.telegram_chat else None) if h]
        reach = t._("relay to: {handles}", handles=", ".join(handles)) if handles else t._("no relay (no account)")
        return t._("• {reference} · {position} · {person} · since {date} · {reach}", reference=c.reference,
                   position=where, person=who, date=day(t, c.started_on, "medium"), reach=reach)
    if c.activated_at is None:
        return t._("• {reference} · {position} · {person} · starts {date}", reference=c.reference, position=where,
                   person=who, date=day(t, c.started_on, "medium"))
    return t._("• {reference} · {position} · {person} · {start} – {end}", reference=c.reference, position=where,
               person=who, start=day(t, c.started_on, "medium"), end=day(t, c.ended_on or c.started_on, "medium"))


async def list_(ctx: Context, room: str, rest: str) -> None:
    terms = await contacts.terms_in(ctx.tx, _hoods(ctx, room))
    if not terms:
        ctx.say(ctx.t._("No contact persons yet. Add one with !contact add."))
        return
    current = [c for c in terms if c.current]
    planned = [c for c in terms if c.activated_at is None]
    earlier = [c for c in terms if c.activated_at is not None and not c.current]
    lines = [ctx.t._("Contact persons now:")] + [_line(ctx, c) for c in current]
    if planned:
        lines += ["", ctx.t._("Planned:")] + [_line(ctx, c) for c in planned]
    if earlier:
        lines += ["", ctx.t._("Earlier:")] + [_line(ctx, c) for c in earlier[-20:]]
    ctx.say("\n".join(lines))


async def add(ctx: Context, room: str, rest: str) -> None:
    parts = rest.split("|")
    hood, theme = _position(ctx, room, parts[0])
    new, old = await contacts.add(ctx.tx, ctx.services, neighbourhood=hood, theme=theme, values=_person(parts[1:]),
                                  actor=ctx.incoming.actor.user_id)
    where = position(ctx.t, ctx.services.config, hood, theme)
    if old is None:
        ctx.say(ctx.t._("{reference}: {name} is now the contact person for {position}.", reference=new.reference,
                        name=new.name, position=where))
    else:
        ctx.say(ctx.t._("{reference}: {name} takes over from {previous} as contact person for {position}.",
                        reference=new.reference, name=new.name, previous=old.name, position=where))


async def end(ctx: Context, room: str, rest: str) -> None:
    reference, _, reason = rest.strip().partition(" ")
    contact = await _find(ctx, room, reference)
    await contacts.end(ctx.tx, ctx.services, contact, ctx.incoming.actor.user_id, reason.strip())
    ctx.say(ctx.t._("{reference}: the term of {name} ends today ({date}).", reference=contact.reference,
                    name=contact.name, date=day(ctx.t, today(ctx.services))))


async def handover(ctx: Context, room: str, rest: str) -> None:
    parts = rest.split("|")
    old = await _find(ctx, room, parts[0])
    new = await contacts.handover(ctx.tx, ctx.services, old, _person(parts[1:]), ctx.incoming.actor.user_id)
    ctx.say(ctx.t._("{reference}: {name} takes over from {previous} as contact person for {position}.",
                    reference=new.reference, name=new.name, previous=old.name,
                    position=position(ctx.t, ctx.services.config, old.neighbourhood_id, old.theme)))


async def help_(ctx: Context, room: str, rest: str) -> None:
    ctx.say(ctx.t._(
        "Contact persons:\n"
        "!contact list – who is the contact person, since when, and who was before\n"
        "!contact add [neighbourhood] [theme] | name | role | organisation | how to reach | when reachable | "
        "@matrix:server telegram:123 – a new contact person from today (a handover if the position has one)\n"
        "!contact end C-3 [reason] – the term ends today\n"
        "!contact handover C-3 | name | role | organisation | how to reach | when reachable | handles – hand over\n"
        "!continuity – tenure and handovers per neighbourhood\n"
        "Dutch works too: !contactpersoon lijst, nieuw, einde, overdracht; !continuiteit."))


SUBCOMMANDS: dict[str, Callable[[Context, str, str], Awaitable[None]]] = words_table((
    (("list", "lijst"), list_), (("add", "nieuw", "toevoegen"), add), (("end", "einde"), end),
    (("handover", "overdracht", "overdragen"), handover), (("help", "hulp"), help_)))


async def contact_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    word, _, rest = ctx.incoming.args.strip().partition(" ")
    if not word.strip():
        await list_(ctx, room, "")
        return
    await SUBCOMMANDS.get(word.split("|")[0].strip().lower(), help_)(ctx, room, rest)


async def continuity_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    hoods = _hoods(ctx, room)
    terms = await contacts.terms_in(ctx.tx, hoods)
    ctx.say(contacts_continuity.figures_text(ctx.t, ctx.services.config, terms, hoods, today(ctx.services)))
    # Professionals' positions and terms count for continuity too (issue 20).
    ctx.say(professionals.terms_text(ctx.t, ctx.services, await professionals.terms_in(ctx.tx, hoods)))
