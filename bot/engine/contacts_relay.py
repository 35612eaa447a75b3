"""The relay: a resident writes to their contact person through the bot, and the answer comes back.

The bot holds both ends, so neither side learns the other's platform handle: the contact person sees the
resident's words, the neighbourhood and the resident's language, never their account, name or number; the
resident sees the contact person's name and role (as on the public card), never their Matrix or Telegram
account. The words themselves are passed on as written, not scrubbed: the resident chose to write to a named
member of staff, and may want to give a phone number to be called back. They are kept for the resident
(/mydata shows them, /forget erases them, including the copies left in the outbox).

Each conversation has a short reference (R-12). The contact person answers by replying to the relayed message
(Matrix rich reply, Telegram reply) or with ``!reply R-12 text``. A handover moves open conversations to the
successor (``bot/engine/contacts.py``).
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.channels import conventions
from bot.channels.base import Actor, Address, Choice, Reply
from bot.engine import outbox
from bot.engine.contacts_text import address, position, translator_for
from bot.engine.feedback import not_before
from bot.errors import UserError
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.services import Services
from bot.store import contacts as repo
from bot.store import residents as residents_repo
from bot.store.contacts import Contact, Thread
from bot.store.db import Tx
from bot.store.outbox import Pending
from bot.store.residents import Resident

MAX_LENGTH = 2000
DAILY_LIMIT = 10  # messages a resident may send to contact persons in 24 hours
_REFERENCE = re.compile(r"^(?:R-?)?(\d{1,9})$", re.IGNORECASE)
TO_CONTACT, TO_RESIDENT = "to_contact", "to_resident"


def _text(text: str) -> str:
    text = text.strip()
    if not text:
        raise UserError("I received an empty message. Please type some text.")
    if len(text) > MAX_LENGTH:
        raise UserError("Your message is too long for me. Please keep it shorter.")
    return text


def reply_command(channel: str) -> str:
    """How a contact person types the answer command where they are (Element treats /words as its own)."""
    return conventions.command(channel, "reply")


async def send_to_contact(tx: Tx, services: Services, resident: Resident, contact_id: int,
                          text: str) -> tuple[Thread, Contact]:
    """Queue the resident's message for the contact person; returns the conversation and the contact person."""
    contact = await repo.by_id(tx, contact_id)
    if contact is None or not contact.current or contact.neighbourhood_id != resident.neighbourhood_id:
        raise UserError("This contact person is no longer available. Type /contact to see who is.")
    target = address(contact)
    if target is None:
        raise UserError("Messages cannot be passed on to this contact person. Please use the contact details "
                        "on the card.")
    text = _text(text)
    since = (services.now() - timedelta(days=1)).isoformat(timespec="seconds")
    if await repo.messages_since(tx, resident.id, TO_CONTACT, since) >= DAILY_LIMIT:
        raise UserError("You have sent many messages today. Please wait until tomorrow, or use the contact "
                        "details on the card.")
    now = services.now_iso()
    thread = await repo.open_thread(tx, resident.id, contact.id) or await repo.create_thread(
        tx, resident.id, contact.id, resident.neighbourhood_id, now)
    t = translator_for(services.config, contact)
    body = "\n".join([
        t._("Message {reference} from a resident of {neighbourhood} (writes in {language}):",
            reference=thread.reference, neighbourhood=position(t, services.config, resident.neighbourhood_id, ""),
            language=LANGUAGE_NAMES.get(resident.language, resident.language)),
        "", text, "",
        t._("Answer by replying to this message, or type: {command} {reference} your answer. The resident sees "
            "your name and role, not your account.", command=reply_command(target.channel), reference=thread.reference),
    ])
    outbox_id = await outbox.enqueue(tx, services, target, Reply(text=body), purpose="relay",
                                     subject=thread.reference)
    await repo.add_message(tx, thread.id, TO_CONTACT, contact.id, text, outbox_id, now)
    return thread, contact


async def remember_post(tx: Tx, item: Pending, message_id: str | None, now: str) -> None:
    """After a relayed message reached the contact person: remember its platform id, so a reply to it is
    understood."""
    match = _REFERENCE.match(item.subject or "")
    if message_id and match:
        await repo.remember_post(tx, item.address.channel, message_id, int(match.group(1)))


async def _thread_of(tx: Tx, actor: Actor, reference: str) -> tuple[Thread, Contact]:
    mine = await repo.of_actor(tx, actor.channel, actor.user_id)
    match = _REFERENCE.match(reference.strip())
    thread = await repo.thread(tx, int(match.group(1))) if match else None
    contact = next((c for c in mine if thread is not None and c.id == thread.contact_id), None)
    if thread is not None and contact is not None and thread.status == "open":
        return thread, contact
    if thread is not None:
        earlier = {c.id for c in await repo.ever_actor(tx, actor.channel, actor.user_id)}
        if contact is None and await repo.took_part(tx, thread.id, earlier):
            raise UserError("{reference} has been handed over to your successor, who now answers it.",
                            reference=thread.reference)
    raise UserError("I cannot find conversation {reference} among yours.", reference=reference.strip()[:20])


async def thread_of_reply(tx: Tx, actor: Actor, message_id: str) -> str | None:
    """The reference of the conversation whose relayed message the contact person replied to, if any."""
    ids = {c.id for c in await repo.ever_actor(tx, actor.channel, actor.user_id)}
    for thread in await repo.threads_by_post(tx, actor.channel, message_id):
        if thread.contact_id in ids or await repo.took_part(tx, thread.id, ids):
            return thread.reference
    return None


async def answer(tx: Tx, services: Services, actor: Actor, reference: str, text: str) -> Thread:
    """The contact person's answer goes to the resident, in the resident's language around it."""
    thread, contact = await _thread_of(tx, actor, reference)
    text = _text(text)
    resident = await residents_repo.by_id(tx, thread.resident_id)
    if resident is None or resident.chat_id is None or resident.unreachable_at is not None:
        raise UserError("This resident can no longer be reached through the bot.")
    t = Translator(resident.language, services.config.timezone)
    body = "\n".join([t._("{name} ({role}) answers your message {reference}:", name=contact.name, role=contact.role,
                          reference=thread.reference), "", text, "",
                      t._("To answer, choose the button below or type /contact.")])
    reply = Reply(text=body, choices=(Choice(f"relay.{thread.id}", t._("Answer {name}", name=contact.name)),))
    outbox_id = await outbox.enqueue(tx, services, Address(resident.channel, resident.chat_id), reply,
                                     purpose="relay-answer", subject=thread.reference,
                                     not_before=not_before(services, resident))
    await repo.add_message(tx, thread.id, TO_RESIDENT, contact.id, text, outbox_id, services.now_iso())
    return thread


async def thread_for_resident(tx: Tx, resident: Resident, thread_id: int) -> Contact:
    """The contact person of one of the resident's own open conversations (the Answer button)."""
    thread = await repo.thread(tx, thread_id)
    contact = await repo.by_id(tx, thread.contact_id) if thread is not None else None
    if thread is None or thread.resident_id != resident.id or contact is None or not contact.current:
        raise UserError("This contact person is no longer available. Type /contact to see who is.")
    return contact


async def terms_of(tx: Tx, actor: Actor) -> list[Contact]:
    """Every term this account has served as a contact person, oldest first (empty for everyone else)."""
    return await repo.ever_actor(tx, actor.channel, actor.user_id)


async def open_references(tx: Tx, terms: list[Contact]) -> list[str]:
    """The references (R-12) of the open conversations of these terms that are still in effect."""
    return [th.reference for c in terms if c.current for th in await repo.open_threads_of(tx, c.id)]


async def writable(tx: Tx, resident: Resident, contact_id: int) -> Contact:
    """The contact person a resident picked to write to, if still in effect in the resident's neighbourhood."""
    contact = await repo.by_id(tx, contact_id)
    if contact is None or not contact.current or contact.neighbourhood_id != resident.neighbourhood_id:
        raise UserError("This contact person is no longer available. Type /contact to see who is.")
    return contact
