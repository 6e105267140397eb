"""Supporting a report: sign up, confirm by mail, be told of changes, cancel."""

import re

import pytest
from django.core import mail
from django.utils import timezone

from defects import selectors, services
from defects.errors import ReportActionError, ReportErrorCode, ReportValidationError
from defects.models import ReportEvent, ReportStatus, Subscription
from tests.defects.conftest import REPORTER_EMAIL, public_report, reporter_token, submit, subscription_token
from tests.defects.factories import SubscriptionFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SUPPORTER = "nachbarin@example.org"


@pytest.fixture
def report(category, west):
    return public_report(category, west, status=ReportStatus.OPEN)


def test_support_creates_an_unconfirmed_supporter_with_a_hashed_secret(report):
    subscription = services.report_support(report=report, email=SUPPORTER)
    subscription.refresh_from_db()
    assert subscription.role == Subscription.Role.SUPPORTER
    assert subscription.email == SUPPORTER
    assert subscription.confirmed_at is None
    assert re.fullmatch(r"[0-9a-f]{64}", subscription.token_hash)
    assert subscription_token(subscription) not in subscription.token_hash


def test_support_mails_a_confirm_link_and_a_cancel_link(report, run_tasks):
    # when
    subscription = services.report_support(report=report, email=SUPPORTER)
    run_tasks()
    # then
    [message] = mail.outbox
    assert message.to == [SUPPORTER]
    token = subscription_token(subscription)
    assert f"/maengelmelder/abonnement/{subscription.pk}/bestaetigen/{token}/" in message.body
    assert f"/maengelmelder/abonnement/{subscription.pk}/abbestellen/{token}/" in message.body
    assert f"/maengelmelder/meldungen/{report.pk}/" in message.body


def test_support_does_not_count_before_it_is_confirmed(report):
    services.report_support(report=report, email=SUPPORTER)
    assert selectors.report_supporter_count(report=report) == 0
    assert not ReportEvent.objects.filter(report=report, kind=ReportEvent.Kind.SUPPORTED).exists()


def test_confirming_support_counts_it_and_writes_an_event_without_personal_data(report):
    # given
    subscription = services.report_support(report=report, email=SUPPORTER)
    # when
    services.subscription_confirm(subscription_id=subscription.pk, token=subscription_token(subscription))
    # then
    assert selectors.report_supporter_count(report=report) == 1
    [event] = ReportEvent.objects.filter(report=report, kind=ReportEvent.Kind.SUPPORTED)
    assert event.actor is None
    assert event.actor_label == "unterstützende Person"
    assert "nachbarin" not in str(ReportEvent.objects.filter(pk=event.pk).values().get())


def test_the_confirm_link_in_the_mail_works(report, run_tasks):
    services.report_support(report=report, email=SUPPORTER)
    run_tasks()
    subscription_id, token = re.search(
        r"/abonnement/(\d+)/bestaetigen/([^/\s]+)/", mail.outbox[0].body
    ).groups()
    confirmed = services.subscription_confirm(subscription_id=int(subscription_id), token=token)
    assert confirmed.confirmed_at is not None


def test_confirming_support_twice_writes_one_event(report):
    subscription = services.report_support(report=report, email=SUPPORTER)
    token = subscription_token(subscription)
    services.subscription_confirm(subscription_id=subscription.pk, token=token)
    services.subscription_confirm(subscription_id=subscription.pk, token=token)
    assert ReportEvent.objects.filter(report=report, kind=ReportEvent.Kind.SUPPORTED).count() == 1


@pytest.mark.parametrize("token", ["falsch", "", None])
def test_confirming_with_a_wrong_token_is_refused(report, token):
    subscription = services.report_support(report=report, email=SUPPORTER)
    with pytest.raises(ReportActionError) as refused:
        services.subscription_confirm(subscription_id=subscription.pk, token=token)
    assert refused.value.code == ReportErrorCode.INVALID_TOKEN
    assert Subscription.objects.get(pk=subscription.pk).confirmed_at is None


def test_supporting_twice_with_the_same_address_is_refused_and_the_mail_sent_again(report, run_tasks):
    # given
    services.report_support(report=report, email=SUPPORTER)
    # when
    with pytest.raises(ReportActionError) as refused:
        services.report_support(report=report, email="Nachbarin@EXAMPLE.org")
    run_tasks()
    # then
    assert refused.value.code == ReportErrorCode.ALREADY_SUBSCRIBED
    assert Subscription.objects.filter(report=report).count() == 1
    assert [message.to for message in mail.outbox] == [[SUPPORTER], [SUPPORTER]]


def test_the_confirmation_mail_is_sent_again_only_once_in_a_while(report, run_tasks):
    services.report_support(report=report, email=SUPPORTER)
    for _ in range(3):
        with pytest.raises(ReportActionError):
            services.report_support(report=report, email=SUPPORTER)
    run_tasks()
    assert len(mail.outbox) == 2


def test_supporting_again_after_confirming_sends_nothing(report, run_tasks):
    subscription = services.report_support(report=report, email=SUPPORTER)
    services.subscription_confirm(subscription_id=subscription.pk, token=subscription_token(subscription))
    run_tasks()
    mail.outbox.clear()
    with pytest.raises(ReportActionError) as refused:
        services.report_support(report=report, email=SUPPORTER)
    run_tasks()
    assert refused.value.code == ReportErrorCode.ALREADY_SUBSCRIBED
    assert mail.outbox == []


def test_the_reporter_is_already_subscribed(category, west):
    report = submit(category).report
    Subscription.objects.filter(report=report).update(confirmed_at=timezone.now())
    report.__class__.objects.filter(pk=report.pk).update(
        status=ReportStatus.OPEN, confirmed_at=timezone.now()
    )
    with pytest.raises(ReportActionError) as refused:
        services.report_support(report=report, email=REPORTER_EMAIL)
    assert refused.value.code == ReportErrorCode.ALREADY_SUBSCRIBED


@pytest.mark.parametrize(
    "fields",
    [
        {"status": ReportStatus.UNCONFIRMED, "confirmed_at": None},
        {"status": ReportStatus.RESOLVED},
        {"status": ReportStatus.CLOSED},
        {"status": ReportStatus.REJECTED},
        {"status": ReportStatus.DUPLICATE},
        {"status": ReportStatus.OPEN, "withdrawn_at": timezone.now},
    ],
    ids=["unconfirmed", "resolved", "closed", "rejected", "duplicate", "withdrawn"],
)
def test_only_public_open_reports_can_be_supported(category, west, fields):
    fields = {key: value() if callable(value) else value for key, value in fields.items()}
    report = public_report(category, west, **fields)
    with pytest.raises(ReportActionError) as refused:
        services.report_support(report=report, email=SUPPORTER)
    assert refused.value.code == ReportErrorCode.NOT_SUPPORTABLE
    assert not Subscription.objects.filter(report=report).exists()


@pytest.mark.parametrize("status", [ReportStatus.IN_PROGRESS, ReportStatus.REOPENED])
def test_reports_being_worked_on_can_be_supported(category, west, status):
    report = public_report(category, west, status=status)
    assert services.report_support(report=report, email=SUPPORTER).pk


@pytest.mark.parametrize(("email", "code"), [("", "email_required"), ("keine-adresse", "email_invalid")])
def test_a_bad_address_is_refused(report, email, code):
    with pytest.raises(ReportValidationError) as refused:
        services.report_support(report=report, email=email)
    assert refused.value.codes == {"email": [code]}


# --- Cancel --------------------------------------------------------------------------------------------------


def test_cancelling_deletes_the_subscription_and_its_address(report):
    subscription = SubscriptionFactory(report=report, email=SUPPORTER)
    services.subscription_cancel(subscription_id=subscription.pk, token=subscription_token(subscription))
    assert not Subscription.objects.filter(email=SUPPORTER).exists()


def test_cancelling_with_a_wrong_token_is_refused(report):
    subscription = SubscriptionFactory(report=report, email=SUPPORTER)
    with pytest.raises(ReportActionError) as refused:
        services.subscription_cancel(subscription_id=subscription.pk, token="falsch")
    assert refused.value.code == ReportErrorCode.INVALID_TOKEN
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_cancelled_support_no_longer_counts(report):
    subscription = SubscriptionFactory(report=report)
    services.subscription_cancel(subscription_id=subscription.pk, token=subscription_token(subscription))
    assert selectors.report_supporter_count(report=report) == 0


# --- Updates -------------------------------------------------------------------------------------------------


def test_confirmed_supporters_are_told_of_changes_with_a_cancel_link(report, run_tasks):
    # given
    subscription = services.report_support(report=report, email=SUPPORTER)
    services.subscription_confirm(subscription_id=subscription.pk, token=subscription_token(subscription))
    run_tasks()
    mail.outbox.clear()
    # when
    services.report_transition(
        report=report,
        to_status=ReportStatus.IN_PROGRESS,
        actor=UserFactory(),
        public_message="Wir sind dran.",
    )
    run_tasks()
    # then
    [message] = mail.outbox
    assert message.to == [SUPPORTER]
    assert "Wir sind dran." in message.body
    assert "in Bearbeitung" in message.subject
    cancel = f"/maengelmelder/abonnement/{subscription.pk}/abbestellen/{subscription_token(subscription)}/"
    assert cancel in message.body
    assert cancel in message.extra_headers["List-Unsubscribe"]
    # a supporter gets no manage link
    assert "/verwalten/" not in message.body


def test_unconfirmed_and_cancelled_supporters_are_not_told(report, run_tasks):
    services.report_support(report=report, email=SUPPORTER)
    cancelled = SubscriptionFactory(report=report)
    services.subscription_cancel(subscription_id=cancelled.pk, token=subscription_token(cancelled))
    run_tasks()
    mail.outbox.clear()
    services.report_transition(report=report, to_status=ReportStatus.RESOLVED, actor=None)
    run_tasks()
    assert mail.outbox == []


def test_the_reporter_is_told_of_changes_with_the_manage_link(category, run_tasks):
    # given
    report = submit(category).report
    services.report_confirm(report_id=report.pk, token=reporter_token(report))
    run_tasks()
    mail.outbox.clear()
    # when
    services.report_transition(report=report, to_status=ReportStatus.RESOLVED, actor=None)
    run_tasks()
    # then
    [message] = mail.outbox
    assert message.to == [REPORTER_EMAIL]
    assert f"/meldungen/{report.pk}/verwalten/{reporter_token(report)}/" in message.body
