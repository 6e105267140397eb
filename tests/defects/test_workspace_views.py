"""The workspace pages: permissions, the list, the map's GeoJSON, CSV, bulk actions, conflicts, saved filters."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from defects.models import Report, ReportEvent, ReportStatus, ResponseTemplate, SavedQueueFilter
from geo_core.accounts.roles import PLANNERS
from tests.defects.factories import ReportFactory
from tests.defects.workspace_factories import staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/arbeitsbereich/"


@pytest.fixture
def worker(dept_a):
    return staff(dept_a)


@pytest.fixture
def planner(db):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=PLANNERS)[0])
    return user


@pytest.fixture
def report(west, dept_a):
    return ReportFactory(
        department=dept_a, district=west, address_label="Große Straße 1", description="Schlagloch"
    )


def report_url(report, action=None):
    if action:
        return reverse("workspace:report_action", kwargs={"pk": report.pk, "action": action})
    return reverse("workspace:report", kwargs={"pk": report.pk})


# --- permissions -----------------------------------------------------------------------------------------


def test_the_workspace_is_at_arbeitsbereich():
    assert reverse("workspace:queue") == QUEUE


def test_anonymous_people_are_sent_to_the_login(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert "/konto/login/" in response["Location"]


@pytest.mark.parametrize(
    "name", ["workspace:queue", "workspace:queue_map", "workspace:queue_export", "workspace:queue_geojson"]
)
def test_people_without_a_staff_role_get_403(client, db, name):
    client.force_login(UserFactory())
    assert client.get(reverse(name), {"bbox": "10.7,52.4,10.9,52.5"}).status_code == 403


def test_staff_of_department_b_see_none_of_department_a(client, report, dept_b):
    client.force_login(staff(dept_b))

    assert report.address_label not in client.get(QUEUE).content.decode()
    assert client.get(report_url(report)).status_code == 404
    assert (
        client.post(report_url(report, "note"), {"note-version": 1, "note-internal_note": "x"}).status_code
        == 404
    )
    export = client.get(reverse("workspace:queue_export"))
    assert b"Gro\xc3\x9fe Stra\xc3\x9fe" not in b"".join(export.streaming_content)


def test_planner_sees_all_reports_read_only(client, planner, report):
    ReportEvent.objects.create(report=report, kind=ReportEvent.Kind.NOTE, internal_note="Nur intern")
    client.force_login(planner)

    assert report.address_label in client.get(QUEUE).content.decode()
    page = client.get(report_url(report)).content.decode()
    assert "Nur intern" in page
    assert 'class="ws-action"' not in page
    assert 'name="ids"' not in client.get(QUEUE).content.decode()
    assert (
        client.post(report_url(report, "note"), {"note-version": 1, "note-internal_note": "x"}).status_code
        == 403
    )


def test_worker_sees_internal_notes_and_the_action_forms(client, worker, report):
    ReportEvent.objects.create(report=report, kind=ReportEvent.Kind.NOTE, internal_note="Nur intern")
    client.force_login(worker)

    page = client.get(report_url(report)).content.decode()

    assert "Nur intern" in page
    for action in ("status", "accept", "assign", "priority", "note", "photo", "forward", "hand_back"):
        assert f'id="action-{action}"' in page
    assert f'name="{action}-version" value="{report.version}"' in page


# --- the list --------------------------------------------------------------------------------------------


def test_queue_lists_reports_with_counts_and_overdue_flag(client, worker, report, west, dept_a):
    import datetime

    late = ReportFactory(department=dept_a, district=west, due_date=datetime.date(2020, 1, 1))
    client.force_login(worker)

    page = client.get(QUEUE).content.decode()

    assert f"#{report.pk}" in page and f"#{late.pk}" in page
    assert "überfällig" in page
    assert '<span class="ws-count">2</span>' in page  # two open


def test_queue_filter_by_district_in_the_page(client, worker, report, east, dept_a):
    other = ReportFactory(department=dept_a, district=east, address_label="Ostweg 3")
    client.force_login(worker)

    page = client.get(QUEUE, {"district": east.pk}).content.decode()

    assert "Ostweg 3" in page
    assert report.address_label not in page
    assert f"#{other.pk}" in page


def test_queue_next_page_link_uses_a_cursor(client, worker, west, dept_a):
    for _ in range(51):
        ReportFactory(department=dept_a, district=west)
    client.force_login(worker)

    response = client.get(QUEUE)

    assert response.context["next_url"].startswith("?cursor=")
    second = client.get(QUEUE + response.context["next_url"])
    assert len(second.context["page"].items) == 1


# --- map -------------------------------------------------------------------------------------------------


def test_map_page_loads_points_from_the_staff_endpoint(client, worker, report, west):
    client.force_login(worker)
    page = client.get(reverse("workspace:queue_map"), {"district": west.pk}).content.decode()
    assert reverse("workspace:queue_geojson") in page
    assert f"district={west.pk}" in page


def test_geojson_returns_the_filtered_points_in_the_bbox(client, worker, report, east, dept_a):
    ReportFactory(department=dept_a, district=east)  # same point, other district: filtered out
    client.force_login(worker)

    data = client.get(
        reverse("workspace:queue_geojson"), {"bbox": "10.7,52.3,10.9,52.5", "district": report.district_id}
    ).json()

    assert [feature["id"] for feature in data["features"]] == [report.pk]
    assert data["features"][0]["properties"]["url"] == report_url(report)
    assert "reporter_email" not in str(data)


def test_geojson_outside_the_bbox_is_empty_and_a_bad_bbox_is_400(client, worker, report):
    client.force_login(worker)
    url = reverse("workspace:queue_geojson")
    assert client.get(url, {"bbox": "0,0,0.1,0.1"}).json()["features"] == []
    assert client.get(url, {"bbox": "kaputt"}).status_code == 400


# --- CSV -------------------------------------------------------------------------------------------------


def test_csv_export_opens_in_german_excel(client, worker, report, west, dept_a):
    ReportFactory(department=dept_a, district=west, description="Zweite; mit Semikolon")
    client.force_login(worker)

    response = client.get(reverse("workspace:queue_export"))
    body = b"".join(response.streaming_content).decode("utf-8")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Nummer", "Kategorie", "Adresse"]
    assert "Priorität" in rows[0] and "Überfällig" in rows[0]
    assert len(rows) == 3  # header + one row per report
    assert sorted(int(row[0]) for row in rows[1:]) == sorted(Report.objects.values_list("pk", flat=True))
    assert any(row[2] == "Große Straße 1" for row in rows)
    assert any(row[-1] == "Zweite; mit Semikolon" for row in rows)


def test_csv_export_follows_the_filters(client, worker, report, east, dept_a):
    ReportFactory(department=dept_a, district=east)
    client.force_login(worker)
    body = b"".join(client.get(reverse("workspace:queue_export"), {"district": east.pk}).streaming_content)
    assert len(body.decode("utf-8").strip().splitlines()) == 2


# --- saved filters ---------------------------------------------------------------------------------------


def test_save_list_apply_and_delete_a_filter(client, worker, west):
    client.force_login(worker)

    client.post(reverse("workspace:saved_filter_save"), {"name": "Westen", "query": f"district={west.pk}"})
    saved = SavedQueueFilter.objects.get(user=worker)
    assert "Westen" in client.get(QUEUE).content.decode()
    applied = client.get(reverse("workspace:saved_filter_apply", kwargs={"pk": saved.pk}))
    assert applied["Location"] == f"{QUEUE}?district={west.pk}"
    client.post(reverse("workspace:saved_filter_delete", kwargs={"pk": saved.pk}))
    assert not SavedQueueFilter.objects.exists()


def test_saved_filters_belong_to_their_owner(client, worker, dept_a):
    other = staff(dept_a)
    saved = SavedQueueFilter.objects.create(user=other, name="Fremd", query="priority=high")
    client.force_login(worker)

    assert "Fremd" not in client.get(QUEUE).content.decode()
    assert client.get(reverse("workspace:saved_filter_apply", kwargs={"pk": saved.pk})).status_code == 404
    assert client.post(reverse("workspace:saved_filter_delete", kwargs={"pk": saved.pk})).status_code == 404
    assert SavedQueueFilter.objects.filter(pk=saved.pk).exists()


# --- actions (through defects.workspace_services) --------------------------------------------------------


def test_status_change_with_a_template_when_the_message_is_empty(client, worker, report):
    template = ResponseTemplate.objects.create(
        title="In Arbeit", text="Wir haben den Auftrag erteilt.", status=ReportStatus.IN_PROGRESS
    )
    client.force_login(worker)

    response = client.post(
        report_url(report, "status"),
        {
            "status-version": report.version,
            "status-to_status": "in_progress",
            "status-template": template.pk,
            "status-public_message": "",
            "status-internal_note": "Firma Müller beauftragt",
        },
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_PROGRESS
    event = report.events.get(to_status="in_progress")
    assert event.public_message == "Wir haben den Auftrag erteilt."
    assert event.internal_note == "Firma Müller beauftragt"
    assert event.actor == worker


def test_a_stale_version_shows_the_conflict_and_the_current_state(client, worker, report):
    client.force_login(worker)
    stale = report.version
    client.post(report_url(report, "priority"), {"priority-version": stale, "priority-priority": "high"})

    response = client.post(
        report_url(report, "priority"), {"priority-version": stale, "priority-priority": "low"}
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "Die Meldung wurde inzwischen geändert" in page
    report.refresh_from_db()
    assert report.priority == "high"
    assert f'name="priority-version" value="{report.version}"' in page


def test_assign_to_me(client, worker, report):
    client.force_login(worker)
    client.post(report_url(report, "assign"), {"assign-version": report.version, "assign-assignee": "me"})
    report.refresh_from_db()
    assert report.assignee == worker


def test_bulk_assign_and_bulk_status(client, worker, report, west, dept_a):
    second = ReportFactory(department=dept_a, district=west)
    client.force_login(worker)

    client.post(
        reverse("workspace:queue_bulk"), {"ids": [report.pk, second.pk], "action": "assign", "assignee": "me"}
    )
    client.post(
        reverse("workspace:queue_bulk"),
        {
            "ids": [report.pk, second.pk],
            "action": "status",
            "to_status": "in_progress",
            "public_message": "Läuft",
        },
    )

    assert set(Report.objects.values_list("assignee", "status")) == {(worker.pk, "in_progress")}


def test_bulk_on_another_departments_report_changes_nothing(client, report, dept_b):
    client.force_login(staff(dept_b))
    client.post(reverse("workspace:queue_bulk"), {"ids": [report.pk], "action": "assign", "assignee": "me"})
    report.refresh_from_db()
    assert report.assignee is None


# --- "Mein Bereich" --------------------------------------------------------------------------------------


def test_my_area_section_links_staff_to_the_workspace(worker, report, rf):
    from defects.my_area_workspace import WORKSPACE_SECTION, section_context

    report.assignee = worker
    report.save()
    assert section_context(worker)["assigned"] == 1
    assert WORKSPACE_SECTION.is_visible(worker) is True
    assert WORKSPACE_SECTION.is_visible(UserFactory()) is False


@pytest.mark.parametrize(
    ("action", "data", "kind"),
    [
        ("accept", {}, ReportEvent.Kind.ACCEPTED),
        ("note", {"internal_note": "Vor Ort angesehen"}, ReportEvent.Kind.NOTE),
        ("hand_back", {"reason": "Nicht unser Gebiet"}, ReportEvent.Kind.HANDED_BACK),
    ],
)
def test_single_actions_write_their_event(client, worker, report, triage, action, data, kind):
    client.force_login(worker)
    payload = {f"{action}-version": report.version, **{f"{action}-{k}": v for k, v in data.items()}}

    response = client.post(report_url(report, action), payload)

    assert response.status_code == 302
    assert report.events.filter(kind=kind, actor=worker).count() == 1


def test_forward_to_another_department(client, worker, report, dept_b):
    client.force_login(worker)
    client.post(
        report_url(report, "forward"),
        {"forward-version": report.version, "forward-department": dept_b.pk, "forward-reason": "Grünfläche"},
    )
    report.refresh_from_db()
    assert report.department == dept_b


def test_after_photo_upload(client, worker, report):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.defects.images import camera_jpeg, two_colour

    client.force_login(worker)
    upload = SimpleUploadedFile(
        "nachher.jpg", camera_jpeg(image=two_colour((64, 48))), content_type="image/jpeg"
    )

    client.post(report_url(report, "photo"), {"photo-version": report.version, "photo-photo": upload})

    assert report.photos.filter(kind="after").count() == 1


def test_a_refused_action_shows_its_message_on_the_form(client, worker, report):
    client.force_login(worker)
    response = client.post(
        report_url(report, "hand_back"), {"hand_back-version": report.version, "hand_back-reason": " "}
    )
    assert response.status_code == 400
    assert not report.events.filter(kind=ReportEvent.Kind.HANDED_BACK).exists()


def test_an_unknown_action_is_404(client, worker, report):
    client.force_login(worker)
    assert client.post(report_url(report, "zaubern"), {}).status_code == 404


def test_csv_cells_cannot_smuggle_excel_formulas(client, worker, west, dept_a):
    ReportFactory(department=dept_a, district=west, description='=HYPERLINK("http://böse.example")')
    client.force_login(worker)
    body = b"".join(client.get(reverse("workspace:queue_export")).streaming_content).decode("utf-8")
    [row] = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))[1:]
    assert row[-1].startswith("'=")


def test_my_area_section_renders_the_link(worker, rf):
    from django.template.loader import render_to_string

    from defects.my_area_workspace import WORKSPACE_SECTION, section_context

    html = render_to_string(WORKSPACE_SECTION.template_name, section_context(worker), request=rf.get("/"))
    assert f'href="{QUEUE}"' in html


def test_asking_for_another_departments_queue_shows_nothing_of_it(client, worker, west, dept_b):
    ReportFactory(department=dept_b, district=west, address_label="Fremder Weg 5")
    client.force_login(worker)

    response = client.get(QUEUE, {"department": dept_b.pk})

    assert response.status_code == 200
    assert "Fremder Weg 5" not in response.content.decode()
    assert "department" in response.context["form"].errors


def test_the_workspace_links_the_dashboard_for_those_who_may_see_it(client, planner, worker):
    dashboard = f'href="{reverse("statistics:dashboard")}"'

    client.force_login(planner)
    assert dashboard in client.get(QUEUE).content.decode()
    client.force_login(worker)
    assert dashboard not in client.get(QUEUE).content.decode()
