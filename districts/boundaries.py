"""Handlers that run when district or quarter boundaries change.

Other apps hold data that is located by the districts (the Mängelmelder routes reports by district), but
``districts`` must not import them. So such an app registers a handler in its ``AppConfig.ready()``, and every
write of boundaries in ``districts`` (the city import, the admin) calls ``boundary_change_handlers_run``::

    from districts.boundaries import register_boundary_change_handler

    register_boundary_change_handler(key="defects", handler=defects.services.reports_reroute)

A handler is called as ``handler(district_ids=[...])`` with the districts whose geometry (or tie-breaking
``official_id`` / ``slug``) changed or which are new, and those whose quarters changed. It runs inside the
transaction that changed the boundaries: a failing handler rolls the change back, so the committed state never
has boundaries and the data located by them disagreeing. Plain calls, not signals: the order is visible (by
key) and nothing runs by accident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured

BoundaryChangeHandler = Callable[..., object]
"""Called as ``handler(district_ids=[...])``; brings what the app locates by district up to date."""

_handlers: dict[str, BoundaryChangeHandler] = {}


def register_boundary_change_handler(*, key: str, handler: BoundaryChangeHandler) -> None:
    if key in _handlers:
        raise ImproperlyConfigured(f"A boundary change handler with the key {key!r} is already registered.")
    _handlers[key] = handler


def unregister_boundary_change_handler(*, key: str) -> None:
    _handlers.pop(key, None)


def boundary_change_handlers_run(*, district_ids: Iterable[int]) -> dict[str, object]:
    """Call every handler with the changed districts (sorted, each once); return their results by key.

    Nothing is called when no district changed.
    """
    ids = sorted({int(district_id) for district_id in district_ids})
    if not ids:
        return {}
    return {key: _handlers[key](district_ids=ids) for key in sorted(_handlers)}
