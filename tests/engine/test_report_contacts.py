"""Contact persons in the report: by role, never by name, with tenure, handovers and days without anyone."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import pypdf

from bot.app import App
from bot.clock import ManualClock
from bot.engine import report
from tests.engine.polls_support import room


async def test_positions_show_role_tenure_handovers_and_vacant_days_but_no_names(
        app: App, manual_clock: ManualClock) -> None:
    manual_clock.set(datetime(2026, 1, 10, 9, tzinfo=UTC))
    assert "C-1" in await room(app, "!contact add | Anna de Vries | wijkcoördinator | Gemeente Teststad | - | - | -")
    manual_clock.set(datetime(2026, 3, 1, 9, tzinfo=UTC))
    await room(app, "!contact end C-1 moved away")
    manual_clock.set(datetime(2026, 3, 11, 9, tzinfo=UTC))
    assert "C-2" in await room(app, "!contact add | Bram Bakker | buurtwerker | Welzijn Teststad | - | - | -")
    files = await report.make(app.config, app.config.database, ["centrum"], date(2026, 1, 1),
                              date(2026, 6, 30), "en", manual_clock.now())
    [position] = json.loads(files.json)["contact_positions"]
    assert position["role"] == "buurtwerker" and position["organisation"] == "Welzijn Teststad"
    assert position["since"] == "2026-03-11" and position["tenure_days"] == (date(2026, 6, 30) - date(2026, 3, 11)).days
    # nobody from 1 to 9 January and from 1 to 10 March (Anna's term ended on 1 March)
    assert position["vacant_days"] == 9 + 10
    assert position["handovers"] == 1
    pdf = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(files.pdf)).pages)
    for made in (files.html, files.json, files.csv, pdf):
        assert "Anna" not in made and "Bram" not in made and "Bakker" not in made
    for made in (files.html, files.json, pdf):
        assert "buurtwerker" in made
