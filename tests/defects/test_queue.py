"""The department queue: who sees what, each filter, keyset pages, counts per status, templates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from defects.models import Priority, Report, ReportStatus, ResponseTemplate
from defects.workspace_selectors import (
    QueueFilters,
    decode_cursor,
    queue_filtered,
    queue_for_user,
    response_templates_for,
    user_departments,
)
from districts.models import DepartmentMembership, Quarter
from geo_core.accounts.roles import PLANNERS
from tests.defects.factories import CategoryFactory, ReportFactory
from tests.defects.workspace_factories import staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(dept_a):
    return staff(dept_a)


def make(department, west, **fields):
    return ReportFactory(department=department, district=west, **fields)


def ids(page_or_qs):
    items = page_or_qs.items if hasattr(page_or_qs, "items") else page_or_qs
    return [report.pk for report in items]


def page(user, **filters):
    return queue_for_user(user=user, filters=QueueFilters(**filters), cursor=None, limit=50)


# --- who sees what ---------------------------------------------------------------------------------------


def test_members_see_only_their_departments_reports(west, dept_a, dept_b, worker):
    mine = make(dept_a, west)
    make(dept_b, west)
    other = staff(dept_b)

    assert ids(page(worker)) == [mine.pk]
    assert mine.pk not in ids(page(other))


def test_planners_see_every_department(west, dept_a, dept_b):
    planner = UserFactory()
    planner.groups.add(Group.objects.get_or_create(name=PLANNERS)[0])
    a, b = make(dept_a, west), make(dept_b, west)

    assert set(ids(page(planner))) == {a.pk, b.pk}


def test_people_without_a_role_see_nothing(west, dept_a):
    make(dept_a, west)
    assert ids(page(UserFactory())) == []


def test_unconfirmed_reports_are_not_in_the_queue(west, dept_a, worker):
    make(dept_a, west, status=ReportStatus.UNCONFIRMED, confirmed_at=None)
    assert ids(page(worker)) == []


def test_user_departments(dept_a, dept_b, worker):
    assert list(user_departments(worker)) == [dept_a]


# --- filters ---------------------------------------------------------------------------------------------


def test_filter_department(west, dept_a, dept_b, worker):
    DepartmentMembership.objects.create(department=dept_b, user=worker)
    a, b = make(dept_a, west), make(dept_b, west)
    assert ids(page(worker, department=dept_b.pk)) == [b.pk]
    assert ids(page(worker, department=dept_a.pk)) == [a.pk]


def test_filter_status_multi(west, dept_a, worker):
    opened = make(dept_a, west, status=ReportStatus.OPEN)
    working = make(dept_a, west, status=ReportStatus.IN_PROGRESS)
    make(dept_a, west, status=ReportStatus.RESOLVED)
    assert set(ids(page(worker, statuses=("open", "in_progress")))) == {opened.pk, working.pk}


def test_filter_category(west, dept_a, worker):
    wanted = make(dept_a, west)
    make(dept_a, west)
    assert ids(page(worker, category=wanted.category_id)) == [wanted.pk]


def test_filter_district(west, east, dept_a, worker):
    in_east = make(dept_a, east)
    make(dept_a, west)
    assert ids(page(worker, district=east.pk)) == [in_east.pk]


def test_filter_quarter(west, dept_a, worker):
    westend = Quarter.objects.get(slug="westend")
    inside = make(dept_a, west, quarter=westend)
    make(dept_a, west, quarter=None)
    assert ids(page(worker, quarter=westend.pk)) == [inside.pk]


def test_filter_priority(west, dept_a, worker):
    urgent = make(dept_a, west, priority=Priority.URGENT)
    make(dept_a, west)
    assert ids(page(worker, priority="urgent")) == [urgent.pk]


def test_filter_assignee_me_none_and_colleague(west, dept_a, worker):
    colleague = staff(dept_a)
    mine = make(dept_a, west, assignee=worker)
    theirs = make(dept_a, west, assignee=colleague)
    nobodys = make(dept_a, west)
    assert ids(page(worker, assignee="me")) == [mine.pk]
    assert ids(page(worker, assignee="none")) == [nobodys.pk]
    assert ids(page(worker, assignee=str(colleague.pk))) == [theirs.pk]
    assert ids(page(worker, assignee="not-a-number")) == []


def test_filter_min_age_days(west, dept_a, worker):
    old = make(dept_a, west)
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    make(dept_a, west)
    assert ids(page(worker, min_age_days=7)) == [old.pk]


def test_filter_overdue(west, dept_a, worker):
    yesterday = timezone.localdate() - timedelta(days=1)
    late = make(dept_a, west, due_date=yesterday)
    make(dept_a, west, due_date=yesterday, status=ReportStatus.RESOLVED)  # done: not overdue
    make(dept_a, west, due_date=timezone.localdate())  # due today: not yet overdue
    make(dept_a, west)

    result = page(worker, overdue=True)

    assert ids(result) == [late.pk]
    assert result.items[0].is_overdue is True


def test_filter_free_text_id_address_description(west, dept_a, worker):
    by_address = make(dept_a, west, address_label="Porschestraße 1")
    by_text = make(dept_a, west, description="Ampel an der Porschestraße defekt")
    other = make(dept_a, west, address_label="Berliner Ring", description="Laterne")
    assert set(ids(page(worker, q="porschestr"))) == {by_address.pk, by_text.pk}
    assert ids(page(worker, q=f"#{other.pk}")) == [other.pk]


# --- keyset pages and counts -----------------------------------------------------------------------------


def test_keyset_pages_continue_without_gaps_or_repeats(west, dept_a, worker):
    same_moment = timezone.now() - timedelta(hours=1)
    reports = [make(dept_a, west) for _ in range(7)]
    # ties on created_at: the id decides
    Report.objects.filter(pk__in=[r.pk for r in reports[:4]]).update(created_at=same_moment)
    expected = list(
        Report.objects.filter(department=dept_a).order_by("-created_at", "-id").values_list("pk", flat=True)
    )

    first = queue_for_user(user=worker, filters=QueueFilters(), cursor=None, limit=3)
    second = queue_for_user(user=worker, filters=QueueFilters(), cursor=first.next_cursor, limit=3)
    third = queue_for_user(user=worker, filters=QueueFilters(), cursor=second.next_cursor, limit=3)

    assert ids(first) + ids(second) + ids(third) == expected
    assert third.next_cursor is None
    assert decode_cursor(first.next_cursor)[1] == ids(first)[-1]


def test_page_two_uses_the_keyset_predicate_not_offset(west, dept_a, worker):
    for _ in range(3):
        make(dept_a, west)
    first = queue_for_user(user=worker, filters=QueueFilters(), cursor=None, limit=2)

    with CaptureQueriesContext(connection) as queries:
        queue_for_user(user=worker, filters=QueueFilters(), cursor=first.next_cursor, limit=2)

    [page_query] = [q["sql"] for q in queries.captured_queries if "LIMIT 3" in q["sql"]]
    assert "OFFSET" not in page_query.upper()
    assert '"defects_report"."created_at" <' in page_query
    assert '"defects_report"."id" <' in page_query


def test_a_queue_page_does_not_fetch_district_or_quarter_polygons(west, dept_a, worker):
    make(dept_a, west)

    with CaptureQueriesContext(connection) as queries:
        page = queue_for_user(user=worker, filters=QueueFilters(), cursor=None, limit=2)
        names = [(report.district.name, report.quarter and report.quarter.name) for report in page.items]

    assert names and names[0][0] == west.name
    page_sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"districts_district"."geom"' not in page_sql
    assert '"districts_quarter"."geom"' not in page_sql


def test_a_broken_cursor_starts_at_the_top(west, dept_a, worker):
    newest = make(dept_a, west)
    assert ids(queue_for_user(user=worker, filters=QueueFilters(), cursor="kaputt!", limit=1)) == [newest.pk]


def test_counts_by_status_ignore_the_status_filter_but_not_the_others(west, east, dept_a, worker):
    make(dept_a, west, status=ReportStatus.OPEN)
    make(dept_a, west, status=ReportStatus.OPEN)
    make(dept_a, west, status=ReportStatus.IN_PROGRESS)
    make(dept_a, east, status=ReportStatus.OPEN)

    counts = page(worker, district=west.pk, statuses=("in_progress",)).counts_by_status

    assert counts["open"] == 2
    assert counts["in_progress"] == 1
    assert counts["resolved"] == 0
    assert "unconfirmed" not in counts


def test_queue_filtered_returns_the_whole_set(west, dept_a, worker):
    for _ in range(3):
        make(dept_a, west)
    assert queue_filtered(user=worker, filters=QueueFilters()).count() == 3


# --- response templates ----------------------------------------------------------------------------------


def test_response_templates_by_department_category_and_status(west, dept_a, dept_b):
    report = make(dept_a, west)
    generic = ResponseTemplate.objects.create(title="Allgemein", text="Danke.")
    fitting = ResponseTemplate.objects.create(
        title="Passend",
        text="Wir kümmern uns.",
        department=dept_a,
        category=report.category,
        status="in_progress",
    )
    ResponseTemplate.objects.create(title="Anderer Fachbereich", text="x", department=dept_b)
    ResponseTemplate.objects.create(title="Andere Kategorie", text="x", category=CategoryFactory())
    ResponseTemplate.objects.create(title="Anderer Status", text="x", status="resolved")
    ResponseTemplate.objects.create(title="Inaktiv", text="x", is_active=False)

    assert list(response_templates_for(report=report, status="in_progress")) == [generic, fitting]
