"""Loading categories, questions, status labels and responsibilities (defects.seed and its commands)."""

import copy
import json
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import CommandError, call_command

from defects.models import (
    Category,
    CategoryGroup,
    CategoryQuestion,
    ReportStatus,
    Responsibility,
    StatusLabel,
)
from defects.seed import (
    ICON_STATIC_PATH,
    SeedError,
    SeedErrorCode,
    categories_load,
    responsibilities_load,
    seed_file_read,
)
from districts.models import Department
from tests.defects.factories import CategoryFactory, ResponsibilityFactory
from tests.factories import DepartmentFactory

PROJECT_DIR = Path(__file__).resolve().parents[2]
CATEGORIES_FILE = PROJECT_DIR / "defects/data/categories.json"
WOLFSBURG_RESPONSIBILITIES = PROJECT_DIR / "districts/data/cities/wolfsburg/responsibilities.json"
ICONS_DIR = PROJECT_DIR / "defects/static/defects/icons"

# Categories that deliberately have no rule in Wolfsburg, so their reports go to the central triage unit.
WOLFSBURG_TRIAGE_CATEGORIES = {"sonstiges"}


def shipped() -> dict:
    return json.loads(CATEGORIES_FILE.read_text(encoding="utf-8"))


def load(data: dict):
    return categories_load(
        entries=data["categories"], groups=data.get("groups", []), status_labels=data.get("status_labels", [])
    )


def minimal(**category) -> dict:
    """A file with one group and one category (overridable)."""
    return {
        "groups": [{"slug": "strasse", "name": "Straße", "position": 1}],
        "categories": [
            {
                "slug": "schlagloch",
                "name": "Schlagloch",
                "group": "strasse",
                "icon": "road",
                "duplicate_radius_m": 25,
                "target_days": 10,
                "questions": [
                    {"key": "gefahr", "label": "Gefahr?", "kind": "yes_no", "required": True},
                    {
                        "key": "groesse",
                        "label": "Größe",
                        "kind": "single_choice",
                        "choices": ["klein", "groß"],
                    },
                ],
                **category,
            }
        ],
    }


# --- the shipped categories ------------------------------------------------------------------------------


def test_shipped_categories_load_with_counts(db):
    data = shipped()

    counts = load(data)

    question_total = sum(len(entry["questions"]) for entry in data["categories"])
    assert (counts.groups.created, counts.categories.created) == (4, 13)
    assert counts.questions.created == question_total
    assert counts.status_labels.created == len(ReportStatus.values)
    assert Category.objects.count() == 13
    assert CategoryQuestion.objects.count() == question_total
    assert set(StatusLabel.objects.values_list("status", flat=True)) == set(ReportStatus.values)


def test_loading_categories_again_changes_nothing(db):
    load(shipped())

    again = load(shipped())

    for counts in (again.groups, again.categories, again.questions):
        assert (counts.created, counts.updated, counts.kept) == (0, 0, [])
        assert counts.unchanged == counts.read
    assert again.status_labels.unchanged == len(ReportStatus.values)


def test_shipped_categories_cover_the_issue_with_realistic_settings(db):
    load(shipped())

    categories = {category.name: category for category in Category.objects.all()}

    expected_radius = {
        "Straßenbeleuchtung": 30,
        "Straßenschaden/Schlagloch": 25,
        "Illegale Müllablagerung": 50,
        "Grünfläche/Baum": 40,
        "Spielplatz": 80,
        "Verkehrszeichen/Ampel": 30,
        "Graffiti": 25,
        "Radweg": 30,
        "Gully/Kanal": 20,
        "Schrottfahrrad": 20,
        "Verschmutzung": 40,
        "Sonstiges": 30,
    }
    assert {name: categories[name].duplicate_radius_m for name in expected_radius} == expected_radius
    assert all(1 <= category.target_days <= 30 for category in categories.values())
    lighting = categories["Straßenbeleuchtung"].questions.get(key="mastnummer")
    assert (lighting.kind, lighting.required, lighting.help_text) == (
        "text",
        False,
        "Steht auf einem Schild am Mast.",
    )
    waste = categories["Illegale Müllablagerung"].questions.get(key="was")
    assert waste.kind == CategoryQuestion.Kind.MULTIPLE_CHOICE
    assert "Sonderabfall/Chemikalien" in waste.choices


def test_every_icon_referenced_exists_as_a_static_file():
    icons = {entry["icon"] for entry in shipped()["categories"]}

    missing = {icon for icon in icons if finders.find(ICON_STATIC_PATH.format(icon=icon)) is None}

    assert missing == set()
    assert (ICONS_DIR / "LICENSE").is_file()


def test_every_vendored_icon_is_listed_in_the_readme():
    readme = (ICONS_DIR / "README.md").read_text(encoding="utf-8")

    unlisted = {svg.stem for svg in ICONS_DIR.glob("*.svg") if f"`{svg.stem}`" not in readme}

    assert unlisted == set()


# --- upserts ---------------------------------------------------------------------------------------------


def test_category_is_updated_by_slug(db):
    load(minimal())

    counts = load(minimal(name="Schlagloch oder Riss", target_days=7))

    category = Category.objects.get(slug="schlagloch")
    assert (counts.categories.updated, counts.categories.created) == (1, 0)
    assert (category.name, category.target_days) == ("Schlagloch oder Riss", 7)


def test_questions_are_upserted_by_key_and_missing_ones_kept(db):
    load(minimal())
    question_pk = CategoryQuestion.objects.get(key="gefahr").pk
    data = minimal(
        questions=[
            {"key": "gefahr", "label": "Besteht Gefahr?", "kind": "yes_no", "required": True},
            {"key": "tiefe", "label": "Tiefe in cm", "kind": "number"},
        ]
    )

    counts = load(data)

    assert (counts.questions.created, counts.questions.updated) == (1, 1)
    assert counts.questions.kept == ["schlagloch/groesse"]
    question = CategoryQuestion.objects.get(key="gefahr")
    assert (question.pk, question.label) == (question_pk, "Besteht Gefahr?")
    assert CategoryQuestion.objects.filter(key="groesse").exists()  # reports' answers may point at it


def test_categories_missing_from_the_file_are_kept_and_reported(db):
    CategoryFactory(name="Altlast", slug="altlast")

    counts = load(minimal())

    assert counts.categories.kept == ["altlast"]
    assert Category.objects.filter(slug="altlast").exists()


def test_keys_left_out_of_an_entry_keep_their_value(db):
    load(minimal())
    Category.objects.filter(slug="schlagloch").update(is_active=False)

    load(minimal())  # the file says nothing about is_active

    assert Category.objects.get(slug="schlagloch").is_active is False


def test_questions_are_placed_in_file_order(db):
    load(minimal())

    keys = list(Category.objects.get(slug="schlagloch").questions.values_list("key", flat=True))

    assert keys == ["gefahr", "groesse"]


# --- refused files ---------------------------------------------------------------------------------------


def test_a_bad_entry_refuses_the_whole_file(db):
    data = minimal()
    data["categories"].append({"slug": "kaputt", "name": "Kaputt", "group": "strasse", "target_days": 0})

    with pytest.raises(SeedError) as caught:
        load(data)

    assert caught.value.codes == [SeedErrorCode.ENTRY_INVALID]
    assert "Kategorien, Eintrag Nr. 2 (categories[1]) „kaputt“" in caught.value.message
    assert "target_days" in caught.value.message
    assert not CategoryGroup.objects.exists()
    assert not Category.objects.exists()
    assert not CategoryQuestion.objects.exists()


INVALID = SeedErrorCode.ENTRY_INVALID


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"group": "gibt-es-nicht"}, SeedErrorCode.UNKNOWN_GROUP),
        ({"icon": "gibt-es-nicht"}, SeedErrorCode.UNKNOWN_ICON),
        ({"icon": "../../secret"}, SeedErrorCode.UNKNOWN_ICON),
        ({"farbe": "rot"}, INVALID),
        ({"duplicate_radius_m": "weit"}, INVALID),
        (
            {"questions": [{"key": "a", "label": "A", "kind": "single_choice", "choices": ["nur eine"]}]},
            INVALID,
        ),
        ({"questions": [{"key": "a", "label": "A", "kind": "yes_no", "choices": ["ja", "nein"]}]}, INVALID),
        ({"questions": [{"key": "a", "label": "A", "kind": "vielleicht"}]}, INVALID),
        ({"questions": [{"key": "a", "label": "", "kind": "text"}]}, INVALID),
        (
            {
                "questions": [
                    {"key": "a", "label": "A", "kind": "text"},
                    {"key": "a", "label": "B", "kind": "text"},
                ]
            },
            SeedErrorCode.DUPLICATE_ENTRY,
        ),
    ],
)
def test_invalid_categories_are_refused_with_a_code(db, change, code):
    with pytest.raises(SeedError) as caught:
        load(minimal(**change))

    assert caught.value.codes == [code]
    assert not Category.objects.exists()


def test_duplicate_slugs_in_the_file_are_refused(db):
    data = minimal()
    data["categories"].append(copy.deepcopy(data["categories"][0]))

    with pytest.raises(SeedError) as caught:
        load(data)

    assert caught.value.codes == [SeedErrorCode.DUPLICATE_ENTRY]


def test_all_problems_are_reported_at_once(db):
    data = minimal(group="nirgends")
    data["categories"].append({"slug": "zwei", "name": "Zwei", "group": "strasse", "icon": "fehlt"})

    with pytest.raises(SeedError) as caught:
        load(data)

    assert caught.value.codes == [SeedErrorCode.UNKNOWN_GROUP, SeedErrorCode.UNKNOWN_ICON]


def test_a_section_that_is_no_list_is_refused(db):
    with pytest.raises(SeedError) as caught:
        categories_load(entries={"slug": "x"})

    assert caught.value.codes == [SeedErrorCode.FORMAT_INVALID]


def test_seed_file_read_refuses_missing_and_broken_files(tmp_path):
    broken = tmp_path / "kaputt.json"
    broken.write_text("{nicht json", encoding="utf-8")
    array = tmp_path / "liste.json"
    array.write_text("[]", encoding="utf-8")

    codes = []
    for path in (tmp_path / "fehlt.json", broken, array):
        with pytest.raises(SeedError) as caught:
            seed_file_read(path=path)
        codes.append(caught.value.codes[0])

    assert codes == [
        SeedErrorCode.FILE_NOT_FOUND,
        SeedErrorCode.FILE_UNREADABLE,
        SeedErrorCode.FORMAT_INVALID,
    ]


# --- status labels ---------------------------------------------------------------------------------------


def test_status_labels_are_created_only_where_missing(db):
    StatusLabel.objects.create(status=ReportStatus.CLOSED, label="geschlossen – nicht behoben")

    counts = load(shipped())

    assert counts.status_labels.unchanged == 1
    assert counts.status_labels.created == len(ReportStatus.values) - 1
    assert StatusLabel.objects.get(status=ReportStatus.CLOSED).label == "geschlossen – nicht behoben"
    closed = next(entry for entry in shipped()["status_labels"] if entry["status"] == "closed")
    assert (closed["label"], closed["label_en"]) == ("geschlossen", "closed")
    assert closed["description"]


def test_unknown_status_label_is_refused(db):
    with pytest.raises(SeedError) as caught:
        categories_load(entries=[], status_labels=[{"status": "vergessen", "label": "vergessen"}])

    assert caught.value.codes == [SeedErrorCode.UNKNOWN_STATUS]


# --- responsibilities ------------------------------------------------------------------------------------


@pytest.fixture
def routing_setup(city):
    """Categories and departments for responsibilities in the synthetic city (districts "west", "ost")."""
    CategoryFactory(name="Schlagloch", slug="schlagloch")
    CategoryFactory(name="Graffiti", slug="graffiti")
    DepartmentFactory(name="Straßen", slug="strassen")
    DepartmentFactory(name="Reinigung", slug="reinigung")
    return city


RULES = [
    {"category": "schlagloch", "district": None, "department": "strassen"},
    {"category": "graffiti", "district": None, "department": "strassen"},
    {"category": "graffiti", "district": "ost", "department": "reinigung", "note": "Beispiel"},
]


def test_responsibilities_load_citywide_and_per_district(routing_setup):
    counts = responsibilities_load(entries=RULES)

    assert (counts.read, counts.created) == (3, 3)
    rules = {
        (rule.category.slug, rule.district.slug if rule.district else None): rule.department.slug
        for rule in Responsibility.objects.select_related("category", "district", "department")
    }
    assert rules == {
        ("schlagloch", None): "strassen",
        ("graffiti", None): "strassen",
        ("graffiti", "ost"): "reinigung",
    }


def test_loading_responsibilities_again_changes_nothing(routing_setup):
    responsibilities_load(entries=RULES)

    counts = responsibilities_load(entries=RULES)

    assert (counts.created, counts.updated, counts.unchanged, counts.kept) == (0, 0, 3, [])
    assert Responsibility.objects.count() == 3


def test_a_new_department_moves_the_rule(routing_setup):
    responsibilities_load(entries=RULES)
    moved = [*RULES[:2], {**RULES[2], "department": "strassen"}]

    counts = responsibilities_load(entries=moved)

    assert counts.updated == 1
    assert Responsibility.objects.get(district__slug="ost").department.slug == "strassen"


def test_rules_missing_from_the_file_are_kept_and_reported(routing_setup):
    responsibilities_load(entries=RULES)

    counts = responsibilities_load(entries=RULES[:2])

    assert counts.kept == ["Graffiti / Ost → Reinigung"]
    assert Responsibility.objects.count() == 3


@pytest.mark.parametrize(
    ("entry", "code", "named"),
    [
        (
            {"category": "laterne", "district": None, "department": "strassen"},
            SeedErrorCode.UNKNOWN_CATEGORY,
            "laterne",
        ),
        (
            {"category": "graffiti", "district": "mitte", "department": "strassen"},
            SeedErrorCode.UNKNOWN_DISTRICT,
            "mitte",
        ),
        (
            {"category": "graffiti", "district": None, "department": "bauhof"},
            SeedErrorCode.UNKNOWN_DEPARTMENT,
            "bauhof",
        ),
        (
            {"category": "graffiti", "department": "strassen", "bezirk": "ost"},
            SeedErrorCode.ENTRY_INVALID,
            "bezirk",
        ),
        (
            {"category": "schlagloch", "district": None, "department": "reinigung"},
            SeedErrorCode.DUPLICATE_ENTRY,
            "",
        ),
    ],
)
def test_bad_responsibilities_are_refused_naming_the_entry(routing_setup, entry, code, named):
    entries = [RULES[0], entry]

    with pytest.raises(SeedError) as caught:
        responsibilities_load(entries=entries)

    assert caught.value.codes == [code]
    message = caught.value.message
    assert "Zuständigkeiten, Eintrag Nr. 2 (responsibilities[1])" in message
    assert named in message
    assert not Responsibility.objects.exists()  # the good first entry was not loaded either


def test_a_district_rule_needs_an_imported_city(db):
    CategoryFactory(slug="graffiti")
    DepartmentFactory(slug="strassen")

    with pytest.raises(SeedError) as caught:
        responsibilities_load(entries=[{"category": "graffiti", "district": "ost", "department": "strassen"}])

    assert caught.value.codes == [SeedErrorCode.NO_CITY]


def test_an_existing_rule_keeps_its_identity(routing_setup):
    rule = ResponsibilityFactory(
        category=Category.objects.get(slug="schlagloch"), department=Department.objects.get(slug="reinigung")
    )

    responsibilities_load(entries=RULES[:1])

    rule.refresh_from_db()
    assert rule.department.slug == "strassen"
    assert Responsibility.objects.filter(category__slug="schlagloch").count() == 1


# --- Wolfsburg -------------------------------------------------------------------------------------------


def test_wolfsburg_responsibilities_load_after_the_city_import(wolfsburg):
    load(shipped())
    data = seed_file_read(path=WOLFSBURG_RESPONSIBILITIES)

    counts = responsibilities_load(entries=data["responsibilities"])

    assert counts.created == len(data["responsibilities"])
    assert "BEISPIELDATEN" in data["note"]
    citywide = Responsibility.objects.filter(district=None).values("category")
    without_citywide_rule = set(Category.objects.exclude(pk__in=citywide).values_list("slug", flat=True))
    assert without_citywide_rule == WOLFSBURG_TRIAGE_CATEGORIES
    assert Responsibility.objects.exclude(district=None).filter(district__city=wolfsburg).count() >= 2


def test_wolfsburg_sends_no_category_to_the_triage_unit_by_rule(wolfsburg):
    load(shipped())

    responsibilities_load(entries=seed_file_read(path=WOLFSBURG_RESPONSIBILITIES)["responsibilities"])

    # A rule pointing at the triage unit would hide the "needs triage" flag: triage is the absence of a rule.
    assert not Responsibility.objects.filter(department__kind=Department.Kind.TRIAGE).exists()


# --- commands --------------------------------------------------------------------------------------------


def test_load_categories_command_reports_counts(db, capsys):
    call_command("load_categories", str(CATEGORIES_FILE))
    call_command("load_categories", str(CATEGORIES_FILE))

    output = capsys.readouterr().out
    assert "Kategorien: 13 gelesen, 13 neu, 0 geändert, 0 unverändert." in output
    assert "Kategorien: 13 gelesen, 0 neu, 0 geändert, 13 unverändert." in output


def test_load_categories_command_names_the_bad_entry(db, tmp_path):
    path = tmp_path / "kategorien.json"
    path.write_text(json.dumps(minimal(group="nirgends")), encoding="utf-8")

    with pytest.raises(
        CommandError, match=r"categories\[0\]\) „schlagloch“: Unbekannte Kategoriegruppe „nirgends“"
    ):
        call_command("load_categories", str(path))

    assert not Category.objects.exists()


def test_load_responsibilities_command(routing_setup, tmp_path, capsys):
    path = tmp_path / "zustaendigkeiten.json"
    path.write_text(json.dumps({"note": "Beispiel", "responsibilities": RULES}), encoding="utf-8")

    call_command("load_responsibilities", str(path))

    assert "Zuständigkeiten: 3 gelesen, 3 neu" in capsys.readouterr().out


def test_load_responsibilities_command_refuses_unknown_slugs(routing_setup, tmp_path):
    path = tmp_path / "zustaendigkeiten.json"
    path.write_text(
        json.dumps(
            {"responsibilities": [{"category": "laterne", "district": None, "department": "strassen"}]}
        ),
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match=r"Eintrag Nr\. 1 .*Unbekannte Kategorie „laterne“"):
        call_command("load_responsibilities", str(path))
