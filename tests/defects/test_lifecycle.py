"""The report lifecycle: every allowed and every refused transition, its event, its timestamps, its mails."""

import itertools

import pytest
from django.core import mail

from defects import lifecycle, services
from defects.errors import ReportActionError, ReportErrorCode
from defects.models import Report, ReportEvent, ReportStatus, Subscription
from tests.defects.conftest import public_report
from tests.defects.factories import SubscriptionFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

S = ReportStatus

# The lifecycle of the brief, written out by hand: the table in defects/lifecycle.py must say the same.
EXPECTED_ALLOWED = {
    (S.UNCONFIRMED, S.OPEN),
    (S.OPEN, S.IN_PROGRESS),
    (S.OPEN, S.RESOLVED),
    (S.OPEN, S.REJECTED),
    (S.OPEN, S.DUPLICATE),
    (S.OPEN, S.CLOSED),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.IN_PROGRESS, S.REJECTED),
    (S.IN_PROGRESS, S.DUPLICATE),
    (S.IN_PROGRESS, S.CLOSED),
    (S.RESOLVED, S.REOPENED),
    (S.REJECTED, S.REOPENED),
    (S.CLOSED, S.REOPENED),
    (S.REOPENED, S.IN_PROGRESS),
    (S.REOPENED, S.RESOLVED),
    (S.REOPENED, S.REJECTED),
    (S.REOPENED, S.DUPLICATE),
    (S.REOPENED, S.CLOSED),
}
ALL_CHANGES = [(a, b) for a, b in itertools.product(S.values, S.values) if a != b]
ALLOWED = [pair for pair in ALL_CHANGES if pair in EXPECTED_ALLOWED]
REFUSED = [pair for pair in ALL_CHANGES if pair not in EXPECTED_ALLOWED]


def _ids(pairs):
    return [f"{a}->{b}" for a, b in pairs]


@pytest.fixture
def staff(db):
    return UserFactory(email="sachbearbeitung@example.org")


@pytest.fixture
def make_report(category, west):
    def make(status: str = S.OPEN, **fields) -> Report:
        if status == S.UNCONFIRMED:
            fields.setdefault("confirmed_at", None)
        return public_report(category, west, status=status, **fields)

    return make


@pytest.fixture
def original(make_report):
    return make_report(S.OPEN, description="Die erste Meldung")


def _extras(to_status: str, original: Report) -> dict:
    """The arguments a transition to ``to_status`` needs besides the status."""
    if to_status == S.REJECTED:
        return {"public_message": "Privatgrundstück: bitte wenden Sie sich an den Eigentümer."}
    if to_status == S.DUPLICATE:
        return {"duplicate_of": original}
    return {}


# --- The table ---------------------------------------------------------------------------------------------


def test_the_table_is_the_lifecycle_of_the_brief():
    table = {(a, b) for a, targets in lifecycle.ALLOWED_TRANSITIONS.items() for b in targets}
    assert table == EXPECTED_ALLOWED


def test_the_table_covers_every_status():
    assert set(lifecycle.ALLOWED_TRANSITIONS) == set(S.values)


@pytest.mark.parametrize(("from_status", "to_status"), ALL_CHANGES, ids=_ids(ALL_CHANGES))
def test_can_transition_agrees_with_the_hand_written_list(from_status, to_status):
    assert lifecycle.can_transition(from_status, to_status) is ((from_status, to_status) in EXPECTED_ALLOWED)


def test_next_statuses_are_in_lifecycle_order():
    assert lifecycle.next_statuses(S.OPEN) == [S.IN_PROGRESS, S.RESOLVED, S.REJECTED, S.DUPLICATE, S.CLOSED]
    assert lifecycle.next_statuses(S.DUPLICATE) == []


# --- Every change through the service ----------------------------------------------------------------------


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED, ids=_ids(ALLOWED))
def test_an_allowed_transition_changes_the_status_and_writes_one_event(
    make_report, original, staff, from_status, to_status
):
    # given
    report = make_report(from_status)
    assert lifecycle.can_transition(from_status, to_status)
    # when
    changed = services.report_transition(
        report=report, to_status=to_status, actor=staff, **_extras(to_status, original)
    )
    # then
    changed.refresh_from_db()
    assert changed.status == to_status
    [event] = ReportEvent.objects.filter(report=report)
    assert (event.from_status, event.to_status) == (from_status, to_status)
    assert event.actor == staff


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED, ids=_ids(REFUSED))
def test_a_refused_transition_changes_nothing(make_report, original, staff, from_status, to_status):
    # given
    report = make_report(from_status)
    assert not lifecycle.can_transition(from_status, to_status)
    # when
    with pytest.raises(ReportActionError) as refused:
        services.report_transition(
            report=report, to_status=to_status, actor=staff, **_extras(to_status, original)
        )
    # then
    assert refused.value.code == ReportErrorCode.TRANSITION_NOT_ALLOWED
    report.refresh_from_db()
    assert report.status == from_status
    assert not ReportEvent.objects.filter(report=report).exists()


def test_an_unknown_status_is_refused(make_report, staff):
    report = make_report(S.OPEN)
    with pytest.raises(ReportActionError) as refused:
        services.report_transition(report=report, to_status="verschwunden", actor=staff)
    assert refused.value.code == ReportErrorCode.TRANSITION_NOT_ALLOWED


def test_the_status_in_the_database_counts_not_the_callers_copy(make_report, staff):
    # given: another request resolved the report after this copy was loaded
    report = make_report(S.OPEN)
    Report.objects.filter(pk=report.pk).update(status=S.RESOLVED)
    # when / then: resolved -> in_progress is not allowed
    with pytest.raises(ReportActionError):
        services.report_transition(report=report, to_status=S.IN_PROGRESS, actor=staff)


def test_the_callers_copy_is_brought_up_to_date(make_report, staff):
    report = make_report(S.OPEN)
    services.report_transition(report=report, to_status=S.RESOLVED, actor=staff)
    assert report.status == S.RESOLVED
    assert report.resolved_at is not None


# --- Same status: a note -----------------------------------------------------------------------------------


def test_the_same_status_without_a_message_is_refused(make_report, staff):
    report = make_report(S.IN_PROGRESS)
    with pytest.raises(ReportActionError) as refused:
        services.report_transition(report=report, to_status=S.IN_PROGRESS, actor=staff)
    assert refused.value.code == ReportErrorCode.TRANSITION_NOT_ALLOWED


def test_the_same_status_with_a_message_adds_a_note(make_report, staff):
    report = make_report(S.IN_PROGRESS)
    services.report_transition(
        report=report, to_status=S.IN_PROGRESS, actor=staff, public_message="Auftrag an die Baufirma erteilt."
    )
    [event] = ReportEvent.objects.filter(report=report)
    assert event.kind == ReportEvent.Kind.NOTE
    assert event.public_message == "Auftrag an die Baufirma erteilt."
    assert Report.objects.get(pk=report.pk).status == S.IN_PROGRESS


# --- Rules of single transitions ---------------------------------------------------------------------------


@pytest.mark.parametrize("message", ["", "   \n "])
def test_rejecting_needs_a_public_reason(make_report, staff, message):
    report = make_report(S.OPEN)
    with pytest.raises(ReportActionError) as refused:
        services.report_transition(
            report=report, to_status=S.REJECTED, actor=staff, public_message=message, internal_note="intern"
        )
    assert refused.value.code == ReportErrorCode.REASON_REQUIRED
    assert refused.value.field == "public_message"
    assert Report.objects.get(pk=report.pk).status == S.OPEN


def test_a_duplicate_needs_the_original(make_report, staff):
    report = make_report(S.OPEN)
    with pytest.raises(ReportActionError) as refused:
        services.report_transition(report=report, to_status=S.DUPLICATE, actor=staff)
    assert refused.value.code == ReportErrorCode.DUPLICATE_OF_REQUIRED


def test_a_report_is_no_duplicate_of_itself(make_report, staff):
    report = make_report(S.OPEN)
    with pytest.raises(ReportActionError) as refused:
        services.report_transition(report=report, to_status=S.DUPLICATE, actor=staff, duplicate_of=report)
    assert refused.value.code == ReportErrorCode.DUPLICATE_OF_INVALID


@pytest.mark.parametrize(
    "original_fields",
    [
        {"status": S.UNCONFIRMED, "confirmed_at": None},
        {"status": S.OPEN, "withdrawn_at": "now"},
        {"status": S.DUPLICATE},
    ],
    ids=["unconfirmed", "withdrawn", "itself-a-duplicate"],
)
def test_the_original_must_be_public_and_no_duplicate(make_report, staff, original_fields):
    # given
    if original_fields.get("withdrawn_at") == "now":
        from django.utils import timezone

        original_fields = {**original_fields, "withdrawn_at": timezone.now()}
    original = make_report(**original_fields)
    report = make_report(S.OPEN)
    # when
    with pytest.raises(ReportActionError) as refused:
        services.report_transition(report=report, to_status=S.DUPLICATE, actor=staff, duplicate_of=original)
    # then
    assert refused.value.code == ReportErrorCode.DUPLICATE_OF_INVALID
    assert Report.objects.get(pk=report.pk).duplicate_of is None


def test_a_duplicate_links_the_original_and_keeps_its_own_subscribers(make_report, original, staff):
    # given
    report = make_report(S.OPEN)
    supporter = SubscriptionFactory(report=report)
    # when
    services.report_transition(report=report, to_status=S.DUPLICATE, actor=staff, duplicate_of=original)
    # then
    report.refresh_from_db()
    assert report.duplicate_of == original
    assert Subscription.objects.get(pk=supporter.pk).report == report
    assert not original.subscriptions.exists()


# --- Timestamps --------------------------------------------------------------------------------------------


def test_resolving_sets_resolved_at_and_closed_at(make_report, staff):
    report = services.report_transition(report=make_report(S.IN_PROGRESS), to_status=S.RESOLVED, actor=staff)
    assert report.resolved_at is not None
    assert report.closed_at == report.resolved_at


@pytest.mark.parametrize("to_status", [S.CLOSED, S.REJECTED])
def test_closing_sets_closed_at_only(make_report, staff, to_status):
    report = services.report_transition(
        report=make_report(S.OPEN), to_status=to_status, actor=staff, **_extras(to_status, None)
    )
    assert report.closed_at is not None
    assert report.resolved_at is None


def test_reopening_clears_resolved_at_and_closed_at(make_report, staff):
    report = services.report_transition(report=make_report(S.OPEN), to_status=S.RESOLVED, actor=staff)
    report = services.report_transition(report=report, to_status=S.REOPENED, actor=staff)
    assert report.resolved_at is None
    assert report.closed_at is None


def test_confirming_through_a_transition_sets_confirmed_at(make_report, staff):
    report = services.report_transition(report=make_report(S.UNCONFIRMED), to_status=S.OPEN, actor=staff)
    assert report.confirmed_at is not None
    assert ReportEvent.objects.get(report=report).kind == ReportEvent.Kind.CONFIRMED


# --- The event ---------------------------------------------------------------------------------------------


def test_the_event_keeps_public_message_internal_note_and_actor(make_report, staff):
    report = make_report(S.OPEN)
    services.report_transition(
        report=report,
        to_status=S.IN_PROGRESS,
        actor=staff,
        actor_label="Straßen und Brücken",
        public_message="Wir kümmern uns.",
        internal_note="Kolonne 3, Dienstag",
    )
    [event] = ReportEvent.objects.filter(report=report)
    assert event.kind == ReportEvent.Kind.STATUS_CHANGED
    assert event.public_message == "Wir kümmern uns."
    assert event.internal_note == "Kolonne 3, Dienstag"
    assert event.actor == staff
    assert event.actor_label == "Straßen und Brücken"


def test_a_change_by_the_system_is_labelled_so(make_report):
    report = make_report(S.OPEN)
    services.report_transition(report=report, to_status=S.CLOSED, actor=None)
    assert ReportEvent.objects.get(report=report).actor_label == "System"


def test_each_transition_writes_exactly_one_event(make_report, staff):
    report = make_report(S.OPEN)
    for to_status in (S.IN_PROGRESS, S.RESOLVED, S.REOPENED, S.CLOSED):
        report = services.report_transition(report=report, to_status=to_status, actor=staff)
    events = ReportEvent.objects.filter(report=report).order_by("pk")
    assert [(e.from_status, e.to_status) for e in events] == [
        (S.OPEN, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.RESOLVED),
        (S.RESOLVED, S.REOPENED),
        (S.REOPENED, S.CLOSED),
    ]


# --- Mails to subscribers ----------------------------------------------------------------------------------


def test_a_public_change_is_mailed_to_confirmed_subscribers_without_the_internal_note(
    make_report, staff, run_tasks
):
    # given
    report = make_report(S.OPEN)
    reporter = SubscriptionFactory(
        report=report, role=Subscription.Role.REPORTER, email="meldend@example.org"
    )
    supporter = SubscriptionFactory(report=report, email="unterstuetzend@example.org")
    SubscriptionFactory(report=report, email="unbestaetigt@example.org", confirmed_at=None)
    # when
    services.report_transition(
        report=report,
        to_status=S.RESOLVED,
        actor=staff,
        public_message="Das Schlagloch ist verfüllt.",
        internal_note="Rechnung 4711 an Firma Müller",
    )
    run_tasks()
    # then
    assert sorted(message.to[0] for message in mail.outbox) == sorted([reporter.email, supporter.email])
    for message in mail.outbox:
        assert "Das Schlagloch ist verfüllt." in message.body
        assert "erledigt" in message.subject
        assert "4711" not in message.body + message.subject
        assert "Müller" not in message.body + message.subject


def test_an_internal_note_alone_mails_nobody(make_report, staff, run_tasks):
    report = make_report(S.IN_PROGRESS)
    SubscriptionFactory(report=report)
    services.report_transition(
        report=report, to_status=S.IN_PROGRESS, actor=staff, internal_note="Material bestellt"
    )
    run_tasks()
    assert mail.outbox == []


def test_a_public_note_is_mailed(make_report, staff, run_tasks):
    report = make_report(S.IN_PROGRESS)
    subscription = SubscriptionFactory(report=report)
    services.report_transition(
        report=report, to_status=S.IN_PROGRESS, actor=staff, public_message="Nächste Woche."
    )
    run_tasks()
    [message] = mail.outbox
    assert message.to == [subscription.email]
    assert "Nächste Woche." in message.body


def test_a_refused_transition_mails_nobody(make_report, staff, run_tasks):
    report = make_report(S.OPEN)
    SubscriptionFactory(report=report)
    with pytest.raises(ReportActionError):
        services.report_transition(report=report, to_status=S.REJECTED, actor=staff)
    run_tasks()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (S.UNCONFIRMED, "open"),
        (S.OPEN, "open"),
        (S.IN_PROGRESS, "open"),
        (S.REOPENED, "open"),
        (S.RESOLVED, "closed"),
        (S.REJECTED, "closed"),
        (S.DUPLICATE, "closed"),
        (S.CLOSED, "closed"),
    ],
)
def test_open311_status(status, expected):
    assert lifecycle.open311_status(status) == expected
