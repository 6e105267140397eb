"""The Mängelmelder's admin: pages render, reports are read-only, reporter data only for those allowed."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from defects.models import (
    Category,
    CategoryQuestion,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
    StatusLabel,
)
from tests.defects.factories import (
    CategoryFactory,
    CategoryGroupFactory,
    CategoryQuestionFactory,
    ReportEventFactory,
    ReportFactory,
    ResponsibilityFactory,
)
from tests.factories import DepartmentFactory, UserFactory


@pytest.fixture
def admin_client_(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def viewer_client(client, db):
    """Staff who may look at reports but not change them."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_report", content_type__app_label="defects")
    )
    client.force_login(user)
    return client


@pytest.fixture
def report(city):
    west = city.districts.get(slug="west")
    report = ReportFactory(
        district=west,
        address_label="Porschestraße 1",
        reporter_name="Erika Mustermann",
        reporter_email="erika@example.org",
        reporter_phone="05361 123456",
    )
    CategoryQuestionFactory(category=report.category, key="gefahr", label="Besteht Gefahr?")
    report.answers = {"gefahr": True}
    report.save()
    ReportEventFactory(report=report, kind=ReportEvent.Kind.CREATED, internal_note="intern: Anruf folgt")
    return report


def url(model: str, view: str, *args) -> str:
    return reverse(f"admin:defects_{model}_{view}", args=args)


# --- every page renders ----------------------------------------------------------------------------------


@pytest.fixture
def objects(report):
    ResponsibilityFactory(category=report.category, district=report.district)
    StatusLabel.objects.create(status=ReportStatus.CLOSED, label="geschlossen")
    return {
        "categorygroup": report.category.group,
        "category": report.category,
        "responsibility": report.category.responsibilities.get(),
        "statuslabel": StatusLabel.objects.get(),
        "report": report,
    }


@pytest.mark.parametrize("model", ["categorygroup", "category", "responsibility", "statuslabel", "report"])
def test_changelist_and_change_pages_render(admin_client_, objects, model):
    changelist = admin_client_.get(url(model, "changelist"))
    change = admin_client_.get(url(model, "change", objects[model].pk))

    assert (changelist.status_code, change.status_code) == (200, 200)


@pytest.mark.parametrize("model", ["categorygroup", "category", "responsibility", "statuslabel"])
def test_add_pages_render(admin_client_, model):
    response = admin_client_.get(url(model, "add"))

    assert response.status_code == 200


def test_reports_cannot_be_added_or_deleted_in_the_admin(admin_client_, report):
    add = admin_client_.get(url("report", "add"))
    delete = admin_client_.get(url("report", "delete", report.pk))

    assert (add.status_code, delete.status_code) == (403, 403)


def test_report_change_page_is_read_only_with_the_platforms_map(admin_client_, report):
    response = admin_client_.get(url("report", "change", report.pk))

    html = response.content.decode()
    assert 'name="_save"' not in html
    assert "/static/maps/vendor/ol/ol.js" in html
    assert "cdn.jsdelivr.net" not in html
    assert "Besteht Gefahr?" in html  # answers under their question's label


# --- reporter data ---------------------------------------------------------------------------------------


def test_reporter_data_is_shown_to_staff_who_may_change_reports(admin_client_, report):
    response = admin_client_.get(url("report", "change", report.pk))

    html = response.content.decode()
    assert "erika@example.org" in html
    assert "05361 123456" in html
    assert "intern: Anruf folgt" in html


def test_reporter_data_is_hidden_from_staff_who_may_only_view(viewer_client, report):
    change = viewer_client.get(url("report", "change", report.pk))
    changelist = viewer_client.get(url("report", "changelist"))

    assert (change.status_code, changelist.status_code) == (200, 200)
    for response in (change, changelist):
        html = response.content.decode()
        assert "erika@example.org" not in html
        assert "Erika Mustermann" not in html
        assert "05361 123456" not in html


def test_reporter_data_is_never_in_the_report_list(admin_client_, report):
    response = admin_client_.get(url("report", "changelist"))

    assert "erika@example.org" not in response.content.decode()


# --- report list -----------------------------------------------------------------------------------------


def test_report_changelist_queries_do_not_grow_with_the_reports(
    admin_client_, city, django_assert_max_num_queries
):
    west, east = city.districts.get(slug="west"), city.districts.get(slug="ost")
    ReportFactory(district=west)
    with CaptureQueriesContext(connection) as few:
        admin_client_.get(url("report", "changelist"))
    for number in range(20):
        ReportFactory(district=west if number % 2 else east)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client_.get(url("report", "changelist"))

    assert len(response.context["cl"].result_list) == 21


@pytest.mark.parametrize("term", ["{pk}", "#{pk}", "Porsche"])
def test_reports_are_found_by_number_or_address(admin_client_, report, city, term):
    ReportFactory(district=city.districts.get(slug="ost"), address_label="Heinrich-Nordhoff-Straße 2")

    response = admin_client_.get(url("report", "changelist"), {"q": term.format(pk=report.pk)})

    assert [found.pk for found in response.context["cl"].result_list] == [report.pk]


def test_report_list_filters_by_district(admin_client_, report, city):
    east = city.districts.get(slug="ost")
    ReportFactory(district=east)

    response = admin_client_.get(url("report", "changelist"), {"district__id__exact": report.district_id})

    assert [found.pk for found in response.context["cl"].result_list] == [report.pk]


# --- status actions go through the service ---------------------------------------------------------------


def test_status_action_changes_reports_through_the_service(admin_client_, report):
    response = admin_client_.post(
        url("report", "changelist"),
        {"action": "mark_in_progress", "_selected_action": [report.pk], "index": 0},
        follow=True,
    )

    report.refresh_from_db()
    assert report.status == ReportStatus.IN_PROGRESS
    event = report.events.get(kind=ReportEvent.Kind.STATUS_CHANGED)
    assert (event.from_status, event.to_status) == (ReportStatus.OPEN, ReportStatus.IN_PROGRESS)
    assert event.actor == response.wsgi_request.user
    assert "1 Meldung geändert." in response.content.decode()


def test_status_action_refuses_a_change_the_lifecycle_forbids(admin_client_, report, city):
    duplicate = ReportFactory(district=report.district, status=ReportStatus.DUPLICATE)

    response = admin_client_.post(
        url("report", "changelist"),
        {"action": "mark_resolved", "_selected_action": [report.pk, duplicate.pk], "index": 0},
        follow=True,
    )

    duplicate.refresh_from_db()
    report.refresh_from_db()
    assert (report.status, duplicate.status) == (ReportStatus.RESOLVED, ReportStatus.DUPLICATE)
    assert f"Nicht geändert: #{duplicate.pk}" in response.content.decode()


def test_status_actions_are_not_offered_to_staff_who_may_only_view(viewer_client, report):
    response = viewer_client.get(url("report", "changelist"))

    assert "mark_in_progress" not in response.content.decode()
    assert "delete_selected" not in response.content.decode()


# --- inlines ---------------------------------------------------------------------------------------------


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (255, 0, 0)).save(buffer, format="PNG")
    return SimpleUploadedFile("foto.png", buffer.getvalue(), content_type="image/png")


def test_report_photos_show_as_thumbnails(admin_client_, report, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = ReportPhoto.objects.create(report=report, image=_png())

    response = admin_client_.get(url("report", "change", report.pk))

    assert f'<img src="{photo.image.url}"' in response.content.decode()


def test_report_events_cannot_be_deleted_or_edited(admin_client_, report):
    response = admin_client_.get(url("report", "change", report.pk))

    html = response.content.decode()
    assert 'name="events-TOTAL_FORMS"' in html
    assert 'name="events-0-DELETE"' not in html
    assert 'name="events-0-internal_note"' not in html


# --- categories ------------------------------------------------------------------------------------------


def _category_form(**overrides) -> dict:
    group = CategoryGroupFactory()
    data = {
        "group": group.pk,
        "name": "Spielplatz",
        "slug": "spielplatz",
        "description": "",
        "icon": "monkeybar",
        "duplicate_radius_m": 80,
        "target_days": 10,
        "is_active": "on",
        "position": 1,
        "questions-TOTAL_FORMS": 1,
        "questions-INITIAL_FORMS": 0,
        "questions-MIN_NUM_FORMS": 0,
        "questions-MAX_NUM_FORMS": 1000,
        "questions-0-position": 1,
        "questions-0-key": "betroffen",
        "questions-0-label": "Was ist betroffen?",
        "questions-0-help_text": "",
        "questions-0-kind": CategoryQuestion.Kind.MULTIPLE_CHOICE,
        "questions-0-choices": "Spielgerät beschädigt\r\nSand verschmutzt (Scherben, Spritzen)\r\n",
    }
    return {**data, **overrides}


def test_category_with_question_is_added_with_one_choice_per_line(admin_client_):
    response = admin_client_.post(url("category", "add"), _category_form())

    assert response.status_code == 302
    question = Category.objects.get(slug="spielplatz").questions.get()
    assert question.choices == ["Spielgerät beschädigt", "Sand verschmutzt (Scherben, Spritzen)"]


def test_question_choices_must_fit_its_kind(admin_client_):
    response = admin_client_.post(
        url("category", "add"), _category_form(**{"questions-0-kind": CategoryQuestion.Kind.YES_NO})
    )

    assert response.status_code == 200
    assert not Category.objects.exists()
    assert "nur bei Einfach- und Mehrfachauswahl" in response.content.decode()


def test_category_icon_must_exist(admin_client_):
    response = admin_client_.post(url("category", "add"), _category_form(icon="gibt-es-nicht"))

    assert response.status_code == 200
    assert not Category.objects.exists()
    assert "static/defects/icons/gibt-es-nicht.svg fehlt" in response.content.decode()


def test_category_list_shows_the_icon(admin_client_):
    CategoryFactory(icon="road")

    response = admin_client_.get(url("category", "changelist"))

    assert "/static/defects/icons/road.svg" in response.content.decode()


def test_status_label_status_cannot_be_changed(admin_client_):
    label = StatusLabel.objects.create(status=ReportStatus.CLOSED, label="geschlossen")

    admin_client_.post(
        url("statuslabel", "change", label.pk),
        {
            "status": ReportStatus.OPEN,
            "label": "geschlossen – nicht behoben",
            "label_en": "",
            "description": "",
        },
    )

    label.refresh_from_db()
    assert (label.status, label.label) == (ReportStatus.CLOSED, "geschlossen – nicht behoben")


def test_responsibility_list_filters_by_department(admin_client_, report):
    kept = ResponsibilityFactory(category=report.category)
    ResponsibilityFactory(category=report.category, district=report.district, department=DepartmentFactory())

    response = admin_client_.get(
        url("responsibility", "changelist"), {"department__id__exact": kept.department_id}
    )

    assert [rule.pk for rule in response.context["cl"].result_list] == [kept.pk]
