"""The set-based generator of realistic test reports (defects.generator) and its command generate_reports."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.gis.db.models.functions import PointOnSurface
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from defects import lifecycle, services
from defects.generator import (
    GENERATED_MARK,
    GenerationResult,
    GeneratorError,
    GeneratorErrorCode,
    generated_reports_filter,
    reports_generate,
    reports_truncate,
)
from defects.models import (
    Category,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
    Responsibility,
    Subscription,
)
from defects.seed import categories_load, responsibilities_load, seed_file_read
from defects.selectors import route_report
from districts.models import Department, District
from districts.selectors import district_for_point, quarter_for_point
from tests.defects.factories import CategoryFactory, ReportFactory
from tests.defects.images import camera_jpeg, upload
from tests.factories import DepartmentFactory, StreetFactory

PROJECT_DIR = Path(__file__).resolve().parents[2]
CATEGORIES_FILE = PROJECT_DIR / "defects/data/categories.json"
RESPONSIBILITIES_FILE = PROJECT_DIR / "districts/data/cities/wolfsburg/responsibilities.json"

# A fixed "now", so that runs can be compared; a Sunday morning in June.
NOW = datetime(2025, 6, 15, 8, 30, tzinfo=UTC)
S = ReportStatus


def load_categories() -> None:
    data = seed_file_read(path=CATEGORIES_FILE)
    categories_load(
        entries=data["categories"], groups=data.get("groups", []), status_labels=data.get("status_labels", [])
    )


@pytest.fixture
def loaded(wolfsburg):
    """Wolfsburg with the shipped categories, its sample departments and responsibilities."""
    load_categories()
    responsibilities_load(entries=seed_file_read(path=RESPONSIBILITIES_FILE)["responsibilities"])
    return wolfsburg


def generate(**overrides) -> GenerationResult:
    arguments = {"count": 1500, "seed": 1, "batch_size": 600, "now": NOW, **overrides}
    return reports_generate(**arguments)


def scalar(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def snapshot() -> list[tuple]:
    """What a run produced, without the ids (they come from the database's sequence)."""
    return [
        (location.wkt, *rest)
        for location, *rest in Report.objects.order_by("created_at", "pk").values_list(
            "location",
            "category__slug",
            "district__slug",
            "quarter__slug",
            "address_label",
            "status",
            "created_at",
        )
    ]


# --- Places ----------------------------------------------------------------------------------------------


def test_generates_the_requested_number_in_batches_with_ids_in_creation_order(loaded):
    result = generate(count=1001, batch_size=400)

    assert result.reports == Report.objects.count() == 1001
    assert result.batches == 3
    assert result.events == ReportEvent.objects.count()
    assert sum(result.statuses.values()) == 1001
    created = list(Report.objects.order_by("pk").values_list("created_at", flat=True))
    assert created == sorted(created)


def test_every_report_lies_on_its_street_in_the_city_its_district_and_its_quarter(loaded):
    generate()

    outside_city = scalar(
        "SELECT count(*) FROM defects_report r, districts_city c WHERE NOT ST_Intersects(c.geom, r.location)"
    )
    outside_district = scalar(
        "SELECT count(*) FROM defects_report r JOIN districts_district d ON d.id = r.district_id "
        "WHERE NOT ST_Intersects(d.geom, r.location)"
    )
    # On a shared edge, no other district containing the point sorts before it (official_id, slug, pk).
    not_first_district = scalar(
        "SELECT count(*) FROM defects_report r JOIN districts_district d ON d.id = r.district_id "
        "JOIN districts_district o ON o.id <> d.id AND ST_Intersects(o.geom, r.location) "
        "WHERE (o.official_id, o.slug, o.id) < (d.official_id, d.slug, d.id)"
    )
    wrong_quarter = scalar(
        "SELECT count(*) FROM defects_report r JOIN districts_quarter q ON q.id = r.quarter_id "
        "WHERE q.district_id <> r.district_id OR NOT ST_Intersects(q.geom, r.location)"
    )
    missing_quarter = scalar(
        "SELECT count(*) FROM defects_report r WHERE r.quarter_id IS NULL AND EXISTS (SELECT 1 "
        "FROM districts_quarter q WHERE q.district_id = r.district_id AND ST_Intersects(q.geom, r.location))"
    )
    far_from_street = scalar(
        "SELECT count(*) FROM defects_report r WHERE NOT EXISTS (SELECT 1 FROM districts_street s "
        "WHERE s.name = r.address_label AND ST_DWithin(s.geom::geography, r.location::geography, 10))"
    )
    assert (outside_city, outside_district, not_first_district, wrong_quarter, missing_quarter) == (0,) * 5
    assert far_from_street == 0
    # Weighted by length, many streets get reports, not a few.
    assert Report.objects.values("address_label").distinct().count() > 300


# --- Categories and time ---------------------------------------------------------------------------------


def test_frequent_categories_come_more_often_and_inactive_ones_never(loaded):
    Category.objects.filter(slug="radweg").update(is_active=False)

    generate()

    counts = dict(Report.objects.values_list("category__slug").annotate(n=Count("pk")))
    assert "radweg" not in counts
    assert counts["illegale-muellablagerung"] > 3 * counts["spielplatz"]
    assert counts["strassenbeleuchtung"] > counts["graffiti"]


def test_creation_times_span_the_years_up_to_now_mostly_by_day(loaded):
    generate(years=2)

    first, last = scalar("SELECT array[min(created_at), max(created_at)] FROM defects_report")
    assert NOW - timedelta(days=731) <= first < NOW - timedelta(days=700)
    assert NOW - timedelta(days=30) < last <= NOW
    night = scalar(
        "SELECT avg((extract(hour FROM created_at AT TIME ZONE 'Europe/Berlin') < 5)::int) FROM defects_report"
    )
    assert night < 0.05


# --- Lifecycle ---------------------------------------------------------------------------------------------


CONSISTENCY_RULES = {
    "unconfirmed iff not confirmed": "(status = 'unconfirmed') <> (confirmed_at IS NULL)",
    "unconfirmed only within the retention time": "status = 'unconfirmed' AND created_at < %(retention)s",
    "confirmed after created": "confirmed_at < created_at",
    "accepted after confirmed": "accepted_at < confirmed_at",
    "in progress is accepted": "status = 'in_progress' AND accepted_at IS NULL",
    "resolved has both times": (
        "status = 'resolved' AND (resolved_at IS NULL OR closed_at IS DISTINCT FROM resolved_at "
        "OR resolved_at < confirmed_at OR resolved_at < accepted_at)"
    ),
    "only resolved has resolved_at": "status <> 'resolved' AND resolved_at IS NOT NULL",
    "done ones are closed": (
        "status IN ('resolved', 'rejected', 'duplicate', 'closed') AND (closed_at IS NULL OR closed_at < created_at)"
    ),
    "open ones are not closed": "status IN ('unconfirmed', 'open', 'in_progress', 'reopened') AND closed_at IS NOT NULL",
    "withdrawn ones are closed": "withdrawn_at IS NOT NULL AND (status <> 'closed' OR closed_at <> withdrawn_at)",
    "duplicates name their original": "(status = 'duplicate') <> (duplicate_of_id IS NOT NULL)",
    "nothing after now": "greatest(created_at, confirmed_at, accepted_at, resolved_at, closed_at, updated_at) > %(now)s",
    "updated last": "updated_at < greatest(created_at, confirmed_at, accepted_at, resolved_at, closed_at)",
    "due date from the target": (
        "due_date IS DISTINCT FROM (confirmed_at AT TIME ZONE 'Europe/Berlin')::date + ceil("
        "(SELECT target_days FROM defects_category c WHERE c.id = category_id) * 7 / 5.0)::int"
    ),
    "accepted ones leave triage": "accepted_at IS NOT NULL AND needs_triage",
    "no person": (
        "reporter_name <> '' OR reporter_email <> '' OR reporter_phone <> '' OR reporter_id IS NOT NULL "
        "OR assignee_id IS NOT NULL OR submission_key IS NOT NULL"
    ),
    "consent when created": "privacy_consent_at <> created_at",
    "random link hash": "reporter_token_hash !~ '^[0-9a-f]{64}$'",
    "default priority": "priority <> 'normal'",
    "marked": "description NOT LIKE '[Testdaten] %%' OR routing_reason NOT LIKE '[Testdaten] %%'",
}


def test_timestamps_agree_with_the_status(loaded, settings):
    generate(count=3000)
    retention = NOW - timedelta(days=settings.REPORT_UNCONFIRMED_RETENTION_DAYS)

    violations = {
        name: scalar(
            f"SELECT count(*) FROM defects_report WHERE {rule}",  # noqa: S608  (rules of this module)
            {"now": NOW, "retention": retention},
        )
        for name, rule in CONSISTENCY_RULES.items()
    }
    assert violations == dict.fromkeys(CONSISTENCY_RULES, 0)
    # A duplicate points at an earlier public report of its category.
    duplicates = Report.objects.filter(status=S.DUPLICATE).select_related("duplicate_of")
    assert duplicates.count() > 10
    for duplicate in duplicates:
        original = duplicate.duplicate_of
        assert original.category_id == duplicate.category_id
        assert original.created_at < duplicate.created_at
        assert original.status not in (S.UNCONFIRMED, S.DUPLICATE)
        assert original.withdrawn_at is None


def test_old_reports_are_mostly_done_and_recent_ones_mostly_open(loaded):
    generate(count=2000)
    old = Report.objects.filter(created_at__lt=NOW - timedelta(days=365))
    done = old.filter(status__in=lifecycle.CLOSED_STATUSES).count()
    assert done > 0.9 * old.count()
    # Every kind of ending occurs.
    assert {S.RESOLVED, S.CLOSED, S.REJECTED, S.DUPLICATE, S.REOPENED} <= set(
        old.values_list("status", flat=True)
    )

    reports_truncate()
    generate(count=1000, years=0.05)
    recent = Report.objects.filter(created_at__gt=NOW - timedelta(days=2))
    waiting = recent.filter(status__in=[S.UNCONFIRMED, *lifecycle.OPEN_STATUSES]).count()
    assert recent.count() > 50
    assert waiting > 0.6 * recent.count()
    assert recent.filter(status=S.UNCONFIRMED).exists()
    assert recent.filter(status=S.IN_PROGRESS).exists()


def test_the_history_leads_to_the_status_with_allowed_steps(loaded):
    result = generate(count=1200)
    reports = {report.pk: report for report in Report.objects.all()}
    events: dict[int, list[ReportEvent]] = {}
    for event in ReportEvent.objects.order_by("report_id", "created_at", "pk"):
        events.setdefault(event.report_id, []).append(event)

    assert result.events == sum(len(history) for history in events.values())
    assert set(events) == set(reports)
    for report_id, history in events.items():
        report = reports[report_id]
        created, *later = history
        assert (created.kind, created.to_status, created.created_at) == (
            ReportEvent.Kind.CREATED,
            S.UNCONFIRMED,
            report.created_at,
        )
        assert created.to_department_id == report.department_id
        status = S.UNCONFIRMED
        for event in later:
            assert event.kind != ReportEvent.Kind.CREATED
            assert event.created_at <= NOW
            if event.kind == ReportEvent.Kind.ACCEPTED:
                assert event.created_at == report.accepted_at
                continue
            assert event.from_status == status
            assert lifecycle.can_transition(event.from_status, event.to_status), event
            if event.to_status == S.REJECTED:
                assert event.public_message
            status = event.to_status
        assert status == report.status
        staff_steps = [
            event
            for event in later
            if event.kind in (ReportEvent.Kind.ACCEPTED, ReportEvent.Kind.STATUS_CHANGED)
        ]
        assert report.version == 1 + len(staff_steps)
        assert report.updated_at == history[-1].created_at


# --- Routing ---------------------------------------------------------------------------------------------


def test_routing_is_the_same_as_route_report(loaded):
    # given: a department switched off (its rules are skipped) and two more district rules, one of them its
    buses = Department.objects.get(slug="bushaltestellen")
    buses.is_active = False
    buses.save()
    vorsfelde = District.objects.get(name="Vorsfelde")
    Responsibility.objects.create(
        category=Category.objects.get(slug="graffiti"),
        district=vorsfelde,
        department=Department.objects.get(slug="strassen-und-bruecken"),
    )
    Responsibility.objects.create(
        category=Category.objects.get(slug="strassenschaden"), district=vorsfelde, department=buses
    )
    # when
    generate(count=3000)
    # then: one report of every (category, district) pair that occurs
    sample = Report.objects.filter(
        pk__in=Report.objects.order_by("category_id", "district_id", "pk")
        .distinct("category_id", "district_id")
        .values("pk")
    ).select_related("category", "district", "quarter", "department")
    assert sample.count() > 100
    kinds = set()
    for report in sample:
        assert district_for_point(point=report.location) == report.district
        assert quarter_for_point(point=report.location, district=report.district) == report.quarter
        decision = route_report(category=report.category, district=report.district)
        assert report.department == decision.department
        assert report.routing_reason == f"{GENERATED_MARK} {decision.reason}"
        assert report.needs_triage == (decision.needs_triage and report.accepted_at is None)
        kinds.add(decision.reason.rsplit("(", 1)[-1].split(" ")[0])
    assert kinds == {"Regel", "stadtweite", "keine"}
    assert not Report.objects.filter(department=buses).exists()


# --- Seed, marking, deletion -------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_reports_and_another_seed_others(loaded):
    generate(count=400, seed=7, batch_size=150)
    first = snapshot()
    reports_truncate()

    generate(count=400, seed=7, batch_size=150)
    again = snapshot()
    reports_truncate()

    generate(count=400, seed=8, batch_size=150)
    other = snapshot()

    assert len(first) == 400
    assert again == first
    assert {row[0] for row in other}.isdisjoint({row[0] for row in first})


def test_generated_reports_can_be_told_apart_from_real_ones(loaded):
    # given: a real report
    inside = District.objects.annotate(inside=PointOnSurface("geom")).first().inside
    real = services.report_create(
        category_id="sonstiges",
        lon=inside.x,
        lat=inside.y,
        description="Schlagloch",
        reporter_email="erika.mustermann@example.org",
        privacy_consent=True,
    ).report
    # when
    generate(count=200)
    # then
    generated = Report.objects.filter(generated_reports_filter())
    assert generated.count() == 200
    assert not generated.filter(pk=real.pk).exists()
    assert not Subscription.objects.filter(report__in=generated).exists()
    assert not ReportPhoto.objects.filter(report__in=generated).exists()


def test_truncate_deletes_every_report_with_history_photos_subscriptions_and_files(
    loaded, _media_root, django_capture_on_commit_callbacks
):
    # given: a real report with a photo, and generated ones
    inside = District.objects.annotate(inside=PointOnSurface("geom")).first().inside
    services.report_create(
        category_id="sonstiges",
        lon=inside.x,
        lat=inside.y,
        photos=[upload(camera_jpeg())],
        reporter_email="erika.mustermann@example.org",
        privacy_consent=True,
    )
    generate(count=100)
    assert [path for path in _media_root.rglob("*") if path.is_file()]
    # when
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("generate_reports", "--count", "50", "--truncate", "--no-input", stdout=out)
    # then
    assert "Gelöscht: 101 Meldungen" in out.getvalue()
    assert Report.objects.count() == 50
    assert Report.objects.filter(generated_reports_filter()).count() == 50
    assert not ReportPhoto.objects.exists()
    assert not Subscription.objects.exists()
    assert ReportEvent.objects.filter(report__in=Report.objects.all()).count() == ReportEvent.objects.count()
    assert not [path for path in _media_root.rglob("*") if path.is_file()]


def test_truncate_asks_first(loaded, monkeypatch):
    generate(count=20)
    questions = []
    monkeypatch.setattr("builtins.input", lambda question: questions.append(question) or "nein")

    with pytest.raises(CommandError, match="Abgebrochen"):
        call_command("generate_reports", "--count", "10", "--truncate", stdout=StringIO())
    assert "ALLE Meldungen" in questions[0]
    assert Report.objects.count() == 20

    monkeypatch.setattr("builtins.input", lambda question: "ja")
    call_command("generate_reports", "--count", "10", "--truncate", stdout=StringIO())
    assert Report.objects.count() == 10


# --- Refusals (in the small synthetic city: quick to set up) -------------------------------------------------


def test_refuses_without_a_city(db):
    with pytest.raises(GeneratorError) as error:
        reports_generate(count=10)

    assert error.value.code == GeneratorErrorCode.NO_CITY
    with pytest.raises(CommandError, match="import_city"):
        call_command("generate_reports", "--count", "10", stdout=StringIO())


def test_refuses_without_streets(city):
    with pytest.raises(GeneratorError) as error:
        reports_generate(count=10)

    assert error.value.code == GeneratorErrorCode.NO_STREETS


def test_refuses_without_categories(city):
    StreetFactory(city=city)

    with pytest.raises(GeneratorError) as error:
        reports_generate(count=10)

    assert error.value.code == GeneratorErrorCode.NO_CATEGORIES
    with pytest.raises(CommandError, match="load_categories"):
        call_command("generate_reports", "--count", "10", stdout=StringIO())


def test_refuses_without_active_departments(city):
    StreetFactory(city=city)
    CategoryFactory()
    DepartmentFactory(is_active=False)

    with pytest.raises(GeneratorError) as error:
        reports_generate(count=10)

    assert error.value.code == GeneratorErrorCode.NO_DEPARTMENTS


def test_refuses_when_a_report_could_not_be_routed(city):
    # A category without a rule needs the central triage department.
    StreetFactory(city=city)
    CategoryFactory()
    DepartmentFactory()

    with pytest.raises(GeneratorError) as error:
        reports_generate(count=10)

    assert error.value.code == GeneratorErrorCode.NO_TRIAGE
    assert not Report.objects.exists()


def test_routes_everything_to_triage_without_rules(city):
    StreetFactory(city=city)
    category = CategoryFactory(name="Sonstiges", slug="sonstiges")
    triage = DepartmentFactory(name="Annahmestelle", kind=Department.Kind.TRIAGE)

    reports_generate(count=30, seed=1, now=NOW)

    assert Report.objects.filter(category=category, department=triage).count() == 30
    assert Report.objects.filter(needs_triage=True).exists()


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"count": 0}, GeneratorErrorCode.INVALID_COUNT),
        ({"count": 10, "batch_size": 0}, GeneratorErrorCode.INVALID_BATCH_SIZE),
        ({"count": 10, "years": 0}, GeneratorErrorCode.INVALID_YEARS),
        ({"count": 10, "seed": -1}, GeneratorErrorCode.INVALID_SEED),
        ({"count": 10, "seed": 2**60}, GeneratorErrorCode.INVALID_SEED),
    ],
)
def test_refuses_invalid_arguments(db, arguments, code):
    with pytest.raises(GeneratorError) as error:
        reports_generate(**arguments)

    assert error.value.code == code


def test_invalid_arguments_delete_nothing(city):
    ReportFactory(district=District.objects.get(slug="west"))

    with pytest.raises(CommandError, match="Anzahl"):
        call_command("generate_reports", "--count", "0", "--truncate", "--no-input", stdout=StringIO())

    assert Report.objects.count() == 1


# --- The command -------------------------------------------------------------------------------------------


def test_the_command_reports_each_batch_with_its_rate(loaded):
    out = StringIO()

    call_command(
        "generate_reports",
        "--count",
        "1200",
        "--batch-size",
        "500",
        "--seed",
        "3",
        "--years",
        "2",
        stdout=out,
    )

    output = out.getvalue()
    assert "1.200 Meldungen in Stapeln zu 500, Startwert 3" in output
    assert re.search(
        r"Stapel 1/3: 500 Meldungen, [\d.]+ Verlaufseinträge in [\d,]+ s \([\d.]+ Meldungen/s, [\d.]+ Zeilen/s\)",
        output,
    )
    assert "Stapel 3/3: 200 Meldungen" in output
    assert "Fertig: 1.200 Meldungen" in output
    assert "Startwert 3" in output
    assert "erledigt" in output
    assert "ANALYZE" in output
    assert Report.objects.count() == 1200
