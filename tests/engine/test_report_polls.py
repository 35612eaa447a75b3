"""Polls in the report: results only from 5 voters, small options hidden so that none can be worked out."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from bot.app import App
from bot.clock import ManualClock
from bot.engine import report
from tests.engine.polls_support import join, room, tap


async def _poll(app: App, clock: ManualClock, question: str, votes: list[int], first: int) -> None:
    await room(app, f'!poll "{question}" | Light | Benches | Trees | closes over 2 days')
    number = len([line for line in (await room(app, "!polls")).splitlines() if "P-" in line])
    people = [await join(app, f"voter{first + n}") for n in range(len(votes))]
    for person, option in zip(people, votes, strict=True):
        await person.send(tap(person, f"vote.{number}.{option}"))
    await room(app, f"!close-poll P-2026-{number:04d}")


async def test_poll_results_show_only_from_five_voters_and_protect_small_options(
        app: App, manual_clock: ManualClock) -> None:
    manual_clock.set(datetime(2026, 3, 2, 10, tzinfo=UTC))
    await _poll(app, manual_clock, "What should come on the square?", [1] * 6 + [2] * 2 + [3], 0)
    await _poll(app, manual_clock, "Shall we close the street on Sundays?", [1, 2, 1], 20)
    files = await report.make(app.config, app.config.database, ["centrum"], date(2026, 1, 1),
                              date(2026, 6, 30), "en", manual_clock.now())
    polls = {p["question"]: p for p in json.loads(files.json)["polls"]}
    square = polls["What should come on the square?"]
    assert square["voters"] == 9
    # 6 for light; benches (2) and trees (1) are under 5 and hidden, and together they are 3, under 5, so light
    # is hidden too: otherwise 9 - 6 would tell how many chose benches or trees
    assert [(o["label"], o["votes"], o["hidden"]) for o in square["options"]] == [
        ("Light", None, "complementary"), ("Benches", None, "fewer_than_5"), ("Trees", None, "fewer_than_5")]
    street = polls["Shall we close the street on Sundays?"]
    assert street["voters"] is None and street["options"] == []
    assert "Too few people voted to show the result." in files.html
