"""Factories and helpers for the department workspace: staff memberships and the platform-wide roles."""

import factory
from django.contrib.auth.models import Group

from districts.models import DepartmentMembership
from tests.factories import DepartmentFactory, UserFactory


class MembershipFactory(factory.django.DjangoModelFactory):
    """A case worker of a new department (pass ``department`` and ``role`` as needed)."""

    class Meta:
        model = DepartmentMembership

    department = factory.SubFactory(DepartmentFactory)
    user = factory.SubFactory(UserFactory)
    role = DepartmentMembership.Role.CASE_WORKER


def staff(department, *, role: str = DepartmentMembership.Role.CASE_WORKER, **user_fields):
    """Return a new user who is a member of ``department`` in ``role``."""
    user = UserFactory(**user_fields)
    MembershipFactory(department=department, user=user, role=role)
    return user


def lead(department, **user_fields):
    return staff(department, role=DepartmentMembership.Role.LEAD, **user_fields)


def in_group(name: str, **user_fields):
    """Return a new user in the platform-wide role group ``name`` (created by a data migration)."""
    user = UserFactory(**user_fields)
    # get_or_create: a committing (transactional) test flushes the groups the data migration made.
    user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user
