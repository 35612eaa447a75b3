"""Names in the scrubber: replaced where the text makes clear it is a person, flagged where it is only likely."""

from __future__ import annotations

import pytest

from bot.engine.scrub import Finding, scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mijn buurman Henk de Jong maait het gras", "mijn buurman [naam] maait het gras"),
        ("mevrouw Jansen is gevallen", "mevrouw [naam] is gevallen"),
        ("meneer El Idrissi helpt met huiswerk", "meneer [naam] helpt met huiswerk"),
        ("Juf Sanne is de beste", "Juf [naam] is de beste"),
        ("Mijn dochter Aylin durft niet", "Mijn dochter [naam] durft niet"),
        ("buurvrouw Kowalska heeft geen warm water", "buurvrouw [naam] heeft geen warm water"),
        ("Meneer Yılmaz van de bakker", "Meneer [naam] van de bakker"),
        ("mijn buurman van der Berg heeft een hond", "mijn buurman [naam] heeft een hond"),
        ("mevrouw van 't Hof op de hoek", "mevrouw [naam] op de hoek"),
        ("Meneer Ben Saïd is 85", "Meneer [naam] is 85"),
        ("mevrouw Ait Taleb zoekt een taalmaatje", "mevrouw [naam] zoekt een taalmaatje"),
        ("Meneer de Graaf-Yilmaz is de conciërge", "Meneer [naam] is de conciërge"),
        ("buurman Jan-Willem leent zijn ladder uit", "buurman [naam] leent zijn ladder uit"),
        ("Mw. Doğan is ziek", "Mw. [naam] is ziek"),
        ("dhr. de Vries van de woningbouw", "dhr. [naam] van de woningbouw"),
        ("mijn buurman henk zegt", "mijn buurman [naam] zegt"),
        ("Ik heet Wojciech en ik woon hier", "Ik heet [naam] en ik woon hier"),
        ("Mijn naam is Sevgi Aydın.", "Mijn naam is [naam]."),
        ("Met vriendelijke groet, R. Pinas", "Met vriendelijke groet, [naam]"),
        ("Groetjes,\nMarieke", "Groetjes,\n[naam]"),
        ("Henk de Jong kwam langs met soep", "[naam] kwam langs met soep"),
        ("Gisteren zag ik Fatima El Amrani bij de bushalte", "Gisteren zag ik [naam] bij de bushalte"),
        ("De conciërge, meneer Verhoeven, weet ervan", "De conciërge, meneer [naam], weet ervan"),
    ],
)
def test_names_replaced_where_the_text_says_it_is_a_person(text: str, expected: str) -> None:
    result = scrub(text)
    assert result.text == expected
    assert {f.kind for f in result.findings} == {"name"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jan van Galenstraat 3 heeft geen licht", "Jan van Galenstraat [huisnummer] heeft geen licht"),
        ("De Jan van Galenstraat is donker", "De Jan van Galenstraat is donker"),
        ("Bij de Albert Heijn hangen jongeren", "Bij de Albert Heijn hangen jongeren"),
        ("Mijn adres: Gerrit Rietveldlaan 88 A", "Mijn adres: Gerrit Rietveldlaan [huisnummer]"),
        ("De GGD en Woonstad deden niets", "De GGD en Woonstad deden niets"),
        ("We gingen met de NS naar Utrecht en Den Haag", "We gingen met de NS naar Utrecht en Den Haag"),
        ("mijn buurman van de overkant", "mijn buurman van de overkant"),
        ("mijn zoon van 8 speelt buiten", "mijn zoon van 8 speelt buiten"),
        ("Bel mijn neef in Antwerpen", "Bel mijn neef in Antwerpen"),
        ("Mijn moeder spreekt geen Nederlands", "Mijn moeder spreekt geen Nederlands"),
        ("Het Leger des Heils deelt soep uit", "Het Leger des Heils deelt soep uit"),
        ("De jongerenwerker van Stichting Kwadraad komt", "De jongerenwerker van Stichting Kwadraad komt"),
    ],
)
def test_streets_places_and_organisations_stay(text: str, expected: str) -> None:
    result = scrub(text)
    assert result.text == expected
    assert result.flagged == ()


@pytest.mark.parametrize(
    "text",
    [
        "Ik ben Moeder van 3 kinderen",
        "Mijn dochter Is ziek door de schimmel",
        "mijn man Werkt in de nacht",
        "Ik ben Blij met de nieuwe speeltuin",
        "Groetjes, Buurtbewoner",
        "Mijn vriendin In Utrecht zegt het ook",
        "Meneer Pastoor van de kerk doet veel",
        "Mijn buren Boven maken herrie",
        "Mijn Opa woont alleen",
    ],
)
def test_words_capitalised_by_chance_are_no_names(text: str) -> None:
    result = scrub(text)
    assert result.text == text and result.flagged == ()


def test_a_name_once_clear_is_replaced_everywhere_in_the_story() -> None:
    result = scrub("Mijn buurman Henk helpt iedereen. Henk is 80, Henk Bakker voluit. Jansen zei het ook.")
    assert result.text == "Mijn buurman [naam] helpt iedereen. [naam] is 80, [naam] voluit. Jansen zei het ook."
    assert scrub("mevrouw Jansen belde. Jansen zei dat het goed gaat.").text == (
        "mevrouw [naam] belde. [naam] zei dat het goed gaat."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ayşe Hanım komt niet meer buiten", "[naam] Hanım komt niet meer buiten"),
        ("gisteren zei Mehmet Bey dat het goed is", "gisteren zei [naam] Bey dat het goed is"),
        ("my neighbour John Smith is ill", "my neighbour [naam] is ill"),
        ("My name is Sarah and I live here", "My name is [naam] and I live here"),
        ("pani Kowalska nie ma ciepłej wody", "pani [naam] nie ma ciepłej wody"),
        ("komşum Ali yardım etti", "komşum [naam] yardım etti"),
    ],
)
def test_names_in_the_other_languages_residents_write(text: str, expected: str) -> None:
    assert scrub(text).text == expected


def test_surnames_that_are_also_words() -> None:
    assert scrub("mevrouw de Groot en Kees de Wit").text == "mevrouw [naam] en [naam]"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Ik sprak met Kees over de bomen", ("Kees",)),
        ("Toen zei Kowalczyk dat hij het zou regelen", ("Kowalczyk",)),
        ("Mohammed en Priscilla maakten de straat schoon", ("Mohammed", "Priscilla")),
        ("Volgens Mustafa is de speeltuin dicht", ("Mustafa",)),
    ],
)
def test_likely_names_are_flagged_not_replaced(text: str, names: tuple[str, ...]) -> None:
    result = scrub(text)
    assert result.text == text and not result.changed
    assert result.flagged_names == names
    assert all(f.kind == "name" and text[f.start : f.end] == f.original for f in result.flagged)


@pytest.mark.parametrize(
    "text",
    [
        "Bij de Beukendaal staan de containers vol",  # after "de": a place
        "We wonen in Zwolle",  # after "in": a place
        "Sinds januari is de speeltuin dicht",
        "Ben je er morgen ook?",  # a first name that is also a word, at the start of a sentence
        "Op Koningsdag was er een vrijmarkt",
    ],
)
def test_places_and_words_are_not_flagged(text: str) -> None:
    assert scrub(text).flagged == ()


def test_contact_persons_names_are_kept() -> None:
    keep = ("Anja de Boer", "@wijkbot")
    text = "Wijkwerker Anja de Boer belde, mevrouw de Boer komt morgen; buurman Henk ook. Volg @wijkbot."
    result = scrub(text, keep=keep)
    assert result.text == (
        "Wijkwerker Anja de Boer belde, mevrouw de Boer komt morgen; buurman [naam] ook. Volg @wijkbot."
    )
    assert result.flagged == ()
    without = scrub(text)
    assert "Anja de Boer" not in without.text and "@wijkbot" not in without.text


def test_a_flag_never_overlaps_a_replacement() -> None:
    result = scrub("mijn buurman Henk Bakker, en toen kwam Gerrit")
    assert result.findings == (Finding("name", 13, 24, "Henk Bakker"),)
    assert result.flagged_names == ("Gerrit",)


def test_names_are_found_in_flags_once_each() -> None:
    assert scrub("Ik zag Kees, en later weer Kees.").flagged_names == ("Kees",)
