"""Why a story was not published: a small fixed set of categories organisers recognise, and an optional free text.

Organisers name the category where they reject (``!reject REF 2 explanation``, ``!afwijzen REF dubbel``, the
answer in the thread after 🚫): its number or one of its words, in any shipped language (a Dutch room reads the
Dutch words, but every word works in every room). What follows is the free text the author reads beside the
category. A reason that starts with no category word is filed as "other", the whole text being the explanation.
The category is stored on the story (``experiences.decision_category``, migration 18) and the report back counts
stories not published by it; the free text is kept and erased like the story (``decision_reason``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, Translator

# In the order organisers see them (the number is the place in this list). Chosen with organisers' practice of
# moderating neighbourhood stories: what is not published for someone else's sake (personal details about other
# people; hurtful or discriminating words), because it is not for this channel (not about the neighbourhood;
# advertising or spam), or because it is already known (already reported); anything else.
REASONS: dict[str, str] = {
    "personal": N_("personal details about other people"),
    "offensive": N_("hurtful or discriminating"),
    "off_topic": N_("not about the neighbourhood"),
    "duplicate": N_("already reported"),
    "advertising": N_("advertising or spam"),
    "other": N_("another reason"),
}
# The words that name a category, per language; the first word of a language is the one its room reads in hints.
# Command words, like command aliases, are not translated through the catalogs: each works in every room.
WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "personal": {"nl": ("persoonlijk", "privé", "privacy"), "en": ("personal", "privacy"), "tr": ("kişisel",),
                 "pl": ("osobiste", "prywatność"), "ar": ("شخصي",)},
    "offensive": {"nl": ("kwetsend", "discriminerend"), "en": ("offensive", "hurtful", "discriminating"),
                  "tr": ("kırıcı", "ayrımcı"), "pl": ("obraźliwe", "dyskryminujące"), "ar": ("مسيء", "تمييزي")},
    "off_topic": {"nl": ("ander-onderwerp", "niet-wijk"), "en": ("off-topic", "off_topic"),
                  "tr": ("konu-dışı",), "pl": ("nie-na-temat",), "ar": ("خارج-الموضوع",)},
    "duplicate": {"nl": ("dubbel",), "en": ("duplicate",), "tr": ("tekrar",), "pl": ("duplikat",),
                  "ar": ("مكرر",)},
    "advertising": {"nl": ("reclame", "spam"), "en": ("advertising", "spam", "ad"), "tr": ("reklam", "spam"),
                    "pl": ("reklama", "spam"), "ar": ("إعلان", "سبام")},
    "other": {"nl": ("anders", "overig"), "en": ("other",), "tr": ("diğer",), "pl": ("inne",), "ar": ("أخرى",)},
}
_LOOKUP: dict[str, str] = {
    **{word.casefold(): key for key, languages in WORDS.items() for words in languages.values() for word in words},
    **{str(number): key for number, key in enumerate(REASONS, start=1)},
}
AUDIT_ACTION = "reason"  # the audit log keeps the category beside the decision, for !log


@dataclass(frozen=True)
class Reason:
    category: str  # a key of REASONS
    text: str  # the organiser's own words for the author; may be empty


def parse(typed: str) -> Reason:
    """The category (its number or a word, then ``:``, ``-`` or a space) and the free text after it."""
    first, _, rest = typed.strip().partition(" ")
    category = _LOOKUP.get(first.strip().rstrip(":-–.,").casefold())
    if category is None:
        return Reason("other", typed.strip())
    return Reason(category, rest.strip().lstrip(":-–").strip())


def word(key: str, language: str) -> str:
    """The word a room in ``language`` reads for a category."""
    return WORDS[key].get(language, WORDS[key]["en"])[0]


def label(t: Translator, key: str | None) -> str:
    return t._(REASONS.get(key or "other", REASONS["other"]))


def choices(t: Translator) -> str:
    """The categories as organisers read them in hints: one a line, with number, word and meaning."""
    return "\n".join(t._("{number} · {word} – {meaning}", number=number, word=word(key, t.language),
                         meaning=t._(meaning))
                     for number, (key, meaning) in enumerate(REASONS.items(), start=1))


def told(t: Translator, key: str | None, text: str | None) -> str:
    """The reason as a reader sees it (the author, the post's state line, /status): the category in the reader's
    language, and the organiser's own words when there are any."""
    if text:
        return t._("{category} ({explanation})", category=label(t, key), explanation=text)
    return label(t, key)
