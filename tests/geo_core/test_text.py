"""The search key of names and queries in the gazetteer."""

import pytest

from geo_core.text import normalize_search_text


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Müllerstraße", "mullerstrasse"),
        ("MÜLLERSTRASSE", "mullerstrasse"),
        ("Muellerstrasse", "mullerstrasse"),
        ("Mullerstrasse", "mullerstrasse"),
        ("Görlitzer Weg", "gorlitzer weg"),
        ("Goerlitzer Weg", "gorlitzer weg"),
        ("Ährenweg", "ahrenweg"),
        ("Aehrenweg", "ahrenweg"),
        ("Straße", "strasse"),
        ("STRASSE", "strasse"),
        ("ẞ", "ss"),
    ],
)
def test_case_umlauts_and_sharp_s_are_folded(text, key):
    assert normalize_search_text(text) == key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Porschestr", "porschestrasse"),
        ("Porschestr.", "porschestrasse"),
        ("Berliner Str. 5", "berliner strasse 5"),
        ("Sankt-Annen-Str.", "sankt annen strasse"),
        ("Rathauspl.", "rathausplatz"),
        ("Schiller Pl.", "schiller platz"),
    ],
)
def test_street_abbreviations_are_expanded(text, key):
    assert normalize_search_text(text) == key


@pytest.mark.parametrize(
    "text", ["Porschestraße", "Porschestrasse", "Porschestr.", "porschestr", "PORSCHESTR"]
)
def test_spellings_of_one_street_meet(text):
    assert normalize_search_text(text) == normalize_search_text("Porschestraße")


def test_abbreviation_inside_a_word_is_kept():
    assert normalize_search_text("Stresemannstraße") == "stresemannstrasse"


@pytest.mark.parametrize(("text", "key"), [("Café am Markt", "cafe am markt"), ("Élysée", "elysee")])
def test_other_accents_are_dropped(text, key):
    assert normalize_search_text(text) == key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("  Hugo   Bork  ", "hugo bork"),
        ("Am Markt-Platz", "am markt platz"),
        ("Tab\tund\nZeile", "tab und zeile"),
    ],
)
def test_spaces_and_hyphens_are_unified(text, key):
    assert normalize_search_text(text) == key


def test_decomposed_umlaut_equals_composed():
    assert normalize_search_text("Mu\u0308ller") == normalize_search_text("Müller") == "muller"


def test_empty_text_has_an_empty_key():
    assert normalize_search_text("   ") == ""
