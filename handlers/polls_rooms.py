"""Organisers' poll commands in a moderation room, and the guided poll form.

    !poll "Question?" | option 1 | option 2 | closes vrijdag 18:00 [| opens …] [| youth 12-17] [| multiple] [| centrum]
                                the one-line form (see handlers/polls_form.py for every part); Dutch: !peiling
    !poll                       alone: the bot asks step by step (answer with plain messages; !cancel stops)
    !polls                      the room's polls with status, times and voters so far (!peilingen)
    !count P-2026-0001          live counts for organisers only; residents see nothing until closing (!telling)
    !extend P-2026-0001 <time>  a new closing time, e.g. "vrijdag 18:00", "over 3 dagen" (!verleng)
    !close-poll P-2026-0001     close now; the results go out (!sluit-peiling)
    !cancel-poll P-2026-0001    cancel; votes are deleted and not counted (!annuleer-peiling)

Only moderators of the room act (as for stories); a poll belongs to the rooms that moderate its neighbourhoods.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.channels.base import Choice
from bot.dialogue import Context, Flow
from bot.engine import moderation, polls, polls_results, times
from bot.engine import polls_text as text
from bot.engine.polls import PollRecord
from bot.errors import UserError
from handlers import polls_form
from handlers.rooms import organisers_room

NONE_WORDS = ("now", "nu", "direct", "meteen", "-")


def _hoods(ctx: Context, room: str) -> list[str]:
    return [h.id for h in moderation.rooms_neighbourhoods(ctx.services.config, room)]


async def _find(ctx: Context, room: str, typed: str) -> tuple[PollRecord, str]:
    """The poll named first in ``typed`` (if this room moderates one of its neighbourhoods), and the rest."""
    reference, _, rest = typed.strip().partition(" ")
    if not reference:
        raise UserError("Please give a poll reference, for example P-2026-0001.")
    poll, _ = await polls.of_room(ctx.tx, _hoods(ctx, room), reference)
    return poll, rest.strip()


async def _create(ctx: Context, room: str, draft: polls.Draft, now: datetime | None = None) -> None:
    poll, told = await polls.create(ctx.tx, ctx.services, draft, room, ctx.incoming.actor.user_id, now)
    closes = text.moment(ctx.t, poll.closes_at)
    if told is None:
        ctx.say(ctx.t._("Poll {reference} is ready. It opens {opens} and closes {closes}.", reference=poll.reference,
                        opens=text.moment(ctx.t, poll.opens_at), closes=closes))
        return
    ctx.say(ctx.t.n_("Poll {reference} is open until {closes}; {n} resident will hear of it.",
                     "Poll {reference} is open until {closes}; {n} residents will hear of it.", told,
                     reference=poll.reference, closes=closes))


async def poll_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    args = ctx.incoming.args.strip()
    if not args:
        await ctx.dialogue.start_flow(ctx, "poll")
        ctx.data["room"] = room
        return
    if args.casefold() in ("help", "hulp", "?"):
        ctx.say(ctx.t._(polls_form.USAGE))
        return
    hoods = moderation.rooms_neighbourhoods(ctx.services.config, room)
    now = ctx.services.now()  # read once: "sluit over 5 minuten" is exactly the minimum, not a little less
    draft = polls_form.parse(args, hoods, now, ctx.services.config.timezone)
    await _create(ctx, room, draft, now)


async def polls_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    lines = await polls_results.listing(ctx.tx, ctx.services, ctx.t, _hoods(ctx, room))
    if not lines:
        ctx.say(ctx.t._("There are no polls yet. Type !poll to make one."))
        return
    ctx.say("\n".join([ctx.t._("Polls of this room (newest first):"), *lines, "",
                       ctx.t._("Commands: !count, !extend, !close-poll and !cancel-poll with a reference.")]))


async def count_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    poll, _ = await _find(ctx, room, ctx.incoming.args)
    ctx.say(await polls_results.live_count(ctx.tx, ctx.services, ctx.t, poll))


async def extend_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    poll, typed = await _find(ctx, room, ctx.incoming.args)
    if not typed:
        raise UserError("Say until when, for example: !extend {reference} vrijdag 18:00", reference=poll.reference)
    now = ctx.services.now()
    closes = times.parse_when(typed, now, ctx.services.config.timezone)
    await polls.extend(ctx.tx, ctx.services, poll, closes, now)
    ctx.say(ctx.t._("{reference} now closes {closes}.", reference=poll.reference, closes=text.moment(ctx.t, closes)))


async def close_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    poll, _ = await _find(ctx, room, ctx.incoming.args)
    told = await polls_results.close_poll(ctx.tx, ctx.services, poll, ctx.incoming.actor.user_id)
    ctx.say(ctx.t.n_("{reference} is closed; the results go to {n} resident and to the rooms.",
                     "{reference} is closed; the results go to {n} residents and to the rooms.", told,
                     reference=poll.reference))


async def cancel_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    poll, _ = await _find(ctx, room, ctx.incoming.args)
    await polls_results.cancel_poll(ctx.tx, ctx.services, poll, ctx.incoming.actor.user_id)
    ctx.say(ctx.t._("{reference} is cancelled. Its votes are deleted.", reference=poll.reference))


AUDIENCES = {"everyone": None, "youth-12-17": (12, 17), "youth-12-14": (12, 14), "youth-15-17": (15, 17),
             "youth-18-23": (18, 23)}


class PollFlow(Flow):
    """The guided form, asked step by step in the moderation room (answers are plain messages)."""

    name = "poll"
    needs_resident = False

    async def start(self, ctx: Context) -> None:
        ctx.state.flow = self.name
        ctx.ask("question", ctx.t._("What is the question of the poll? Type !cancel to stop."))

    async def on_question(self, ctx: Context) -> None:
        ctx.data["question"] = (ctx.incoming.text or "").strip()
        ctx.ask("options", ctx.t._("Which options can people choose? Type 2 to 10, each on its own line or "
                                   "separated by |."))

    async def on_options(self, ctx: Context) -> None:
        typed = ctx.incoming.text or ""
        options = [o.strip() for o in re.split(r"\n|\|", typed) if o.strip()]
        if not polls.MIN_OPTIONS <= len(options) <= polls.MAX_OPTIONS:
            ctx.ask("options", ctx.t._("A poll needs 2 to 10 options."))
            return
        ctx.data["options"] = options
        hoods = moderation.rooms_neighbourhoods(ctx.services.config, ctx.data["room"])
        if len(hoods) == 1:
            ctx.data["hoods"] = [hoods[0].id]
            await self._ask_audience(ctx)
            return
        ctx.ask("hoods", ctx.t._("For which neighbourhoods? Choose one, or type several names."),
                (*(Choice(h.id, h.name) for h in hoods), Choice("all", ctx.t._("All of them"))))

    async def on_hoods(self, ctx: Context) -> None:
        hoods = moderation.rooms_neighbourhoods(ctx.services.config, ctx.data["room"])
        found = polls_form.neighbourhoods(ctx.incoming.choice or ctx.incoming.text or "", hoods)
        if found is None:
            raise UserError("I do not know that neighbourhood here. Choose one of: {ids}.",
                            ids=", ".join(h.id for h in hoods))
        ctx.data["hoods"] = list(found)
        await self._ask_audience(ctx)

    async def _ask_audience(self, ctx: Context) -> None:
        choices = [Choice("everyone", ctx.t._("Everyone"))]
        choices += [Choice(key, ctx.t._("Young people {band}", band=f"{value[0]}-{value[1]}"))
                    for key, value in AUDIENCES.items() if value is not None]
        ctx.ask("audience", ctx.t._("Who may vote? Or type for example 'youth 12-17'."), tuple(choices))

    async def on_audience(self, ctx: Context) -> None:
        choice = ctx.incoming.choice
        if choice in AUDIENCES:
            youth = AUDIENCES[choice]
        else:
            found = polls_form.audience(ctx.incoming.text or "")
            if found is False:
                raise UserError("Choose one of the options, or type for example 'youth 12-17'.")
            youth = found if isinstance(found, tuple) else None
        ctx.data["youth"] = list(youth) if youth else None
        ctx.ask("kind", ctx.t._("How many options may each person choose?"), (
            Choice("single", ctx.t._("One option")), Choice("multiple", ctx.t._("Several options"))))

    async def on_kind(self, ctx: Context) -> None:
        kind = ctx.incoming.choice or polls_form.selections(ctx.incoming.text or "", len(ctx.data["options"]))
        if kind not in ("single", "multiple") and not isinstance(kind, int):
            raise UserError("Please choose one of the options.")
        ctx.data["multiple"] = (len(ctx.data["options"]) if kind == "multiple"
                                else 1 if kind == "single" else int(kind))
        ctx.ask("opens", ctx.t._("When does it open? Type a time such as 'morgen 9:00', or choose Now."),
                (Choice("now", ctx.t._("Now")),))

    async def on_opens(self, ctx: Context) -> None:
        typed = (ctx.incoming.text or "").strip()
        if ctx.incoming.choice == "now" or typed.casefold() in NONE_WORDS:
            ctx.data["opens"] = None
        else:
            ctx.data["opens"] = polls_form.moment(typed, ctx.services.now(), ctx.services.config.timezone).isoformat()
        ctx.ask("closes", ctx.t._("When does it close? For example 'vrijdag 18:00', 'over 3 dagen' or 'in 3 days'."))

    async def on_closes(self, ctx: Context) -> None:
        closes = polls_form.moment(ctx.incoming.text or "", ctx.services.now(), ctx.services.config.timezone)
        ctx.data["closes"] = closes.isoformat()
        draft = self._draft(ctx)
        who = (ctx.t._("young people aged {band}", band=f"{draft.youth[0]}-{draft.youth[1]}") if draft.youth
               else ctx.t._("everyone"))
        summary = [ctx.t._("The poll: {question}", question=draft.question),
                   *(f"{n}. {label}" for n, label in enumerate(draft.options, start=1)),
                   ctx.t._("For: {audience}", audience=who),
                   ctx.t._("Closes: {closes}", closes=text.moment(ctx.t, closes)),
                   ctx.t._("Shall I make it?")]
        ctx.ask("confirm", "\n".join(summary), (Choice("create", ctx.t._("Make the poll")),
                                                  Choice("stop", ctx.t._("Stop"))))

    async def on_confirm(self, ctx: Context) -> None:
        if ctx.incoming.choice != "create":
            ctx.finish()
            ctx.say(ctx.t._("Stopped. Nothing was sent."))
            return
        draft, room = self._draft(ctx), ctx.data["room"]
        ctx.finish()
        await _create(ctx, room, draft)

    @staticmethod
    def _draft(ctx: Context) -> polls.Draft:
        data = ctx.data
        youth = data.get("youth")
        return polls.Draft(
            question=data["question"], options=tuple(data["options"]), neighbourhoods=tuple(data["hoods"]),
            closes_at=ctx.services.parse_time(data["closes"]),
            opens_at=ctx.services.parse_time(data["opens"]) if data.get("opens") else None,
            youth=(int(youth[0]), int(youth[1])) if youth else None, max_selections=int(data.get("multiple", 1)))
