"""Why a story was not published: a fixed category (number or word, any shipped language) and the organiser's own
words; the author hears both in their language, the story keeps the category in its own column, the report counts
it, and older rejections are filed by migration 18."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.engine.moderation_reasons import REASONS, WORDS, Reason, choices, parse
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.store.db import Database
from handlers.registry import help_text
from tests.engine.test_moderation import organiser, shared_story
from tests.support import Person, Recorder, database_url


def test_the_number_or_a_word_names_the_category_and_the_rest_is_the_organisers_own_words() -> None:
    assert parse("1 er staat een naam in") == Reason("personal", "er staat een naam in")
    assert parse("persoonlijk: er staat een naam in") == Reason("personal", "er staat een naam in")
    assert parse("Dubbel - zie W-2026-0001") == Reason("duplicate", "zie W-2026-0001")
    assert parse("4") == Reason("duplicate", "")
    assert parse("spam") == Reason("advertising", "")
    assert parse("kırıcı bu yorum") == Reason("offensive", "bu yorum")
    assert parse("reklama") == Reason("advertising", "")
    assert parse("مكرر") == Reason("duplicate", "")
    # No category word: "another reason", and every word the organiser typed is kept for the author.
    assert parse("It is about one person") == Reason("other", "It is about one person")
    assert parse("7 keer gemeld") == Reason("other", "7 keer gemeld")


def test_every_category_has_a_word_in_every_shipped_language_and_no_word_names_two() -> None:
    seen: dict[str, str] = {}
    for key, languages in WORDS.items():
        assert set(languages) == {"nl", "en", "tr", "pl", "ar"} and key in REASONS
        for words in languages.values():
            for word in words:
                assert seen.setdefault(word.casefold(), key) == key, word
    for language in ("nl", "en", "tr", "pl", "ar"):
        t = Translator(language)
        listed = choices(t).splitlines()
        assert len(listed) == len(REASONS) and all(line.startswith(f"{n} · ") for n, line in enumerate(listed, 1))
        if language != "en":  # the meanings read in the room's own language
            assert all(t._(meaning) != meaning for meaning in REASONS.values()), language


def test_help_lists_the_reasons_in_the_rooms_language() -> None:
    dutch = help_text(Translator("nl"))
    assert "!afwijzen REF reden [eigen woorden]" in dutch
    assert "4 · dubbel – al gemeld" in dutch and "3 · ander-onderwerp – gaat niet over de wijk" in dutch
    english = help_text(Translator("en"))
    assert "1 · personal – personal details about other people" in english
    assert "2 · offensive – hurtful or discriminating" in english


async def test_the_author_hears_the_category_in_their_language_and_the_organisers_words(
        app: App, telegram_recorder: Recorder) -> None:
    reference = await shared_story(app)
    await app.outbox.drain()
    asked = (await app.dispatch(organiser(app, f"!reject {reference}")))[0].text
    assert "4 · duplicate – already reported" in asked and "6 · other – another reason" in asked
    answer = await app.dispatch(organiser(app, f"!afwijzen {reference} kwetsend: dit gaat over één buurman"))
    assert f"{reference} rejected" in answer[0].text
    await app.outbox.drain()
    told = telegram_recorder.texts("anna")[-1]
    assert "The reason: hurtful or discriminating (dit gaat over één buurman)." in told and "kwetsend" not in told
    async with app.db.transaction() as tx:
        stored = await tx.one("SELECT decision_category, decision_reason FROM experiences WHERE reference = ?",
                              (reference,))
    assert stored is not None and tuple(stored) == ("offensive", "dit gaat over één buurman")
    log = (await app.dispatch(organiser(app, f"!log {reference}")))[0].text
    assert "rejected · dit gaat over één buurman" in log and "kind of reason · hurtful or discriminating" in log
    status = await Person(app, "anna", channel="telegram").say("/status")
    assert "Reason: hurtful or discriminating (dit gaat over één buurman)" in status[0].text


async def test_a_category_alone_reaches_an_arabic_author_in_arabic(app: App, telegram_recorder: Recorder) -> None:
    reference = await shared_story(app, "samira")
    samira = Person(app, "samira", channel="telegram")
    await samira.say("/language")
    await samira.say(LANGUAGE_NAMES["ar"])
    await app.outbox.drain()
    await app.dispatch(organiser(app, f"!reject {reference} 5"))
    await app.outbox.drain()
    told = telegram_recorder.texts("samira")[-1]
    ar = Translator("ar")
    assert ar._("advertising or spam") in told and "(" not in told and "advertising" not in told


@pytest.mark.parametrize(("audit", "reason", "category", "kept"), [
    ("duplicate", "al gemeld", "duplicate", "al gemeld"),  # the previous code's kind, in the audit log
    ("duplicate", "dubbel", "duplicate", None),  # the kind's word was the whole reason
    (None, "persoonlijk: noemt de buurman", "personal", "noemt de buurman"),  # older: the first word
    (None, "Dit gaat over één persoon.", "other", "Dit gaat over één persoon."),
])
async def test_rejections_from_before_are_filed_by_migration_18(tmp_path: Path, audit: str | None, reason: str,
                                                                 category: str, kept: str | None, engine: str) -> None:
    db = Database(database_url(tmp_path, "old.sqlite3"))
    await db.open(migrate_to=17)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO experiences (reference, resident_id, neighbourhood_id, theme, text, text_public,"
            " scrubbed_kinds, language, status, created_at, decision_reason)"
            " VALUES ('W-2026-0001', NULL, 'centrum', 'safety', 't', 't', '', 'nl', 'rejected',"
            " '2026-01-02T00:00:00+00:00', ?)", (reason,))
        if audit is not None:
            await tx.execute("INSERT INTO audit_log (reference, actor, action, detail, at)"
                             " VALUES ('W-2026-0001', '@org:x', 'reason', ?, '2026-01-03T00:00:00+00:00')", (audit,))
    await db.close()
    await db.open()
    async with db.transaction() as tx:
        row = await tx.one("SELECT decision_category, decision_reason FROM experiences")
    await db.close()
    assert row is not None and tuple(row) == (category, kept)
