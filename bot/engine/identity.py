"""One person, one resident: a platform that gives a person a second, lasting id (after an id the bot already
keyed them on) gets the resident, the dialogue, the queued messages and the settings moved to the lasting id.

Neither id is shown to anyone or logged. The old one is erased from the files too (``Tx.erased``): it may be a
phone number, the most personal identifier the bot holds.
"""

from __future__ import annotations

from bot.store import conversations, deliberations, polls, story_posts
from bot.store import outbox as outbox_repo
from bot.store import residents as residents_repo
from bot.store.db import Tx


async def link(tx: Tx, channel: str, old: str, new: str) -> bool:
    """Move everything keyed on ``old`` to ``new``; False when nobody is known by ``old`` (or ``new`` is known
    already: the person then stays who the lasting id says)."""
    if old == new:
        return False
    moved = await residents_repo.rekey(tx, channel, old, new)
    if not moved and await residents_repo.get(tx, channel, new) is not None:
        return False
    conversations.rekey(tx, channel, old, new)  # a dialogue started before consent has no resident yet
    if moved:
        outbox_repo.rekey(tx, channel, old, new)
        story_posts.rekey(tx, channel, old, new)
        polls.rekey_messages(tx, channel, old, new)
        deliberations.rekey_posts(tx, channel, old, new)
        tx.erased()
    return moved
