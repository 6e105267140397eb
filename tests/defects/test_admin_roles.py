"""The admin by role: model permissions come from the rules in defects/rules.py and districts/rules.py."""

import pytest
from django.urls import reverse

from defects.models import ResponseTemplate
from geo_core.accounts.roles import ADMINISTRATORS, MODERATORS, PLANNERS
from tests.defects.workspace_factories import in_group, lead, staff
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

CATEGORIES = reverse("admin:defects_category_changelist")
DEPARTMENTS = reverse("admin:districts_department_changelist")
TEMPLATES = reverse("admin:defects_responsetemplate_changelist")


@pytest.fixture
def department():
    return DepartmentFactory(name="Straßen", slug="strassen")


@pytest.mark.parametrize(
    ("role", "categories", "departments"),
    [
        ("moderator", 200, 200),  # moderators may look at departments to maintain responsibilities
        ("administrator", 200, 200),
        ("planner", 403, 403),
        ("case_worker", 403, 403),
    ],
)
def test_configuration_in_the_admin_by_role(client, department, role, categories, departments):
    # given a staff account (admin access) in the role
    user = {
        "moderator": lambda: in_group(MODERATORS, is_staff=True),
        "administrator": lambda: in_group(ADMINISTRATORS, is_staff=True),
        "planner": lambda: in_group(PLANNERS, is_staff=True),
        "case_worker": lambda: staff(department, is_staff=True),
    }[role]()
    client.force_login(user)

    # then
    assert client.get(CATEGORIES).status_code == categories
    assert client.get(DEPARTMENTS).status_code == departments


def test_only_administrators_change_departments(client, department):
    moderator = in_group(MODERATORS, is_staff=True)
    client.force_login(moderator)
    change = reverse("admin:districts_department_change", args=[department.pk])

    assert client.post(change, {"name": "Umbenannt"}).status_code == 403


def test_a_lead_sees_and_writes_only_templates_of_their_department(client, department):
    # given a template of the lead's department and one of another department
    other = DepartmentFactory(name="Grün", slug="gruen")
    own = ResponseTemplate.objects.create(department=department, title="Eigene", text="…")
    ResponseTemplate.objects.create(department=other, title="Fremde", text="…")
    client.force_login(lead(department, is_staff=True))

    # when
    page = client.get(TEMPLATES)
    add_form = client.get(reverse("admin:defects_responsetemplate_add"))

    # then
    assert page.status_code == 200
    assert list(page.context["cl"].queryset) == [own]
    assert list(add_form.context["adminform"].form.fields["department"].queryset) == [department]


def test_a_case_worker_cannot_maintain_templates(client, department):
    client.force_login(staff(department, is_staff=True))

    assert client.get(TEMPLATES).status_code == 403
