"""Tests for the personal-data scrubber (bot.engine.scrub)."""

from __future__ import annotations

import io
import random

import pytest

from bot.engine.scrub import (
    KINDS,
    MARKERS,
    Finding,
    ScrubResult,
    elfproef,
    iban_checksum_ok,
    redact_stream,
    scrub,
)
from tests.engine.scrub_support import assert_scrubbed, assert_unchanged, check_invariants

# --------------------------------------------------------------------------------------------------
# API


def test_kinds_and_markers() -> None:
    assert KINDS == ("phone", "email", "bsn", "iban", "address", "postcode", "plate", "name", "handle", "birthdate")
    assert set(MARKERS) == set(KINDS)
    assert MARKERS["phone"] == "[telefoonnummer]"
    assert MARKERS["email"] == "[e-mailadres]"
    assert MARKERS["bsn"] == "[BSN]"
    assert MARKERS["iban"] == "[IBAN]"
    assert MARKERS["address"] == "[huisnummer]"
    assert MARKERS["postcode"] == "[postcode+huisnummer]"
    assert MARKERS["plate"] == "[kenteken]"
    assert MARKERS["name"] == "[naam]"
    assert MARKERS["handle"] == "[account]"
    assert MARKERS["birthdate"] == "[geboortedatum]"


def test_result_types() -> None:
    result = scrub("Bel 06-12345678")
    assert isinstance(result, ScrubResult)
    assert result.findings == (Finding("phone", 4, 15, "06-12345678"),)
    with pytest.raises(AttributeError):
        result.text = "x"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["", " ", "\n", "Gewoon een verhaal over de buurt."])
def test_nothing_to_scrub(text: str) -> None:
    assert_unchanged(text)


# --------------------------------------------------------------------------------------------------
# Phone numbers


@pytest.mark.parametrize(
    "number",
    [
        "06-12345678",
        "06 12345678",
        "06 1234 5678",
        "0612345678",
        "06 12 34 56 78",
        "06-123 456 78",
        "020-1234567",
        "020 123 4567",
        "010 123 45 67",
        "(020) 123 4567",
        "0111-123456",
        "085 - 123 45 67",
        "+31 6 12345678",
        "+31612345678",
        "+31 (0)6 12345678",
        "+31(0)6-12345678",
        "+31 (0)20 123 4567",
        "+31 06 12345678",
        "0031 6 12345678",
        "0031612345678",
        "0031 20 123 4567",
        "+44 20 7946 0958",
        "+44 (0)20 7946 0958",
        "+1 555 123 4567",
        "+1 (555) 123-4567",
        "+49 30 1234567",
        "+32 2 123 45 67",
        "+33 1 23 45 67 89",
        "0044 20 7946 0958",
    ],
)
def test_phone_scrubbed(number: str) -> None:
    assert_scrubbed(number, "phone")


@pytest.mark.parametrize(
    "text",
    [
        "Bel me via tel:0612345678.",
        "Mijn nummer is 06-12345678/020-1234567, bel maar.",
        "06-12345678, of anders 0612345678.",
    ],
)
def test_phone_in_context(text: str) -> None:
    result = scrub(text)
    assert {f.kind for f in result.findings} == {"phone"}
    assert "12345678" not in result.text and "1234567" not in result.text
    check_invariants(text, result)


def test_phone_trailing_count_kept() -> None:
    assert scrub("Ik belde 020 1234567 12 keer.").text == "Ik belde [telefoonnummer] 12 keer."


@pytest.mark.parametrize(
    "text",
    [
        "In 2026 gaan we verhuizen.",
        "De vergadering begint om 18:00.",
        "We beginnen om 08:30 uur en stoppen om 17.00 uur.",
        "Het kost € 1.250,00 per jaar.",
        "Het kost 250 euro.",
        "Het kost €0,50 per zak.",
        "Op 12-03-2026 was er een storing.",
        "Op 01-03-2026 was er een storing.",
        "Op 01/03/2026 was er een storing.",
        "Op 01.03.2026 was er een storing.",
        "Op 01 03 2026 12 uur was er een storing.",
        "Tussen 1990 en 2000 was het rustig.",
        "zaaknummer 2024-123456",
        "Mijn zaak Z-2024-00123 loopt nog.",
        "Uw melding W-2026-0042 is ontvangen.",
        "We hebben 3 kinderen en wachten 45 minuten.",
        "Er komen 1234 woningen bij.",
        "Bel 112 of 0900-8844 bij nood.",
        "Te kort: 06-1234567.",
        "Lijst: 01 02 03 04 05.",
        "Het wordt +3 graden, +15 punten.",
        "Op de A2 richting Utrecht en de N201 bij km 12.",
        "Versie 1.2.3 van de app.",
        "Kosten 0,5 miljoen, 12.5% meer.",
        "Rond 2025-2026 komt er een nieuw plan.",
    ],
)
def test_phone_negatives(text: str) -> None:
    assert_unchanged(text)


# --------------------------------------------------------------------------------------------------
# E-mail


@pytest.mark.parametrize(
    "address",
    [
        "jan.jansen@example.nl",
        "j+buurt@sub.example.co.uk",
        "MARIE_de-VRIES@Gemeente.Amsterdam",
        "info@wijk-noord.nl",
        "o'brien@example.ie",
        "ëlla@voorbeeld.nl",
        "a@b.io",
    ],
)
def test_email_scrubbed(address: str) -> None:
    assert_scrubbed(address, "email")


def test_email_in_context() -> None:
    text = "Mail naar mailto:jan@example.nl. Of naar piet@example.com!"
    assert scrub(text).text == "Mail naar mailto:[e-mailadres]. Of naar [e-mailadres]!"


@pytest.mark.parametrize("text", ["Wij zitten @ het buurthuis.", "Om @ 19.00 uur", "jan@localhost", "a@b"])
def test_email_negatives(text: str) -> None:
    assert_unchanged(text)


# --------------------------------------------------------------------------------------------------
# BSN


def _bsn_numbers(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        candidate = f"{rng.randrange(10**8, 10**9):09d}"
        if elfproef(candidate):
            found.append(candidate)
    return found


def test_elfproef() -> None:
    assert elfproef("123456782")
    assert elfproef("111222333")
    assert not elfproef("123456789")
    assert not elfproef("000000000")
    assert not elfproef("12345678")
    assert not elfproef("12345678a")


@pytest.mark.parametrize(
    "bsn",
    ["123456782", "111222333", "123.456.782", "1234.56.782", "1234 56 782", "123 456 782", *_bsn_numbers(6)],
)
def test_bsn_scrubbed(bsn: str) -> None:
    assert_scrubbed(bsn, "bsn", "Mijn BSN is {}.")


@pytest.mark.parametrize(
    "text",
    [
        "Mijn BSN is 123456789.",  # fails the 11-test
        "Nummer 111222334 klopt niet.",
        "Nul: 000000000",
        "Acht cijfers: 12345678",
        "Tien cijfers: 1234567890",
        "ordernummer 123456782",
        "dossiernummer: 123456782",
        "kenmerk 111222333",
        "Het kostte € 123.456.782 in totaal.",
        "Het kostte 123.456.782 euro in totaal.",
        "Het kostte € 123.456.782,00 in totaal.",
        "Geteld: 112 113 114 115 116.",
        "Decimaal 0.123456782",
    ],
)
def test_bsn_negatives(text: str) -> None:
    assert_unchanged(text)


def test_phone_wins_over_bsn() -> None:
    result = scrub("Bel 0612345678 of 06 123 456 78")
    assert [f.kind for f in result.findings] == ["phone", "phone"]


# --------------------------------------------------------------------------------------------------
# IBAN


def _make_iban(country: str, bban: str) -> str:
    number = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(number) % 97:02d}{bban}"


def test_iban_checksum() -> None:
    assert iban_checksum_ok("NL91ABNA0417164300")
    assert iban_checksum_ok("nl91abna0417164300")
    assert not iban_checksum_ok("NL91ABNA0417164301")
    assert iban_checksum_ok(_make_iban("NL", "INGB0001234567"))


@pytest.mark.parametrize(
    "iban",
    [
        "NL91ABNA0417164300",
        "NL91 ABNA 0417 1643 00",
        "nl91abna0417164300",
        "GB82WEST12345698765432",
        "GB82 WEST 1234 5698 7654 32",
        "DE89 3704 0044 0532 0130 00",
        "BE71 0961 2345 6769",
        "FR14 2004 1010 0505 0001 3M02 606",
        _make_iban("NL", "INGB0001234567"),
        _make_iban("NL", "RABO0123456789"),
    ],
)
def test_iban_scrubbed(iban: str) -> None:
    assert_scrubbed(iban, "iban", "Maak het over naar {} graag.")


def test_iban_followed_by_a_word_group() -> None:
    assert scrub("BE71 0961 2345 6769 TEST").text == "[IBAN] TEST"


@pytest.mark.parametrize(
    "text",
    [
        "Maak het over naar NL91ABNA0417164301.",  # wrong checksum
        "Maak het over naar NL91 RABO 1234 5678 90.",
        "Maak het over naar NL91ABNA041716430.",  # too short for NL
        "Code AB12CDEF34567890XYZ.",
        "Route NL12 en A4.",
    ],
)
def test_iban_negatives(text: str) -> None:
    assert_unchanged(text)


# --------------------------------------------------------------------------------------------------
# Mixed text, offsets, overlaps


def test_findings_offsets_and_order() -> None:
    text = (
        "Hallo, ik ben hier (jan@example.nl, 06-12345678). Ik woon Kerkstraat 12, 1234 AB. "
        "BSN 123456782, rekening NL91 ABNA 0417 1643 00, auto AB-12-CD. Postcode 1234 AB 12."
    )
    result = scrub(text)
    assert [f.kind for f in result.findings] == ["email", "phone", "address", "bsn", "iban", "plate", "postcode"]
    for f in result.findings:
        assert text[f.start : f.end] == f.original
    assert result.findings[0] == Finding("email", 20, 34, "jan@example.nl")
    assert result.findings[1] == Finding("phone", 36, 47, "06-12345678")
    check_invariants(text, result)
    assert result.text == (
        "Hallo, ik ben hier ([e-mailadres], [telefoonnummer]). Ik woon Kerkstraat [huisnummer], 1234 AB. "
        "BSN [BSN], rekening [IBAN], auto [kenteken]. Postcode [postcode+huisnummer]."
    )


def test_overlap_email_wins() -> None:
    text = "Schrijf naar 0612345678@example.nl of ab-12-cd@example.nl"
    result = scrub(text)
    assert [f.kind for f in result.findings] == ["email", "email"]
    assert result.text == "Schrijf naar [e-mailadres] of [e-mailadres]"


def test_overlap_international_phone_wins_over_national_part() -> None:
    result = scrub("+31 06 12345678")
    assert result.findings == (Finding("phone", 0, 15, "+31 06 12345678"),)


def test_scrub_is_idempotent() -> None:
    text = "Bel 06-12345678, Kerkstraat 12, 1234 AB 5, jan@example.nl, AB-12-CD, 123456782, NL91ABNA0417164300"
    once = scrub(text).text
    assert scrub(once).text == once
    assert not scrub(once).changed


# --------------------------------------------------------------------------------------------------
# Streams


def test_redact_stream() -> None:
    inp = io.StringIO(
        "Eerste regel zonder gegevens.\n"
        "Bel 06-12345678 of mail jan@example.nl\n"
        "\n"
        "Kerkstraat 12 en 1234 AB 5\n"
        "Laatste regel zonder newline, BSN 123456782"
    )
    out = io.StringIO()
    count = redact_stream(inp, out)
    assert count == 5
    assert out.getvalue() == (
        "Eerste regel zonder gegevens.\n"
        "Bel [telefoonnummer] of mail [e-mailadres]\n"
        "\n"
        "Kerkstraat [huisnummer] en [postcode+huisnummer]\n"
        "Laatste regel zonder newline, BSN [BSN]"
    )


def test_redact_stream_empty() -> None:
    out = io.StringIO()
    assert redact_stream(io.StringIO(""), out) == 0
    assert out.getvalue() == ""


# --------------------------------------------------------------------------------------------------
# Robustness (linear time is tested by counting work in test_scrub_linear.py)

_STORY = (
    "Op 12-03-2026 om 18:00 belde ik 06-12345678 over de Kerkstraat 12 (1234 AB 12), BSN 123456782, "
    "IBAN NL91 ABNA 0417 1643 00, mail jan@example.nl, auto AB-12-CD, zaak Z-2024-00123, € 1.250,00. "
)


def test_large_input_is_scrubbed_throughout() -> None:
    text = (_STORY * (100_000 // len(_STORY) + 1))[:100_000]
    result = scrub(text)
    assert "06-12345678" not in result.text
    assert "123456782" not in result.text
    assert "Z-2024-00123" in result.text
    check_invariants(text, result)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bytes(seed: int) -> None:
    text = random.Random(seed).randbytes(100_000).decode("utf-8", errors="replace")
    check_invariants(text, scrub(text))


@pytest.mark.parametrize("seed", [4, 5])
def test_random_number_soup_keeps_invariants(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice("0123456789 -+().@abAB,:/\n\u00a0") for _ in range(50_000))
    check_invariants(text, scrub(text))


def test_control_characters() -> None:
    text = "\x00\x01 06-12345678 \ufffd\x7f jan@example.nl \x00"
    assert scrub(text).text == "\x00\x01 [telefoonnummer] \ufffd\x7f [e-mailadres] \x00"
