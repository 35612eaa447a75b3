"""Why a story was not published, in a few categories the report back can count.

The reason stays free text for the author; a first word that names a category (``personal: it names the
neighbour``, ``dubbel - al gemeld``) files it under that category, anything else under "other". The category is
kept in the audit log (action ``reason``), beside the decision, so no table changes.
"""

from __future__ import annotations

from bot.i18n import N_

REASONS = {
    "personal": N_("personal details or names"),
    "offensive": N_("hurtful or offensive"),
    "off_topic": N_("not about the neighbourhood"),
    "duplicate": N_("already reported"),
    "other": N_("other reason"),
}
WORDS = {
    "personal": "personal", "persoonlijk": "personal", "privacy": "personal",
    "offensive": "offensive", "kwetsend": "offensive",
    "off-topic": "off_topic", "off_topic": "off_topic", "ander-onderwerp": "off_topic",
    "duplicate": "duplicate", "dubbel": "duplicate",
}
AUDIT_ACTION = "reason"


def categorise(reason: str) -> tuple[str, str]:
    """(category, the reason as the author reads it). A category word alone stays the reason."""
    first, _, rest = reason.strip().partition(" ")
    category = WORDS.get(first.strip().rstrip(":-–").casefold())
    if category is None:
        return "other", reason.strip()
    told = rest.strip().lstrip(":-– ").strip()
    return category, told or reason.strip().rstrip(":-– ")
