"""Neighbourhood conversations in the report: common ground, what divides, and only groups of at least 5."""

from __future__ import annotations

import json

from bot.app import App
from bot.clock import ManualClock
from bot.engine import deliberation_results, report
from tests.engine.test_deliberation_chat import SEEDS, camps, opened
from tests.engine.test_report_figures import END, START


async def test_a_conversation_shows_common_ground_division_and_groups_that_give_no_small_number_away(
        app: App, manual_clock: ManualClock) -> None:
    d = await opened(app)  # the clock's default moment, 2 March 2026, lies in the period
    await camps(app, d)  # two camps of 20 and 3 outliers (a group too small to show)
    await app.scheduler.run(deliberation_results.JOB_NAME)
    files = await report.make(app.config, app.config.database, ["centrum"], START, END, "en",
                              manual_clock.now())
    [found] = json.loads(files.json)["deliberations"]
    # two groups of 20; the 3 outliers are no group shown, and 43 - 20 - 20 would count them, so one group's
    # size is hidden as well
    assert found["participants"] == 43 and sorted(found["groups"], key=str) == [20, None]
    assert set(found["common_ground"]) == {"More lighting", "Benches for older people"}
    assert set(found["divisive"]) >= set(SEEDS[2:])
    assert "Common ground:" in files.html and "What divides:" in files.html and "(3" not in files.html
