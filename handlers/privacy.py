"""/mydata and /forget: residents see everything held about them and can erase it."""

from __future__ import annotations

from typing import Any

from bot.channels.base import Attachment, AttachmentKind, Busy, Choice, Incoming, Reply
from bot.dialogue import Context, Flow
from bot.engine import privacy
from bot.engine.themes import THEMES
from handlers import contacts as contacts_handlers
from handlers.polls_resident import mydata_lines, settings_summary
from handlers.settings import MODE_LABELS


class MyDataFlow(Flow):
    name = "mydata"

    def busy(self, incoming: Incoming) -> Busy | None:
        return Busy.FILE  # the export as a JSON file

    async def start(self, ctx: Context) -> None:
        assert ctx.resident is not None
        data = await privacy.export(ctx.tx, ctx.resident)
        resident = data["resident"]
        hood = ctx.services.config.neighbourhood(resident["neighbourhood"])
        lines = [
            ctx.t._("This is everything we store about you:"),
            ctx.t._("Chat account: {channel} {user_id}", channel=resident["channel"], user_id=resident["user_id"]),
            ctx.t._("Language: {language}", language=resident["language"]),
            ctx.t._("Neighbourhood: {neighbourhood}",
                    neighbourhood=hood.name if hood else resident["neighbourhood"]),
            ctx.t._("You agreed to the privacy statement on {date}.",
                    date=ctx.t.date(ctx.services.parse_time(resident["consent_at"]))),
            ctx.t.n_("You shared {n} story.", "You shared {n} stories.", len(data["experiences"])),
        ]
        if resident["last_message_hour"]:
            lines.append(ctx.t._(
                "Your last message to us came between {time} and an hour later. We keep this because for 24 hours "
                "after it we may send you normal messages.",
                time=ctx.t.datetime(ctx.services.parse_time(resident["last_message_hour"]), "short")))
        for story in data["experiences"]:
            lines.append(f"• {story['reference']} ({ctx.t._(THEMES.get(story['theme'], story['theme']))}): "
                         f"{story['your_words']}")
        lines += _settings_lines(ctx, resident, data.get("polls") or {})
        lines += mydata_lines(ctx.t, data)
        lines += _conversation_lines(ctx, data)
        lines += contacts_handlers.mydata_lines(ctx.t, data)
        lines += _waiting_lines(ctx, data)
        lines.append(ctx.t._("Type /forget to erase your data."))
        ctx.say("\n".join(lines))
        if ctx.incoming.actor.channel in ctx.services.file_channels:
            ctx.replies.append(Reply(
                text=ctx.t._("The same data as a file (JSON)."),
                attachment=Attachment(kind=AttachmentKind.FILE, data=privacy.export_json(data),
                                      filename="wijkbot-mydata.json", mime_type="application/json"),
            ))
        ctx.finish()


def _settings_lines(ctx: Context, resident: dict[str, Any], polls: dict[str, Any]) -> list[str]:
    """Every setting, as /settings shows it: "everything we store" includes them."""
    t = ctx.t
    return [t._("Feedback: {mode}", mode=t._(MODE_LABELS.get(resident["feedback"], resident["feedback"]))),
            t._("Quiet hours (no messages): {hours}", hours=resident["quiet_hours"]),
            t._("Updates about the whole neighbourhood: {answer}",
                answer=t._("yes") if resident["follows_neighbourhood"] else t._("no")),
            *settings_summary(t, int(bool(polls.get("hear_about_new_polls"))), polls.get("age_group"))]


def _waiting_lines(ctx: Context, data: dict[str, Any]) -> list[str]:
    """Notifications queued for the person (e.g. until their quiet hours end): when, and how they begin."""
    waiting = data.get("waiting_to_be_sent_to_you") or []
    if not waiting:
        return []
    lines = [ctx.t.n_("{n} message is waiting to be sent to you:", "{n} messages are waiting to be sent to you:",
                      len(waiting))]
    for item in waiting:
        first = item["text"].strip().split("\n", 1)[0]
        when = ctx.t.datetime(ctx.services.parse_time(item["not_before"]), "short")
        lines.append(f"• {when}: {first[:80]}{'…' if len(first) > 80 else ''}")
    return lines


def _conversation_lines(ctx: Context, data: dict[str, Any]) -> list[str]:
    """Neighbourhood conversations and "did you feel heard?" answers."""
    lines: list[str] = []
    votes = data.get("deliberation_votes") or []
    if votes:
        lines.append(ctx.t.n_("You reacted to {n} statement in neighbourhood conversations.",
                              "You reacted to {n} statements in neighbourhood conversations.", len(votes)))
    statements = data.get("deliberation_statements") or []
    if statements:
        lines.append(ctx.t._("Your own statements:"))
        lines += [f"• {row['deliberation']} S-{row['statement']}: {row['text']}" for row in statements]
    heard = data.get("felt_heard") or []
    if heard:
        lines.append(ctx.t.n_("You answered \"did you feel heard?\" {n} time.",
                              "You answered \"did you feel heard?\" {n} times.", len(heard)))
    return lines


class ForgetFlow(Flow):
    name = "forget"
    kept_steps = frozenset({"confirm"})  # what the person chose to erase stays readable

    def _choices(self, ctx: Context) -> tuple[Choice, ...]:
        return (
            Choice("delete", ctx.t._("Erase me and my stories")),
            Choice("keep", ctx.t._("Erase me, keep my stories anonymously")),
            Choice("cancel", ctx.t._("Do not erase anything")),
        )

    async def start(self, ctx: Context) -> None:
        ctx.state.flow = self.name
        ctx.ask("confirm", ctx.t._(
            "Do you want us to erase your data? Then we forget your chat account, language and neighbourhood. "
            "Your stories and statements can be erased too, or kept without your name, so they still count "
            "for the neighbourhood. This cannot be undone."), self._choices(ctx))

    async def on_confirm(self, ctx: Context) -> None:
        choice = ctx.incoming.choice
        assert ctx.resident is not None
        if choice == "cancel":
            ctx.say(ctx.t._("Nothing was erased."))
            ctx.finish()
            return
        if choice not in ("delete", "keep"):
            ctx.ask("confirm", ctx.t._("Please choose one of the options."), self._choices(ctx))
            return
        removal = await privacy.forget(ctx.tx, ctx.resident, keep_stories=choice == "keep", services=ctx.services)
        ctx.resident = None
        ctx.tx.erased()  # after the commit the WAL is truncated: the erased bytes leave the files too
        ctx.finish()
        lines = [ctx.t._("Done. We have erased your data. If you type /start, we start again as strangers.")]
        if removal.taken_back and choice == "keep":
            lines.append(ctx.t.n_(
                "{n} message that showed your first name with a story is being removed from the chat rooms and "
                "groups. Where it still matters, it comes back without your name.",
                "{n} messages that showed your first name with a story are being removed from the chat rooms and "
                "groups. Where they still matter, they come back without your name.", removal.taken_back))
        elif removal.taken_back:
            lines.append(ctx.t.n_("{n} message with your stories is being removed from the chat rooms and groups.",
                                  "{n} messages with your stories are being removed from the chat rooms and groups.",
                                  removal.taken_back))
        if removal.words:
            lines.append(ctx.t.n_(
                "{n} message with your statements or comments is being removed from the moderation rooms.",
                "{n} messages with your statements or comments are being removed from the moderation rooms.",
                removal.words))
        if removal.too_old:
            lines.append(ctx.t.n_(
                "{n} message in a Telegram group is older than 48 hours. Telegram does not let the bot delete it, "
                "so its text is replaced by a note that the story was removed.",
                "{n} messages in Telegram groups are older than 48 hours. Telegram does not let the bot delete "
                "them, so their text is replaced by a note that the story was removed.", removal.too_old))
        ctx.say("\n\n".join(lines))
