"""Residents: signing up (with consent, language and neighbourhood), their language and their settings."""

from __future__ import annotations

from bot.channels.base import Incoming
from bot.store import residents as repo
from bot.store.db import Tx
from bot.store.residents import Resident as Resident  # re-exported: handlers name the record, never the store


async def sign_up(tx: Tx, incoming: Incoming, language: str, neighbourhood_id: str, now: str) -> Resident:
    """The resident who just gave consent (signing up again on the same account updates its language, chat
    and neighbourhood)."""
    actor = incoming.actor
    return await repo.create(tx, actor.channel, actor.user_id, incoming.address.chat_id, language,
                             neighbourhood_id, now)


async def set_language(tx: Tx, resident: Resident, language: str) -> None:
    await repo.set_language(tx, resident.id, language)


async def save_settings(tx: Tx, resident: Resident, values: dict[str, object]) -> Resident | None:
    """Store changed settings (only the columns of ``residents.SETTINGS``) and read the resident back."""
    await repo.update_settings(tx, resident.id, values)
    return await repo.by_id(tx, resident.id)
