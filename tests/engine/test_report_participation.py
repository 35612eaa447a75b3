"""Who took part, by channel and language (issue 19, point 3): the channels and the languages add up to who
joined, so a small group (2 on Matrix, 3 in Dutch) is hidden, and so is the figure it could be worked out from."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from bot.app import App
from bot.clock import ManualClock
from bot.engine import report
from tests.support import Person

PLAN = [("telegram", "English")] * 7 + [("matrix", "English")] * 2 + [("telegram", "Nederlands")] * 3


async def test_a_small_channel_or_language_cannot_be_worked_out_from_who_joined(app: App,
                                                                                manual_clock: ManualClock) -> None:
    base = datetime(2026, 2, 2, 9, tzinfo=UTC)
    for index, (channel, language) in enumerate(PLAN):
        manual_clock.set(base + timedelta(days=index))
        person = Person(app, f"p{index}", channel=channel)
        for line in ("/start", language, "centrum", "1"):
            await person.say(line)
    manual_clock.set(datetime(2026, 7, 2, 9, tzinfo=UTC))
    files = await report.make(app.config, app.config.database, ["centrum"], date(2026, 1, 1), date(2026, 6, 30),
                              "en", manual_clock.now())
    rows = {(r["measure"], r["period"], r["category"]): r for r in csv.DictReader(io.StringIO(files.csv))
            if r["section"] == "participation"}
    assert rows[("joined", "current", "")]["value"] == "12"
    # 2 on Matrix: fewer than 5; 12 - 2 = 10 on Telegram would give them away, so Telegram is not shown either.
    assert rows[("joined_by_channel", "current", "matrix")]["hidden"] == "fewer_than_5"
    assert rows[("joined_by_channel", "current", "telegram")]["hidden"] == "complementary"
    # the same for languages: 3 in Dutch, so the 9 in English are not shown
    assert rows[("joined_by_language", "current", "nl")]["hidden"] == "fewer_than_5"
    assert rows[("joined_by_language", "current", "en")]["hidden"] == "complementary"
    assert all(row["value"] == "" or int(row["value"]) >= 5 for row in rows.values())
    page = files.html
    assert "Joined through Telegram" in page and "Joined through Matrix" in page
    for shown in ("10", "9", "3", "2"):  # none of the true small counts, nor what gives them away, is on the page
        assert f">{shown}<" not in page
