"""The department workspace API: authentication, permissions by role, queue, internal detail, actions, bulk."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from defects.models import Priority, Report, ReportEvent, ReportStatus
from districts.models import DepartmentMembership
from geo_core.accounts.roles import ADMINISTRATORS, MODERATORS, PLANNERS
from tests.defects.factories import ReportEventFactory, ReportFactory
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE_URL = "/api/v1/workspace/queue/"
INTERNAL_NOTE = "Intern: Bauhof informiert, Kolonne 3"


def _report_url(report: Report, action: str = "") -> str:
    return f"/api/v1/workspace/reports/{report.pk}/" + (f"{action}/" if action else "")


def _member(department, role=DepartmentMembership.Role.CASE_WORKER):
    user = UserFactory(first_name="Sabine", last_name="Sachbearbeiterin")
    DepartmentMembership.objects.create(department=department, user=user, role=role)
    return user


def _client(user=None, *, token: bool = True) -> APIClient:
    client = APIClient()
    if user is None:
        return client
    if token:
        key = Token.objects.create(user=user).key
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    else:
        client.force_login(user)
    return client


def _error(response, status: int) -> tuple[str, str | None]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["type"] in {"client_error", "validation_error"}
    [error] = body["errors"]
    return error["code"], error["attr"]


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def other_department(db):
    return DepartmentFactory(name="Grünflächen", slug="gruen", email="gruen@example.org")


@pytest.fixture
def worker(department):
    return _member(department)


@pytest.fixture
def lead(department):
    return _member(department, DepartmentMembership.Role.LEAD)


@pytest.fixture
def other_worker(other_department):
    return _member(other_department)


@pytest.fixture
def planner(db):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=PLANNERS)[0])
    return user


@pytest.fixture
def report(category, west, department):
    report = ReportFactory(category=category, district=west, department=department)
    ReportEventFactory(report=report, kind=ReportEvent.Kind.NOTE, internal_note=INTERNAL_NOTE)
    return report


@pytest.fixture
def other_report(category, west, other_department):
    return ReportFactory(category=category, district=west, department=other_department)


# --- authentication ----------------------------------------------------------------------------------------------


def test_token_authentication_reads_the_queue(worker, report):
    response = _client(worker).get(QUEUE_URL)
    assert response.status_code == 200, response.content
    [item] = response.json()["results"]
    assert item["id"] == report.pk
    for field in ("priority", "assignee", "due_date", "overdue", "version", "department"):
        assert field in item
    assert item["version"] == report.version
    assert item["department"] == report.department_id


def test_session_without_token_reads_the_queue(worker, report):
    response = _client(worker, token=False).get(QUEUE_URL)
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [report.pk]


def test_no_personal_data_of_the_reporter(worker, report):
    body = _client(worker).get(_report_url(report)).content.decode()
    assert report.reporter_email not in body
    assert report.reporter_name not in body
    assert report.reporter_phone not in body


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_gets_401(report, method):
    url = QUEUE_URL if method == "get" else _report_url(report, "accept")
    response = getattr(_client(), method)(url, {"version": 1}, format="json")
    assert _error(response, 401) == ("not_authenticated", None)


def test_a_wrong_token_gets_401(report):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nonsense")
    assert _error(client.get(QUEUE_URL), 401)[0] == "authentication_failed"


def test_a_citizen_account_gets_403(report):
    assert _error(_client(UserFactory()).get(QUEUE_URL), 403) == ("forbidden", None)


# --- departments and roles ---------------------------------------------------------------------------------------


def test_staff_of_another_department_neither_see_nor_act(other_worker, report, other_report):
    client = _client(other_worker)
    assert [item["id"] for item in client.get(QUEUE_URL).json()["results"]] == [other_report.pk]
    assert _error(client.get(_report_url(report)), 404)[0] == "not_found"
    response = client.post(_report_url(report, "note"), {"version": 1, "internal_note": "x"}, format="json")
    assert _error(response, 404)[0] == "not_found"
    report.refresh_from_db()
    assert report.version == 1
    assert not ReportEvent.objects.filter(report=report, actor=other_worker).exists()


def test_internal_detail_shows_internal_history(worker, report):
    response = _client(worker).get(_report_url(report))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == report.pk
    assert body["version"] == report.version
    assert INTERNAL_NOTE in [event["internal_note"] for event in body["history"]]


def _action_bodies(other_department, assignee) -> dict[str, dict]:
    return {
        "accept": {},
        "hand-back": {"reason": "Nicht unsere Straße."},
        "forward": {"department": other_department.pk, "reason": "Grünschnitt"},
        "assign": {"assignee": assignee.pk},
        "priority": {"priority": Priority.HIGH},
        "status": {"to_status": ReportStatus.IN_PROGRESS, "public_message": "Wir kümmern uns."},
        "note": {"internal_note": "Rückruf vereinbart"},
    }


ACTIONS = ["accept", "hand-back", "forward", "assign", "priority", "status", "note", "after-photo"]


def _post_action(client, report, action, *, version, other_department, assignee):
    if action == "after-photo":
        from django.core.files.uploadedfile import SimpleUploadedFile

        photo = SimpleUploadedFile("nachher.jpg", _jpeg(), content_type="image/jpeg")
        return client.post(
            _report_url(report, action), {"version": version, "photo": photo}, format="multipart"
        )
    body = {"version": version, **_action_bodies(other_department, assignee)[action]}
    return client.post(_report_url(report, action), body, format="json")


@pytest.mark.parametrize("action", ACTIONS)
def test_planner_reads_but_every_action_is_forbidden(planner, worker, report, other_department, action):
    client = _client(planner)
    assert [item["id"] for item in client.get(QUEUE_URL).json()["results"]] == [report.pk]
    assert client.get(_report_url(report)).status_code == 200
    response = _post_action(
        client, report, action, version=report.version, other_department=other_department, assignee=worker
    )
    assert _error(response, 403) == ("forbidden", None)
    report.refresh_from_db()
    assert report.version == 1


@pytest.mark.parametrize("url", ["/api/v1/workspace/bulk/assign/", "/api/v1/workspace/bulk/status/"])
def test_planner_bulk_changes_nothing(planner, worker, report, url):
    body = {"ids": [report.pk], "assignee": worker.pk, "to_status": ReportStatus.IN_PROGRESS}
    response = _client(planner).post(url, body, format="json")
    if response.status_code == 200:
        [result] = response.json()["results"]
        assert (result["ok"], result["code"]) == (False, "forbidden")
    else:
        assert _error(response, 403) == ("forbidden", None)
    report.refresh_from_db()
    assert report.version == 1


# --- actions -----------------------------------------------------------------------------------------------------

EVENT_KINDS = {
    "accept": ReportEvent.Kind.ACCEPTED,
    "hand-back": ReportEvent.Kind.HANDED_BACK,
    "forward": ReportEvent.Kind.FORWARDED,
    "assign": ReportEvent.Kind.ASSIGNED,
    "priority": ReportEvent.Kind.PRIORITY_CHANGED,
    "status": ReportEvent.Kind.STATUS_CHANGED,
    "note": ReportEvent.Kind.NOTE,
    "after-photo": ReportEvent.Kind.PHOTO_ADDED,
}


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_returns_the_new_version_and_writes_its_event(
    worker, report, triage, other_department, action
):
    before = set(ReportEvent.objects.filter(report=report).values_list("pk", flat=True))
    response = _post_action(
        _client(worker), report, action, version=1, other_department=other_department, assignee=worker
    )
    assert response.status_code == 200, response.content
    report.refresh_from_db()
    assert report.version == 2
    assert response.json()["version"] == 2
    [event] = ReportEvent.objects.filter(report=report).exclude(pk__in=before)
    assert event.kind == EVENT_KINDS[action]
    assert event.actor == worker


def test_action_results(worker, report, other_department):
    client = _client(worker)
    response = client.post(
        _report_url(report, "assign"), {"version": 1, "assignee": worker.pk}, format="json"
    )
    assert response.json()["assignee"]["id"] == worker.pk
    response = client.post(
        _report_url(report, "priority"), {"version": 2, "priority": "urgent"}, format="json"
    )
    assert response.json()["priority"] == "urgent"
    body = {"version": 3, "to_status": "in_progress", "public_message": "Ist beauftragt."}
    response = client.post(_report_url(report, "status"), body, format="json")
    assert response.json()["status"] == "in_progress"
    assert "Ist beauftragt." in [event["public_message"] for event in response.json()["history"]]


def test_stale_version_is_a_conflict(worker, lead, report):
    _client(lead).post(_report_url(report, "priority"), {"version": 1, "priority": "high"}, format="json")
    response = _client(worker).post(
        _report_url(report, "priority"), {"version": 1, "priority": "low"}, format="json"
    )
    assert _error(response, 409) == ("conflict", None)
    report.refresh_from_db()
    assert (report.priority, report.version) == ("high", 2)


@pytest.mark.parametrize(
    ("action", "body", "code", "attr"),
    [
        ("priority", {"version": 1, "priority": "sofort"}, "invalid_choice", "priority"),
        ("priority", {"priority": "high"}, "required", "version"),
        ("note", {"version": 1, "internal_note": " "}, "note_required", "internal_note"),
        ("hand-back", {"version": 1, "reason": ""}, "reason_required", "reason"),
        ("priority", {"version": 1}, "required", "priority"),
        (
            "status",
            {"version": 1, "to_status": "duplicate", "duplicate_of": 999999},
            "duplicate_of_invalid",
            "duplicate_of",
        ),
        ("status", {"version": 1, "to_status": "duplicate"}, "duplicate_of_required", "duplicate_of"),
        ("status", {"version": 1, "to_status": "open"}, "transition_not_allowed", "to_status"),
        ("forward", {"version": 1, "department": 999999, "reason": "x"}, "does_not_exist", "department"),
    ],
)
def test_invalid_action_bodies_get_400_with_codes(worker, report, action, body, code, attr):
    response = _client(worker).post(_report_url(report, action), body, format="json")
    assert response.status_code == 400, response.content
    assert (code, attr) in [(error["code"], error["attr"]) for error in response.json()["errors"]]
    report.refresh_from_db()
    assert report.version == 1


def test_after_photo_refuses_a_non_image(worker, report):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    response = _client(worker).post(
        _report_url(report, "after-photo"), {"version": 1, "photo": upload}, format="multipart"
    )
    assert _error(response, 400) == ("photo_not_image", "photo")


# --- bulk --------------------------------------------------------------------------------------------------------


def test_bulk_assign_reports_per_report(worker, report, other_report, category, west, department):
    second = ReportFactory(category=category, district=west, department=department)
    body = {"ids": [report.pk, second.pk, other_report.pk], "assignee": worker.pk}
    response = _client(worker).post("/api/v1/workspace/bulk/assign/", body, format="json")
    assert response.status_code == 200, response.content
    results = {result["id"]: result for result in response.json()["results"]}
    assert results[report.pk]["ok"] and results[report.pk]["version"] == 2
    assert results[second.pk]["ok"]
    assert not results[other_report.pk]["ok"]
    assert results[other_report.pk]["code"] in {"forbidden", "not_found"}
    assert set(Report.objects.filter(assignee=worker).values_list("pk", flat=True)) == {report.pk, second.pk}
    assert ReportEvent.objects.filter(kind=ReportEvent.Kind.ASSIGNED, actor=worker).count() == 2


def test_bulk_status_reports_per_report(worker, report, category, west, department):
    resolved = ReportFactory(
        category=category, district=west, department=department, status=ReportStatus.CLOSED
    )
    body = {"ids": [report.pk, resolved.pk], "to_status": "in_progress", "public_message": "Beauftragt."}
    response = _client(worker).post("/api/v1/workspace/bulk/status/", body, format="json")
    assert response.status_code == 200, response.content
    results = {result["id"]: result for result in response.json()["results"]}
    assert results[report.pk]["ok"]
    assert (results[resolved.pk]["ok"], results[resolved.pk]["code"]) == (False, "transition_not_allowed")
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_PROGRESS


def test_bulk_needs_ids(worker):
    response = _client(worker).post(
        "/api/v1/workspace/bulk/assign/", {"ids": [], "assignee": None}, format="json"
    )
    assert _error(response, 400) == ("min_length", "ids")


# --- queue -------------------------------------------------------------------------------------------------------


def test_queue_pages_by_cursor_with_counts(worker, category, west, department):
    reports = [ReportFactory(category=category, district=west, department=department) for _ in range(3)]
    reports[0].status = ReportStatus.IN_PROGRESS
    reports[0].save()
    client = _client(worker)
    first = client.get(QUEUE_URL, {"limit": 2}).json()
    assert len(first["results"]) == 2
    assert first["counts_by_status"]["open"] == 2
    assert first["counts_by_status"]["in_progress"] == 1
    assert first["next"] and "cursor=" in first["next"]
    second = client.get(first["next"]).json()
    assert second["next"] is None
    seen = [item["id"] for item in first["results"] + second["results"]]
    assert sorted(seen) == sorted(report.pk for report in reports)


def test_queue_filters_like_the_web_queue(worker, category, west, east, department):
    in_west = ReportFactory(category=category, district=west, department=department)
    ReportFactory(category=category, district=east, department=department, status=ReportStatus.IN_PROGRESS)
    client = _client(worker)
    body = client.get(QUEUE_URL, {"district": west.pk}).json()
    assert [item["id"] for item in body["results"]] == [in_west.pk]
    body = client.get(QUEUE_URL, {"status": ["in_progress"]}).json()
    assert [item["district"] for item in body["results"]] == ["ost"]


@pytest.mark.parametrize(
    ("params", "attr"),
    [({"priority": "sofort"}, "priority"), ({"status": "nix"}, "status"), ({"limit": "x"}, "limit")],
)
def test_queue_bad_filters_get_400(worker, params, attr):
    response = _client(worker).get(QUEUE_URL, params)
    assert response.status_code == 400
    assert attr in [error["attr"] for error in response.json()["errors"]]


def test_queue_refuses_another_departments_filter(worker, other_department):
    response = _client(worker).get(QUEUE_URL, {"department": other_department.pk})
    assert _error(response, 400) == ("invalid_choice", "department")


# --- schema ------------------------------------------------------------------------------------------------------


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    schema = (tmp_path / "schema.yaml").read_text()
    for path in ("/api/v1/workspace/queue/", "/api/v1/workspace/reports/{id}/after-photo/"):
        assert path in schema


def test_schema_documents_conflict(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    post = schema["paths"]["/api/v1/workspace/reports/{id}/status/"]["post"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(post["responses"])


# --- role matrix -------------------------------------------------------------------------------------------------


def _user_with_role(role: str, *, department, other_department):
    if role == "case_worker":
        return _member(department)
    if role == "lead":
        return _member(department, DepartmentMembership.Role.LEAD)
    if role == "other_department":
        return _member(other_department)
    user = UserFactory()
    if role != "citizen":
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.mark.parametrize(
    ("role", "queue", "detail", "act"),
    [
        ("case_worker", 200, 200, 200),
        ("lead", 200, 200, 200),
        ("other_department", 200, 404, 404),
        (PLANNERS, 200, 200, 403),
        (MODERATORS, 200, 200, 403),
        (ADMINISTRATORS, 200, 200, 200),
        ("citizen", 403, 403, 403),
    ],
)
def test_role_matrix(report, department, other_department, role, queue, detail, act):
    user = _user_with_role(role, department=department, other_department=other_department)
    client = _client(user)
    assert client.get(QUEUE_URL).status_code == queue
    assert client.get(_report_url(report)).status_code == detail
    response = client.post(
        _report_url(report, "note"), {"version": 1, "internal_note": "Rückruf"}, format="json"
    )
    assert response.status_code == act, response.content
    report.refresh_from_db()
    assert report.version == (2 if act == 200 else 1)


def test_session_post_needs_the_csrf_token(worker, report):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(worker)
    response = client.post(_report_url(report, "note"), {"version": 1, "internal_note": "x"}, format="json")
    assert _error(response, 403)[0] == "permission_denied"
    report.refresh_from_db()
    assert report.version == 1


def test_token_post_needs_no_csrf_token(worker, report):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=worker).key}")
    response = client.post(_report_url(report, "note"), {"version": 1, "internal_note": "x"}, format="json")
    assert response.status_code == 200


def test_accepting_twice_is_refused(worker, report):
    client = _client(worker)
    assert client.post(_report_url(report, "accept"), {"version": 1}, format="json").status_code == 200
    response = client.post(_report_url(report, "accept"), {"version": 2}, format="json")
    assert _error(response, 400) == ("already_accepted", "non_field_errors")


def test_assigning_someone_outside_the_department_is_refused(worker, other_worker, report):
    response = _client(worker).post(
        _report_url(report, "assign"), {"version": 1, "assignee": other_worker.pk}, format="json"
    )
    assert _error(response, 400) == ("assignee_invalid", "assignee")


def test_stale_version_of_an_after_photo_is_a_conflict(worker, report):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("nachher.jpg", _jpeg(), content_type="image/jpeg")
    response = _client(worker).post(
        _report_url(report, "after-photo"), {"version": 7, "photo": photo}, format="multipart"
    )
    assert _error(response, 409) == ("conflict", None)
    assert not report.photos.exists()


def test_bulk_names_unknown_reports(worker, report):
    body = {"ids": [report.pk, 999999], "assignee": None}
    response = _client(worker).post("/api/v1/workspace/bulk/assign/", body, format="json")
    results = {result["id"]: result for result in response.json()["results"]}
    assert results[report.pk]["ok"]
    assert (results[999999]["ok"], results[999999]["code"]) == (False, "not_found")


def test_unconfirmed_reports_are_not_in_the_workspace(worker, category, west, department):
    unconfirmed = ReportFactory(
        category=category, district=west, department=department, status=ReportStatus.UNCONFIRMED
    )
    client = _client(worker)
    assert client.get(QUEUE_URL).json()["results"] == []
    assert client.get(_report_url(unconfirmed)).status_code == 404
