"""Residents and polls: voting by button or typed answer (Telegram, console, Matrix direct chats), by a native
Matrix poll (a direct chat or a public room), /polls to see open polls, and the poll settings.

Telegram and other channels without native polls: each option is a button with the global choice key
``vote.<poll id>.<option>``. Single choice: a tap sets the vote. Multiple choice: a tap adds or removes that
option (a toggle), up to the poll's maximum; the receipt shows the current choice with ✓ and the buttons again,
so the vote can be changed until closing. (Native Telegram polls were not used: each private chat would get its
own Telegram poll id to map back, a ``poll_answer`` carries no chat, and closing would need a stopPoll per
resident.) Matrix: the poll event's answers (ids "1", "2", …) come back as a PollVote on the start event the
bot sent; the latest response replaces the vote, an empty one withdraws it.
"""

from __future__ import annotations

from bot.channels.base import Choice, Incoming
from bot.dialogue import Context, Flow
from bot.engine import polls
from bot.engine import polls_text as text
from bot.engine.polls import PollRecord, Query
from bot.errors import StaleChoice, UserError
from bot.i18n import N_, Translator
from bot.services import Services

AGE_BANDS = {band: band for band in polls.YOUTH_BANDS}
NO_BAND = "none"


async def _receipt(ctx: Context, poll: PollRecord, chosen: frozenset[int], buttons: bool) -> None:
    options = await polls.options(ctx.tx, poll)
    choices = polls.vote_choices(ctx.t, poll, options, chosen) if buttons else ()
    ctx.say("\n\n".join((poll.question, text.receipt(ctx.t, poll, options, chosen))), choices)


def vote_reads(services: Services, incoming: Incoming) -> list[Query]:
    """What :func:`vote_choice` will read, for the turn's opening read (``Dialogue.read_ahead``)."""
    parts = (incoming.choice or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return []
    return polls.vote_reads(services, incoming.actor.channel, incoming.actor.user_id, int(parts[1]))


async def vote_choice(ctx: Context) -> None:
    """A tap on (or a typed answer to) an option under a poll: ``vote.<poll id>.<option number>``."""
    parts = (ctx.incoming.choice or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        raise StaleChoice("This button has expired. Please use the newest message.")
    poll = await polls.by_id(ctx.tx, int(parts[1]))
    chosen = await polls.toggle(ctx.tx, ctx.services, poll, ctx.resident, int(parts[2]))
    ctx.in_place = True  # the receipt, with the question and the buttons (✓ on the choice), replaces the poll
    await _receipt(ctx, poll, chosen, buttons=True)


async def vote_several(ctx: Context, keys: list[str]) -> None:
    """Several options typed at once ("1 3", "Benches, Light") under one poll: exactly those become the vote (a
    single-choice poll refuses it, and the vote stays as it was)."""
    parts = [key.split(".") for key in keys]
    if any(len(p) != 3 or not p[1].isdigit() or not p[2].isdigit() for p in parts) or len({p[1] for p in parts}) != 1:
        raise UserError("That is not an option of this poll. Your vote did not change.")
    poll = await polls.by_id(ctx.tx, int(parts[0][1]))
    chosen = await polls.cast(ctx.tx, ctx.services, poll, ctx.resident, frozenset(int(p[2]) for p in parts))
    await _receipt(ctx, poll, chosen, buttons=True)


async def poll_response(ctx: Context) -> None:
    """A vote on a native poll (Matrix). In a public room a vote that counts gets no answer (everyone would see
    it); a refused one is answered there, in the voter's language when they are a resident."""
    vote = ctx.incoming.poll_vote
    assert vote is not None
    if ctx.resident is not None:
        ctx.set_language(ctx.resident.language)
    poll = await polls.by_native_poll(ctx.tx, ctx.incoming.actor.channel, ctx.incoming.address.chat_id,
                                      vote.poll_message_id)
    if not all(answer.isdigit() for answer in vote.answers):
        raise UserError("That is not an option of this poll. Your vote did not change.")
    chosen = await polls.cast(ctx.tx, ctx.services, poll, ctx.resident, frozenset(int(a) for a in vote.answers))
    if ctx.incoming.address.private:
        await _receipt(ctx, poll, chosen, buttons=False)


class PollsFlow(Flow):
    """/polls: the open polls this resident may vote in, each with its options."""

    name = "polls"

    async def start(self, ctx: Context) -> None:
        resident = ctx.resident
        assert resident is not None
        ctx.finish()
        found = await polls.open_for(ctx.tx, ctx.services, resident)
        if not found:
            ctx.say(ctx.t._("There is no open poll for you right now."))
            if not resident.polls_opt_in:
                ctx.say(ctx.t._("Do you want to hear about new polls? Type /settings and choose Polls."))
            return
        hood = ctx.services.config.neighbourhood(resident.neighbourhood_id)
        for poll in found:
            options = await polls.options(ctx.tx, poll)
            chosen = await polls.current_vote(ctx.tx, poll, resident)
            ctx.say(text.announcement(ctx.t, poll, [hood.name if hood else resident.neighbourhood_id]),
                    polls.vote_choices(ctx.t, poll, options, chosen))
            if len(found) == 1:  # typed answers ("1", an option's text) count too: plain labels, never the ✓
                ctx.state.choices = [(c.key, c.label) for c in polls.vote_choices(ctx.t, poll, options, frozenset())]


# ------------------------------------------------------------------ /settings
POLLS_SETTING = N_("Polls")
AGE_SETTING = N_("Age group (for youth polls)")


def settings_menu(t: Translator) -> tuple[Choice, ...]:
    return Choice("polls", t._(POLLS_SETTING)), Choice("age", t._(AGE_SETTING))


def settings_summary(t: Translator, opt_in: int, band: str | None) -> list[str]:
    return [t._("Hear about new polls: {answer}", answer=t._("yes") if opt_in else t._("no")),
            t._("Age group: {band}", band=band if band else t._("not given"))]


def ask_polls(ctx: Context) -> None:
    ctx.ask("polls", ctx.t._("Do you want to hear about new polls in your neighbourhood?"),
            (Choice("yes", ctx.t._("yes")), Choice("no", ctx.t._("no"))))


def ask_age(ctx: Context) -> None:
    ctx.ask("age", ctx.t._("Some polls are only for young people. How old are you? We store only the age group, "
                           "never your age or birthday."),
            (*(Choice(key, label) for key, label in AGE_BANDS.items()),
             Choice(NO_BAND, ctx.t._("I am older, or I prefer not to say"))))


def age_value(choice: str | None) -> str | bool | None:
    """The band to store for a settings answer (None clears it), or False for an answer that is not an option."""
    if choice == NO_BAND:
        return None
    return choice if choice in AGE_BANDS else False


def mydata_lines(t: Translator, data: dict[str, object]) -> list[str]:
    """The poll part of /mydata: settings and ordinary votes (youth votes are linked to nobody)."""
    section = data.get("polls")
    if not isinstance(section, dict):
        return []
    votes = section.get("votes") or []
    lines = [t.n_("You voted in {n} poll.", "You voted in {n} polls.", len({v["poll"] for v in votes}))]
    for vote in votes:
        lines.append(f"• {vote['poll']} ({vote['question']}): {vote['option']}")
    lines.append(t._("Votes in youth polls are stored without any link to you, so they are not shown here."))
    return lines
