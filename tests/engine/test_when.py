"""Times as organisers type them, in Dutch and English, in the local time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.engine.when import parse_when
from bot.errors import UserError

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # a Wednesday, 15:00 in Amsterdam


@pytest.mark.parametrize("typed, expected_local", [
    ("vrijdag 18:00", "2026-11-27 18:00"),
    ("Friday 18.00", "2026-11-27 18:00"),
    ("woensdag 14:00", "2026-12-02 14:00"),  # today 14:00 has passed: next week
    ("woensdag 16:00", "2026-11-25 16:00"),
    ("volgende maandag om 9 uur", "2026-11-30 09:00"),
    ("over 3 dagen", "2026-11-28 15:00"),
    ("in 3 days", "2026-11-28 15:00"),
    ("over 2 uur", "2026-11-25 17:00"),
    ("in 1 week", "2026-12-02 15:00"),
    ("morgen 9:00", "2026-11-26 09:00"),
    ("tomorrow", "2026-11-26 18:00"),
    ("15 december", "2026-12-15 18:00"),
    ("15 december 2026 12:00", "2026-12-15 12:00"),
    ("3 maart", "2027-03-03 18:00"),
    ("15-12", "2026-12-15 18:00"),
    ("2026-12-15 12:00", "2026-12-15 12:00"),
    ("2026-12-15", "2026-12-15 18:00"),
])
def test_understood(typed: str, expected_local: str) -> None:
    moment = parse_when(typed, NOW, AMS)
    assert moment.tzinfo is not None
    assert moment.astimezone(AMS).strftime("%Y-%m-%d %H:%M") == expected_local


@pytest.mark.parametrize("typed", ["", "soon", "vrijdag 25:00", "31 februari", "2020-01-01", "over veel dagen",
                                   "\x00", "x" * 500])
def test_not_understood_or_past(typed: str) -> None:
    with pytest.raises(UserError):
        parse_when(typed, NOW, AMS)


def test_summer_time_is_respected() -> None:
    summer = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    assert parse_when("morgen 18:00", summer, AMS).hour == 16  # CEST is UTC+2
