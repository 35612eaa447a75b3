"""Professionals (issue 20): who may use their room, observations about patterns (text about one person is
refused and not stored), and their terms in !continuity."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.config import ConfigError, parse
from bot.engine.professionals import individual
from tests.engine.contacts_support import room
from tests.engine.professionals_support import (
    PRO_ROOM,
    SANNE,
    app_fixture,  # noqa: F401
    config_with_professionals,
    outbox_to,
    pro,
)
from tests.support import BASE


async def observations(app: App) -> list[dict[str, str]]:
    async with app.db.transaction() as tx:
        rows = await tx.all("SELECT * FROM observations ORDER BY id")
    return [dict(row) for row in rows]


async def test_an_observation_is_labelled_with_the_role_never_the_name(app: App) -> None:
    answer = await pro(app, "!observation housing | Meer meldingen van schimmel in de flats aan de westkant.")
    assert "Recorded as O-2026-0001" in answer and "wijkagent" in answer
    stored = await observations(app)
    assert [(o["theme"], o["role"]) for o in stored] == [("housing", "wijkagent")]
    posted = await outbox_to(app, "observation")
    assert [chat for chat, _ in posted] == ["!mod-centrum:localhost"]
    assert "wijkagent" in posted[0][1] and "schimmel" in posted[0][1]
    assert "Sanne" not in posted[0][1] and "Bakker" not in posted[0][1] and SANNE not in posted[0][1]
    # The Dutch alias and a Dutch theme name work too.
    assert "O-2026-0002" in await pro(app, "!observatie wonen | Steeds meer jongeren zonder vaste woonplek.")


@pytest.mark.parametrize("text", [
    "De vrouw van nummer 12 lijkt steeds verwarder.",
    "Het gezin op de hoek heeft veel schulden.",
    "Mevrouw Jansen van de Kerkstraat 7 komt niet meer buiten.",
    "The man next door drinks a lot.",
    "Bel 06-12345678 voor de familie.",
])
async def test_text_about_an_individual_is_refused_and_not_stored(app: App, text: str) -> None:
    answer = await pro(app, f"!observation health | {text}")
    assert "Not recorded" in answer and "professional secrecy" in answer
    assert await observations(app) == [] and await outbox_to(app, "observation") == []


def test_patterns_pass_the_individual_check() -> None:
    for text in ("Meer eenzaamheid onder ouderen in de flats aan de westkant.",
                 "Jongeren hangen 's avonds vaker rond bij het winkelcentrum.",
                 "More families ask the food bank for help since the autumn."):
        assert individual(text) is None, text


async def test_only_professionals_with_a_role_use_their_room(app: App) -> None:
    line = "!observation safety | Vaker fietsendiefstal bij het station."
    assert "Only professionals with a role" in await pro(app, line, user="@someone:localhost")
    assert "not a professionals' room" in await pro(app, line, room="!mod-centrum:localhost")
    # Sanne has no role in Noord: its professionals' room does not accept her.
    assert "Only professionals with a role" in await pro(app, line, room="!pro-noord:localhost")
    # An organiser adds a youth worker; from then on he can record, until his term ends.
    added = await room(app, "!professional add | Ruben | jongerenwerker | @ruben:localhost")
    assert "Ruben is now jongerenwerker (PR-2)" in added
    assert "Recorded" in await pro(app, line, user="@ruben:localhost")
    assert "ended today" in await room(app, "!professional end PR-2")
    assert "Only professionals with a role" in await pro(app, line, user="@ruben:localhost")
    # Only moderators manage professionals.
    assert "only moderators" in await pro(app, "!professional add | X | y | @x:localhost", room=PRO_ROOM)


async def test_continuity_shows_professionals_terms(app: App, manual_clock: ManualClock) -> None:
    await room(app, "!professional add | Ruben | jongerenwerker | @ruben:localhost")
    figures = await room(app, "!continuity")
    assert "Professionals:" in figures
    assert "Centrum, wijkagent: Sanne Bakker (PR-1), since 1 January 2025 (1 year and 2 months)" in figures
    assert "Centrum, jongerenwerker: Ruben (PR-2), since 2 March 2026" in figures
    await room(app, "!professional end PR-2")
    manual_clock.advance(timedelta(days=3))
    assert "Ruben (PR-2), earlier, 2 March 2026 – 2 March 2026" in await room(app, "!continuity")
    assert "Ruben" in await room(app, "!professional list")


def test_professionals_configuration_errors_name_their_key() -> None:
    data = copy.deepcopy(BASE)
    base = {"id": "sanne", "name": "Sanne", "role": "wijkagent", "matrix_user": SANNE, "since": "2025-01-01"}
    data["neighbourhoods"][0]["professionals"] = [
        {**base, "colour": "blue", "matrix_user": "sanne", "until": "2024-01-01"},
        {**base, "since": "1 maart"},
        {"id": "Bad Id!", "since": "2025-01-01"},
    ]
    data["neighbourhoods"][1]["professionals"] = {"id": "x"}
    with pytest.raises(ConfigError) as info:
        parse(data, Path("/tmp"), {})
    found = info.value.problems
    for start in ("neighbourhoods[0].professionals[0].colour: unknown key",
                  "neighbourhoods[0].professionals[0].matrix_user: must look like @sanne:example.org",
                  "neighbourhoods[0].professionals[0].until: must not be before since",
                  "neighbourhoods[0].professionals[1].id: 'sanne' is used twice",
                  "neighbourhoods[0].professionals[1].since: must be a date like 2024-03-01",
                  "neighbourhoods[0].professionals[2].id: use lower-case letters",
                  "neighbourhoods[0].professionals[2].matrix_user: missing",
                  "neighbourhoods[0].professionals[2].role: missing",
                  "neighbourhoods[1].professionals: must be an array of tables: [[neighbourhoods.professionals]]"):
        assert any(p.startswith(start) for p in found), (start, found)


async def test_a_configured_until_is_the_last_day_the_room_accepts_them(tmp_path: Path,
                                                                        manual_clock: ManualClock, engine: str) -> None:
    """A term configured until 2 March 2026 (today) still works today and no longer tomorrow."""
    config = config_with_professionals(tmp_path)
    hood = replace(config.neighbourhoods[0], professionals=(replace(
        config.neighbourhoods[0].professionals[0], until=date(2026, 3, 2)),))
    application = App(replace(config, neighbourhoods=(hood, *config.neighbourhoods[1:])), [], clock=manual_clock)
    await application.start(background=False)
    try:
        line = "!observation safety | Vaker fietsendiefstal bij het station."
        assert "Recorded" in await pro(application, line)
        manual_clock.advance(timedelta(days=1))
        assert "Only professionals with a role" in await pro(application, line)
    finally:
        await application.stop()
