"""What the public may see of reports: which reports, which fields, which history; status wording."""

import re
from dataclasses import fields
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.core import mail
from django.utils import timezone, translation

from defects import selectors, services
from defects.models import Report, ReportEvent, ReportPhoto, ReportStatus, StatusLabel
from geo_core.srid import STORAGE_SRID
from tests.defects.conftest import public_report
from tests.defects.factories import (
    EAST_POINT,
    CategoryFactory,
    CategoryGroupFactory,
    CategoryQuestionFactory,
    SubscriptionFactory,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PRIVATE_COLUMNS = (
    "reporter_name",
    "reporter_email",
    "reporter_phone",
    "reporter_token_hash",
    "reporter_id",
    "submission_key",
    "privacy_consent_at",
    "withdrawn_at",
    "routing_reason",
    "needs_triage",
)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def make_report(category, west):
    def make(status: str = ReportStatus.OPEN, **extra) -> Report:
        return public_report(category, west, status=status, **extra)

    return make


def selected_columns(queryset) -> str:
    sql = str(queryset.query)
    return sql[: sql.index(" FROM ")]


# --- Which reports ---------------------------------------------------------------------------------------


def test_the_public_sees_confirmed_reports_in_every_status_but_unconfirmed(make_report):
    visible = {
        status: make_report(status).pk for status in ReportStatus.values if status != ReportStatus.UNCONFIRMED
    }
    make_report(ReportStatus.UNCONFIRMED, confirmed_at=None)
    assert set(selectors.report_public_queryset().values_list("pk", flat=True)) == set(visible.values())


def test_withdrawn_reports_are_not_public(make_report):
    make_report(withdrawn_at=timezone.now())
    assert not selectors.report_public_queryset().exists()


def test_report_get_public_returns_a_public_report(make_report):
    report = make_report()
    assert selectors.report_get_public(report_id=report.pk) == report


@pytest.mark.parametrize("report_id", ["abc", None, 999_999])
def test_report_get_public_returns_none_for_bad_ids(make_report, report_id):
    make_report()
    assert selectors.report_get_public(report_id=report_id) is None


def test_report_get_public_returns_none_for_an_unconfirmed_report(make_report):
    report = make_report(ReportStatus.UNCONFIRMED, confirmed_at=None)
    assert selectors.report_get_public(report_id=report.pk) is None


# --- Which fields ----------------------------------------------------------------------------------------


def test_the_public_queryset_selects_no_private_column():
    columns = selected_columns(selectors.report_public_queryset())
    for column in PRIVATE_COLUMNS:
        assert f'"defects_report"."{column}"' not in columns
    assert not re.search(r"reporter_\w+", columns)
    # related tables: only names and slugs, no contact data of departments, no geometry of districts
    assert '"districts_department"."email"' not in columns
    assert '"districts_district"."geom"' not in columns


def test_the_public_list_selects_no_private_column(category):
    bbox = Polygon.from_bbox((10.78, 52.41, 10.82, 52.43))
    bbox.srid = STORAGE_SRID
    queryset = selectors.report_public_list(category_ids=[category.pk], statuses=["open"], bbox=bbox)
    assert not re.search(r"reporter_\w+|submission_key|privacy_consent_at", selected_columns(queryset))


def test_a_public_report_loads_its_public_fields_without_more_queries(make_report, django_assert_num_queries):
    make_report()
    with django_assert_num_queries(1):
        report = selectors.report_public_queryset().get()
        names = [
            report.category.name,
            report.category.group.name,
            report.district.name,
            report.department.name,
        ]
        assert report.quarter is None
    assert all(names)


# --- Filters -----------------------------------------------------------------------------------------------


def test_the_list_filters_by_category(make_report, west):
    other = CategoryFactory()
    wanted = make_report()
    public_report(other, west, status=ReportStatus.OPEN, department=wanted.department)
    assert list(selectors.report_public_list(category_ids=[wanted.category_id])) == [wanted]


def test_the_list_filters_by_status(make_report):
    resolved = make_report(ReportStatus.RESOLVED)
    make_report(ReportStatus.OPEN)
    assert list(selectors.report_public_list(statuses=[ReportStatus.RESOLVED])) == [resolved]


def test_the_list_filters_by_district(category, west, east):
    in_east = public_report(category, east, status=ReportStatus.OPEN, location=Point(*EAST_POINT, srid=4326))
    public_report(category, west, status=ReportStatus.OPEN)
    assert list(selectors.report_public_list(district_slug="ost")) == [in_east]


def test_the_list_filters_by_calendar_days_in_berlin(make_report):
    # given: 23:30 in Berlin on 1 March is still 1 March there, but 2 March has begun at 00:10
    late = make_report()
    early_next = make_report()
    Report.objects.filter(pk=late.pk).update(created_at=datetime(2025, 3, 1, 23, 30, tzinfo=BERLIN))
    Report.objects.filter(pk=early_next.pk).update(created_at=datetime(2025, 3, 2, 0, 10, tzinfo=BERLIN))
    # when / then
    assert list(selectors.report_public_list(date_to=date(2025, 3, 1))) == [late]
    assert list(selectors.report_public_list(date_from=date(2025, 3, 2))) == [early_next]
    assert set(selectors.report_public_list(date_from=date(2025, 3, 1), date_to=date(2025, 3, 2))) == {
        late,
        early_next,
    }


def test_the_list_filters_by_map_area(category, west, east):
    in_east = public_report(category, east, status=ReportStatus.OPEN, location=Point(*EAST_POINT, srid=4326))
    public_report(category, west, status=ReportStatus.OPEN)
    bbox = Polygon.from_bbox((10.805, 52.41, 10.82, 52.43))
    bbox.srid = STORAGE_SRID
    assert list(selectors.report_public_list(bbox=bbox)) == [in_east]


def test_the_list_is_newest_first(make_report):
    older = make_report()
    newer = make_report()
    Report.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert list(selectors.report_public_list()) == [newer, older]


# --- History -----------------------------------------------------------------------------------------------


def test_the_public_history_has_no_internal_note_and_no_actor(make_report):
    # given
    report = make_report()
    staff = UserFactory(email="sachbearbeiterin@example.org")
    services.report_transition(
        report=report,
        to_status=ReportStatus.IN_PROGRESS,
        actor=staff,
        actor_label="Frau Schmidt",
        public_message="Wir kümmern uns.",
        internal_note="Geheim: Rechnung 4711",
    )
    # when
    [entry] = selectors.report_public_history(report=report)
    # then
    assert entry.public_message == "Wir kümmern uns."
    assert entry.status_label == "in Bearbeitung"
    assert entry.kind == ReportEvent.Kind.STATUS_CHANGED
    assert entry.kind_label == "Status geändert"
    assert "4711" not in repr(entry)
    assert "Schmidt" not in repr(entry)
    assert "sachbearbeiterin" not in repr(entry)


def test_a_public_event_has_no_field_for_private_data():
    assert [field.name for field in fields(selectors.PublicEvent)] == [
        "created_at",
        "kind",
        "kind_label",
        "status_label",
        "public_message",
    ]


def test_internal_notes_and_events_about_the_reporter_are_left_out(make_report):
    report = make_report()
    for kind in (ReportEvent.Kind.CONFIRMED, ReportEvent.Kind.WITHDRAWN, ReportEvent.Kind.ANONYMISED):
        ReportEvent.objects.create(report=report, kind=kind, public_message="")
    ReportEvent.objects.create(report=report, kind=ReportEvent.Kind.NOTE, internal_note="nur intern")
    ReportEvent.objects.create(
        report=report, kind=ReportEvent.Kind.CREATED, to_status=ReportStatus.UNCONFIRMED
    )
    ReportEvent.objects.create(report=report, kind=ReportEvent.Kind.NOTE, public_message="Öffentlich")
    history = selectors.report_public_history(report=report)
    assert [(entry.kind, entry.public_message) for entry in history] == [
        (ReportEvent.Kind.CREATED, ""),
        (ReportEvent.Kind.NOTE, "Öffentlich"),
    ]


def test_a_note_without_a_status_change_shows_no_status(make_report):
    report = make_report(ReportStatus.IN_PROGRESS)
    services.report_transition(
        report=report, to_status=ReportStatus.IN_PROGRESS, actor=None, public_message="Bald."
    )
    [entry] = selectors.report_public_history(report=report)
    assert entry.status_label == ""


# --- Photos --------------------------------------------------------------------------------------------------


def test_only_public_photos_are_shown_in_order(make_report):
    report = make_report()
    size = {"width": 4, "height": 3}
    second = ReportPhoto.objects.create(report=report, image="reports/b.jpg", position=1, **size)
    ReportPhoto.objects.create(report=report, image="reports/hidden.jpg", position=0, is_public=False, **size)
    first = ReportPhoto.objects.create(report=report, image="reports/a.jpg", position=0, **size)
    assert list(selectors.report_public_photos(report=report)) == [first, second]


# --- Categories --------------------------------------------------------------------------------------------


def test_active_categories_come_in_form_order_with_questions_in_two_queries(city, django_assert_num_queries):
    # given
    roads = CategoryGroupFactory(name="Straße", slug="strasse", position=1)
    green = CategoryGroupFactory(name="Grün", slug="gruen", position=2)
    tree = CategoryFactory(group=green, name="Baum", position=0)
    pothole = CategoryFactory(group=roads, name="Schlagloch", position=1)
    light = CategoryFactory(group=roads, name="Laterne", position=0)
    CategoryFactory(group=roads, name="Alt", is_active=False)
    CategoryQuestionFactory(category=light, key="b", position=2)
    CategoryQuestionFactory(category=light, key="a", position=1)
    # when
    with django_assert_num_queries(2):
        categories = list(selectors.category_list_active())
        questions = [question.key for question in categories[0].questions.all()]
        group_names = [category.group.name for category in categories]
    # then
    assert categories == [light, pothole, tree]
    assert questions == ["a", "b"]
    assert group_names == ["Straße", "Straße", "Grün"]


# --- Status wording ----------------------------------------------------------------------------------------


def test_status_labels_fall_back_to_the_built_in_labels():
    labels = selectors.status_labels()
    assert labels == {value: str(label) for value, label in ReportStatus.choices}
    assert labels[ReportStatus.CLOSED] == "geschlossen"


def test_a_status_label_row_overrides_the_built_in_label():
    StatusLabel.objects.create(status=ReportStatus.CLOSED, label="geschlossen – nicht behoben")
    assert selectors.status_labels()[ReportStatus.CLOSED] == "geschlossen – nicht behoben"
    assert selectors.status_labels()[ReportStatus.OPEN] == "offen"


def test_english_pages_get_the_english_label_if_there_is_one():
    StatusLabel.objects.create(
        status=ReportStatus.CLOSED, label="geschlossen – nicht behoben", label_en="closed"
    )
    StatusLabel.objects.create(status=ReportStatus.OPEN, label="neu")
    with translation.override("en"):
        labels = selectors.status_labels()
    assert labels[ReportStatus.CLOSED] == "closed"
    assert labels[ReportStatus.OPEN] == "neu"


def test_status_labels_are_cached_until_forgotten():
    selectors.status_labels()
    StatusLabel.objects.create(status=ReportStatus.OPEN, label="neu")
    assert selectors.status_labels()[ReportStatus.OPEN] == "offen"
    selectors.forget_status_labels()
    assert selectors.status_labels()[ReportStatus.OPEN] == "neu"


def test_mails_use_the_edited_label(make_report, run_tasks):
    StatusLabel.objects.create(status=ReportStatus.CLOSED, label="geschlossen – nicht behoben")
    report = make_report()
    SubscriptionFactory(report=report)
    services.report_transition(report=report, to_status=ReportStatus.CLOSED, actor=None)
    run_tasks()
    assert "geschlossen – nicht behoben" in mail.outbox[0].subject


@pytest.mark.parametrize(
    ("status", "expected"), [("open", "open"), ("in_progress", "open"), ("resolved", "closed")]
)
def test_open311_status(status, expected):
    assert selectors.open311_status(status) == expected
