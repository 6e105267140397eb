"""The kept counts per department and status (``QueueStatusCount``): equal to counting, after every kind of write."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from defects.generator import reports_truncate
from defects.models import QueueStatusCount, Report, ReportStatus
from defects.workspace_selectors import (
    QueueFilters,
    counts_by_status,
    counts_by_status_of_departments,
    queue_base_queryset,
    queue_for_user,
)
from geo_core.accounts.roles import PLANNERS
from tests.defects.factories import ReportFactory
from tests.defects.workspace_factories import staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def counted(department_ids):
    """The counts as the queue counted them before there were kept counts: by reading the reports."""
    reports = Report.objects.exclude(status=ReportStatus.UNCONFIRMED)
    if department_ids is not None:
        reports = reports.filter(department_id__in=department_ids)
    return counts_by_status(reports)


def assert_kept_counts_are_true(*departments):
    for department in departments:
        assert counts_by_status_of_departments(department_ids=[department.pk]) == counted([department.pk])
    assert counts_by_status_of_departments(department_ids=None) == counted(None)


def test_new_reports_are_counted_by_department_and_status_but_unconfirmed_ones_not(west, dept_a, dept_b):
    ReportFactory.create_batch(3, department=dept_a, district=west, status=ReportStatus.OPEN)
    ReportFactory(department=dept_a, district=west, status=ReportStatus.RESOLVED)
    ReportFactory(department=dept_b, district=west, status=ReportStatus.OPEN)
    ReportFactory(department=dept_b, district=west, status=ReportStatus.UNCONFIRMED)

    counts = counts_by_status_of_departments(department_ids=[dept_a.pk])

    assert counts["open"] == 3
    assert counts["resolved"] == 1
    assert "unconfirmed" not in counts
    assert_kept_counts_are_true(dept_a, dept_b)


def test_a_status_change_moves_a_report_between_counts(west, dept_a):
    report = ReportFactory(department=dept_a, district=west, status=ReportStatus.OPEN)

    Report.objects.filter(pk=report.pk).update(status=ReportStatus.IN_PROGRESS)

    counts = counts_by_status_of_departments(department_ids=[dept_a.pk])
    assert (counts["open"], counts["in_progress"]) == (0, 1)
    assert_kept_counts_are_true(dept_a)


def test_confirming_counts_a_report_for_the_first_time(west, dept_a):
    report = ReportFactory(department=dept_a, district=west, status=ReportStatus.UNCONFIRMED)

    Report.objects.filter(pk=report.pk).update(status=ReportStatus.OPEN)

    assert counts_by_status_of_departments(department_ids=[dept_a.pk])["open"] == 1


def test_forwarding_moves_a_report_to_the_other_departments_count(west, dept_a, dept_b):
    report = ReportFactory(department=dept_a, district=west, status=ReportStatus.OPEN)

    Report.objects.filter(pk=report.pk).update(department=dept_b)

    assert counts_by_status_of_departments(department_ids=[dept_a.pk])["open"] == 0
    assert counts_by_status_of_departments(department_ids=[dept_b.pk])["open"] == 1
    assert_kept_counts_are_true(dept_a, dept_b)


def test_a_set_based_update_of_many_reports_is_counted_once_per_group(west, dept_a, dept_b):
    ReportFactory.create_batch(4, department=dept_a, district=west, status=ReportStatus.OPEN)
    ReportFactory.create_batch(2, department=dept_a, district=west, status=ReportStatus.RESOLVED)

    Report.objects.filter(department=dept_a, status=ReportStatus.OPEN).update(
        department=dept_b, status=ReportStatus.IN_PROGRESS
    )

    assert_kept_counts_are_true(dept_a, dept_b)
    assert counts_by_status_of_departments(department_ids=[dept_b.pk])["in_progress"] == 4


def test_an_update_of_other_fields_writes_no_count(west, dept_a):
    report = ReportFactory(department=dept_a, district=west, status=ReportStatus.OPEN)
    row = QueueStatusCount.objects.get(department=dept_a, status=ReportStatus.OPEN)

    Report.objects.filter(pk=report.pk).update(description="Anders beschrieben")

    assert QueueStatusCount.objects.get(pk=row.pk).count == 1


def test_deleted_reports_leave_the_counts(west, dept_a):
    reports = ReportFactory.create_batch(2, department=dept_a, district=west, status=ReportStatus.CLOSED)

    reports[0].delete()

    assert counts_by_status_of_departments(department_ids=[dept_a.pk])["closed"] == 1
    assert_kept_counts_are_true(dept_a)


def test_truncating_the_reports_empties_the_counts(west, dept_a):
    ReportFactory.create_batch(2, department=dept_a, district=west, status=ReportStatus.OPEN)

    reports_truncate()

    assert not QueueStatusCount.objects.exists()


def test_the_unfiltered_queue_reads_the_kept_counts_and_not_the_reports(west, dept_a):
    worker = staff(dept_a)
    ReportFactory.create_batch(2, department=dept_a, district=west, status=ReportStatus.OPEN)

    with CaptureQueriesContext(connection) as queries:
        page = queue_for_user(user=worker, filters=QueueFilters(statuses=("open",)), cursor=None)

    assert page.counts_by_status["open"] == 2
    assert any("defects_queuestatuscount" in q["sql"] for q in queries.captured_queries)
    assert not any("COUNT(*)" in q["sql"] and "defects_report" in q["sql"] for q in queries.captured_queries)


def test_a_department_filter_counts_only_that_department_of_ones_own(west, dept_a, dept_b):
    worker = staff(dept_a)
    ReportFactory(department=dept_a, district=west, status=ReportStatus.OPEN)
    ReportFactory(department=dept_b, district=west, status=ReportStatus.OPEN)

    own = queue_for_user(user=worker, filters=QueueFilters(department=dept_a.pk), cursor=None)
    foreign = queue_for_user(user=worker, filters=QueueFilters(department=dept_b.pk), cursor=None)

    assert own.counts_by_status["open"] == 1
    assert foreign.counts_by_status["open"] == 0
    assert foreign.items == []


def test_planners_counts_are_those_of_every_department(west, dept_a, dept_b):
    planner = UserFactory()
    planner.groups.add(Group.objects.get_or_create(name=PLANNERS)[0])
    ReportFactory(department=dept_a, district=west, status=ReportStatus.OPEN)
    ReportFactory(department=dept_b, district=west, status=ReportStatus.OPEN)

    page = queue_for_user(user=planner, filters=QueueFilters(), cursor=None)

    assert page.counts_by_status["open"] == 2
    assert page.counts_by_status == counts_by_status(queue_base_queryset(user=planner))


def test_other_filters_are_counted_from_the_reports(west, east, dept_a):
    worker = staff(dept_a)
    ReportFactory(department=dept_a, district=west, status=ReportStatus.OPEN)
    ReportFactory(department=dept_a, district=east, status=ReportStatus.OPEN)

    page = queue_for_user(user=worker, filters=QueueFilters(district=west.pk), cursor=None)

    assert page.counts_by_status["open"] == 1
