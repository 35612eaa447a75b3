"""The forms people really type (issue 15, points 1-3): each replaced as a whole, ordinary text kept."""

from __future__ import annotations

import pytest

from bot.engine.scrub import MARKERS, scrub


def _only(text: str, value: str, kind: str) -> None:
    result = scrub(text)
    assert result.text == text.replace(value, MARKERS[kind]), result
    assert [(f.kind, f.original) for f in result.findings] == [(kind, value)]


@pytest.mark.parametrize(
    "number",
    [
        "06.12.34.56.78", "06/12345678", "(06) 12345678", "06 - 12 34 56 78", "061 234 5678", "0 6 12 34 56 78",
        "070/3456789", "0251.234567", "(020) 612 34 56", "088-1234567", "+31-6-12345678", "+316 12 34 56 78",
        "+ 31 6 1234 5678", "(+31) 6 12345678", "0031(0)612345678", "+31 (0) 6 - 11 22 33 44",
        "+90 532 123 45 67", "+212 6 12 34 56 78", "+48 512 345 678", "+597 812 3456", "00212 661 234 567",
        "nul zes twaalf vierendertig zesenvijftig achtenzeventig", "nul zes een twee drie vier vijf zes zeven acht",
        "06 twaalf 34 56 78", "nul zes 12345678", "zero six one two three four five six seven eight",
    ],
)
def test_phone_forms(number: str) -> None:
    _only(f"Bel me op {number} na het eten", number, "phone")


@pytest.mark.parametrize(
    "text",
    [
        "Bij nood bel je 112, de gemeente 14 020 en de politie 0900-8844.",
        "Gratis: 0800-0432 of 0800 1351.",
        "De bus van 06.30 uur en tram 4 om 7.15.",
        "Op 01-03-2026 12 uur, 01.03.2026 en 01/03/2026.",
        "Het kost € 1.250,- of 742,50 euro, 35% meer dan in 2023.",
        "Een zes en een twee voor rekenen, en nul punten voor gym.",
        "Decimaal 0.123456782 en 0,0612345678",
    ],
)
def test_ordinary_numbers_stay(text: str) -> None:
    result = scrub(text)
    assert result.text == text, result.findings


@pytest.mark.parametrize(
    "address",
    [
        "anna [at] gmail punt com", "anna(at)gmail.com", "anna apenstaartje gmail punt com", "anna at gmail dot com",
        "anna @ gmail . com", "sanne[at]xs4all[dot]nl", "tante.ria {at} planet punt nl",
    ],
)
def test_email_around_filters(address: str) -> None:
    _only(f"mail {address} graag", address, "email")


@pytest.mark.parametrize(
    "text", ["We zijn er @ 19.00 uur.", "Ik zit @ het buurthuis.", "Kom at home punt.", "Het is punt uit."]
)
def test_at_and_punt_in_ordinary_text_stay(text: str) -> None:
    assert scrub(text).text == text


@pytest.mark.parametrize("handle", ["@buurtmoestuin_west", "@dennis.010", "@j.devries88", "@petra:matrix.org"])
def test_handles(handle: str) -> None:
    _only(f"Volg {handle} op insta", handle, "handle")


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Mijn zoon is geboren op 12-03-2014 en", "12-03-2014"),
        ("mijn moeder, geb. 14-02-1939, kan", "14-02-1939"),
        ("geboortedatum: 01/09/1985", "01/09/1985"),
        ("Ik ben geboren op 5 januari 1972.", "5 januari 1972"),
        ("geb datum 30-11-1990", "30-11-1990"),
        ("zij is geboren op 22 dec 2019", "22 dec 2019"),
        ("geboortedatum 1990-04-12", "1990-04-12"),
    ],
)
def test_dates_of_birth(text: str, date: str) -> None:
    _only(text, date, "birthdate")


@pytest.mark.parametrize(
    "text", ["Op 12-03-2026 was er een inbraak.", "Geboren in 1987 en getogen in de wijk.", "De baby is geboren!"]
)
def test_other_dates_stay(text: str) -> None:
    assert scrub(text).text == text


@pytest.mark.parametrize("bsn", ["123-456-782", "123.456.782", "123 456 782", "1234.56.782", "111-222-333"])
def test_bsn_groupings(bsn: str) -> None:
    _only(f"Mijn BSN is {bsn}.", bsn, "bsn")


def test_bsn_after_a_label_in_any_grouping() -> None:
    _only("BSN nummer 12 3456 782 graag", "12 3456 782", "bsn")
    assert scrub("Telling 12 3456 782 graag").text == "Telling 12 3456 782 graag"  # no label, odd grouping


@pytest.mark.parametrize(
    "iban",
    [
        "NL91 ABNA 0417164300", "NL 91 ABNA 0417 1643 00", "nl91 abna 0417 1643 00", "NL91-ABNA-0417-1643-00",
        "NL91ABNA041 716 4300", "Nl91Abna0417164300", "PL61 1090 1014 0000 0712 1981 2874",
        "TR33 0006 1005 1978 6457 8413 26",
    ],
)
def test_iban_any_grouping_replaced_as_a_whole(iban: str) -> None:
    result = scrub(f"Stort het op {iban} graag")
    assert result.text == "Stort het op [IBAN] graag"
    assert "ABNA" not in result.text.upper()


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("op huisnummer 23 is ingebroken", "23"),
        ("ik woon op nummer 14 sinds mei", "14"),
        ("mevrouw de Groot van nummer 19 klaagt", "19"),
        ("Merelstraat nummer 9", "9"),
        ("de hoofdweg 140 scheurt", "140"),
        ("Burgemeester de Withstraat 14-III", "14-III"),
        ("Dorpsstraat 12 bis", "12 bis"),
        ("Prinsengracht 263 hs", "263 hs"),
    ],
)
def test_house_numbers(text: str, number: str) -> None:
    result = scrub(text)
    assert [(f.kind, f.original) for f in result.findings if f.kind == "address"] == [("address", number)]


@pytest.mark.parametrize(
    "text",
    ["Nummer 1 probleem is parkeren.", "Straatlantaarn nr. 4521 is kapot.", "Huisnummers 2 t/m 48.", "bus nummer 33"],
)
def test_numbers_that_are_not_house_numbers_stay(text: str) -> None:
    assert scrub(text).text == text


@pytest.mark.parametrize("value", ["1234AB12", "1234AB 12a", "3072ab 41", "9999ZZ1hs", "1012 AB huisnummer 7"])
def test_postcode_glued_to_the_house_number(value: str) -> None:
    _only(f"adres {value} graag", value, "postcode")


@pytest.mark.parametrize("plate", ["GV123K", "TRH12D", "45TJZ7", "VNJ-24-B", "9-XLZ-41"])
def test_plates_with_and_without_dashes(plate: str) -> None:
    _only(f"De auto {plate} staat er weer", plate, "plate")


def test_a_plate_without_dashes_after_the_word_kenteken() -> None:
    _only("Het kenteken was 12abc3 denk ik", "12abc3", "plate")
    _only("kenteken AB1234", "AB1234", "plate")


@pytest.mark.parametrize(
    "text", ["Vlucht KL1234 vliegt laag.", "Een MP3 en een PS5.", "De A2 en N201.", "Postcode 1234AB.", "Code AB12CD."]
)
def test_codes_that_look_like_plates_stay(text: str) -> None:
    assert scrub(text).text == text
