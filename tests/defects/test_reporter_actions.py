"""What the reporter can do with the link from the mail: ask to reopen, withdraw, remove name and phone."""

import pytest
from django.core import mail

from defects import selectors, services
from defects.errors import ReportActionError, ReportErrorCode
from defects.models import Report, ReportEvent, ReportStatus, Subscription
from districts.models import Department
from tests.defects.conftest import FACTORY_TOKEN, public_report
from tests.defects.factories import ReportFactory, SubscriptionFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

S = ReportStatus
REASON = "Das Schlagloch ist nach dem Regen wieder aufgebrochen."


@pytest.fixture
def make_report(category, west):
    def make(status: str = S.OPEN, **fields) -> Report:
        return public_report(category, west, status=status, **fields)

    return make


# --- Ask to reopen ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.RESOLVED, S.CLOSED, S.REJECTED])
def test_the_reporter_can_reopen_a_finished_report(make_report, status):
    # given
    report = make_report(status)
    # when
    reopened = services.report_request_reopen(report_id=report.pk, token=FACTORY_TOKEN, reason=REASON)
    # then
    assert reopened.status == S.REOPENED
    [event] = ReportEvent.objects.filter(report=report)
    assert event.kind == ReportEvent.Kind.REOPEN_REQUESTED
    assert (event.from_status, event.to_status) == (status, S.REOPENED)
    assert event.public_message == REASON
    assert event.actor_label == "meldende Person"


@pytest.mark.parametrize("status", [S.UNCONFIRMED, S.OPEN, S.IN_PROGRESS, S.REOPENED, S.DUPLICATE])
def test_a_report_that_is_not_finished_cannot_be_reopened(make_report, status):
    report = make_report(status)
    with pytest.raises(ReportActionError) as refused:
        services.report_request_reopen(report_id=report.pk, token=FACTORY_TOKEN, reason=REASON)
    assert refused.value.code == ReportErrorCode.NOT_REOPENABLE
    assert Report.objects.get(pk=report.pk).status == status


def test_a_withdrawn_report_cannot_be_reopened(make_report):
    report = make_report(S.OPEN)
    services.report_withdraw(report_id=report.pk, token=FACTORY_TOKEN)
    with pytest.raises(ReportActionError) as refused:
        services.report_request_reopen(report_id=report.pk, token=FACTORY_TOKEN, reason=REASON)
    assert refused.value.code == ReportErrorCode.NOT_REOPENABLE


@pytest.mark.parametrize("reason", ["", "  \n"])
def test_reopening_needs_a_reason(make_report, reason):
    report = make_report(S.RESOLVED)
    with pytest.raises(ReportActionError) as refused:
        services.report_request_reopen(report_id=report.pk, token=FACTORY_TOKEN, reason=reason)
    assert refused.value.code == ReportErrorCode.REASON_REQUIRED
    assert refused.value.field == "reason"
    assert Report.objects.get(pk=report.pk).status == S.RESOLVED


def test_a_too_long_reason_is_refused(make_report):
    report = make_report(S.RESOLVED)
    with pytest.raises(ReportActionError) as refused:
        services.report_request_reopen(report_id=report.pk, token=FACTORY_TOKEN, reason="x" * 4001)
    assert refused.value.code == ReportErrorCode.REASON_TOO_LONG


def test_reopening_with_a_wrong_token_is_refused(make_report):
    report = make_report(S.RESOLVED)
    with pytest.raises(ReportActionError) as refused:
        services.report_request_reopen(report_id=report.pk, token="falsch", reason=REASON)
    assert refused.value.code == ReportErrorCode.INVALID_TOKEN
    assert Report.objects.get(pk=report.pk).status == S.RESOLVED


def test_the_department_is_told_by_mail_with_the_reason(make_report, department, run_tasks):
    # given
    report = make_report(S.RESOLVED, department=department)
    # when
    services.report_request_reopen(report_id=report.pk, token=FACTORY_TOKEN, reason=REASON)
    run_tasks()
    # then
    [message] = mail.outbox
    assert message.to == [department.email]
    assert REASON in message.body
    assert f"Nr. {report.pk}" in message.subject
    assert report.reporter_email not in message.body
    assert report.reporter_name not in message.body


def test_a_department_without_an_address_gets_no_mail_but_sees_the_event(make_report, department, run_tasks):
    Department.objects.filter(pk=department.pk).update(email="")
    report = make_report(S.CLOSED, department=department)
    services.report_request_reopen(report_id=report.pk, token=FACTORY_TOKEN, reason=REASON)
    run_tasks()
    assert mail.outbox == []
    assert ReportEvent.objects.filter(report=report, kind=ReportEvent.Kind.REOPEN_REQUESTED).exists()


def test_supporters_are_told_of_the_reopening_and_the_reporter_is_not(make_report, department, run_tasks):
    Department.objects.filter(pk=department.pk).update(email="")
    report = make_report(S.RESOLVED, department=department)
    supporter = SubscriptionFactory(report=report)
    SubscriptionFactory(report=report, role=Subscription.Role.REPORTER, email=report.reporter_email)
    services.report_request_reopen(report_id=report.pk, token=FACTORY_TOKEN, reason=REASON)
    run_tasks()
    assert [message.to for message in mail.outbox] == [[supporter.email]]
    assert "wieder geöffnet" in mail.outbox[0].subject


def test_the_reason_is_public_history(make_report):
    report = make_report(S.RESOLVED)
    services.report_request_reopen(report_id=report.pk, token=FACTORY_TOKEN, reason=REASON)
    assert [event.public_message for event in selectors.report_public_history(report=report)] == [REASON]


# --- Withdraw -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.UNCONFIRMED, S.OPEN, S.IN_PROGRESS, S.REOPENED])
def test_withdrawing_closes_a_report_that_is_not_finished(make_report, status):
    # given
    report = make_report(status)
    # when
    withdrawn = services.report_withdraw(report_id=report.pk, token=FACTORY_TOKEN, reason="Hat sich erledigt")
    # then
    assert withdrawn.status == S.CLOSED
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.closed_at is not None
    [event] = ReportEvent.objects.filter(report=report)
    assert event.kind == ReportEvent.Kind.WITHDRAWN
    assert (event.from_status, event.to_status) == (status, S.CLOSED)
    assert event.internal_note == "Hat sich erledigt"
    assert event.public_message == ""


@pytest.mark.parametrize("status", [S.RESOLVED, S.REJECTED, S.DUPLICATE, S.CLOSED])
def test_withdrawing_a_finished_report_keeps_its_status(make_report, status):
    report = make_report(status)
    withdrawn = services.report_withdraw(report_id=report.pk, token=FACTORY_TOKEN)
    assert withdrawn.status == status
    assert withdrawn.withdrawn_at is not None


def test_a_withdrawn_report_leaves_every_public_list(make_report):
    report = make_report(S.OPEN)
    services.report_withdraw(report_id=report.pk, token=FACTORY_TOKEN)
    assert selectors.report_get_public(report_id=report.pk) is None
    assert not selectors.report_public_list().filter(pk=report.pk).exists()


def test_the_withdrawal_and_its_reason_stay_internal(make_report):
    report = make_report(S.OPEN)
    services.report_withdraw(report_id=report.pk, token=FACTORY_TOKEN, reason="Privater Grund")
    assert selectors.report_public_history(report=report) == []


def test_withdrawing_twice_changes_nothing_the_second_time(make_report):
    report = make_report(S.OPEN)
    first = services.report_withdraw(report_id=report.pk, token=FACTORY_TOKEN)
    second = services.report_withdraw(report_id=report.pk, token=FACTORY_TOKEN)
    assert second.withdrawn_at == first.withdrawn_at
    assert ReportEvent.objects.filter(report=report).count() == 1


def test_withdrawing_with_a_wrong_token_is_refused(make_report):
    report = make_report(S.OPEN)
    with pytest.raises(ReportActionError) as refused:
        services.report_withdraw(report_id=report.pk, token="falsch")
    assert refused.value.code == ReportErrorCode.INVALID_TOKEN
    assert Report.objects.get(pk=report.pk).withdrawn_at is None


def test_withdrawing_mails_nobody(make_report, run_tasks):
    report = make_report(S.OPEN)
    SubscriptionFactory(report=report)
    services.report_withdraw(report_id=report.pk, token=FACTORY_TOKEN)
    run_tasks()
    assert mail.outbox == []


# --- Remove name and phone ------------------------------------------------------------------------------


def test_anonymising_removes_name_and_phone_and_keeps_the_address(make_report):
    # given
    report = make_report(S.OPEN)
    # when
    services.report_anonymise(report_id=report.pk, token=FACTORY_TOKEN)
    # then
    report.refresh_from_db()
    assert (report.reporter_name, report.reporter_phone) == ("", "")
    assert report.reporter_email
    [event] = ReportEvent.objects.filter(report=report)
    assert event.kind == ReportEvent.Kind.ANONYMISED
    assert event.actor_label == "meldende Person"


def test_anonymising_twice_writes_one_event(make_report):
    report = make_report(S.OPEN)
    services.report_anonymise(report_id=report.pk, token=FACTORY_TOKEN)
    services.report_anonymise(report_id=report.pk, token=FACTORY_TOKEN)
    assert ReportEvent.objects.filter(report=report).count() == 1


def test_anonymising_with_a_wrong_token_is_refused(make_report):
    report = make_report(S.OPEN)
    with pytest.raises(ReportActionError) as refused:
        services.report_anonymise(report_id=report.pk, token="falsch")
    assert refused.value.code == ReportErrorCode.INVALID_TOKEN
    report.refresh_from_db()
    assert report.reporter_name == "Erika Mustermann"


def test_anonymising_is_not_public_history(make_report):
    report = make_report(S.OPEN)
    services.report_anonymise(report_id=report.pk, token=FACTORY_TOKEN)
    assert selectors.report_public_history(report=report) == []


# --- The reporter deletes the account ------------------------------------------------------------------


def test_deleting_the_account_removes_the_persons_data_from_their_reports(make_report):
    # given
    user = UserFactory(email="erika@example.org")
    report = make_report(S.OPEN, reporter=user, reporter_email="erika@example.org")
    SubscriptionFactory(report=report, role=Subscription.Role.REPORTER, email="erika@example.org")
    supporter = SubscriptionFactory(report=report)
    other = make_report(S.OPEN)
    # when
    assert services.report_anonymise_for_reporter(user=user) == 1
    # then
    report.refresh_from_db()
    assert (report.reporter, report.reporter_name, report.reporter_phone, report.reporter_email) == (
        None,
        "",
        "",
        "",
    )
    assert list(Subscription.objects.filter(report=report)) == [supporter]
    assert ReportEvent.objects.get(report=report).kind == ReportEvent.Kind.ANONYMISED
    assert Report.objects.get(pk=other.pk).reporter_name == "Erika Mustermann"
    assert selectors.report_get_public(report_id=report.pk) == report


def test_deleting_an_account_without_reports_changes_nothing(make_report):
    make_report(S.OPEN)
    assert services.report_anonymise_for_reporter(user=UserFactory()) == 0
    assert not ReportEvent.objects.exists()


def test_deleting_an_account_keeps_its_reports_without_the_persons_data(city):
    # given a signed-up person who made a report
    from geo_core.accounts.services import user_delete

    user = UserFactory()
    report = ReportFactory(district=city.districts.get(slug="west"), reporter=user, reporter_name="Erika M.")

    # when the person deletes the account (the hook registered by the defects app runs)
    user_delete(user=user)

    # then the report stays, without name, phone, e-mail or account
    report.refresh_from_db()
    assert (report.reporter_id, report.reporter_name, report.reporter_phone, report.reporter_email) == (
        None,
        "",
        "",
        "",
    )
