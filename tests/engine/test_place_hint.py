"""A story's place hint never keeps a house number, by the same rule of what a house number is that the scrubber
uses (bot/engine/scrub_addresses.py), and the rest of the words stay readable."""

from __future__ import annotations

import pytest

from bot.engine.experiences import clean_place_hint


@pytest.mark.parametrize(("typed", "kept"), [
    ("Dorpsstraat 12a", "Dorpsstraat"),
    ("Kerkstraat 7 bis", "Kerkstraat"),
    ("Parkweg 104-II", "Parkweg"),
    ("Schoolstraat 4b, bij het hek", "Schoolstraat, bij het hek"),
    ("bij de 3 bomen", "bij de bomen"),
])
def test_the_house_number_goes_and_the_place_stays(typed: str, kept: str) -> None:
    assert clean_place_hint(typed) == (kept, True)


def test_a_place_without_a_number_is_kept_as_typed() -> None:
    assert clean_place_hint("Hoek van het Marktplein") == ("Hoek van het Marktplein", False)
