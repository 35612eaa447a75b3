"""The one-line poll form: options first, then optional parts in any order, in English and Dutch."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import Neighbourhood
from bot.errors import UserError
from handlers.polls_form import parse

TZ = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 11:00 in Amsterdam
HOODS = [Neighbourhood("centrum", "Centrum", aliases=("binnenstad",)), Neighbourhood("noord", "Noord"),
         Neighbourhood("de-pijp", "De Pijp")]


def test_the_example_from_the_issue() -> None:
    draft = parse('"Question?" | option 1 | option 2 | closes vrijdag 18:00 | opens morgen 9:00 | youth 12-17 | '
                  'multiple | centrum noord', HOODS, NOW, TZ)
    assert (draft.question, draft.options) == ('"Question?"', ("option 1", "option 2"))
    assert draft.closes_at == datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    assert draft.opens_at == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert (draft.youth, draft.max_selections, draft.neighbourhoods) == ((12, 17), 2, ("centrum", "noord"))


def test_defaults_and_dutch_words() -> None:
    draft = parse("Wat vind je? | Ja | Nee | Weet niet | sluit over 3 dagen", HOODS, NOW, TZ)
    assert draft.options == ("Ja", "Nee", "Weet niet") and draft.opens_at is None and draft.youth is None
    assert draft.max_selections == 1 and draft.neighbourhoods == ("centrum", "noord", "de-pijp")
    draft = parse("Q | a | b | c | tot in 3 days | meerkeuze 2 | jongeren 15-17 | wijk binnenstad, De Pijp | "
                  "vanaf vandaag 14:00", HOODS, NOW, TZ)
    assert (draft.max_selections, draft.youth, draft.neighbourhoods) == (2, (15, 17), ("centrum", "de-pijp"))
    assert draft.opens_at == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert parse("Q | a | b | closes in 3 days | iedereen | alle", HOODS, NOW, TZ).youth is None


def test_options_may_look_like_optional_parts_while_fewer_than_two() -> None:
    draft = parse("Where shall we party? | Centrum | Noord | closes in 3 days", HOODS, NOW, TZ)
    assert draft.options == ("Centrum", "Noord") and draft.neighbourhoods == ("centrum", "noord", "de-pijp")


@pytest.mark.parametrize(("form", "message"), [
    ("Q | a", "Use: !poll"),
    ("Q | a | b", "When does the poll close?"),
    ("Q | a | b | closes gisteren", "I do not understand the time"),
    ("Q | a | b | closes in 3 days | something else", "I do not understand 'something else'"),
    ("Q | a | b | closes in 3 days | youth 12-16", "Youth polls use the age groups"),
    ("Q | a | b | closes in 3 days | multiple 3", "at least 2 and at most the number of options"),
    ("Q | a | b | closes in 3 days | wijk oost", "I do not understand 'wijk oost'"),
])
def test_problems_are_named(form: str, message: str) -> None:
    with pytest.raises(UserError) as raised:
        parse(form, HOODS, NOW, TZ)
    assert message in raised.value.msgid.format(**raised.value.params)
