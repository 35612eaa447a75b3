"""/deliberate (/praatmee): residents take part in a neighbourhood conversation, Pol.is style.

A resident joins with the "Join" button under an invitation (global choice ``delib.<id>.join``) or with
/deliberate. Statements come in rounds of about five, one message each, with Agree / Disagree / Pass (typed
numbers and words work too). After a round: more statements, add your own statement (a moderator checks it
first), see the results so far, or stop. ``/deliberate results`` shows the results straight away. Nobody is
asked the same statement twice; which statement comes next is the Pol.is priority from the last recompute.
"""

from __future__ import annotations

from bot.channels.base import Busy, Choice, Incoming
from bot.dialogue import Context, Flow
from bot.engine import deliberation, deliberation_results
from bot.engine import deliberation_text as text
from bot.engine.deliberation import Deliberation
from bot.errors import StaleChoice
from bot.i18n import N_

ANSWERS = {"agree": N_("Agree"), "disagree": N_("Disagree"), "pass": N_("Pass")}
RESULTS_WORDS = ("results", "resultaten", "uitslag")


def _vote_choices(ctx: Context) -> tuple[Choice, ...]:
    return tuple(Choice(key, ctx.t._(label)) for key, label in ANSWERS.items())


async def join_choice(ctx: Context) -> None:
    """The "Join" button under an invitation: only for an open conversation in the resident's neighbourhood."""
    deliberation_id = deliberation.parse_join_key(ctx.incoming.choice)
    if deliberation_id is None:
        raise StaleChoice(deliberation.EXPIRED)
    d = await deliberation.for_resident(ctx.tx, ctx.resident, deliberation_id)
    ctx.previous_flow = ctx.state.flow
    ctx.finish()
    ctx.state.flow = DeliberateFlow.name
    await _begin(ctx, d)


async def _begin(ctx: Context, d: Deliberation) -> None:
    assert ctx.resident is not None
    await deliberation.join(ctx.tx, d, ctx.resident.id, ctx.now)
    ctx.data["deliberation"] = d.id
    ctx.say(text.intro(ctx.t, d))
    await _round(ctx, d)


async def _round(ctx: Context, d: Deliberation) -> None:
    assert ctx.resident is not None
    queue = await deliberation.next_round(ctx.tx, d, ctx.resident.id)
    ctx.data.update(queue=queue, total=len(queue), number=0, voted=0)
    await _ask_next(ctx, d)


async def _ask_next(ctx: Context, d: Deliberation) -> None:
    assert ctx.resident is not None
    queue: list[int] = ctx.data["queue"]
    statement = await deliberation.next_statement(ctx.tx, d, ctx.resident.id, queue)  # erased, answered: skipped
    if statement is not None:
        ctx.data["current"] = statement.id
        ctx.data["number"] += 1
        ctx.ask("vote", text.statement_question(ctx.t, ctx.data["number"], ctx.data["total"], statement.text),
                _vote_choices(ctx))
        return
    await _menu(ctx, d)


async def _menu(ctx: Context, d: Deliberation) -> None:
    assert ctx.resident is not None
    lines = []
    if ctx.data.get("voted"):
        lines.append(ctx.t.n_("Thank you! You gave your opinion on {n} statement.",
                              "Thank you! You gave your opinion on {n} statements.", int(ctx.data["voted"])))
    more = bool(await deliberation.next_round(ctx.tx, d, ctx.resident.id, 1))
    if not more:
        lines.append(ctx.t._("You have seen all statements for now. Neighbours add new ones, so come back later "
                             "with /deliberate."))
    lines.append(ctx.t._("What would you like to do?"))
    choices = [Choice("more", ctx.t._("More statements"))] if more else []
    choices += [Choice("add", ctx.t._("Add my own statement")), Choice("results", ctx.t._("See the results")),
                Choice("stop", ctx.t._("Stop for now"))]
    ctx.data.update(queue=[], voted=0)
    ctx.ask("after", "\n".join(lines), tuple(choices))


async def _results(ctx: Context, d: Deliberation) -> None:
    assert ctx.resident is not None
    summary = await deliberation_results.resident_results(ctx.tx, d, ctx.resident, ctx.t)
    if summary is None:
        ctx.say(ctx.t._("There are no results yet. They are worked out every few minutes; please look again "
                        "later."))
    else:
        ctx.say(summary)


class DeliberateFlow(Flow):
    name = "deliberate"

    def busy(self, incoming: Incoming) -> Busy | None:
        return Busy.TYPING if incoming.args.strip().lower() in RESULTS_WORDS else None  # results are computed

    async def start(self, ctx: Context) -> None:
        assert ctx.resident is not None
        ctx.state.flow = self.name
        wants_results = ctx.incoming.command is not None and ctx.incoming.args.strip().lower() in RESULTS_WORDS
        running = await deliberation.open_for(ctx.tx, ctx.resident)
        if wants_results or not running:
            taken = await deliberation.taken_part(ctx.tx, ctx.resident)
            if taken:
                await _results(ctx, taken[0])
            elif not running:
                ctx.say(ctx.t._("There is no neighbourhood conversation in your neighbourhood right now. When one "
                                "starts, you get an invitation."))
            else:
                ctx.say(ctx.t._("You have not taken part yet. Type /deliberate to start."))
            ctx.finish()
            return
        if len(running) == 1:
            await _begin(ctx, running[0])
            return
        ctx.ask("pick", ctx.t._("Which conversation do you want to join?"),
                tuple(Choice(f"d{d.id}", d.question[:60]) for d in running))

    async def _current(self, ctx: Context) -> Deliberation | None:
        """The deliberation of this dialogue, while it is open; else the resident is told and the dialogue ends."""
        d = await deliberation.still_open(ctx.tx, int(ctx.data.get("deliberation", 0)))
        if d is None:
            ctx.say(ctx.t._("This neighbourhood conversation has closed. Type /deliberate to see the results."))
            ctx.finish()
            return None
        return d

    async def on_pick(self, ctx: Context) -> None:
        choice = ctx.incoming.choice or ""
        if not (choice.startswith("d") and choice[1:].isdigit()):
            await self.start(ctx)
            return
        await _begin(ctx, await deliberation.for_resident(ctx.tx, ctx.resident, int(choice[1:])))

    async def on_vote(self, ctx: Context) -> None:
        assert ctx.resident is not None
        d = await self._current(ctx)
        if d is None:
            return
        choice = ctx.incoming.choice
        if choice not in deliberation.VOTES:
            ctx.ask("vote", ctx.t._("Please choose Agree, Disagree or Pass."), _vote_choices(ctx))
            return
        statement = await deliberation.approved_statement(ctx.tx, int(ctx.data["current"]))
        if statement is None:
            await _ask_next(ctx, d)  # erased meanwhile (its author used /forget): on to the next one
            return
        await deliberation.vote(ctx.tx, ctx.services, d, ctx.resident.id, statement.id, choice)
        ctx.data["voted"] = int(ctx.data.get("voted", 0)) + 1
        await _ask_next(ctx, d)

    async def on_after(self, ctx: Context) -> None:
        d = await self._current(ctx)
        if d is None:
            return
        choice = ctx.incoming.choice
        if choice == "more":
            await _round(ctx, d)
        elif choice == "add":
            ctx.ask("statement", ctx.t._(
                "Type your statement: one short sentence others can agree or disagree with, {minimum} to {maximum} "
                "characters. No names, phone numbers or house numbers. A moderator checks it before others see it.",
                minimum=deliberation.MIN_STATEMENT, maximum=deliberation.MAX_STATEMENT),
                (Choice("back", ctx.t._("Back")),))
        elif choice == "results":
            await _results(ctx, d)
            await _menu(ctx, d)
        elif choice == "stop":
            ctx.say(ctx.t._("Thank you for taking part! Type /deliberate to go on later. When the conversation "
                            "closes, you get the results."))
            ctx.finish()
        else:
            await _menu(ctx, d)

    async def on_statement(self, ctx: Context) -> None:
        assert ctx.resident is not None
        d = await self._current(ctx)
        if d is None:
            return
        if ctx.incoming.choice == "back":
            await _menu(ctx, d)
            return
        statement = await deliberation.submit(ctx.tx, ctx.services, d, ctx.resident, ctx.incoming.text or "")
        ctx.say(ctx.t._("Thank you! Your statement {statement} goes to a moderator first. Once it is approved, "
                        "neighbours see it, and we let you know.", statement=statement.reference))
        if statement.scrubbed_kinds:
            ctx.say(ctx.t._("We removed personal data from it: {kinds}",
                            kinds=text.kinds(ctx.t, statement.scrubbed_kinds)))
        await _menu(ctx, d)
