"""Who may do what in the department workspace: django-rules predicates and permissions, in one place.

Department roles are memberships (``districts.DepartmentMembership``: case worker or lead); the platform-wide
roles are groups (``geo_core.accounts.roles``). Every check the web workspace, the API and the services make
goes through ``user.has_perm(...)`` with these names.
"""

from __future__ import annotations

import rules

from districts.models import Department, DepartmentMembership
from geo_core.accounts.rules import is_administrator, is_moderator, is_planner


def _department_id(obj) -> int | None:
    """Return the department an object belongs to: a department itself, a report or a response template."""
    if obj is None:
        return None
    if isinstance(obj, Department):
        return obj.pk
    return getattr(obj, "department_id", None)


def _memberships(user):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return DepartmentMembership.objects.none()
    return DepartmentMembership.objects.filter(user=user)


@rules.predicate
def is_department_member(user) -> bool:
    """Case worker or lead of any department."""
    return _memberships(user).exists()


@rules.predicate
def is_member_of_objects_department(user, obj) -> bool:
    """Case worker or lead of the department ``obj`` (a report, a department) belongs to."""
    department_id = _department_id(obj)
    return department_id is not None and _memberships(user).filter(department_id=department_id).exists()


@rules.predicate
def is_lead_of_objects_department(user, obj) -> bool:
    """Lead of the department of ``obj``; without an object, lead of any department."""
    leads = _memberships(user).filter(role=DepartmentMembership.Role.LEAD)
    if obj is None:
        return leads.exists()
    department_id = _department_id(obj)
    return department_id is not None and leads.filter(department_id=department_id).exists()


# Case workers and leads are the only department roles, so every member may act on the department's reports.
is_department_staff_of_object = is_member_of_objects_department

rules.add_perm("defects.view_queue", is_department_member | is_planner | is_moderator | is_administrator)
rules.add_perm(
    "defects.view_report_internal",
    is_member_of_objects_department | is_planner | is_moderator | is_administrator,
)
# Planners see everything and change nothing: they are deliberately missing here.
rules.add_perm("defects.act_on_report", is_department_staff_of_object | is_administrator)
rules.add_perm(
    "defects.manage_response_templates", is_lead_of_objects_department | is_moderator | is_administrator
)
rules.add_perm("defects.manage_categories", is_moderator | is_administrator)

# Django model permissions for the admin, as rules too (the rules backend answers ``user.has_perm``): moderators
# and administrators maintain the Mängelmelder's configuration; leads maintain their department's templates.
_CONFIGURATION_MODELS = ("categorygroup", "category", "categoryquestion", "responsibility", "statuslabel")
for _model in _CONFIGURATION_MODELS:
    for _action in ("view", "add", "change", "delete"):
        rules.add_perm(f"defects.{_action}_{_model}", is_moderator | is_administrator)
for _action in ("view", "add", "change", "delete"):
    rules.add_perm(
        f"defects.{_action}_responsetemplate", is_lead_of_objects_department | is_moderator | is_administrator
    )
rules.add_perm("defects.view_report", is_planner | is_moderator | is_administrator)

# The planner dashboard ("Auswertung"): figures across every department, no personal data. Superusers pass
# too (Django answers for them before asking any backend).
rules.add_perm("defects.view_statistics", is_planner | is_administrator)
