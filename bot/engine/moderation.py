"""Moderation: new stories go to the neighbourhood's moderation room; organisers approve, reject or edit.

Each decision is one transaction: the status change, the audit entry, the author's notification and the
publication to public rooms are written together (the last two as outbox rows), so nothing is half-done.
"""

from __future__ import annotations

from datetime import timedelta

from bot import config_addresses as addresses
from bot.channels.base import Address, Reply
from bot.config import Config, Neighbourhood
from bot.engine import contacts, moderation_reasons, outbox
from bot.engine.outbox import Dispatcher
from bot.engine.scrub import scrub
from bot.engine.themes import THEMES
from bot.errors import UserError
from bot.i18n import N_, Translator
from bot.scheduler import Scheduler
from bot.services import Services
from bot.store import audit, moderation_posts
from bot.store import contacts as contacts_repo
from bot.store import experiences as repo
from bot.store import residents as residents_repo
from bot.store.db import Tx
from bot.store.experiences import Experience as Experience  # re-exported: handlers name the record
from bot.store.outbox import Pending

APPROVE, REJECT, EDIT = "✅", "🚫", "✏️"
POST_STATE = "moderation-state"  # outbox rows that edit a moderation post to show a decision
REACTIONS = (APPROVE, REJECT, EDIT)
SCRUB_KIND_NAMES = {
    "phone": N_("phone number"), "email": N_("e-mail address"), "bsn": N_("citizen service number"),
    "iban": N_("bank account"), "address": N_("house number"), "postcode": N_("postcode and house number"),
    "plate": N_("licence plate"), "name": N_("name"), "handle": N_("social media account"),
    "birthdate": N_("date of birth"),
}


def organisers_translator(config: Config) -> Translator:
    return Translator(config.moderation.language, config.timezone)


def moderation_address(hood: Neighbourhood) -> Address | None:
    return hood.moderation_address


def rooms_neighbourhoods(config: Config, room: str) -> list[Neighbourhood]:
    """The neighbourhoods a moderation room is responsible for."""
    return [n for n in config.neighbourhoods if n.moderation_room == room]


async def kept_names(tx: Tx, config: Config, neighbourhood_id: str) -> tuple[str, ...]:
    """Names the scrubber leaves alone in this neighbourhood's stories: its contact persons, whom the bot
    itself shows to residents (configured and added in the room)."""
    hood = config.neighbourhood(neighbourhood_id)
    names = [c.name for c in hood.contacts] if hood else []
    names += [c.name for c in await contacts_repo.current_of_neighbourhood(tx, neighbourhood_id)]
    return tuple(dict.fromkeys(names))


def describe(t: Translator, config: Config, e: Experience, keep: tuple[str, ...] = (), state: str | None = None) -> str:
    """The moderation post of a story. Undecided, it ends with how to decide (the bot's reactions are buttons,
    not votes); ``state`` is the latest outcome line (approved by whom and when, rejected and why, edited, theme
    changed), shown when the post is edited after a decision."""
    hood = config.neighbourhood(e.neighbourhood_id)
    lines = [
        t._("New story {reference} · {neighbourhood} · {theme}", reference=e.reference,
            neighbourhood=hood.name if hood else e.neighbourhood_id, theme=t._(THEMES.get(e.theme, e.theme))),
        "",
        e.text_public,
        "",
    ]
    if e.place_hint:
        lines.append(t._("Place: {place}", place=e.place_hint))
    if e.scrubbed_kinds:
        kinds = ", ".join(t._(SCRUB_KIND_NAMES.get(k, k)) for k in e.scrubbed_kinds.split(","))
        lines.append(t._("Removed before you saw it: {kinds}", kinds=kinds))
    # Likely names the scrubber did not replace, found again in the public text (nothing extra is stored).
    flagged = scrub(e.text_public, keep=keep).flagged_names
    if flagged:
        lines.append(t._("May contain a name: {names}", names=", ".join(flagged)))
    lines.append(t._("Shown as: {name}", name=e.author_name or t._("anonymous")))
    if state is not None:
        lines += ["", state]
    if e.status not in ("approved", "rejected"):
        lines.append(t._("The reactions under this message are buttons for moderators, not votes: ✅ approves, 🚫 "
                         "rejects (I ask for the reason), ✏️ edits. Or type !approve {reference}, !reject "
                         "{reference} reason, !edit {reference} new text.", reference=e.reference))
    return "\n".join(lines)


def signed(actor: str, name: str | None) -> str:
    """Who decided, as the audit log keeps it and ``!log`` shows it: the display name with the account in brackets
    (``Marieke (@marieke:example.org)``), or the account alone when there is no other name."""
    return f"{name} ({actor})" if name and name != actor else actor


def _state_line(t: Translator, services: Services, action: str, who: str, detail: str | None = None) -> str:
    when = t.datetime(services.now(), "short")
    if action == "approved":
        return t._("✅ Approved by {name} on {when}.", name=who, when=when)
    if action == "rejected":
        return t._("🚫 Rejected by {name} on {when}. Reason: {reason}", name=who, when=when, reason=detail or "")
    if action == "edited":
        return t._("✏️ Text edited by {name} on {when}.", name=who, when=when)
    return t._("Theme changed to {theme} by {name} on {when}.", theme=t._(THEMES.get(detail or "", detail or "")),
               name=who, when=when)


async def _show_state(tx: Tx, services: Services, reference: str, action: str, who: str,
                      detail: str | None = None) -> None:
    """Edit every moderation post of the story to show what was just decided; once approved or rejected the
    post's reaction prompts are taken back (``Reply.settled``). Through the outbox, like the post itself."""
    e = await repo.by_reference(tx, reference)
    if e is None:
        return
    t = organisers_translator(services.config)
    text = describe(t, services.config, e, await kept_names(tx, services.config, e.neighbourhood_id),
                    _state_line(t, services, action, who, detail))
    for channel, chat_id, message_id in await moderation_posts.of_story(tx, e.id):
        await outbox.enqueue(tx, services, Address(channel, chat_id, private=False),
                             Reply(text=text, edit_of=message_id, settled=e.status in ("approved", "rejected")),
                             purpose=POST_STATE, subject=e.reference)


async def submitted(tx: Tx, services: Services, e: Experience) -> None:
    """A new story: show it in its neighbourhood's moderation room (through the outbox)."""
    hood = services.config.neighbourhood(e.neighbourhood_id)
    address = moderation_address(hood) if hood else None
    if address is None:
        return
    keep = await kept_names(tx, services.config, e.neighbourhood_id)
    text = describe(organisers_translator(services.config), services.config, e, keep)
    await outbox.enqueue(tx, services, address, Reply(text=text, reactions=REACTIONS), purpose="moderation",
                         subject=e.reference)


async def remember_post(tx: Tx, item: Pending, message_id: str | None, now: str) -> None:
    """After the moderation post was sent: remember which message shows which story (for reactions)."""
    if message_id is None or item.subject is None:
        return
    e = await repo.by_reference(tx, item.subject)
    if e is not None:
        await moderation_posts.remember(tx, item.address.channel, item.address.chat_id, message_id, e.id)


async def by_post(tx: Tx, config: Config, channel: str, room: str, message_id: str) -> Experience | None:
    """The story a moderation post in ``room`` shows, if it was posted in that very room and the room still
    moderates the story's neighbourhood. A reaction in another room on it (a client may relate an event to one
    in another room, e.g. inside encrypted content the homeserver cannot check) finds nothing."""
    e = await moderation_posts.story(tx, channel, _posted_to(room), message_id)
    return e if e is not None and _moderated_in(config, e, room) else None


async def post_in_room(tx: Tx, channel: str, room: str, e: Experience) -> str | None:
    """The message in ``room`` that shows the story (answers about it are threaded under it), if any."""
    return await moderation_posts.in_room(tx, channel, _posted_to(room), e.id)


def _posted_to(room: str) -> str:
    """The chat id a room's posts were sent to: the room as the configuration names it, addressed (a Matrix room id
    stays as it is; ``console:moderation-noord``, the shell's room, is the console's chat ``moderation-noord``)."""
    return addresses.room(room).chat_id


async def waiting(tx: Tx, neighbourhoods: list[str]) -> list[Experience]:
    """The stories of these neighbourhoods waiting for a decision, oldest first (!queue)."""
    return await repo.waiting(tx, neighbourhoods)


async def history(tx: Tx, reference: str) -> list[audit.Entry]:
    """Who decided what about a story, when and why (!log)."""
    return await audit.of_reference(tx, reference)


def _moderated_in(config: Config, e: Experience, room: str) -> bool:
    hood = config.neighbourhood(e.neighbourhood_id)
    return hood is not None and hood.moderation_room == room


async def find(tx: Tx, config: Config, room: str, reference: str) -> Experience:
    """The story with this reference, if this room moderates its neighbourhood."""
    e = await repo.by_reference(tx, reference.strip())
    if e is None or not _moderated_in(config, e, room):
        raise UserError("I cannot find {reference} among the stories of this room. A story can only be decided "
                        "in the moderation room of its own neighbourhood.", reference=reference[:20])
    return e


def undecided(e: Experience) -> None:
    """Raises when the story was approved or rejected already (who decided is in !log)."""
    if e.status == "approved":
        raise UserError("{reference} was already approved. Use !log {reference} to see who decided.",
                        reference=e.reference)
    if e.status == "rejected":
        raise UserError("{reference} was already rejected. Use !log {reference} to see who decided.",
                        reference=e.reference)


async def _tell_author(tx: Tx, services: Services, e: Experience, kind: str,
                       reason: moderation_reasons.Reason | None = None) -> None:
    if e.resident_id is None:
        return
    resident = await residents_repo.by_id(tx, e.resident_id)
    if resident is None or resident.chat_id is None or resident.unreachable_at is not None:
        return
    t = Translator(resident.language, services.config.timezone)
    if kind == "approved":
        text = t._("Good news: your story {reference} has been approved and is now shared with the "
                   "neighbourhood.", reference=e.reference)
    else:
        told = moderation_reasons.told(t, reason.category if reason else None, reason.text if reason else None)
        text = t._("Your story {reference} will not be published. The reason: {reason}.\nThank you for "
                   "sharing it: the municipality has read it all the same.", reference=e.reference, reason=told)
    await outbox.enqueue(tx, services, Address(resident.channel, resident.chat_id), Reply(text=text),
                         purpose="decision", subject=e.reference)


def publication(config: Config, hood: Neighbourhood, e: Experience) -> str:
    """The story as the neighbourhood's public rooms and group see it, in the default language."""
    t = Translator(config.default_language, config.timezone)
    return "\n".join([
        t._("A story from {neighbourhood} about {theme}:", neighbourhood=hood.name,
            theme=t._(THEMES.get(e.theme, e.theme))),
        "",
        e.text_public,
        "",
        t._("— {name}", name=e.author_name) if e.author_name else t._("— a resident"),
    ])


async def _publish(tx: Tx, services: Services, e: Experience) -> None:
    config = services.config
    hood = config.neighbourhood(e.neighbourhood_id)
    if hood is None:
        return
    text = publication(config, hood, e)
    for address in hood.public_addresses:
        await outbox.enqueue(tx, services, address, Reply(text=text), purpose="publish", subject=e.reference)


async def approve(tx: Tx, services: Services, e: Experience, actor: str, actor_name: str | None = None) -> None:
    undecided(e)
    await repo.decide(tx, e.id, "approved", None, None, services.now_iso())
    await audit.add(tx, e.reference, signed(actor, actor_name), "approved", None, services.now_iso())
    await _tell_author(tx, services, e, "approved")
    await _publish(tx, services, e)
    await _show_state(tx, services, e.reference, "approved", actor_name or actor)


async def reject(tx: Tx, services: Services, e: Experience, actor: str, reason: str,
                 actor_name: str | None = None) -> None:
    undecided(e)
    if not reason.strip():
        t = organisers_translator(services.config)
        raise UserError("Please give the reason, for the author: its number or word, and if you like your own "
                        "words after it, e.g. !reject {reference} 4 see W-2026-0001. The reasons:\n{reasons}",
                        reference=e.reference, reasons=moderation_reasons.choices(t))
    parsed = moderation_reasons.parse(reason)
    await repo.decide(tx, e.id, "rejected", parsed.category, parsed.text or None, services.now_iso())
    who = signed(actor, actor_name)
    await audit.add(tx, e.reference, who, "rejected", parsed.text or None, services.now_iso())
    await audit.add(tx, e.reference, who, moderation_reasons.AUDIT_ACTION, parsed.category, services.now_iso())
    await _tell_author(tx, services, e, "rejected", parsed)
    await _show_state(tx, services, e.reference, "rejected", actor_name or actor,
                      moderation_reasons.told(organisers_translator(services.config), parsed.category, parsed.text))


async def edit(tx: Tx, services: Services, e: Experience, actor: str, new_text: str,
               actor_name: str | None = None) -> str:
    """Replace the public text (scrubbed again); returns the text as it will be shown."""
    if not new_text.strip():
        raise UserError("Please give the new text: !edit {reference} new text.", reference=e.reference)
    result = scrub(new_text.strip(), keep=await kept_names(tx, services.config, e.neighbourhood_id))
    kinds = sorted({f.kind for f in result.findings} | set(filter(None, e.scrubbed_kinds.split(","))))
    await repo.set_public_text(tx, e.id, result.text, ",".join(kinds))
    await audit.add(tx, e.reference, signed(actor, actor_name), "edited", result.text, services.now_iso())
    await _show_state(tx, services, e.reference, "edited", actor_name or actor)
    return result.text


async def change_theme(tx: Tx, services: Services, e: Experience, actor: str, typed: str,
                       actor_name: str | None = None) -> str:
    """A new theme; the story moves to the new theme's contact person when another one is responsible now (a rule
    that holds after every theme change, whoever makes it)."""
    t = organisers_translator(services.config)
    wanted = typed.strip().casefold()
    theme = next((key for key, label in THEMES.items()
                  if wanted in (key, t._(label).casefold(), label.casefold())), None)
    if theme is None:
        raise UserError("Unknown theme. Choose one of: {themes}.", themes=", ".join(THEMES))
    await repo.set_theme(tx, e.id, theme)
    await audit.add(tx, e.reference, signed(actor, actor_name), "theme", theme, services.now_iso())
    changed = await repo.by_reference(tx, e.reference)
    if changed is not None:
        await contacts.reroute(tx, services, changed)
    await _show_state(tx, services, e.reference, "theme", actor_name or actor, theme)
    return theme


async def remind(services: Services) -> int:
    """Post a reminder in each moderation room about stories waiting longer than configured."""
    config = services.config
    now = services.now()
    threshold = (now - timedelta(hours=config.moderation.remind_after_hours)).isoformat(timespec="seconds")
    t = organisers_translator(config)
    reminded = 0
    async with services.db.transaction() as tx:
        rooms: dict[str, list[Neighbourhood]] = {}
        for hood in config.neighbourhoods:
            if hood.moderation_room:
                rooms.setdefault(hood.moderation_room, []).append(hood)
        for room, hoods in rooms.items():
            waiting = [e for e in await repo.waiting(tx, [h.id for h in hoods])
                       if e.created_at <= threshold and (e.reminded_at is None or e.reminded_at <= threshold)]
            if not waiting:
                continue
            lines = [t.n_("{n} story is waiting for a decision:", "{n} stories are waiting for a decision:",
                          len(waiting))]
            lines += [f"• {e.reference} · {t._(THEMES.get(e.theme, e.theme))} · "
                      f"{t.date(services.parse_time(e.created_at), 'medium')}" for e in waiting]
            await outbox.enqueue(tx, services, addresses.room(room), Reply(text="\n".join(lines)),
                                 purpose="reminder")
            await repo.mark_reminded(tx, [e.id for e in waiting], services.now_iso())
            reminded += len(waiting)
    return reminded


def install(scheduler: Scheduler, dispatcher: Dispatcher, services: Services) -> None:
    """Remember which post shows which story (for reactions); remind rooms of stories waiting too long."""

    async def job() -> None:
        await remind(services)

    dispatcher.on_sent("moderation", remember_post)
    scheduler.every("moderation-reminders", timedelta(hours=1), job)
