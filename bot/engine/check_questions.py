"""Asking residents (issue 20): a professional proposes a short question (``!check theme | question? | option |
option``); organisers approve it in the moderation room (``!approve-check CQ-REF``, residents are not spammed)
or reject it with a reason; an approved question goes out as a poll (the poll engine, audience
"professionals") only to residents of the neighbourhood who opted in to questions from professionals in
/settings, for ``DAYS_OPEN`` days. The poll's room is the professionals' room, so the result comes back there
when it closes (the poll engine's own closing; the minimum number of votes of ``[polls] min_results`` holds)."""

from __future__ import annotations

from datetime import timedelta

from bot.channels.base import Reply
from bot.engine import outbox, polls
from bot.engine.professionals import individual, parse_theme, secrecy_refusal
from bot.engine.themes import THEMES
from bot.errors import UserError
from bot.i18n import Translator
from bot.services import Services
from bot.store import audit
from bot.store import check_questions as repo
from bot.store.check_questions import CheckQuestion
from bot.store.db import Tx
from bot.store.experiences import next_reference
from bot.store.professionals import ProfessionalTerm

DAYS_OPEN = 7
wants = repo.wants  # /settings: does this resident want questions from professionals?
set_wants = repo.set_wants


def _t(services: Services) -> Translator:
    return Translator(services.config.moderation.language, services.config.timezone)


async def propose(tx: Tx, services: Services, term: ProfessionalTerm, typed: str) -> CheckQuestion:
    parts = [part.strip() for part in typed.split("|")]
    theme = parse_theme(Translator("nl"), parts[0]) if parts else None
    if theme is None or len(parts) < 4 or len(parts) > 12 or not all(parts[1:]):
        raise UserError("Use: !check theme | question? | option | option (2 to 10 options). Themes: {themes}.",
                        themes=", ".join(THEMES))
    for text in parts[1:]:
        found = individual(text)
        if found is not None:
            secrecy_refusal(found)
    question = await repo.add(tx, reference=await next_reference(tx, "CQ", services.now().year),
                              professional_id=term.id, hood=term.neighbourhood_id, theme=theme, role=term.role,
                              question=parts[1], options=tuple(parts[2:]), now=services.now_iso())
    hood = services.config.neighbourhood(term.neighbourhood_id)
    if hood is not None and hood.moderation_address is not None:
        t = _t(services)
        await outbox.enqueue(tx, services, hood.moderation_address, Reply(text=t._(
            "Check question {reference} from the {role} ({neighbourhood}, {theme}) for residents who want questions "
            "from professionals: {question} ({options})\nApprove with !approve-check {reference}, or "
            "!reject-check {reference} reason.", reference=question.reference, role=question.role,
            neighbourhood=hood.name, theme=t._(THEMES[theme]), question=question.question,
            options=" / ".join(question.option_list))), purpose="check-question", subject=question.reference)
    return question


async def _proposed(tx: Tx, hoods: list[str], reference: str) -> CheckQuestion:
    question = await repo.by_reference(tx, reference.strip().upper())
    if question is None or question.neighbourhood_id not in hoods:
        raise UserError("I don't know check question {reference} here.", reference=reference[:32])
    if question.status != "proposed":
        raise UserError("{reference} was already decided.", reference=question.reference)
    return question


async def approve(tx: Tx, services: Services, hoods: list[str], reference: str, who: str) -> int:
    """Send the question as a poll; returns how many residents will hear of it."""
    question = await _proposed(tx, hoods, reference)
    hood = services.config.neighbourhood(question.neighbourhood_id)
    if hood is None or hood.professionals_room is None:
        raise UserError("This neighbourhood has no professionals' room for the answer.")
    now = services.now()
    draft = polls.Draft(question=question.question, options=question.option_list,
                        neighbourhoods=(question.neighbourhood_id,), closes_at=now + timedelta(days=DAYS_OPEN),
                        audience="professionals")
    poll, told = await polls.create(tx, services, draft, hood.professionals_room, who, now)
    await repo.decide(tx, question.id, "approved", who, services.now_iso(), poll_id=poll.id)
    await audit.add(tx, question.reference, who, "approved", poll.reference, services.now_iso())
    t = _t(services)
    if hood.professionals_address is not None:
        await outbox.enqueue(tx, services, hood.professionals_address, Reply(text=t._(
            "Check question {reference} was approved and went to {count} residents as poll {poll}. The result "
            "comes here when it closes.", reference=question.reference, count=told or 0, poll=poll.reference)),
            purpose="check-question", subject=question.reference)
    return told or 0


async def reject(tx: Tx, services: Services, hoods: list[str], reference: str, reason: str, who: str) -> None:
    question = await _proposed(tx, hoods, reference)
    if not reason.strip():
        raise UserError("Give a reason: !reject-check {reference} reason.", reference=question.reference)
    await repo.decide(tx, question.id, "rejected", who, services.now_iso(), reason=reason.strip())
    await audit.add(tx, question.reference, who, "rejected", reason.strip(), services.now_iso())
    hood = services.config.neighbourhood(question.neighbourhood_id)
    if hood is not None and hood.professionals_address is not None:
        await outbox.enqueue(tx, services, hood.professionals_address, Reply(text=_t(services)._(
            "Check question {reference} was not sent to residents. Reason: {reason}", reference=question.reference,
            reason=reason.strip())), purpose="check-question", subject=question.reference)
