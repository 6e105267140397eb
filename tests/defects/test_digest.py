"""The department leads' daily digest: sent through the task queue, to leads only, with the right counts."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from defects import tasks, workspace_services
from defects.models import ReportEvent, ReportStatus
from tests.defects.factories import ReportFactory
from tests.defects.workspace_factories import lead, staff
from tests.factories import DepartmentFactory

TODAY = date(2026, 11, 26)


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def department_a(db):
    return DepartmentFactory(name="Fachbereich A", slug="a")


@pytest.fixture
def reports_of_a(department_a):
    yesterday = TODAY - timedelta(days=1)
    # new yesterday, not accepted
    ReportFactory(department=department_a, confirmed_at=at(yesterday, 9))
    # new yesterday, accepted, not due yet
    ReportFactory(department=department_a, confirmed_at=at(yesterday, 23), accepted_at=at(yesterday, 23))
    # older, not accepted, overdue
    ReportFactory(
        department=department_a,
        confirmed_at=at(TODAY - timedelta(days=30)),
        due_date=TODAY - timedelta(days=1),
    )
    # older, accepted and overdue
    ReportFactory(
        department=department_a,
        confirmed_at=at(TODAY - timedelta(days=30)),
        accepted_at=at(TODAY - timedelta(days=29)),
        due_date=TODAY - timedelta(days=5),
    )
    # resolved and past its due date: neither unaccepted nor overdue
    ReportFactory(
        department=department_a,
        status=ReportStatus.RESOLVED,
        confirmed_at=at(TODAY - timedelta(days=30)),
        due_date=TODAY - timedelta(days=5),
    )
    # due today: not overdue; confirmed today: new only in tomorrow's digest
    ReportFactory(
        department=department_a, confirmed_at=at(TODAY, 1), accepted_at=at(TODAY, 1), due_date=TODAY
    )
    # forwarded to A yesterday (confirmed long ago elsewhere): new for A
    forwarded = ReportFactory(
        department=department_a, confirmed_at=at(TODAY - timedelta(days=10)), accepted_at=at(yesterday)
    )
    event = ReportEvent.objects.create(
        report=forwarded, kind=ReportEvent.Kind.FORWARDED, to_department=department_a
    )
    ReportEvent.objects.filter(pk=event.pk).update(created_at=at(yesterday, 15))
    # unconfirmed reports are nobody's work
    ReportFactory(department=department_a, status=ReportStatus.UNCONFIRMED, confirmed_at=None)


def test_counts(department_a, reports_of_a):
    digest = workspace_services.department_digest(department=department_a, today=TODAY)

    assert (digest.new, digest.not_accepted, digest.overdue) == (3, 2, 2)


def test_digest_goes_to_leads_only_through_the_task_queue(department_a, reports_of_a, run_tasks):
    # given two leads and a case worker of A, and a lead of a department with nothing to report
    lead(department_a, email="leitung1@example.org", first_name="Lena")
    lead(department_a, email="leitung2@example.org")
    staff(department_a, email="sachbearbeitung@example.org")
    lead(DepartmentFactory(name="Ruhig", slug="ruhig"), email="ruhig@example.org")

    # when the periodic task runs for the morning of TODAY
    morning = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
    tasks.send_department_digests.defer(timestamp=int(morning.timestamp()))
    ran = run_tasks()

    # then
    assert ran == ["defects.send_department_digests"]
    assert sorted(message.to[0] for message in mail.outbox) == [
        "leitung1@example.org",
        "leitung2@example.org",
    ]
    message = next(m for m in mail.outbox if m.to == ["leitung1@example.org"])
    assert message.subject == "Tagesübersicht Fachbereich A: 3 neu, 2 nicht angenommen, 2 überfällig"
    assert "Guten Tag Lena" in message.body
    assert "Neu seit gestern:          3" in message.body
    assert "Noch nicht angenommen:     2" in message.body
    assert "Überfällig:                2" in message.body
    assert f"/arbeitsbereich/?department={department_a.pk}&overdue=1" in message.body
    assert message.body.count("http") == 3


def test_nothing_to_report_sends_nothing(department_a):
    lead(department_a, email="leitung@example.org")

    assert workspace_services.department_digests_send(today=TODAY) == 0
    assert mail.outbox == []


def test_inactive_leads_get_no_digest(department_a, reports_of_a):
    lead(department_a, email="ehemalig@example.org", is_active=False)

    assert workspace_services.department_digests_send(today=TODAY) == 0
