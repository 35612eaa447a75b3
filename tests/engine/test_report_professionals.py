"""Professionals in the council report: their observations and the early signals are a section of their own,
after and apart from what residents said, labelled with the role and never the professional's name."""

from __future__ import annotations

import io
import json
import random
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pypdf
import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.engine import report, signals
from tests.engine.professionals_support import add_story, add_weeks, config_with_professionals, pro
from tests.support import Recorder


@pytest.fixture
async def app(tmp_path: Path, matrix_recorder: Recorder, telegram_recorder: Recorder) -> AsyncIterator[App]:
    clock = ManualClock(datetime(2026, 3, 2, 10, tzinfo=UTC))
    application = App(config_with_professionals(tmp_path), [matrix_recorder, telegram_recorder], clock=clock)
    await application.start(background=False)
    yield application
    await application.stop()


async def test_observations_and_signals_have_their_own_section_without_names(app: App) -> None:
    clock = app.services.clock
    assert isinstance(clock, ManualClock)
    await pro(app, "!observation social | Meer eenzaamheid onder ouderen in de flats aan de westkant.")
    await add_story(app, "centrum", "social", clock.now() - timedelta(days=1), text="Wij voelen ons alleen hier.")
    await add_weeks(app, "centrum", "housing", clock.now() - timedelta(weeks=14), [1] * 12 + [10, 10],
                    random.Random(1))
    async with app.db.transaction() as tx:
        [signal] = await signals.detect(tx, app.services)
    files = await report.make(app.config, app.config.database, ["centrum"], date(2026, 3, 1), date(2026, 3, 31),
                              "en", clock.now())
    html = files.html
    heading = html.index("What professionals in the neighbourhood notice")
    assert html.index("Meer eenzaamheid onder ouderen") > heading  # inside the professionals' section ...
    # ... which comes after residents' stories, feedback, polls and conversations, before the contact persons.
    assert html.index("Stories per theme") < html.index("Neighbourhood conversations") < heading
    assert heading < html.index("Contact persons and continuity")
    assert "Social, wijkagent (Centrum): Meer eenzaamheid" in html.replace("Getting along and taking part", "Social")
    assert html.index(signal.reference) > html.index("Early signals")
    data = json.loads(files.json)
    assert data["observations"] == [{"neighbourhood": "centrum", "theme": "social", "role": "wijkagent",
                                     "text": "Meer eenzaamheid onder ouderen in de flats aan de westkant."}]
    assert [s["reference"] for s in data["signals"]] == [signal.reference]
    assert all("eenzaamheid" not in q["text"] for q in data["quotes"])  # never among residents' quotes
    pdf = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(files.pdf)).pages)
    for made in (html, files.json, files.csv, pdf):
        assert "Sanne" not in made and "Bakker" not in made and "@sanne" not in made
