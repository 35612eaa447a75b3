"""Organisers in a moderation room: !approve, !reject, !edit, !theme, !queue, !log, and reactions (``!help`` is
built from handlers/registry.py).

Only moderators act: the platform says so (Matrix power level 50 or more, room creators included) or the
configuration lists them as organisers. Anyone else gets a polite refusal and nothing changes.
"""

from __future__ import annotations

from dataclasses import replace

from bot.channels.base import Reply
from bot.dialogue import Context, Flow
from bot.engine import moderation, moderation_reasons, outbox
from bot.engine.moderation import Experience
from bot.engine.themes import THEMES
from bot.errors import UserError
from bot.i18n import N_
from handlers.rooms import organisers_room


async def _answer(ctx: Context, e: Experience, text: str) -> None:
    """An answer about a story's post: a threaded reply to that post in this room (where the platform has threads),
    speaking to the organiser who acted."""
    incoming = ctx.incoming
    post = incoming.reacted_to or await moderation.post_in_room(ctx.tx, incoming.address.channel,
                                                                incoming.address.chat_id, e)
    address = replace(incoming.address, thread=post) if post else incoming.address
    ctx.replies.append(Reply(text=text, address=address, mentions=(incoming.actor.user_id,)))


def _who(ctx: Context) -> tuple[str, str | None]:
    return ctx.incoming.actor.user_id, ctx.incoming.actor.display_name


def _split(args: str) -> tuple[str, str]:
    reference, _, rest = args.strip().partition(" ")
    if not reference:
        raise UserError("Please give a reference, for example !approve W-2026-0042.")
    return reference.upper(), rest.strip()


async def approve(ctx: Context) -> None:
    room = organisers_room(ctx)
    reference, _ = _split(ctx.incoming.args)
    e = await moderation.find(ctx.tx, ctx.services.config, room, reference)
    await moderation.approve(ctx.tx, ctx.services, e, *_who(ctx))
    await _answer(ctx, e, ctx.t._("{reference} approved. The author is told and the story is published.",
                                  reference=e.reference))


async def reject(ctx: Context) -> None:
    room = organisers_room(ctx)
    reference, reason = _split(ctx.incoming.args)
    e = await moderation.find(ctx.tx, ctx.services.config, room, reference)
    user, name = _who(ctx)
    await moderation.reject(ctx.tx, ctx.services, e, user, reason, name)
    if ctx.state.flow == RejectReasonFlow.name and ctx.data.get("reference") == e.reference:
        ctx.finish()  # the reason came by command after 🚫: nothing is waiting for it any more
    await _answer(ctx, e, ctx.t._("{reference} rejected. The author is told the reason.", reference=e.reference))


async def edit(ctx: Context) -> None:
    room = organisers_room(ctx)
    reference, text = _split(ctx.incoming.args)
    e = await moderation.find(ctx.tx, ctx.services.config, room, reference)
    user, name = _who(ctx)
    shown = await moderation.edit(ctx.tx, ctx.services, e, user, text, name)
    await _answer(ctx, e, ctx.t._("{reference} now reads:\n{text}", reference=e.reference, text=shown))


async def theme(ctx: Context) -> None:
    room = organisers_room(ctx)
    reference, typed = _split(ctx.incoming.args)
    e = await moderation.find(ctx.tx, ctx.services.config, room, reference)
    user, name = _who(ctx)
    key = await moderation.change_theme(ctx.tx, ctx.services, e, user, typed, name)
    await _answer(ctx, e, ctx.t._("The theme of {reference} is now: {theme}", reference=e.reference,
                                  theme=ctx.t._(THEMES[key])))


async def queue(ctx: Context) -> None:
    room = organisers_room(ctx)
    hoods = moderation.rooms_neighbourhoods(ctx.services.config, room)
    waiting = await moderation.waiting(ctx.tx, [h.id for h in hoods])
    held, failed = await outbox.undelivered(ctx.tx)
    lines = [ctx.t._("No stories are waiting. Well done!")] if not waiting else [
        ctx.t.n_("{n} story is waiting:", "{n} stories are waiting:", len(waiting))]
    for e in waiting[:30]:
        lines.append(f"• {e.reference} · {ctx.t._(THEMES.get(e.theme, e.theme))} · "
                     f"{ctx.t.datetime(ctx.services.parse_time(e.created_at), 'short')}")
    if held or failed:  # e.g. a resident a channel cannot reach now (no approved template for a closed window)
        lines.append(ctx.t._("Messages to residents that could not be sent: {held} still waiting, {failed} given "
                             "up.", held=held, failed=failed))
    sent, delivered, read = await outbox.delivered(ctx.tx)
    if delivered:  # only channels whose platform reports delivery (status webhooks) have any
        lines.append(ctx.t._("Messages sent to residents in the last 30 days: {sent}; arrived: {delivered}; read: "
                             "{read}.", sent=sent, delivered=delivered, read=read))
    ctx.say("\n".join(lines))


async def log(ctx: Context) -> None:
    room = organisers_room(ctx)
    reference, _ = _split(ctx.incoming.args)
    e = await moderation.find(ctx.tx, ctx.services.config, room, reference)
    entries = await moderation.history(ctx.tx, e.reference)
    if not entries:
        ctx.say(ctx.t._("Nobody has decided anything about {reference} yet.", reference=e.reference))
        return
    lines = [ctx.t._("History of {reference}:", reference=e.reference)]
    for entry in entries:
        when = ctx.t.datetime(ctx.services.parse_time(entry.at), "short")
        detail = entry.detail
        if entry.action == moderation_reasons.AUDIT_ACTION and detail in moderation_reasons.REASONS:
            detail = ctx.t._(moderation_reasons.REASONS[detail])
        lines.append(f"• {when} · {entry.actor} · {ctx.t._(ACTIONS.get(entry.action, entry.action))}"
                     + (f" · {detail}" if detail else ""))
    ctx.say("\n".join(lines))


async def reaction(ctx: Context) -> None:
    """✅ on a moderation post approves it; 🚫 and ✏️ explain the command, which needs a reason or text."""
    key = (ctx.incoming.reaction or "").replace("\ufe0f", "")
    if key not in {r.replace("\ufe0f", "") for r in moderation.REACTIONS} or ctx.incoming.reacted_to is None:
        return
    e = await moderation.by_post(ctx.tx, ctx.services.config, ctx.incoming.actor.channel,
                                 ctx.incoming.address.chat_id, ctx.incoming.reacted_to)
    if e is None:  # not a story posted in this room (another room's post, or not a story at all)
        return
    organisers_room(ctx)
    if key == moderation.APPROVE:
        await moderation.approve(ctx.tx, ctx.services, e, *_who(ctx))
        await _answer(ctx, e, ctx.t._("{reference} approved. The author is told and the story is published.",
                                      reference=e.reference))
    elif key == moderation.REJECT:
        moderation.undecided(e)  # a decided post asks for no reason
        await ctx.dialogue.start_flow(ctx, RejectReasonFlow.name)
        ctx.data.update(room=ctx.incoming.address.chat_id, thread=ctx.incoming.reacted_to, reference=e.reference)
        ctx.state.step = "reason"
        await _answer(ctx, e, ctx.t._("Why is {reference} not published? Reply in this thread with the number or "
                                      "word of the reason, and if you like your own words for the author after it "
                                      "(for example: 4 see W-2026-0001). The author hears both. The reasons:\n"
                                      "{reasons}\nOr type !reject {reference} and the reason; !cancel stops.",
                                      reference=e.reference, reasons=moderation_reasons.choices(ctx.t)))
    else:
        await _answer(ctx, e, ctx.t._("To edit, type: !edit {reference} new text", reference=e.reference))


class RejectReasonFlow(Flow):
    """After 🚫 on a post: the organiser's next reply in the post's thread becomes the reason for rejecting it.
    Messages elsewhere in the room leave the question open."""

    name = "reject-reason"
    needs_resident = False

    async def start(self, ctx: Context) -> None:
        return None

    async def on_reason(self, ctx: Context) -> None:
        incoming = ctx.incoming
        thread = ctx.data.get("thread")
        if incoming.address.thread != thread and incoming.reply_to != thread:
            return  # chatter in the room's main timeline or another thread: still waiting for the reason
        e = await moderation.find(ctx.tx, ctx.services.config, ctx.data["room"], ctx.data["reference"])
        ctx.finish()
        user, name = _who(ctx)
        await moderation.reject(ctx.tx, ctx.services, e, user, incoming.text or "", name)
        await _answer(ctx, e, ctx.t._("{reference} rejected. The author is told the reason.",
                                      reference=e.reference))


ACTIONS = {"approved": N_("approved"), "rejected": N_("rejected"), "edited": N_("edited"),
           "theme": N_("theme changed"), "reason": N_("kind of reason")}
