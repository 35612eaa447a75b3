"""A professional asks the municipality for room to act (issue 20): ``!request what is needed | why`` in the
professionals' room appears in the moderation room; organisers answer with ``!answer-request RQ-REF | status |
what | because [| date]`` on the commitment clock of feedback (the same statuses and typed dates). The answer
goes back to the professionals' room; a promised date that passes without a final answer is posted as overdue
in both rooms (checked hourly, once per lapse)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.channels.base import Address, Reply
from bot.engine import outbox, times
from bot.engine.feedback import FINAL, STATUSES, parse_status
from bot.engine.outbox import Dispatcher
from bot.engine.professionals import individual, secrecy_refusal
from bot.errors import UserError
from bot.i18n import Translator
from bot.scheduler import Scheduler
from bot.services import Services
from bot.store import audit
from bot.store import requests as repo
from bot.store.db import Tx
from bot.store.experiences import next_reference
from bot.store.professionals import ProfessionalTerm
from bot.store.requests import Request


def _rooms(services: Services, hood: str) -> list[Address]:
    n = services.config.neighbourhood(hood)
    return [a for a in ((n.moderation_address, n.professionals_address) if n else ()) if a is not None]


def _t(services: Services) -> Translator:
    return Translator(services.config.moderation.language, services.config.timezone)


async def ask(tx: Tx, services: Services, term: ProfessionalTerm, typed: str) -> Request:
    needed, bar, why = (part.strip() for part in typed.partition("|"))
    if not bar or not needed or not why:
        raise UserError("Use: !request what is needed | why")
    for text in (needed, why):
        found = individual(text)
        if found is not None:
            secrecy_refusal(found)
    request = await repo.add(tx, reference=await next_reference(tx, "RQ", services.now().year),
                             professional_id=term.id, hood=term.neighbourhood_id, role=term.role, needed=needed,
                             why=why, now=services.now_iso())
    hood = services.config.neighbourhood(term.neighbourhood_id)
    if hood is not None and hood.moderation_address is not None:
        t = _t(services)
        await outbox.enqueue(tx, services, hood.moderation_address, Reply(text=t._(
            "Request {reference} from the {role} ({neighbourhood}): {needed}. Why: {why}\nAnswer with: "
            "!answer-request {reference} | status | what | because [| date]", reference=request.reference,
            role=request.role, neighbourhood=hood.name, needed=needed, why=why)), purpose="request",
            subject=request.reference)
    return request


async def answer(tx: Tx, services: Services, hoods: list[str], typed: str, who: str) -> Request:
    parts = [part.strip() for part in typed.split("|")]
    if len(parts) not in (4, 5) or not all(parts[:4]):
        raise UserError("Use: !answer-request RQ-REF | status | what | because [| date]; the because is needed.")
    request = await repo.by_reference(tx, parts[0].upper())
    if request is None or request.neighbourhood_id not in hoods:
        raise UserError("I don't know request {reference} here.", reference=parts[0][:32])
    status = parse_status(parts[1])
    moment: datetime | None = None
    if len(parts) == 5 and parts[4]:
        moment = times.parse_when(parts[4], services.now(), services.config.timezone)
    await repo.answer(tx, request.id, status=status, what=parts[2], because=parts[3],
                      commitment=moment.isoformat(timespec="seconds") if moment else None, who=who,
                      now=services.now_iso())
    await audit.add(tx, request.reference, who, status, f"{parts[2]} | {parts[3]}", services.now_iso())
    hood = services.config.neighbourhood(request.neighbourhood_id)
    if hood is not None and hood.professionals_address is not None:
        t = _t(services)
        lines = [t._("Answer to request {reference} ({needed}): {status}. {what} Because: {because}",
                     reference=request.reference, needed=request.needed, status=t._(STATUSES[status]),
                     what=parts[2], because=parts[3])]
        if moment is not None and status not in FINAL:
            lines.append(t._("Promised for {date}.", date=t.date(moment.astimezone(services.config.timezone))))
        await outbox.enqueue(tx, services, hood.professionals_address, Reply(text="\n".join(lines)),
                             purpose="request-answer", subject=request.reference)
    updated = await repo.by_reference(tx, request.reference)
    assert updated is not None
    return updated


async def overdue_requests(services: Services) -> int:
    now = services.now_iso()
    told = 0
    async with services.db.transaction() as tx:
        t = _t(services)
        for request in await repo.overdue(tx, now):
            text = t._("Overdue: request {reference} ({needed}) was promised for {date} and has no new answer yet.",
                       reference=request.reference, needed=request.needed,
                       date=t.date(datetime.fromisoformat(request.commitment_date or now)))
            for address in _rooms(services, request.neighbourhood_id):
                await outbox.enqueue(tx, services, address, Reply(text=text), purpose="request-overdue",
                                     subject=request.reference)
            await repo.mark_overdue_told(tx, request.id, now)
            told += 1
    return told


def install(scheduler: Scheduler, dispatcher: Dispatcher, services: Services) -> None:
    async def job() -> None:
        await overdue_requests(services)

    scheduler.every("request-clock", timedelta(hours=1), job)
