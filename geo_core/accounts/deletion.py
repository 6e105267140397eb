"""Hooks that run when a person deletes their account.

Content a person created (reports, contributions, comments, listings) belongs to the public record and must
outlive the account without pointing to the person. The apps that own such content register a hook in their
``AppConfig.ready()``; ``services.user_delete`` calls every hook, in the same transaction and before the user row
is deleted, with the user as the only keyword argument::

    from geo_core.accounts.deletion import register_deletion_hook

    register_deletion_hook(key="defects", hook=defects.services.report_anonymise_for_reporter)

These are plain calls, not signals: the order is visible (by key), nothing runs by accident, and a failing hook
rolls the whole deletion back, so no account disappears while its content still names the person.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from geo_core.accounts.models import User

DeletionHook = Callable[..., None]
"""Called as ``hook(user=user)``; anonymises or deletes what the app holds about the person."""

_hooks: dict[str, DeletionHook] = {}


def register_deletion_hook(*, key: str, hook: DeletionHook) -> None:
    if key in _hooks:
        raise ImproperlyConfigured(f"A deletion hook with the key {key!r} is already registered.")
    _hooks[key] = hook


def unregister_deletion_hook(*, key: str) -> None:
    _hooks.pop(key, None)


def run_deletion_hooks(*, user: "User") -> None:
    for key in sorted(_hooks):
        _hooks[key](user=user)
