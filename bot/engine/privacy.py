"""Residents' rights: see everything held about you (/mydata) and be forgotten (/forget)."""

from __future__ import annotations

import json
from typing import Any

from bot.engine import privacy_posts
from bot.engine.privacy_posts import Removal
from bot.services import Services
from bot.store import audit, conversations, deliberations, heard
from bot.store import check_questions as check_repo
from bot.store import contacts as contacts_repo
from bot.store import experiences as experiences_repo
from bot.store import outbox as outbox_repo
from bot.store import polls as polls_repo
from bot.store import residents as residents_repo
from bot.store.db import Tx
from bot.store.residents import Resident


async def export(tx: Tx, resident: Resident) -> dict[str, Any]:
    """Everything stored about one resident, as plain data (also the /mydata JSON file)."""
    stories = await experiences_repo.of_resident(tx, resident.id)
    state = await conversations.load(tx, resident.channel, resident.user_id)
    return {
        "resident": {
            "channel": resident.channel,
            "user_id": resident.user_id,
            "language": resident.language,
            "neighbourhood": resident.neighbourhood_id,
            "consent_at": resident.consent_at,
            "created_at": resident.created_at,
            "unreachable_since": resident.unreachable_at,
            "feedback": resident.feedback_mode,
            "quiet_hours": f"{resident.quiet_start}-{resident.quiet_end}",
            "follows_neighbourhood": bool(resident.follows_neighbourhood),
            "last_active_day": resident.last_active,  # for the retention period
            "last_message_hour": resident.last_message_hour,  # a channel's 24-hour window (None elsewhere)
        },
        "felt_heard": await heard.export_of(tx, resident.id),
        "experiences": [
            {
                "reference": e.reference,
                "created_at": e.created_at,
                "theme": e.theme,
                "neighbourhood": e.neighbourhood_id,
                "your_words": e.text,
                "public_text": e.text_public,
                "place_hint": e.place_hint,
                "shown_as": e.author_name,
                "photo": e.photo_ref is not None,
                "status": e.status,
            }
            for e in stories
        ],
        "deliberation_votes": [dict(row) for row in await deliberations.votes_of(tx, resident.id)],
        "deliberation_statements": [dict(row) for row in await deliberations.statements_of(tx, resident.id)],
        "polls": {"hear_about_new_polls": bool(resident.polls_opt_in), "age_group": resident.age_band,
                  "questions_from_professionals": await check_repo.wants(tx, resident.id),
                  "votes": [{"poll": r["reference"], "question": r["question"], "option": r["option"], "at": r["at"]}
                            for r in await polls_repo.votes_of(tx, resident.id)],
                  "youth_poll_votes": "stored without any link to you; nobody can tell which are yours"},
        "contact_persons": await contacts_repo.export_of(tx, resident.id),  # messages relayed to and from them
        "waiting_to_be_sent_to_you": [  # notifications queued for them (e.g. until their quiet hours end)
            {"kind": p.purpose, "not_before": p.not_before, "text": p.reply.text}
            for p in await outbox_repo.pending_for_chat(tx, resident.channel, resident.chat_id or "")],
        "conversation_in_progress": {"flow": state.flow, "step": state.step} if state.flow else None,
    }


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


async def forget(tx: Tx, resident: Resident, keep_stories: bool, services: Services | None = None) -> Removal:
    """Erase a resident. Their stories are deleted, or kept without any link to them. Everything queued for
    their chat is withdrawn, and the outbox keeps nothing it delivered there. With ``services`` (the /forget
    dialogue) what the bot posted of their stories is taken back too (``privacy_posts``)."""
    removal = Removal(0, 0)
    stories = await experiences_repo.of_resident(tx, resident.id)
    if services is not None:
        removal = await privacy_posts.take_back(tx, services, stories, keep=keep_stories)
        words = await privacy_posts.take_back_words(tx, services, resident.id, keep=keep_stories)
        removal = Removal(removal.taken_back, removal.too_old, words)
    if not keep_stories:
        await audit.erase_texts(tx, [e.reference for e in stories])
    if resident.chat_id is not None:
        await outbox_repo.withdraw_for_chat(tx, resident.channel, resident.chat_id)
    if keep_stories:
        await experiences_repo.anonymise_of_resident(tx, resident.id)
    else:
        await experiences_repo.delete_of_resident(tx, resident.id)
    await heard.erase_comments(tx, resident.id)
    await deliberations.forget_resident(tx, resident.id, keep_statements=keep_stories)
    await polls_repo.forget_resident(tx, resident)
    await contacts_repo.forget_resident(tx, resident.id)
    await check_repo.set_wants(tx, resident.id, False, "")
    conversations.delete(tx, resident.channel, resident.user_id)
    await residents_repo.delete(tx, resident.id)
    return removal
