"""The scrubber and places: a street's house number, a postcode with a house number and licence plates are
replaced; a street, a postcode alone and ordinary numbers stay (bot.engine.scrub)."""

from __future__ import annotations

import pytest

from bot.engine.scrub import Finding, scrub
from tests.engine.scrub_support import assert_scrubbed, assert_unchanged, check_invariants

# --------------------------------------------------------------------------------------------------
# Street + house number (street kept, number replaced)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ik woon op Kerkstraat 12.", "Ik woon op Kerkstraat [huisnummer]."),
        ("Lange Nieuwstraat 5a", "Lange Nieuwstraat [huisnummer]"),
        ("Van Goghlaan 3-II", "Van Goghlaan [huisnummer]"),
        ("Burgemeester de Withstraat 14 bis", "Burgemeester de Withstraat [huisnummer]"),
        ("Laan van Meerdervoort 12", "Laan van Meerdervoort [huisnummer]"),
        ("Plein 1944 nr 3", "Plein 1944 nr [huisnummer]"),
        ("Kerkstr. 12", "Kerkstr. [huisnummer]"),
        ("Stationsplein 1", "Stationsplein [huisnummer]"),
        ("Coolsingel 40", "Coolsingel [huisnummer]"),
        ("Oudezijds Voorburgwal 12", "Oudezijds Voorburgwal [huisnummer]"),
        ("Markt 5", "Markt [huisnummer]"),
        ("Kerkstraat nr. 12", "Kerkstraat nr. [huisnummer]"),
        ("Buitenring 7", "Buitenring [huisnummer]"),
        ("Zeedijk 10-1", "Zeedijk [huisnummer]"),
        ("Dorpsweg 7 in Zwolle", "Dorpsweg [huisnummer] in Zwolle"),
        ("Prinsengracht 263 A", "Prinsengracht [huisnummer]"),
        ("Hoofdstraat 12hs", "Hoofdstraat [huisnummer]"),
        ("ik woon op de kerkstraat 12", "ik woon op de kerkstraat [huisnummer]"),
        ("Vries, Kerkstraat 12a, 1234 AB Amsterdam", "Vries, Kerkstraat [huisnummer], 1234 AB Amsterdam"),
    ],
)
def test_address_number_scrubbed(text: str, expected: str) -> None:
    result = scrub(text)
    assert result.text == expected
    assert {f.kind for f in result.findings} == {"address"}
    check_invariants(text, result)


def test_address_finding_is_only_the_number() -> None:
    text = "Kerkstraat 12a"
    assert scrub(text).findings == (Finding("address", 11, 14, "12a"),)


@pytest.mark.parametrize(
    "text",
    [
        "De Kerkstraat is druk.",
        "Bij de Kerkstraat staat een bank.",
        "In de Kerkstraat staan 12 bomen.",
        "Kerkstraat: 12 bomen.",
        "Plein 1944 is mooi opgeknapt.",
        "De herinrichting van de Grote Markt 2026.",
        "Vergadering 12 maart in het buurthuis.",
        "Rotterdam 12 maart.",
        "Onderweg 3 keer gestopt.",
        "Onderweg 3 honden gezien.",
        "Vondelpark 3 uur lang.",
        "de kerkstraat 3 keer rond gelopen",
        "het schoolplein 20 kinderen",
        "Middelburg 12 december",
        "Ervaring 5 jaar",
    ],
)
def test_address_negatives(text: str) -> None:
    assert_unchanged(text)


# --------------------------------------------------------------------------------------------------
# Postcode + house number


@pytest.mark.parametrize(
    "value",
    ["1234 AB 12", "1234AB 12a", "1234 ab, 12", "1234 AB, nr. 7", "3511 LX 5-bis", "9999 ZZ 1 hs", "1011 AB 120"],
)
def test_postcode_with_number_scrubbed(value: str) -> None:
    assert_scrubbed(value, "postcode", "Adres: {} (achterom).")


@pytest.mark.parametrize(
    "text",
    [
        "Postcode 1234 AB is grof genoeg.",
        "In 1234 AB wonen veel mensen.",
        "1234 AB Amsterdam",
        "Er waren 1234 en 12 anderen.",
        "Zo'n 2026 de 12 beste.",
        "1234 SS 12",  # SS is never used in postcodes
        "1234 AB 12 uur",
    ],
)
def test_postcode_negatives(text: str) -> None:
    assert_unchanged(text)


# --------------------------------------------------------------------------------------------------
# Licence plates


@pytest.mark.parametrize(
    "plate",
    [
        "AB-12-34",  # 1
        "12-34-AB",  # 2
        "12-AB-34",  # 3
        "AB-12-CD",  # 4
        "AB-CD-12",  # 5
        "12-AB-CD",  # 6
        "12-ABC-3",  # 7
        "1-ABC-23",  # 8
        "AB-123-C",  # 9
        "A-123-BC",  # 10
        "ABC-12-D",  # 11
        "A-12-BCD",  # 12
        "1-AB-234",  # 13
        "123-AB-4",  # 14
        "ab-12-cd",
        "Xy-123-z",
    ],
)
def test_plate_scrubbed(plate: str) -> None:
    assert_scrubbed(plate, "plate", "De auto met kenteken {} stond weer op de stoep.")


@pytest.mark.parametrize(
    "text",
    [
        "Uw melding W-2026-0042 is ontvangen.",
        "Zaak Z-2024-00123 en zaaknummer 2024-123456.",
        "Op 12-03-26 was het druk.",
        "AB1234 zonder streepjes telt niet.",
        "Covid-19 en de A-12 route.",
        "Een ab-12-cd-ef code.",
        "Ref X-1234-YZ.",
    ],
)
def test_plate_negatives(text: str) -> None:
    assert_unchanged(text)
