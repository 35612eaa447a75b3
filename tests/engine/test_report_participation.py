"""Participation by channel and language in the report (issue 19, point 3): no count under 5 can be read or
worked out, also where the channels or languages add up to who joined."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from pathlib import Path

from bot.app import App
from bot.clock import ManualClock
from bot.engine import report
from tests.support import Person


async def test_dump(app: App, manual_clock: ManualClock) -> None:
    base = datetime(2026, 2, 2, 9, tzinfo=UTC)
    plan = [("telegram", "English")] * 7 + [("matrix", "English")] * 2 + [("telegram", "Nederlands")] * 3
    for index, (channel, language) in enumerate(plan):
        manual_clock.set(base + timedelta(days=index))
        person = Person(app, f"p{index}", channel=channel)
        await person.say("/start")
        await person.say(language)
        await person.say("centrum")
        await person.say("1")
    manual_clock.set(datetime(2026, 7, 2, 9, tzinfo=UTC))
    files = await report.make(app.config, app.config.database, ["centrum"], date(2026, 1, 1), date(2026, 6, 30),
                              "en", manual_clock.now())
    for row in csv.DictReader(io.StringIO(files.csv)):
        if row["section"] == "participation":
            print(row)
    Path("/tmp/a21/part.html").write_text(files.html)
