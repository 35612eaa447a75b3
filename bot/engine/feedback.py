"""Feedback: "you said, we did, because". Staff record it; everyone who contributed or follows hears it.

Recording or updating feedback is one transaction: the feedback row, its update history, and for every
recipient either an outbox row (direct, after their quiet hours) or a digest item (weekly, monthly).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.channels.base import Address, Choice, Reply
from bot.engine import outbox
from bot.engine.themes import THEMES
from bot.errors import UserError
from bot.i18n import N_, Translator
from bot.services import Services
from bot.store import conversations
from bot.store import experiences as experiences_repo
from bot.store import feedback as repo
from bot.store import residents as residents_repo
from bot.store.db import Row, Tx
from bot.store.feedback import Feedback
from bot.store.outbox import Pending
from bot.store.residents import Resident

STATUSES = {"received": N_("received"), "in_progress": N_("in progress"), "done": N_("done"),
            "not_done": N_("not done")}
STATUS_WORDS = {
    "received": "received", "ontvangen": "received", "in_progress": "in_progress", "in progress": "in_progress",
    "bezig": "in_progress", "mee bezig": "in_progress", "done": "done", "klaar": "done", "gedaan": "done",
    "not_done": "not_done", "not done": "not_done", "niet gedaan": "not_done", "niet": "not_done",
}
FINAL = ("done", "not_done")
REOPENED_BY = "wijkbot:not-heard"  # the author of the update that reopens feedback after an unhappy answer
REOPENED_BECAUSE = N_("A resident did not feel heard, so we look at it again.")
HEARD_ANSWERS = {"yes": N_("Yes"), "partly": N_("Partly"), "no": N_("No")}
MODES = ("direct", "weekly", "monthly", "off")


def parse_status(typed: str) -> str:
    status = STATUS_WORDS.get(" ".join(typed.lower().replace("_", " ").split()))
    if status is None:
        raise UserError("Unknown status '{status}'. Use: received, in progress, done or not done.",
                        status=typed[:30])
    return status


def quiet_until(now: datetime, tz: ZoneInfo, start: str, end: str) -> datetime | None:
    """When a resident's quiet hours (e.g. 21:00-08:00, local) cover ``now``: the moment they end."""
    if start == end:
        return None
    local = now.astimezone(tz)
    begin, finish = time.fromisoformat(start), time.fromisoformat(end)
    clock = local.time()
    overnight = begin > finish
    inside = (clock >= begin or clock < finish) if overnight else (begin <= clock < finish)
    if not inside:
        return None
    day = local.date() + timedelta(days=1) if overnight and clock >= begin else local.date()
    return datetime.combine(day, finish, tzinfo=tz)


def not_before(services: Services, resident: Resident) -> str | None:
    until = quiet_until(services.now(), services.config.timezone, resident.quiet_start, resident.quiet_end)
    return until.astimezone(ZoneInfo("UTC")).isoformat(timespec="seconds") if until else None


async def get(tx: Tx, reference: str) -> Feedback | None:
    return await repo.by_reference(tx, reference.strip().upper())


async def _recipients(tx: Tx, fb: Feedback) -> list[Resident]:
    return await repo.recipients(tx, fb)


def message(t: Translator, fb: Feedback, said: str, what: str, because: str, status: str) -> str:
    lines = [
        t._("Feedback {reference} on {subject}", reference=fb.reference, subject=said),
        t._("We did: {what}", what=what),
        t._("Because: {because}", because=because),
        t._("Status: {status}", status=t._(STATUSES[status])),
    ]
    if fb.commitment_date and status not in FINAL:
        lines.append(t._("We expect this to be ready by {date}.",
                         date=t.date(datetime.fromisoformat(fb.commitment_date))))
    return "\n".join(lines)


async def subject(tx: Tx, t: Translator, fb: Feedback, resident: Resident | None = None) -> str:
    """What the resident said, as they will recognise it: their story references, or the theme."""
    own = [reference for reference, author in await repo.linked_stories(tx, fb.id)
           if resident is not None and author == resident.id]
    if own:
        return t._("your story {references}", references=", ".join(own))
    if fb.poll_id is not None:
        question = await repo.poll_question(tx, fb.poll_id)
        return t._("the poll \"{question}\"", question=question or "")
    if fb.theme:
        return t._("the theme {theme}", theme=t._(THEMES.get(fb.theme, fb.theme)))
    return t._("stories from your neighbourhood")


def heard_choices(t: Translator, feedback_id: int) -> tuple[Choice, ...]:
    return tuple(Choice(f"heard.{feedback_id}.{key}", t._(label)) for key, label in HEARD_ANSWERS.items())


async def _notify(tx: Tx, services: Services, fb: Feedback, update_id: int, status: str, what: str,
                  because: str) -> int:
    told = 0
    for resident in await _recipients(tx, fb):
        if resident.chat_id is None:
            continue
        if resident.feedback_mode in ("weekly", "monthly"):
            await repo.add_digest_item(tx, resident.id, update_id)
            told += 1
            continue
        t = Translator(resident.language, services.config.timezone)
        text = message(t, fb, await subject(tx, t, fb, resident), what, because, status)
        choices: tuple[Choice, ...] = ()
        if status in FINAL:
            text += "\n\n" + t._("Did you feel heard?")
            choices = heard_choices(t, fb.id)
        await outbox.enqueue(tx, services, Address(resident.channel, resident.chat_id),
                             Reply(text=text, choices=choices), purpose="feedback", subject=fb.reference,
                             not_before=not_before(services, resident))
        told += 1
    return told


async def record(tx: Tx, services: Services, *, author: str, neighbourhood: str, references: list[str],
                 theme: str | None, status: str, what: str, because: str,
                 commitment: datetime | None, poll_id: int | None = None) -> tuple[Feedback, int]:
    """New feedback; returns it and how many residents will hear it."""
    if not what.strip():
        raise UserError("Please say what was done.")
    if not because.strip():
        raise UserError("Please say why: the 'because' is what residents need to hear.")
    stories = []
    for reference in references:
        story = await experiences_repo.by_reference(tx, reference)
        if story is None or story.neighbourhood_id != neighbourhood:
            raise UserError("I cannot find {reference} among the stories of this room.", reference=reference[:20])
        stories.append(story)
    now = services.now_iso()
    year = services.now().astimezone(services.config.timezone).year
    reference = await experiences_repo.next_reference(tx, "F", year)
    fb = await repo.insert(tx, reference=reference, neighbourhood=neighbourhood, theme=theme, status=status,
                           what=what.strip(), because=because.strip(),
                           commitment_date=commitment.isoformat(timespec="seconds") if commitment else None,
                           author=author, now=now, poll_id=poll_id, story_ids=[story.id for story in stories])
    update_id = await repo.add_update(tx, fb.id, status, what.strip(), because.strip(), author, now)
    return fb, await _notify(tx, services, fb, update_id, status, what.strip(), because.strip())


async def update(tx: Tx, services: Services, fb: Feedback, *, author: str, status: str, what: str,
                 because: str) -> int:
    """A status change of existing feedback; everyone concerned hears it again. Returns the recipients."""
    if not because.strip():
        raise UserError("Please say why: the 'because' is what residents need to hear.")
    now = services.now_iso()
    await repo.change(tx, fb.id, status, what.strip(), because.strip(), now)
    update_id = await repo.add_update(tx, fb.id, status, what.strip(), because.strip(), author, now)
    return await _notify(tx, services, fb, update_id, status, what.strip(), because.strip())


async def history(tx: Tx, experience_id: int) -> list[Row]:
    return await repo.history(tx, experience_id)


def because_of(t: Translator, update: Row) -> str:
    """An update's "because" in the reader's language: the staff's own words as written, and the bot's reopening
    after a "no" to "did you feel heard?" (stored in the moderation room's language) in the reader's."""
    if update["author"] == REOPENED_BY:
        return t._(REOPENED_BECAUSE)
    return str(update["because"])


async def answer_heard(tx: Tx, services: Services, resident: Resident, feedback_id: int, answer: str) -> Feedback:
    fb = await repo.by_id(tx, feedback_id)
    if fb is None or answer not in HEARD_ANSWERS:
        raise UserError("This button has expired. Please use the newest message.")
    if resident.id not in {r.id for r in await _recipients(tx, fb)}:
        raise UserError("This button has expired. Please use the newest message.")
    await repo.save_heard(tx, fb, resident.id, answer, services.now_iso())
    if answer == "no" and fb.status in FINAL:
        await _reopen(tx, services, fb)
    return fb


async def _reopen(tx: Tx, services: Services, fb: Feedback) -> None:
    """A "no" to "did you feel heard?" puts finished feedback back to "in progress", as Dutch municipal report
    systems do. Its clock starts now: ``!overdue`` lists it until the staff answer it again with ``!update``.
    Residents are not told again (the update is for the staff); their /status history shows it."""
    t = Translator(services.config.moderation.language, services.config.timezone)
    because = t._(REOPENED_BECAUSE)
    now = services.now_iso()
    await repo.change(tx, fb.id, "in_progress", fb.what, because, now)
    await repo.add_update(tx, fb.id, "in_progress", fb.what, because, REOPENED_BY, now)


async def heard_comment(tx: Tx, services: Services, resident: Resident, feedback_id: int,
                        comment: str | None) -> None:
    """Keep the optional comment; a 'no' goes back to the moderation room, with the comment."""
    row = await repo.save_heard_comment(tx, feedback_id, resident.id, comment)
    hood = services.config.neighbourhood(row["neighbourhood_id"]) if row else None
    if row is None or row["answer"] != "no" or hood is None or hood.moderation_address is None:
        return
    t = Translator(services.config.moderation.language, services.config.timezone)
    text = t._("A resident did not feel heard about {reference}.", reference=row["reference"])
    if comment:
        text += "\n" + t._("Their comment: {comment}", comment=comment)
    await outbox.enqueue(tx, services, hood.moderation_address, Reply(text=text),
                         purpose="heard", subject=row["reference"])


async def heard_tally(tx: Tx, neighbourhoods: list[str]) -> list[Row]:
    return await repo.heard_tally(tx, neighbourhoods)


async def resident_by_id(tx: Tx, resident_id: int) -> Resident | None:
    return await residents_repo.by_id(tx, resident_id)


async def offer_answers(tx: Tx, item: Pending, message_id: str | None, now: str) -> None:
    """After feedback with "did you feel heard?" reached a resident who is not in a dialogue: let typed answers
    ("1", "yes") count too, not only buttons."""
    if not item.reply.choices:
        return
    resident = await residents_repo.by_chat(tx, item.address.channel, item.address.chat_id)
    if resident is None:
        return
    state = await conversations.load(tx, resident.channel, resident.user_id)
    if state.flow is None:
        state.choices = [(c.key, c.label) for c in item.reply.choices]
        conversations.save(tx, state, now)
