"""The report lifecycle as data: which status may follow which, and what each status means publicly.

``defects.services.report_transition`` is the only code that changes a report's status, and it asks this
table first. Kept apart from the services so the table can be read (and tested) on its own.
"""

from __future__ import annotations

from defects.models import ReportStatus

S = ReportStatus

# status -> the statuses it may change to. unconfirmed only becomes open (the reporter confirmed the e-mail);
# rejected, duplicate and closed are side exits; a duplicate is final (it points to the report that lives on).
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.UNCONFIRMED: frozenset({S.OPEN}),
    S.OPEN: frozenset({S.IN_PROGRESS, S.RESOLVED, S.REJECTED, S.DUPLICATE, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.RESOLVED, S.REJECTED, S.DUPLICATE, S.CLOSED}),
    S.RESOLVED: frozenset({S.REOPENED}),
    S.REJECTED: frozenset({S.REOPENED}),
    S.DUPLICATE: frozenset(),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.IN_PROGRESS, S.RESOLVED, S.REJECTED, S.DUPLICATE, S.CLOSED}),
}

# Being worked on or waiting for it: shown as open, can be supported, counts as a possible duplicate.
OPEN_STATUSES: frozenset[str] = frozenset({S.OPEN, S.IN_PROGRESS, S.REOPENED})
# Done, one way or another (Open311 "closed").
CLOSED_STATUSES: frozenset[str] = frozenset({S.RESOLVED, S.REJECTED, S.DUPLICATE, S.CLOSED})
# The reporter may ask for these to be reopened.
REOPENABLE_STATUSES: frozenset[str] = frozenset({S.RESOLVED, S.CLOSED, S.REJECTED})
# A public reason is required to enter these.
REASON_REQUIRED_STATUSES: frozenset[str] = frozenset({S.REJECTED})


def can_transition(from_status: str, to_status: str) -> bool:
    """Return whether a report in ``from_status`` may change to ``to_status``."""
    return to_status in ALLOWED_TRANSITIONS.get(from_status, frozenset())


def next_statuses(status: str) -> list[str]:
    """Return the statuses a report in ``status`` may change to, in the lifecycle's order (for forms)."""
    allowed = ALLOWED_TRANSITIONS.get(status, frozenset())
    return [value for value in ReportStatus.values if value in allowed]


def withdrawn_status(status: str) -> str:
    """Return the status a report takes when its reporter withdraws it.

    A report still waiting or being worked on is closed; one that is already done keeps its status.
    """
    if status == S.UNCONFIRMED or status in OPEN_STATUSES:
        return S.CLOSED
    return status


def open311_status(status: str) -> str:
    """Return the Open311 GeoReport v2 status of a report status: ``open`` or ``closed``."""
    return "closed" if status in CLOSED_STATUSES else "open"
