"""The kind of reason for not publishing: named by the reason's first word, kept in the audit log, counted."""

from __future__ import annotations

from bot.app import App
from bot.engine.moderation_reasons import categorise
from tests.engine.test_moderation import organiser, shared_story
from tests.support import Recorder


def test_the_first_word_names_the_kind_and_the_author_reads_the_rest() -> None:
    assert categorise("persoonlijk: er staat een naam in") == ("personal", "er staat een naam in")
    assert categorise("Duplicate - see W-2026-0001") == ("duplicate", "see W-2026-0001")
    assert categorise("off-topic") == ("off_topic", "off-topic")
    assert categorise("It is about one person") == ("other", "It is about one person")


async def test_reject_files_the_kind_of_reason_in_the_log_and_tells_the_author_only_the_reason(
        app: App, telegram_recorder: Recorder) -> None:
    reference = await shared_story(app)
    await app.dispatch(organiser(app, f"!reject {reference} kwetsend: dit gaat over één buurman"))
    await app.outbox.drain()
    told = telegram_recorder.texts("anna")[-1]
    assert "The reason: dit gaat over één buurman" in told and "kwetsend" not in told
    log = (await app.dispatch(organiser(app, f"!log {reference}")))[0].text
    assert "rejected · dit gaat over één buurman" in log and "kind of reason · hurtful or offensive" in log
