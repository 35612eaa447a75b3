"""wijkbot schema, version 18: why a story was not published, as a category in a column of its own.

Issue 19's review: the report back counted rejections by the first word of the free-text reason, which is not a
category. From now on organisers choose one of a fixed set (``bot/engine/moderation_reasons.py``) and the story
keeps it in ``experiences.decision_category``; ``decision_reason`` keeps only the organiser's own words for the
author (erased with the story, as before).

Stories rejected before: the kind the moderator named with the reason's first word, kept in the audit log since
version 17's code (action ``reason``), or else the reason's first word itself when it is one of the words that
version knew (``dubbel``, ``personal:`` …: unambiguous); anything else becomes ``other``. A reason that was only
that word keeps no text. The word lists are copied here so the step does not change when the code does.
"""

from __future__ import annotations

from bot.store.db import Tx

OLD_KINDS = {"personal", "offensive", "off_topic", "duplicate", "other"}
OLD_WORDS = {
    "personal": "personal", "persoonlijk": "personal", "privacy": "personal",
    "offensive": "offensive", "kwetsend": "offensive",
    "off-topic": "off_topic", "off_topic": "off_topic", "ander-onderwerp": "off_topic",
    "duplicate": "duplicate", "dubbel": "duplicate",
}
BATCH = 500


def _first_word(reason: str) -> tuple[str | None, str]:
    first, _, rest = reason.strip().partition(" ")
    kind = OLD_WORDS.get(first.strip().rstrip(":-–").casefold())
    return (kind, rest.strip().lstrip(":-– ").strip()) if kind else (None, reason.strip())


async def upgrade(tx: Tx) -> None:
    await tx.execute("ALTER TABLE experiences ADD COLUMN decision_category TEXT")
    last = 0
    while True:
        rows = await tx.all(
            "SELECT e.id, e.decision_reason,"
            " (SELECT a.detail FROM audit_log a WHERE a.reference = e.reference AND a.action = 'reason'"
            "  ORDER BY a.id DESC LIMIT 1) AS kind"
            " FROM experiences e WHERE e.status = 'rejected' AND e.id > ? ORDER BY e.id LIMIT ?", (last, BATCH))
        if not rows:
            return
        for row in rows:
            reason = str(row["decision_reason"] or "")
            kind = str(row["kind"]) if row["kind"] in OLD_KINDS else None
            if kind is None:
                kind, reason = _first_word(reason)
            elif OLD_WORDS.get(reason.strip().rstrip(":-–").casefold()) == kind:
                reason = ""  # the reason was the kind's word alone
            tx.defer("UPDATE experiences SET decision_category = ?, decision_reason = ? WHERE id = ?",
                     (kind or "other", reason or None, row["id"]))
        last = int(rows[-1]["id"])
