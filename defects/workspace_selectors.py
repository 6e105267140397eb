"""Reads of the department workspace: whose departments, the queue, a report's internal history, templates."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from defects import lifecycle
from defects.models import (
    QueueStatusCount,
    Report,
    ReportEvent,
    ReportStatus,
    ResponseTemplate,
    SavedQueueFilter,
)
from districts.models import Department

# --- user_departments (the rules helper's) ---------------------------------------------------------------


def user_departments(user, *, role: str | None = None) -> QuerySet[Department]:
    """Return the departments ``user`` is a member of (case worker or lead; only ``role`` if given), by name."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Department.objects.none()
    memberships = {"memberships__user": user}
    if role is not None:
        memberships["memberships__role"] = role
    return Department.objects.filter(**memberships).distinct().order_by("name")


# --- queue -----------------------------------------------------------------------------------------------

# The queue is about work: reports still waiting for the reporter's confirmation are no one's work yet.
_NOT_IN_QUEUE = (ReportStatus.UNCONFIRMED,)
QUEUE_MAX_LIMIT = 200


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters; empty values filter nothing. ``assignee`` is "me", "none" or a user id."""

    department: int | None = None
    statuses: tuple[str, ...] = ()
    category: int | None = None
    district: int | None = None
    quarter: int | None = None
    priority: str | None = None
    assignee: str | None = None
    min_age_days: int | None = None
    overdue: bool = False
    q: str = ""


@dataclass(frozen=True)
class QueuePage:
    items: list[Report]
    next_cursor: str | None
    counts_by_status: dict[str, int] = field(default_factory=dict)


def user_sees_all_departments(user) -> bool:
    """Planners, moderators and administrators see every department's queue (planners read-only)."""
    from defects.rules import is_administrator, is_moderator, is_planner

    if not getattr(user, "is_authenticated", False):
        return False
    # Asked several times per request (the filter form, the queue): the answer is kept on the request's user.
    cached = getattr(user, "_sees_all_departments", None)
    if cached is None:
        cached = user.is_superuser or (is_planner | is_moderator | is_administrator).test(user)
        user._sees_all_departments = cached
    return cached


def queue_departments(*, user) -> QuerySet[Department]:
    """Return the departments whose queue ``user`` may look at."""
    if user_sees_all_departments(user):
        return Department.objects.order_by("name")
    return user_departments(user)


def _queue_department_ids(user) -> list[int] | None:
    """Return the ids of the departments whose queues ``user`` sees, or None for all of them."""
    if user_sees_all_departments(user):
        return None
    return list(user_departments(user).order_by().values_list("pk", flat=True))


# "Not given" for queue_base_queryset's department ids, which None cannot say: None means all departments.
_ASK_USER = object()


def queue_base_queryset(*, user, department_ids: list[int] | object | None = _ASK_USER) -> QuerySet[Report]:
    """Return every report in the queues ``user`` may see, newest first.

    ``department_ids`` are ``user``'s from ``_queue_department_ids`` (None: all), if the caller has them already.
    """
    reports = Report.objects.exclude(status__in=_NOT_IN_QUEUE)
    if department_ids is _ASK_USER:
        department_ids = _queue_department_ids(user)
    if department_ids is not None:
        # The ids as literals, not as a subquery: for one department PostgreSQL then walks the keyset index
        # (department, created_at, id) in order and stops after a page; behind a subquery it cannot know the
        # department and reads and sorts the whole queue for every page (1.4 s at a million reports).
        reports = reports.filter(department_id__in=department_ids)
    # The queue names districts and quarters; their polygons (kilobytes each) would travel with every row.
    return (
        reports.select_related("category", "district", "quarter", "department", "assignee")
        .defer("district__geom", "quarter__geom")
        .order_by("-created_at", "-id")
    )


def _filtered(reports: QuerySet[Report], *, user, filters: QueueFilters, today: date) -> QuerySet[Report]:
    if filters.department:
        reports = reports.filter(department_id=filters.department)
    if filters.category:
        reports = reports.filter(category_id=filters.category)
    if filters.district:
        reports = reports.filter(district_id=filters.district)
    if filters.quarter:
        reports = reports.filter(quarter_id=filters.quarter)
    if filters.priority:
        reports = reports.filter(priority=filters.priority)
    if filters.assignee == "me":
        reports = reports.filter(assignee=user)
    elif filters.assignee == "none":
        reports = reports.filter(assignee__isnull=True)
    elif filters.assignee:
        try:
            reports = reports.filter(assignee_id=int(filters.assignee))
        except ValueError:
            reports = reports.none()
    if filters.min_age_days:
        # A range on the column keeps the keyset index usable.
        reports = reports.filter(created_at__lte=timezone.now() - timedelta(days=filters.min_age_days))
    if filters.overdue:
        reports = reports.filter(due_date__lt=today, status__in=lifecycle.OPEN_STATUSES)
    text = filters.q.strip()
    if text:
        number = text.lstrip("#").strip()
        condition = Q(address_label__icontains=text) | Q(description__icontains=text)
        if number.isdigit():
            condition |= Q(pk=int(number))
        reports = reports.filter(condition)
    return reports


def encode_cursor(report: Report) -> str:
    raw = f"{report.created_at.isoformat()}|{report.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """Return the (created_at, id) of a cursor, or None for anything that is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, _sep, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition("|")
        moment = parse_datetime(created)
        if moment is None or not pk.isdigit():
            return None
        return moment, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def queue_filtered(*, user, filters: QueueFilters, today: date | None = None) -> QuerySet[Report]:
    """Return the whole filtered queue of ``user``, newest first (for the CSV export and the map)."""
    today = today or timezone.localdate()
    reports = _filtered(queue_base_queryset(user=user), user=user, filters=filters, today=today)
    if filters.statuses:
        reports = reports.filter(status__in=list(filters.statuses))
    return reports


def queue_for_user(*, user, filters: QueueFilters, cursor: str | None, limit: int = 50) -> QueuePage:
    """Return one page of ``user``'s queue, newest first, with the counts per status of the filtered set.

    Pages are keyset pages on (created_at, id): the next page starts below the last row of this one, so page
    1,000 costs what page 1 costs (no OFFSET). An unknown cursor starts at the top. The counts ignore the
    status filter, so they tell how many reports each status tab would show.
    """
    limit = max(1, min(int(limit), QUEUE_MAX_LIMIT))
    today = timezone.localdate()
    department_ids = _queue_department_ids(user)
    without_status = _filtered(
        queue_base_queryset(user=user, department_ids=department_ids), user=user, filters=filters, today=today
    )
    reports = without_status
    if filters.statuses:
        reports = reports.filter(status__in=list(filters.statuses))
    position = decode_cursor(cursor) if cursor else None
    if position is not None:
        created_at, pk = position
        # The plain range first: the index is searched from the cursor on (the OR alone is only a filter, so
        # page 1,000 read the 50,000 rows above it); the OR then settles the ties of the same moment.
        reports = reports.filter(created_at__lte=created_at).filter(
            Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk)
        )
    rows = list(reports[: limit + 1])
    items = rows[:limit]
    for report in items:
        report.is_overdue = report_is_overdue(report, today=today)
        report.age_days = (today - timezone.localtime(report.created_at).date()).days
    next_cursor = encode_cursor(items[-1]) if len(rows) > limit else None
    if _only_departments_filtered(filters):
        if filters.department and department_ids is None:
            department_ids = [filters.department]
        elif filters.department:
            department_ids = [pk for pk in department_ids if pk == filters.department]
        counts = counts_by_status_of_departments(department_ids=department_ids)
    else:
        counts = counts_by_status(without_status)
    return QueuePage(items=items, next_cursor=next_cursor, counts_by_status=counts)


def _only_departments_filtered(filters: QueueFilters) -> bool:
    """Tell whether ``filters`` narrow the queue by department only (the status filter is not counted)."""
    return not (
        filters.category
        or filters.district
        or filters.quarter
        or filters.priority
        or filters.assignee
        or filters.min_age_days
        or filters.overdue
        or filters.q.strip()
    )


def _in_lifecycle_order(counts: dict[str, int]) -> dict[str, int]:
    return {status: counts.get(status, 0) for status in ReportStatus.values if status not in _NOT_IN_QUEUE}


def counts_by_status(reports: QuerySet[Report]) -> dict[str, int]:
    """Return the number of reports per status, in lifecycle order, statuses without reports included as 0."""
    # count(*), not count(id): the counts then come from the index on (department, status) alone.
    counts = dict(reports.order_by().values("status").annotate(n=Count("*")).values_list("status", "n"))
    return _in_lifecycle_order(counts)


def counts_by_status_of_departments(*, department_ids: list[int] | None) -> dict[str, int]:
    """Return the reports per status of these departments' queues (None: all), from the kept counts.

    The same numbers as ``counts_by_status`` of those queues, without counting them (see ``QueueStatusCount``).
    """
    counts = QueueStatusCount.objects.all()
    if department_ids is not None:
        counts = counts.filter(department_id__in=department_ids)
    totals = counts.order_by().values("status").annotate(n=Sum("count")).values_list("status", "n")
    return _in_lifecycle_order({status: int(n) for status, n in totals})


def report_is_overdue(report: Report, *, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return bool(report.due_date and report.due_date < today and report.status in lifecycle.OPEN_STATUSES)


def queue_report(*, user, report_id: int) -> Report | None:
    """Return one report of ``user``'s queues for the work page, or None."""
    return queue_base_queryset(user=user).filter(pk=report_id).first()


@dataclass(frozen=True)
class InternalEvent:
    created_at: datetime
    kind: str
    kind_label: str
    actor_name: str
    from_status_label: str
    to_status_label: str
    from_department: str
    to_department: str
    public_message: str
    internal_note: str
    is_public: bool


def report_internal_history(*, report: Report) -> list[InternalEvent]:
    """Return every event of a report with who did it and both texts; ``is_public`` marks what citizens see."""
    from defects.selectors import report_public_history

    public_times = {(event.created_at, event.kind) for event in report_public_history(report=report)}
    kinds = dict(ReportEvent.Kind.choices)
    statuses = dict(ReportStatus.choices)
    events = (
        ReportEvent.objects.filter(report_id=report.pk)
        .select_related("actor", "from_department", "to_department")
        .order_by("created_at", "pk")
    )
    history = []
    for event in events:
        actor = event.actor
        actor_name = (actor.get_full_name() or actor.get_username()) if actor else event.actor_label
        history.append(
            InternalEvent(
                created_at=event.created_at,
                kind=event.kind,
                kind_label=str(kinds.get(event.kind, event.kind)),
                actor_name=actor_name,
                from_status_label=str(statuses.get(event.from_status, "")),
                to_status_label=str(statuses.get(event.to_status, "")),
                from_department=event.from_department.name if event.from_department else "",
                to_department=event.to_department.name if event.to_department else "",
                public_message=event.public_message,
                internal_note=event.internal_note,
                is_public=(event.created_at, event.kind) in public_times,
            )
        )
    return history


def response_templates_for(*, report: Report, status: str | None = None) -> QuerySet[ResponseTemplate]:
    """Return the active templates fitting the report's department and category (and ``status``, if given)."""
    templates = ResponseTemplate.objects.filter(is_active=True).filter(
        Q(department__isnull=True) | Q(department_id=report.department_id),
        Q(category__isnull=True) | Q(category_id=report.category_id),
    )
    if status:
        templates = templates.filter(Q(status="") | Q(status=status))
    return templates.order_by("title", "pk")


def saved_filters_for(*, user) -> QuerySet[SavedQueueFilter]:
    """Return the filters ``user`` saved, by name (only their own)."""
    return SavedQueueFilter.objects.filter(user=user).order_by("name", "pk")
