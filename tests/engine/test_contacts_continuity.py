"""Continuity figures on a constructed history (tenures, handovers in 12 months, the alert), and the contact
persons' configuration with its errors named by key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.config import ConfigError, parse
from bot.engine import contacts_continuity
from bot.store import contacts as contacts_repo
from tests.engine.contacts_support import ANNA, config_with_contacts, outbox_rows, room
from tests.support import BASE, Recorder

HISTORY: list[dict[str, Any]] = [
    {"id": "aad", "name": "Aad", "role": "wijkcoördinator", "since": "2022-01-01", "until": "2025-06-01"},
    {"id": "bep", "name": "Bep", "role": "wijkcoördinator", "since": "2025-06-01", "until": "2025-12-01"},
    {"id": "cor", "name": "Cor", "role": "wijkcoördinator", "since": "2025-12-01", "matrix_user": ANNA},
    {"id": "hanna", "name": "Hanna", "role": "woonconsulent", "theme": "housing", "since": "2025-09-01"},
]


async def started(tmp_path: Path, clock: ManualClock, matrix: Recorder, telegram: Recorder,
                  limit: int = 2) -> App:
    config = config_with_contacts(tmp_path, HISTORY, continuity={"max_handovers_per_year": limit})
    app = App(config, [matrix, telegram], clock=clock)
    await app.start(background=False)
    return app


async def test_figures_from_a_history_entered_in_the_configuration(tmp_path: Path, manual_clock: ManualClock,
                                                                   matrix_recorder: Recorder,
                                                                   telegram_recorder: Recorder) -> None:
    app = await started(tmp_path, manual_clock, matrix_recorder, telegram_recorder)  # today: 2 March 2026
    try:
        # History is recorded, not announced: no introductions, no handover notes at start.
        for purpose in ("contact-intro", "contact-handover", "contact-brief", "continuity-alert"):
            assert await outbox_rows(app, purpose) == []
        async with app.db.transaction() as tx:
            terms = await contacts_repo.of_neighbourhoods(tx, ["centrum"])
        positions = contacts_continuity.positions(terms, "2026-03-02")
        whole, housing = positions
        assert [c.name for c in whole.terms] == ["Aad", "Bep", "Cor"] and whole.holder is not None
        assert whole.holder.name == "Cor" and whole.handovers_last_year == 2
        assert housing.holder is not None and housing.holder.name == "Hanna" and housing.handovers_last_year == 0
        assert contacts_continuity.per_neighbourhood(positions) == {"centrum": 2}
        # A year later, Bep's and Cor's starts are more than 12 months ago.
        assert contacts_continuity.per_neighbourhood(contacts_continuity.positions(terms, "2026-12-02")) == {
            "centrum": 0}

        figures = await room(app, "!continuity")
        assert "limit: 2 handovers in 12 months" in figures
        assert "Centrum: 2 handovers in the last 12 months" in figures
        assert "Centrum (the whole neighbourhood): Cor (C-3), for 3 months" in figures
        assert "before: Aad (3 years and 5 months); Bep (6 months)" in figures
        assert "3 contact persons so far, on average 1 year and 4 months each" in figures
        assert "Centrum, theme Housing: Hanna (C-4), for 6 months" in figures
        assert "Continuity alert" not in figures
        assert figures == await room(app, "!continuiteit")
    finally:
        await app.stop()


async def test_the_alert_when_a_neighbourhood_changes_contacts_too_often(tmp_path: Path, manual_clock: ManualClock,
                                                                       matrix_recorder: Recorder,
                                                                       telegram_recorder: Recorder) -> None:
    app = await started(tmp_path, manual_clock, matrix_recorder, telegram_recorder, limit=2)
    try:
        assert "Continuity alert" not in await room(app, "!continuity")
        await room(app, "!contact handover C-3 | Dirk | wijkcoördinator | - | - | - | @dirk:localhost")
        alerts = await outbox_rows(app, "continuity-alert")
        assert len(alerts) == 1 and "Centrum had 3 handovers" in alerts[0]["body"]
        assert "more than the 2 set in continuity.max_handovers_per_year" in alerts[0]["body"]
        assert "Continuity alert" in await room(app, "!continuity")
        await app.outbox.drain()
        assert any("Continuity alert" in t for t in matrix_recorder.texts("!mod-centrum:localhost"))
    finally:
        await app.stop()


def problems(contacts: Any, **top: Any) -> list[str]:
    data = copy.deepcopy(BASE)
    data["neighbourhoods"][0]["contacts"] = contacts
    data.update(top)
    with pytest.raises(ConfigError) as info:
        parse(data, Path("/tmp"), {})
    return info.value.problems


def test_contact_configuration_errors_name_their_key() -> None:
    base = {"id": "anna", "name": "Anna", "role": "wijkcoördinator", "since": "2024-03-01"}
    found = problems([
        {**base, "colour": "blue", "theme": "parking", "until": "2023-01-01", "matrix_user": "anna",
         "telegram_chat": "abc", "language": "de", "photo": "missing.jpg"},
        {**base, "since": "1 maart"},
        {"id": "Bad Id!", "since": "2024-03-01"},
        {**base, "id": "anna-2", "since": "2024-03-01"},
    ], continuity={"max_handovers_per_year": -1, "colour": "red"})
    expected = [
        "neighbourhoods[0].contacts[0].colour: unknown key",
        "neighbourhoods[0].contacts[0].theme: unknown theme 'parking'",
        "neighbourhoods[0].contacts[0].until: must not be before since",
        "neighbourhoods[0].contacts[0].matrix_user: must look like @anna:example.org",
        "neighbourhoods[0].contacts[0].telegram_chat: must be the numeric chat id",
        "neighbourhoods[0].contacts[0].language: 'de' has no translation",
        "neighbourhoods[0].contacts[0].photo: file not found",
        "neighbourhoods[0].contacts[1].id: 'anna' is used twice",
        "neighbourhoods[0].contacts[1].since: must be a date like 2024-03-01",
        "neighbourhoods[0].contacts[2].id: use lower-case letters",
        "neighbourhoods[0].contacts[2].name: missing",
        "neighbourhoods[0].contacts[2].role: missing",
        "neighbourhoods[0].contacts[3].since: 'Bad Id!' starts the same day in the same position",
        "continuity.colour: unknown key",
        "continuity.max_handovers_per_year: must be a whole number from 0 to 52",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in found), (start, found)
    overlap = problems([{**base, "until": "2025-01-01"}, {**base, "id": "bep", "since": "2024-06-01"}])
    assert any(p.startswith("neighbourhoods[0].contacts[1].since: overlaps with 'anna'") for p in overlap)
    assert problems({"id": "x"})[0].startswith("neighbourhoods[0].contacts: must be an array of tables")


def test_valid_contacts_are_read_with_dates_photos_and_handles(tmp_path: Path) -> None:
    from datetime import date

    (tmp_path / "anna.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    config = config_with_contacts(tmp_path, [
        {"id": "anna", "name": "Anna", "role": "coördinator", "since": date(2024, 3, 1), "photo": "anna.png",
         "telegram_chat": 123456, "matrix_user": "@anna:example.org"},
        {"id": "huib", "name": "Huib", "role": "woonconsulent", "since": "2025-01-01", "theme": "housing",
         "photo": "https://example.org/huib.jpg", "language": "en"},
    ])
    anna, huib = config.neighbourhoods[0].contacts
    assert anna.since == date(2024, 3, 1) and anna.photo == str((tmp_path / "anna.png").resolve())
    assert anna.telegram_chat == "123456" and huib.theme == "housing" and huib.photo == "https://example.org/huib.jpg"
    assert config.continuity.max_handovers_per_year == 2


async def test_the_card_shows_the_configured_photo(tmp_path: Path, manual_clock: ManualClock,
                                                   matrix_recorder: Recorder, telegram_recorder: Recorder,
                                                       engine: str) -> None:
    from tests.support import Person

    (tmp_path / "anna.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    config = config_with_contacts(tmp_path, [{"id": "anna", "name": "Anna", "role": "coördinator",
                                              "since": "2024-03-01", "photo": "anna.png"}])
    app = App(config, [matrix_recorder, telegram_recorder], clock=manual_clock)
    await app.start(background=False)
    try:
        resident = Person(app, "pia", channel="telegram")
        await resident.onboard("centrum", language="Nederlands")
        await resident.say("/contactpersoon")
        cards = [r for r in resident.last if r.attachment is not None]
        assert len(cards) == 1 and cards[0].attachment is not None
        assert cards[0].attachment.data == b"\x89PNG\r\n\x1a\nfake" and cards[0].attachment.alt_text == "Anna"
        assert "Anna" in cards[0].text and "2024" in cards[0].text
    finally:
        await app.stop()
