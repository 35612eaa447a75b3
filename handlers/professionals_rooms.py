"""The professionals' room and the organisers' side of it (issue 20).

    !professional list | add [id] | name | role | @account:server | end PR-3     organisers, moderation room
    !observation theme | what you notice                                         professionals, their room
    !picture [from to]                                                           both, each in their room
    !signals                                                                     both
    !ack SIG-REF note                                                            both
    !request what is needed | why                                                professionals
    !answer-request RQ-REF | status | what | because [| date]                    organisers
    !check theme | question? | option | option                                   professionals
    !approve-check CQ-REF, !reject-check CQ-REF reason                           organisers

Dutch: !professional lijst, nieuw, einde; !observatie; !wijkbeeld; !signalen; !bevestig; !verzoek;
!verzoek-antwoord; !toets, !toets-goedkeuren, !toets-afwijzen. Who may act is
``bot/engine/authority.py`` (``organisers_room``, ``professional_here``, ``readers_room``).
"""

from __future__ import annotations

from bot.dialogue import Context
from bot.engine import authority, check_questions, picture, professionals, requests, signals
from bot.engine.contacts_text import today
from bot.errors import UserError
from handlers.contacts_rooms import _hoods, _position
from handlers.rooms import organisers_room


async def professional_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    word, _, rest = ctx.incoming.args.strip().partition(" ")
    word = word.split("|")[0].strip().lower()
    if word in ("add", "nieuw", "toevoegen"):
        head, *parts = (ctx.incoming.args.strip().partition(" ")[2]).split("|")
        hood, theme = _position(ctx, room, head)
        if theme or len(parts) != 3:
            raise UserError("Use: !professional add [neighbourhood] | name | role | @account:server")
        name, role, user = (part.strip() for part in parts)
        term = await professionals.add(ctx.tx, ctx.services, hood, name, role, user, ctx.incoming.actor.user_id)
        ctx.say(ctx.t._("{name} is now {role} ({reference}) and can use the professionals' room.", name=term.name,
                        role=term.role, reference=term.reference))
    elif word in ("end", "einde"):
        term = await professionals.end(ctx.tx, ctx.services, _hoods(ctx, room), rest)
        ctx.say(ctx.t._("The term of {reference} ended today.", reference=term.reference))
    else:
        terms = await professionals.terms_in(ctx.tx, _hoods(ctx, room))
        ctx.say(professionals.terms_text(ctx.t, ctx.services, terms))


async def observation_command(ctx: Context) -> None:
    term = await authority.professional_here(ctx.tx, ctx.services.config, ctx.incoming, today(ctx.services))
    observation = await professionals.observe(ctx.tx, ctx.services, term, ctx.incoming.args, ctx.t)
    ctx.say(ctx.t._("Recorded as {reference}, labelled \"{role}\": {text}", reference=observation.reference,
                    role=observation.role, text=observation.text_public))


async def picture_command(ctx: Context) -> None:
    hoods, _ = await authority.readers_room(ctx.tx, ctx.services.config, ctx.incoming, today(ctx.services))
    start, end = picture.period(ctx.services, ctx.incoming.args)
    ctx.say("\n\n".join([await picture.text(ctx.tx, ctx.services, ctx.t, hood, start, end) for hood in hoods]))


async def signals_command(ctx: Context) -> None:
    hoods, _ = await authority.readers_room(ctx.tx, ctx.services.config, ctx.incoming, today(ctx.services))
    ctx.say(await signals.listing(ctx.tx, ctx.services, ctx.t, hoods))


async def ack_command(ctx: Context) -> None:
    hoods, who = await authority.readers_room(ctx.tx, ctx.services.config, ctx.incoming, today(ctx.services))
    reference, _, note = ctx.incoming.args.strip().partition(" ")
    signal = await signals.acknowledge(ctx.tx, ctx.services, hoods, reference, who, note)
    ctx.say(ctx.t._("Signal {reference} acknowledged: {note}", reference=signal.reference, note=note.strip()))


async def request_command(ctx: Context) -> None:
    term = await authority.professional_here(ctx.tx, ctx.services.config, ctx.incoming, today(ctx.services))
    request = await requests.ask(ctx.tx, ctx.services, term, ctx.incoming.args)
    ctx.say(ctx.t._("Request {reference} is in the moderation room. You hear the answer here.",
                    reference=request.reference))


async def answer_request_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    request = await requests.answer(ctx.tx, ctx.services, _hoods(ctx, room), ctx.incoming.args,
                                    ctx.incoming.actor.user_id)
    ctx.say(ctx.t._("Answer to {reference} sent to the professionals' room.", reference=request.reference))


async def check_command(ctx: Context) -> None:
    term = await authority.professional_here(ctx.tx, ctx.services.config, ctx.incoming, today(ctx.services))
    question = await check_questions.propose(ctx.tx, ctx.services, term, ctx.incoming.args)
    ctx.say(ctx.t._("Check question {reference} waits for the organisers' approval in the moderation room.",
                    reference=question.reference))


async def approve_check_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    reference = ctx.incoming.args.strip().split(" ")[0]
    told = await check_questions.approve(ctx.tx, ctx.services, _hoods(ctx, room), reference,
                                         ctx.incoming.actor.user_id)
    ctx.say(ctx.t._("Approved: the question goes to {count} residents who want questions from professionals.",
                    count=told))


async def reject_check_command(ctx: Context) -> None:
    room = organisers_room(ctx)
    reference, _, reason = ctx.incoming.args.strip().partition(" ")
    await check_questions.reject(ctx.tx, ctx.services, _hoods(ctx, room), reference, reason,
                                 ctx.incoming.actor.user_id)
    ctx.say(ctx.t._("Not sent; the professionals' room hears your reason."))
