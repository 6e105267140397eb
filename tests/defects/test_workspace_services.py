"""The workspace's actions: each one event with its actor, optimistic locking, and what each action changes."""

import pytest
from django.core import mail

from defects import workspace_services
from defects.errors import ReportActionError
from defects.models import Priority, Report, ReportEvent, ReportPhoto, ReportStatus, Subscription
from defects.selectors import report_public_history, report_supporter_count
from tests.defects import images
from tests.defects.factories import ReportFactory, SubscriptionFactory
from tests.defects.workspace_factories import staff
from tests.factories import DepartmentFactory


@pytest.fixture
def department_a(db):
    return DepartmentFactory(name="Fachbereich A", slug="a")


@pytest.fixture
def worker(department_a):
    return staff(department_a, first_name="Karl", last_name="Kasse")


@pytest.fixture
def report(department_a):
    return ReportFactory(department=department_a)


def last_event(report: Report) -> ReportEvent:
    return ReportEvent.objects.filter(report=report).latest("pk")


def test_conflict_second_call_with_the_same_version_loses(report, worker, department_a):
    # given two staff members who both loaded version 1
    colleague = staff(department_a)
    seen_by_both = report.version

    # when the first sets the priority, the second (same version) tries another change
    workspace_services.report_set_priority(
        report=Report.objects.get(pk=report.pk), actor=worker, expected_version=seen_by_both, priority="high"
    )
    with pytest.raises(ReportActionError) as caught:
        workspace_services.report_set_priority(
            report=Report.objects.get(pk=report.pk),
            actor=colleague,
            expected_version=seen_by_both,
            priority="low",
        )

    # then the second gets "conflict" and the first change stays
    assert caught.value.code == "conflict"
    assert caught.value.message == (
        "Die Meldung wurde inzwischen von jemand anderem geändert. Bitte laden Sie sie neu."
    )
    fresh = Report.objects.get(pk=report.pk)
    assert (fresh.priority, fresh.version) == (Priority.HIGH, 2)
    assert ReportEvent.objects.filter(report=report, kind=ReportEvent.Kind.PRIORITY_CHANGED).count() == 1


def test_conflict_across_different_actions(report, worker):
    workspace_services.report_add_note(report=report, actor=worker, expected_version=1, internal_note="a")

    with pytest.raises(ReportActionError) as caught:
        workspace_services.report_change_status(
            report=report, actor=worker, expected_version=1, to_status=ReportStatus.RESOLVED
        )

    assert caught.value.code == "conflict"
    assert Report.objects.get(pk=report.pk).status == ReportStatus.OPEN


def test_accept(report, worker, department_a):
    changed = workspace_services.report_accept(report=report, actor=worker, expected_version=1)

    assert changed.accepted_at is not None and report.accepted_at is not None
    event = last_event(report)
    assert (event.kind, event.actor, event.to_department) == (ReportEvent.Kind.ACCEPTED, worker, department_a)
    with pytest.raises(ReportActionError) as caught:
        workspace_services.report_accept(report=report, actor=worker, expected_version=2)
    assert caught.value.code == "already_accepted"


def test_hand_back_sets_triage(report, worker, department_a, triage):
    report.assignee = worker
    report.accepted_at = report.created_at
    report.save()

    changed = workspace_services.report_hand_back(
        report=report, actor=worker, expected_version=1, reason="Privatgrundstück, nicht unsere Sache"
    )

    assert changed.department == triage and changed.needs_triage
    assert changed.assignee is None and changed.accepted_at is None
    event = last_event(report)
    assert event.kind == ReportEvent.Kind.HANDED_BACK
    assert (event.actor, event.from_department, event.to_department) == (worker, department_a, triage)
    assert event.internal_note == "Privatgrundstück, nicht unsere Sache"
    assert event.public_message == ""
    # the worker of A can no longer act on it
    with pytest.raises(ReportActionError) as caught:
        workspace_services.report_add_note(report=report, actor=worker, expected_version=2, internal_note="x")
    assert caught.value.code == "forbidden"


def test_hand_back_needs_a_reason(report, worker, triage):
    with pytest.raises(ReportActionError) as caught:
        workspace_services.report_hand_back(report=report, actor=worker, expected_version=1, reason="  ")

    assert (caught.value.code, caught.value.field) == ("reason_required", "reason")


def test_forward_changes_department_with_reason(report, worker, department_a):
    department_b = DepartmentFactory(name="Fachbereich B", slug="b")

    changed = workspace_services.report_forward(
        report=report, actor=worker, expected_version=1, department=department_b, reason="Grünflächen: B"
    )

    assert changed.department == department_b and not changed.needs_triage
    assert "Fachbereich A" in changed.routing_reason
    event = last_event(report)
    assert event.kind == ReportEvent.Kind.FORWARDED
    assert (event.from_department, event.to_department, event.actor) == (department_a, department_b, worker)
    assert event.internal_note == "Grünflächen: B"


def test_forward_to_the_same_department_is_refused(report, worker, department_a):
    with pytest.raises(ReportActionError) as caught:
        workspace_services.report_forward(
            report=report, actor=worker, expected_version=1, department=department_a, reason="x"
        )

    assert caught.value.code == "department_invalid"


def test_assign_to_a_colleague_and_back_to_nobody(report, worker, department_a):
    colleague = staff(department_a, first_name="Clara", last_name="Kollegin")

    workspace_services.report_assign(report=report, actor=worker, expected_version=1, assignee=colleague)
    assert Report.objects.get(pk=report.pk).assignee == colleague
    assert "Clara Kollegin" in last_event(report).internal_note
    assert last_event(report).kind == ReportEvent.Kind.ASSIGNED

    workspace_services.report_assign(report=report, actor=worker, expected_version=2, assignee=None)
    assert Report.objects.get(pk=report.pk).assignee is None


def test_assign_to_someone_outside_the_department_is_refused(report, worker):
    outsider = staff(DepartmentFactory())

    with pytest.raises(ReportActionError) as caught:
        workspace_services.report_assign(report=report, actor=worker, expected_version=1, assignee=outsider)

    assert caught.value.code == "assignee_invalid"


def test_set_priority(report, worker):
    workspace_services.report_set_priority(report=report, actor=worker, expected_version=1, priority="urgent")

    assert Report.objects.get(pk=report.pk).priority == Priority.URGENT
    assert last_event(report).kind == ReportEvent.Kind.PRIORITY_CHANGED
    with pytest.raises(ReportActionError) as caught:
        workspace_services.report_set_priority(report=report, actor=worker, expected_version=2, priority="x")
    assert caught.value.code == "priority_invalid"


def test_change_status_writes_one_event_and_mails_the_public_message(report, worker, run_tasks):
    SubscriptionFactory(report=report, role=Subscription.Role.REPORTER, email="erika@example.org")

    workspace_services.report_change_status(
        report=report,
        actor=worker,
        expected_version=1,
        to_status=ReportStatus.IN_PROGRESS,
        public_message="Wir reparieren das nächste Woche.",
        internal_note="Firma Müller beauftragt",
    )
    run_tasks()

    fresh = Report.objects.get(pk=report.pk)
    assert (fresh.status, fresh.version) == (ReportStatus.IN_PROGRESS, 2)
    [event] = ReportEvent.objects.filter(report=report)
    assert (event.actor, event.to_status, event.internal_note) == (
        worker,
        ReportStatus.IN_PROGRESS,
        "Firma Müller beauftragt",
    )
    [message] = mail.outbox
    assert "Wir reparieren das nächste Woche." in message.body
    assert "Firma Müller" not in message.body


def test_change_status_refused_by_the_lifecycle_keeps_the_version(report, worker):
    with pytest.raises(ReportActionError) as caught:
        workspace_services.report_change_status(
            report=report, actor=worker, expected_version=1, to_status=ReportStatus.REOPENED
        )

    assert caught.value.code == "transition_not_allowed"
    assert Report.objects.get(pk=report.pk).version == 1


def test_duplicate_moves_confirmed_subscriptions_to_the_original(report, worker, department_a, run_tasks):
    # given an original with one supporter, and a duplicate with its reporter, two supporters (one not yet
    # confirmed) and one address the original already has
    original = ReportFactory(department=department_a)
    SubscriptionFactory(report=original, email="schon@example.org")
    SubscriptionFactory(report=report, role=Subscription.Role.REPORTER, email="melder@example.org")
    SubscriptionFactory(report=report, email="fan@example.org")
    SubscriptionFactory(report=report, email="unbestaetigt@example.org", confirmed_at=None)
    SubscriptionFactory(report=report, email="schon@example.org")

    # when
    workspace_services.report_change_status(
        report=report,
        actor=worker,
        expected_version=1,
        to_status=ReportStatus.DUPLICATE,
        public_message="Bereits gemeldet.",
        duplicate_of=original,
    )
    run_tasks()

    # then the confirmed subscribers now support the original, once each
    emails = sorted(Subscription.objects.filter(report=original).values_list("email", flat=True))
    assert emails == ["fan@example.org", "melder@example.org", "schon@example.org"]
    assert report_supporter_count(report=original) == 3
    assert all(s.token_hash for s in Subscription.objects.filter(report=original))
    fresh = Report.objects.get(pk=report.pk)
    assert (fresh.status, fresh.duplicate_of) == (ReportStatus.DUPLICATE, original)
    # and they were told that the report is a duplicate
    assert sorted(m.to[0] for m in mail.outbox) == [
        "fan@example.org",
        "melder@example.org",
        "schon@example.org",
    ]


def test_add_note_is_internal(report, worker):
    workspace_services.report_add_note(
        report=report, actor=worker, expected_version=1, internal_note="Anwohner angerufen"
    )

    event = last_event(report)
    assert (event.kind, event.actor, event.internal_note) == (
        ReportEvent.Kind.NOTE,
        worker,
        "Anwohner angerufen",
    )
    assert report_public_history(report=report) == []
    with pytest.raises(ReportActionError) as caught:
        workspace_services.report_add_note(report=report, actor=worker, expected_version=2, internal_note="")
    assert caught.value.code == "note_required"


def test_after_photo_is_stored_without_metadata(report, worker):
    source = images.camera_jpeg()
    assert images.CAMERA_MAKE.encode() in source

    workspace_services.report_add_after_photo(
        report=report, actor=worker, expected_version=1, photo=images.upload(source, name="Erika_IMG_1.jpg")
    )

    [photo] = ReportPhoto.objects.filter(report=report)
    assert photo.kind == ReportPhoto.Kind.AFTER and photo.is_public
    assert "Erika" not in photo.image.name
    content = photo.image.read()
    for secret in (b"Exif", images.CAMERA_MAKE.encode(), images.SERIAL.encode(), images.COMMENT):
        assert secret not in content
    event = last_event(report)
    assert (event.kind, event.actor) == (ReportEvent.Kind.PHOTO_ADDED, worker)
    assert Report.objects.get(pk=report.pk).version == 2


def test_after_photo_that_is_no_image_is_refused(report, worker):
    with pytest.raises(ReportActionError) as caught:
        workspace_services.report_add_after_photo(
            report=report, actor=worker, expected_version=1, photo=images.upload(b"kein Bild", name="x.jpg")
        )

    assert caught.value.field == "photo" and caught.value.code.startswith("photo_")
    assert not ReportPhoto.objects.exists()
    assert Report.objects.get(pk=report.pk).version == 1


def test_unconfirmed_reports_are_not_found(department_a, worker):
    report = ReportFactory(department=department_a, status=ReportStatus.UNCONFIRMED, confirmed_at=None)

    with pytest.raises(ReportActionError) as caught:
        workspace_services.report_accept(report=report, actor=worker, expected_version=1)

    assert caught.value.code == "not_found"


def test_bulk_results_per_report(report, worker, department_a):
    # given one report of A, one of A already resolved, one of another department and one that does not exist
    resolved = ReportFactory(department=department_a, status=ReportStatus.RESOLVED)
    foreign = ReportFactory(department=DepartmentFactory())

    results = workspace_services.reports_bulk_change_status(
        actor=worker,
        report_ids=[report.pk, resolved.pk, foreign.pk, 999_999, report.pk],
        to_status=ReportStatus.IN_PROGRESS,
        public_message="",
    )

    assert [(r.report_id, r.ok, r.code) for r in results] == [
        (report.pk, True, None),
        (resolved.pk, False, "transition_not_allowed"),
        (foreign.pk, False, "forbidden"),
        (999_999, False, "not_found"),
    ]
    assert results[0].version == 2
    assert Report.objects.get(pk=report.pk).status == ReportStatus.IN_PROGRESS
    assert Report.objects.get(pk=foreign.pk).version == 1


def test_bulk_assign_each_report_versioned_on_its_own(report, worker, department_a):
    other = ReportFactory(department=department_a)
    other.version = 7
    other.save()

    results = workspace_services.reports_bulk_assign(
        actor=worker, report_ids=[report.pk, other.pk], assignee=worker
    )

    assert [(r.ok, r.version) for r in results] == [(True, 2), (True, 8)]
    assert set(Report.objects.filter(assignee=worker).values_list("pk", flat=True)) == {report.pk, other.pk}
    assert ReportEvent.objects.filter(kind=ReportEvent.Kind.ASSIGNED, actor=worker).count() == 2
