"""Contact persons for residents (/contact, /contactpersoon) and the relay's other end (contact persons' answers).

A resident sees the card of each contact person of their neighbourhood (the whole neighbourhood first, then per
theme) in their own language, and may write to one of them; the answer comes back in the same chat with an
Answer button. A contact person answers by replying to the relayed message, or with ``!reply R-12 text``
(``/reply`` on Telegram; Dutch ``!antwoord``). See ``bot/engine/contacts_relay.py`` for what each side sees.
"""

from __future__ import annotations

from typing import Any

from bot.channels.base import Choice, Reply
from bot.dialogue import Context, Flow, Handler
from bot.engine import contacts
from bot.engine import contacts_relay as relay
from bot.engine.contacts import Contact
from bot.engine.contacts_text import address, card, photo, translator_for
from bot.errors import StaleChoice, UserError
from bot.i18n import N_, Translator


class ContactFlow(Flow):
    """/contact: the cards, then optionally a message to one of the contact persons."""

    name = "contact"

    async def start(self, ctx: Context) -> None:
        assert ctx.resident is not None
        t, config = ctx.t, ctx.services.config
        current = await contacts.of_neighbourhood(ctx.tx, ctx.resident.neighbourhood_id)
        if not current:
            ctx.say(t._("Your neighbourhood has no contact person yet. You can still tell us what you experience "
                        "with /share."))
            ctx.finish()
            return
        for contact in current:
            ctx.replies.append(Reply(text=card(t, config, contact), attachment=await photo(contact)))
        if not await contacts.wants_introductions(ctx.tx, ctx.resident.id):
            ctx.say(t._("Do you want to hear when a new contact person starts? Turn it on in /settings."))
        writable = [c for c in current if address(c) is not None]
        if not writable:
            ctx.finish()
            return
        ctx.state.flow = self.name
        choices = tuple(Choice(f"write.{c.id}", t._("Write to {name}", name=c.name)) for c in writable)
        ctx.ask("pick", t._("Do you want to send a message through me? Your contact person reads your words, but "
                            "not your chat account. Add a phone number or e-mail address only if you want to be "
                            "contacted that way."), (*choices, Choice("done", t._("No, thank you"))))

    async def on_pick(self, ctx: Context) -> None:
        assert ctx.resident is not None
        choice = ctx.incoming.choice or ""
        if not choice.startswith("write."):
            ctx.say(ctx.t._("All right. Type /contact whenever you want to see your contact persons again."))
            ctx.finish()
            return
        ask_message(ctx, await relay.writable(ctx.tx, ctx.resident, int(choice.split(".", 1)[1])))

    async def on_message(self, ctx: Context) -> None:
        assert ctx.resident is not None
        if not (ctx.incoming.text or "").strip():
            raise UserError("I can only pass on text. Please type your message.")
        thread, contact = await relay.send_to_contact(ctx.tx, ctx.services, ctx.resident, int(ctx.data["contact_id"]),
                                                      ctx.incoming.text or "")
        ctx.say(ctx.t._("Sent to {name}, with reference {reference}. The answer comes here, in this chat.",
                        name=contact.name, reference=thread.reference))
        ctx.finish()


def ask_message(ctx: Context, contact: Contact) -> None:
    ctx.state.flow = ContactFlow.name
    ctx.data["contact_id"] = contact.id
    ctx.ask("message", ctx.t._("Type your message for {name}. Type /cancel to stop.", name=contact.name))


async def answer_choice(ctx: Context) -> None:
    """The Answer button under a contact person's answer (choice ``relay.<thread id>``)."""
    parts = (ctx.incoming.choice or "").split(".")
    if ctx.resident is None or len(parts) != 2 or not parts[1].isdigit():
        raise StaleChoice("This button has expired. Please use the newest message.")
    contact = await relay.thread_for_resident(ctx.tx, ctx.resident, int(parts[1]))
    ctx.finish()
    ask_message(ctx, contact)


class ReplyFlow(Flow):
    """``!reply R-12 text`` from a contact person (in their direct chat with the bot)."""

    name = "contact-reply"
    needs_resident = False

    async def start(self, ctx: Context) -> None:
        ctx.finish()
        actor = ctx.incoming.actor
        mine = await relay.terms_of(ctx.tx, actor)
        if not mine:
            ctx.say(ctx.t._("I don't know the command /{command}. Type /help to see what you can do.",
                            command=(ctx.incoming.command or "")[:32]))
            return
        ctx.t = translator_for(ctx.services.config, mine[-1])
        reference, _, text = ctx.incoming.args.strip().partition(" ")
        if not reference or not text.strip():
            raise UserError("Use: {command} R-12 your answer. Or reply to the resident's message.",
                            command=relay.reply_command(actor.channel))
        await _answer(ctx, reference, text)


async def _answer(ctx: Context, reference: str, text: str) -> None:
    thread = await relay.answer(ctx.tx, ctx.services, ctx.incoming.actor, reference, text)
    ctx.say(ctx.t._("Sent to the resident ({reference}).", reference=thread.reference))


def with_contact_replies(fallback: Handler) -> Handler:
    """Free text outside a dialogue: a contact person's reply to a relayed message goes to the resident; other
    words from a contact person get a hint (they are staff, not residents to onboard); the rest as before."""

    async def handle(ctx: Context) -> None:
        incoming = ctx.incoming
        actor = incoming.actor
        mine = await relay.terms_of(ctx.tx, actor) if incoming.address.private else []
        if mine:
            ctx.t = translator_for(ctx.services.config, mine[-1])
            reference = (await relay.thread_of_reply(ctx.tx, actor, incoming.reply_to)
                         if incoming.reply_to else None)
            if reference is not None and (incoming.text or "").strip():
                await _answer(ctx, reference, incoming.text or "")
                return
            if ctx.resident is None:
                threads = await relay.open_references(ctx.tx, mine)
                ctx.say(ctx.t._("Hello {name}. To answer a resident, reply to their message, or type: {command} "
                                "R-12 your answer. Open conversations: {references}", name=mine[-1].name,
                                command=relay.reply_command(actor.channel), references=", ".join(threads) or "–"))
                return
        await fallback(ctx)

    return handle


# ------------------------------------------------------------------ /settings: introductions of new contact persons
INTROS_SETTING = N_("Introductions of new contact persons")


async def intros_summary(ctx: Context) -> str:
    assert ctx.resident is not None
    wanted = await contacts.wants_introductions(ctx.tx, ctx.resident.id)
    return ctx.t._("Introductions of new contact persons: {answer}",
                   answer=ctx.t._("yes") if wanted else ctx.t._("no"))


def ask_intros(ctx: Context) -> None:
    ctx.ask("intros", ctx.t._("When a new contact person starts in your neighbourhood, do you want a message that "
                              "introduces them?"), (Choice("yes", ctx.t._("yes")), Choice("no", ctx.t._("no"))))


async def save_intros(ctx: Context) -> None:
    assert ctx.resident is not None
    if ctx.incoming.choice in ("yes", "no"):
        await contacts.set_introductions(ctx.tx, ctx.resident.id, ctx.incoming.choice == "yes", ctx.services.now_iso())


def mydata_lines(t: Translator, data: dict[str, Any]) -> list[str]:
    """The /mydata lines about contact persons: the opt-in and every relayed message, both ways."""
    mine = data.get("contact_persons") or {}
    lines = [t._("Introductions of new contact persons: {answer}",
                 answer=t._("yes") if mine.get("introductions_of_new_contact_persons") else t._("no"))]
    messages = mine.get("messages", [])
    if messages:
        lines.append(t.n_("{n} message with your contact persons:", "{n} messages with your contact persons:",
                          len(messages)))
    for m in messages:
        if m["direction"] == relay.TO_CONTACT:
            lines.append(t._("• {reference}, you to {name}: {text}", reference=m["reference"],
                             name=m["contact_person"], text=m["text"]))
        else:
            lines.append(t._("• {reference}, {name} to you: {text}", reference=m["reference"],
                             name=m["contact_person"], text=m["text"]))
    return lines
