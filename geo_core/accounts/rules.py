"""Predicates of the platform-wide staff roles (groups, see ``geo_core.accounts.roles``) for django-rules."""

from __future__ import annotations

import rules

from geo_core.accounts.roles import ADMINISTRATORS, MODERATORS, PLANNERS


def _in_group(user, name: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.groups.filter(name=name).exists()


@rules.predicate
def is_planner(user) -> bool:
    return _in_group(user, PLANNERS)


@rules.predicate
def is_moderator(user) -> bool:
    return _in_group(user, MODERATORS)


@rules.predicate
def is_administrator(user) -> bool:
    return _in_group(user, ADMINISTRATORS)
