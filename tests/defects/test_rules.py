"""The workspace's permission matrix: every role against every permission and every workspace action.

The report belongs to department A. Staff of department B may open the queue but neither see A's report's
internals nor act on it; planners see everything and change nothing.
"""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser

from defects import workspace_services
from defects.errors import ReportActionError
from defects.models import Priority, Report, ReportEvent, ReportPhoto, ReportStatus
from defects.workspace_selectors import user_departments
from geo_core.accounts.roles import ADMINISTRATORS, MODERATORS, PLANNERS
from tests.defects import images
from tests.defects.factories import ReportFactory
from tests.defects.workspace_factories import in_group, lead, staff
from tests.factories import DepartmentFactory, UserFactory

ROLES = (
    "anonymous",
    "citizen",
    "case_worker_a",
    "lead_a",
    "case_worker_b",
    "planner",
    "moderator",
    "administrator",
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Eight accounts per test: a cheap hasher keeps the matrix quick (passwords play no part here)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db, triage):
    department_a = DepartmentFactory(name="Fachbereich A", slug="a")
    department_b = DepartmentFactory(name="Fachbereich B", slug="b")
    people = {
        "anonymous": AnonymousUser(),
        "citizen": UserFactory(),
        "case_worker_a": staff(department_a),
        "lead_a": lead(department_a),
        "case_worker_b": staff(department_b),
        "planner": in_group(PLANNERS),
        "moderator": in_group(MODERATORS),
        "administrator": in_group(ADMINISTRATORS),
    }
    report = ReportFactory(department=department_a)
    return {"a": department_a, "b": department_b, "people": people, "report": report}


# role -> (view_queue, view_report_internal, act_on_report, manage_response_templates (A), manage_categories)
PERMISSIONS = (
    "view_queue",
    "view_report_internal",
    "act_on_report",
    "manage_response_templates",
    "manage_categories",
)
MATRIX = {
    "anonymous": (False, False, False, False, False),
    "citizen": (False, False, False, False, False),
    "case_worker_a": (True, True, True, False, False),
    "lead_a": (True, True, True, True, False),
    "case_worker_b": (True, False, False, False, False),
    "planner": (True, True, False, False, False),
    "moderator": (True, True, False, True, True),
    "administrator": (True, True, True, True, True),
}


def _object_for(permission: str, world):
    if permission in ("view_report_internal", "act_on_report"):
        return world["report"]
    if permission == "manage_response_templates":
        return world["a"]
    return None


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("permission", PERMISSIONS)
def test_permission_matrix(world, role, permission):
    user = world["people"][role]
    expected = MATRIX[role][PERMISSIONS.index(permission)]

    assert user.has_perm(f"defects.{permission}", _object_for(permission, world)) is expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", False),
        ("citizen", False),
        ("case_worker_a", False),
        ("lead_a", True),
        ("case_worker_b", False),
        ("planner", False),
        ("moderator", True),
        ("administrator", True),
    ],
)
def test_response_templates_without_a_department(world, role, expected):
    # A lead of any department may open the templates; which ones is decided per department.
    assert world["people"][role].has_perm("defects.manage_response_templates") is expected


def test_lead_of_b_cannot_manage_templates_of_a(world):
    lead_b = lead(world["b"])

    assert lead_b.has_perm("defects.manage_response_templates", world["b"])
    assert not lead_b.has_perm("defects.manage_response_templates", world["a"])


def test_inactive_staff_lose_every_permission(world):
    worker = world["people"]["case_worker_a"]
    worker.is_active = False
    worker.save()

    assert not worker.has_perm("defects.view_queue")
    assert not worker.has_perm("defects.act_on_report", world["report"])


def test_user_departments(world):
    lead_a = world["people"]["lead_a"]
    world["b"].memberships.create(user=lead_a, role="case_worker")

    assert list(user_departments(lead_a)) == [world["a"], world["b"]]
    assert list(user_departments(lead_a, role="lead")) == [world["a"]]
    assert list(user_departments(world["people"]["planner"])) == []
    assert list(user_departments(AnonymousUser())) == []


# --- every workspace service, role by role ---------------------------------------------------------------

ACTORS_ALLOWED = {"case_worker_a", "lead_a", "administrator"}


def _single(name: str) -> Callable:
    def call(world, actor):
        report = world["report"]
        common = {"report": report, "actor": actor, "expected_version": report.version}
        if name == "accept":
            return workspace_services.report_accept(**common)
        if name == "hand_back":
            return workspace_services.report_hand_back(**common, reason="Nicht unsere Straße")
        if name == "forward":
            return workspace_services.report_forward(
                **common, department=world["b"], reason="Zuständig ist B"
            )
        if name == "assign":
            return workspace_services.report_assign(**common, assignee=None)
        if name == "priority":
            return workspace_services.report_set_priority(**common, priority=Priority.HIGH)
        if name == "status":
            return workspace_services.report_change_status(
                **common, to_status=ReportStatus.IN_PROGRESS, public_message="Wir kümmern uns."
            )
        if name == "note":
            return workspace_services.report_add_note(**common, internal_note="Rücksprache mit Bauhof")
        if name == "after_photo":
            return workspace_services.report_add_after_photo(
                **common, photo=images.upload(images.camera_jpeg())
            )
        raise AssertionError(name)

    return call


SINGLE_ACTIONS = ("accept", "hand_back", "forward", "assign", "priority", "status", "note", "after_photo")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", SINGLE_ACTIONS)
def test_single_action_matrix(world, role, action):
    actor = world["people"][role]
    report = world["report"]
    events_before = ReportEvent.objects.filter(report=report).count()

    if role in ACTORS_ALLOWED:
        changed = _single(action)(world, actor)

        assert changed.version == 2
        event = ReportEvent.objects.filter(report=report).latest("pk")
        assert event.actor == actor
        assert ReportEvent.objects.filter(report=report).count() == events_before + 1
    else:
        with pytest.raises(ReportActionError) as caught:
            _single(action)(world, actor)

        assert caught.value.code == "forbidden"
        fresh = Report.objects.get(pk=report.pk)
        assert fresh.version == 1
        assert fresh.status == ReportStatus.OPEN
        assert fresh.department == world["a"]
        assert fresh.priority == Priority.NORMAL
        assert ReportEvent.objects.filter(report=report).count() == events_before
        assert not ReportPhoto.objects.filter(report=report).exists()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ("bulk_assign", "bulk_status"))
def test_bulk_action_matrix(world, role, action):
    actor = world["people"][role]
    report = world["report"]

    if action == "bulk_assign":
        [result] = workspace_services.reports_bulk_assign(actor=actor, report_ids=[report.pk], assignee=None)
    else:
        [result] = workspace_services.reports_bulk_change_status(
            actor=actor, report_ids=[report.pk], to_status=ReportStatus.IN_PROGRESS, public_message=""
        )

    assert result.report_id == report.pk
    if role in ACTORS_ALLOWED:
        assert (result.ok, result.code, result.version) == (True, None, 2)
        assert ReportEvent.objects.filter(report=report).latest("pk").actor == actor
    else:
        assert (result.ok, result.code) == (False, "forbidden")
        assert Report.objects.get(pk=report.pk).version == 1


# --- the admin of memberships and workspace data ---------------------------------------------------------


def test_admin_shows_memberships_on_the_department_and_the_workspace_models(admin_client, world):
    from django.urls import reverse

    page = admin_client.get(reverse("admin:districts_department_change", args=[world["a"].pk]))
    assert page.status_code == 200
    assert "Mitgliedschaften" in page.content.decode()
    for name in (
        "admin:districts_departmentmembership_changelist",
        "admin:defects_responsetemplate_changelist",
        "admin:defects_responsetemplate_add",
        "admin:defects_savedqueuefilter_changelist",
    ):
        assert admin_client.get(reverse(name)).status_code == 200, name
