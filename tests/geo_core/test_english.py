"""The English pages under /en/ and the English catalogues behind them (German stays the default at /)."""

import ast
import re
from pathlib import Path

import pytest

from defects.models import ReportStatus
from districts.models import District
from tests.defects.factories import CategoryFactory, ReportFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
EN_CATALOGUES = [
    BASE_DIR / "geo_core/locale/en/LC_MESSAGES/django.po",
    BASE_DIR / "geo_core/accounts/locale/en/LC_MESSAGES/django.po",
]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}")


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_english_home_page_has_english_navigation(client):
    html = page(client, "/en/")

    assert '<html lang="en">' in html
    for text in ("Defect reporting", "Participation", "Volunteering", "Events", "Democracy &amp; politics"):
        assert text in html
    assert "Skip to content" in html
    assert "Areas of the platform" in html
    assert "coming soon" in html
    assert "Data sources and licences" in html
    for german in ("Mängelmelder", "Beteiligung", "Zum Inhalt springen", "in Vorbereitung"):
        assert german not in html


def test_german_home_page_stays_german(client):
    html = page(client, "/")

    assert '<html lang="de">' in html
    assert "Mängelmelder" in html
    assert "Beteiligung" in html
    assert "Zum Inhalt springen" in html
    assert "Defect reporting" not in html


def test_english_district_map_page(client, city):
    html = page(client, "/en/stadtgebiet/karte/")

    assert '<html lang="en">' in html
    assert "<h1>Districts</h1>" in html
    assert "Teststadt is divided into 2 districts (Ortsratsbereiche)." in html
    assert "All districts" in html
    assert "Quarter:" in html
    assert "Ortsratsbereiche gegliedert" not in html
    assert "Stadtteil:" not in html


def test_english_district_map_page_without_data(client):
    html = page(client, "/en/stadtgebiet/karte/")

    assert "<h1>Districts</h1>" in html
    assert "No city geodata has been loaded into this platform yet." in html


def test_english_login_page(client):
    html = page(client, "/en/konto/login/")

    assert '<html lang="en">' in html
    assert "Skip to content" in html
    assert "Sign In" in html  # allauth's own English
    assert "Zum Inhalt springen" not in html
    assert "Anmelden" not in html


def test_english_defect_reporting_start_page(client, city):
    west = District.objects.get(slug="west")
    category = CategoryFactory(name="Pothole", slug="pothole")
    ReportFactory(category=category, district=west, status=ReportStatus.OPEN)
    ReportFactory(category=category, district=west, status=ReportStatus.IN_PROGRESS)

    html = page(client, "/en/maengelmelder/")

    assert '<html lang="en">' in html
    assert "<title>Defect reporting – " in html
    assert ">Report a problem</a>" in html
    for text in (
        "Overview",
        "Latest reports",
        "Reports by status",
        "Reported on",
        "Total",
        "All reports as a list",
    ):
        assert text in html
    assert "no account needed" in html
    assert '<span class="status status--open">open</span>' in html
    assert '<span class="status status--in_progress">in progress</span>' in html
    for german in (
        "Mangel melden",
        "Mängelmelder",
        "Übersicht",
        "Neueste Meldungen",
        "Meldungen nach Status",
        "Gemeldet am",
        "in Bearbeitung",
        "ohne Konto",
    ):
        assert german not in html


def test_english_report_form_first_step(client, city):
    html = page(client, "/en/maengelmelder/melden/")

    assert '<html lang="en">' in html
    assert "<title>Report a problem: Location – " in html
    assert '<h1 class="report-wizard__title">Report a problem</h1>' in html
    assert "Step 1 of 3:" in html
    for text in (
        "Where is the problem? Tap the map, use your location or enter a street.",
        "Use my location",
        "Enter a street",
        "For example “Porschestraße”, without the house number.",
        ">Next</button>",
        '"chosen": "Chosen location: %(label)s"',  # the texts of the page's script
    ):
        assert text in html
    for german in (
        "Mangel melden",
        "Schritt 1 von",
        "Wo ist der Mangel",
        "Meinen Standort verwenden",
        "Weiter<",
        "Gewählter Ort",
    ):
        assert german not in html


# --- The catalogues themselves -------------------------------------------------------------------------


def po_entries(path: Path) -> list[dict]:
    """Parse a .po file into entries: flags, msgid, msgid_plural and msgstr (index -> text)."""
    entries: list[dict] = []
    entry: dict = {"flags": set(), "msgstr": {}}
    field: tuple | None = None

    def finish():
        nonlocal entry, field
        if "msgid" in entry:
            entries.append(entry)
        entry, field = {"flags": set(), "msgstr": {}}, None

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#~"):
            finish()
        elif line.startswith("#"):
            if "msgid" in entry:
                finish()
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += text
            else:
                entry[field[0]] += text
        else:
            keyword, _space, value = line.partition(" ")
            text = ast.literal_eval(value)
            if keyword.startswith("msgstr"):
                index = int(keyword[7:-1]) if "[" in keyword else 0
                entry["msgstr"][index] = text
                field = ("msgstr", index)
            else:
                entry[keyword] = text
                field = (keyword,)
    finish()
    return entries


@pytest.mark.parametrize("path", EN_CATALOGUES, ids=lambda path: str(path.relative_to(BASE_DIR)))
def test_english_catalogue_is_complete(path):
    header, *entries = po_entries(path)

    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]  # msgfmt would drop a fuzzy header, and with it Plural-Forms
    assert "Language: en\n" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"][0]
    assert entries
    problems = []
    for entry in entries:
        msgid = entry["msgid"]
        expected_forms = [0, 1] if "msgid_plural" in entry else [0]
        if "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {msgid!r}")
        if sorted(entry["msgstr"]) != expected_forms:
            problems.append(f"wrong number of forms: {msgid!r}")
        for index, text in entry["msgstr"].items():
            if not text.strip():
                problems.append(f"untranslated: {msgid!r}")
            source = entry["msgid_plural"] if index > 0 else msgid
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                problems.append(f"placeholders differ: {msgid!r}")
    assert problems == []
