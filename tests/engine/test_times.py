"""Times as organisers type them, in Dutch and English, in the local time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.engine.times import parse_when
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


@pytest.mark.parametrize("typed, expected_local", [
    ("om 18 uur", "2026-11-25 18:00"),  # later today
    ("18 uur", "2026-11-25 18:00"),
    ("om 9 uur", "2026-11-26 09:00"),  # 9:00 has passed today: tomorrow
    ("at 6 pm", "2026-11-25 18:00"),
    ("6pm", "2026-11-25 18:00"),
    ("at 6:30 p.m.", "2026-11-25 18:30"),
    ("at 12 pm", "2026-11-26 12:00"),
    ("16:30", "2026-11-25 16:30"),
    ("dinsdag om 18 uur", "2026-12-01 18:00"),
    ("op dinsdag om 18 uur", "2026-12-01 18:00"),
    ("Tuesday at 6 pm", "2026-12-01 18:00"),
    ("on Tuesday at 6 pm", "2026-12-01 18:00"),
    ("next Tuesday", "2026-12-01 18:00"),
    ("volgende week dinsdag", "2026-12-01 18:00"),
    ("volgende week woensdag", "2026-12-02 18:00"),
    ("volgende week maandag om 9 uur", "2026-11-30 09:00"),
    ("next week Tuesday at 6 pm", "2026-12-01 18:00"),
    ("volgende week vrijdag 18:00", "2026-12-04 18:00"),  # not this Friday, the 27th
    ("morgen om half 8 's avonds", "2026-11-26 19:30"),
    ("morgen om half 8 ’s ochtends", "2026-11-26 07:30"),
    ("morgen om half 20", "2026-11-26 19:30"),  # a 24-hour clock leaves no doubt
    ("morgen om 8 uur 's avonds", "2026-11-26 20:00"),
    ("tomorrow at 7 am", "2026-11-26 07:00"),
    ("tomorrow at 7 in the evening", "2026-11-26 19:00"),
    ("morgen om 3 uur 's middags", "2026-11-26 15:00"),
    ("morgen om half 12 's middags", "2026-11-26 11:30"),  # around noon, not 23:30
    ("morgen om 12 uur 's middags", "2026-11-26 12:00"),
])
def test_hours_as_people_type_them(typed: str, expected_local: str) -> None:
    assert parse_when(typed, NOW, AMS).astimezone(AMS).strftime("%Y-%m-%d %H:%M") == expected_local


def test_next_week_means_the_week_after_this_one_even_on_a_monday() -> None:
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert parse_when("volgende week dinsdag", monday, AMS).astimezone(AMS).day == 1  # not tomorrow, the 24th
    assert parse_when("volgende dinsdag", monday, AMS).astimezone(AMS).day == 24  # the first Tuesday to come


def test_half_past_without_morning_or_evening_is_asked_back() -> None:
    with pytest.raises(UserError) as asked:
        parse_when("morgen om half 8", NOW, AMS)
    assert asked.value.params == {"morning": "07:30", "evening": "19:30"}


@pytest.mark.parametrize("typed", ["18", "om 25 uur", "at 13 pm", "half 8:15", "volgende week", "next week soon",
                                   "om half", "at 6 pm tomorrow please"])
def test_still_refused(typed: str) -> None:
    with pytest.raises(UserError):
        parse_when(typed, NOW, AMS)


@pytest.mark.parametrize("typed, expected_local", [
    ("dinsdag volgende week", "2026-12-01 18:00"),  # the day before or after "next week", as people say it
    ("Tuesday next week", "2026-12-01 18:00"),
    ("on Tuesday next week at 6 pm", "2026-12-01 18:00"),
    ("volgende week op dinsdag", "2026-12-01 18:00"),
    ("next week on Tuesday", "2026-12-01 18:00"),
    ("dinsdag volgende week om 18 uur", "2026-12-01 18:00"),
    ("vanavond om 8 uur", "2026-11-25 20:00"),  # a part of the day reads the hour in it
    ("vanavond om half 9", "2026-11-25 20:30"),
    ("om 9 uur vanavond", "2026-11-25 21:00"),
    ("vanavond", "2026-11-25 19:00"),
    ("tonight at 8", "2026-11-25 20:00"),
    ("at 8 tonight", "2026-11-25 20:00"),
    ("morgenavond", "2026-11-26 19:00"),
    ("morgenochtend om 9 uur", "2026-11-26 09:00"),
    ("tomorrow evening at 7", "2026-11-26 19:00"),
    ("tomorrow afternoon at 3", "2026-11-26 15:00"),
    ("at 6 pm tomorrow", "2026-11-26 18:00"),  # the time first
    ("om 18 uur morgen", "2026-11-26 18:00"),
    ("18:00 vrijdag", "2026-11-27 18:00"),
    ("om 18 uur.", "2026-11-25 18:00"),  # the end of a sentence
    ("over een week", "2026-12-02 15:00"),  # numbers as words
    ("over twee dagen", "2026-11-27 15:00"),
    ("in two weeks", "2026-12-09 15:00"),
    ("in a week", "2026-12-02 15:00"),
    ("maandag 7 december", "2026-12-07 18:00"),  # a weekday with its date
    ("dinsdag 1 december om 18 uur", "2026-12-01 18:00"),
    ("Tuesday, 1 December at 6 pm", "2026-12-01 18:00"),
    ("December 15", "2026-12-15 18:00"),  # the month first, as English writes it too
    ("Dec 15 at 6 pm", "2026-12-15 18:00"),
])
def test_more_ways_people_say_when(typed: str, expected_local: str) -> None:
    assert parse_when(typed, NOW, AMS).astimezone(AMS).strftime("%Y-%m-%d %H:%M") == expected_local


@pytest.mark.parametrize("typed", ["maandag 8 december",  # the 8th is a Tuesday: which one was meant?
                                   "vanavond om 8 uur 's ochtends", "tonight at 8 am please", "volgende week"])
def test_contradictions_are_refused(typed: str) -> None:
    with pytest.raises(UserError):
        parse_when(typed, NOW, AMS)
