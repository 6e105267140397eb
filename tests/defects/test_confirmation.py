"""Confirming a report by the link in the mail; the link secrets themselves."""

import re

import pytest
from django.core import mail
from django.test import override_settings

from defects import selectors, services, tokens
from defects.errors import ReportActionError, ReportErrorCode
from defects.models import ReportEvent, ReportStatus, Subscription
from tests.defects.conftest import reporter_token, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(category):
    return submit(category).report


def test_the_right_token_makes_the_report_public(report):
    # when
    confirmed = services.report_confirm(report_id=report.pk, token=reporter_token(report))
    # then
    assert confirmed.status == ReportStatus.OPEN
    assert confirmed.confirmed_at is not None
    assert selectors.report_get_public(report_id=report.pk) is not None


def test_confirming_writes_the_confirmed_event(report):
    services.report_confirm(report_id=report.pk, token=reporter_token(report))
    event = ReportEvent.objects.get(report=report, kind=ReportEvent.Kind.CONFIRMED)
    assert (event.from_status, event.to_status) == (ReportStatus.UNCONFIRMED, ReportStatus.OPEN)
    assert event.actor is None
    assert event.actor_label == "meldende Person"


def test_confirming_confirms_the_reporters_subscription(report):
    services.report_confirm(report_id=report.pk, token=reporter_token(report))
    subscription = Subscription.objects.get(report=report, role=Subscription.Role.REPORTER)
    assert subscription.confirmed_at is not None


@pytest.mark.parametrize("token", ["falsch", "", None, "x" * 5000])
def test_a_wrong_token_is_refused_and_changes_nothing(report, token):
    with pytest.raises(ReportActionError) as refused:
        services.report_confirm(report_id=report.pk, token=token)
    assert refused.value.code == ReportErrorCode.INVALID_TOKEN
    report.refresh_from_db()
    assert report.status == ReportStatus.UNCONFIRMED
    assert not ReportEvent.objects.filter(report=report, kind=ReportEvent.Kind.CONFIRMED).exists()


def test_the_token_of_another_report_is_refused(category, report):
    other = submit(category).report
    with pytest.raises(ReportActionError) as refused:
        services.report_confirm(report_id=report.pk, token=reporter_token(other))
    assert refused.value.code == ReportErrorCode.INVALID_TOKEN


@pytest.mark.parametrize("report_id", [999_999, "abc", None])
def test_an_unknown_report_gets_the_same_answer_as_a_wrong_token(report, report_id):
    with pytest.raises(ReportActionError) as refused:
        services.report_confirm(report_id=report_id, token=reporter_token(report))
    assert refused.value.code == ReportErrorCode.INVALID_TOKEN


def test_confirming_twice_changes_nothing_the_second_time(report):
    # given
    token = reporter_token(report)
    first = services.report_confirm(report_id=report.pk, token=token)
    # when
    second = services.report_confirm(report_id=report.pk, token=token)
    # then
    assert second.status == ReportStatus.OPEN
    assert second.confirmed_at == first.confirmed_at
    assert ReportEvent.objects.filter(report=report, kind=ReportEvent.Kind.CONFIRMED).count() == 1


def test_confirming_sends_no_mail(report, run_tasks):
    run_tasks()
    mail.outbox.clear()
    services.report_confirm(report_id=report.pk, token=reporter_token(report))
    run_tasks()
    assert mail.outbox == []


def test_the_link_in_the_mail_confirms_the_report(report, run_tasks):
    # given
    run_tasks()
    [message] = mail.outbox
    report_id, token = re.search(r"/bestaetigen/(\d+)/([^/\s]+)/", message.body).groups()
    # when
    confirmed = services.report_confirm(report_id=int(report_id), token=token)
    # then
    assert confirmed.pk == report.pk
    assert confirmed.status == ReportStatus.OPEN


def test_links_keep_working_after_the_secret_key_is_rotated_with_a_fallback(report, settings):
    token = reporter_token(report)
    with override_settings(SECRET_KEY="neu-" * 20, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
        assert reporter_token(report) == token
        assert services.report_confirm(report_id=report.pk, token=token).status == ReportStatus.OPEN


def test_a_new_mail_after_a_key_change_without_fallback_carries_a_working_link(report, settings):
    old_token = reporter_token(report)
    with override_settings(SECRET_KEY="neu-" * 20, SECRET_KEY_FALLBACKS=[]):
        new_token = reporter_token(report)
        assert new_token != old_token
        assert services.report_confirm(report_id=report.pk, token=new_token).status == ReportStatus.OPEN


# --- The reporter's link as a selector ------------------------------------------------------------------


def test_report_for_token_finds_the_report_with_the_right_token(report):
    assert selectors.report_for_token(report_id=report.pk, token=reporter_token(report)) == report


@pytest.mark.parametrize("token", ["falsch", "", None])
def test_report_for_token_finds_nothing_with_a_wrong_token(report, token):
    assert selectors.report_for_token(report_id=report.pk, token=token) is None


def test_report_for_token_finds_nothing_for_a_bad_id(report):
    assert selectors.report_for_token(report_id="abc", token=reporter_token(report)) is None


# --- tokens --------------------------------------------------------------------------------------------------


def test_a_token_is_43_url_safe_characters():
    token = tokens.new_secret()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)


def test_token_hash_is_hex_sha256():
    assert tokens.token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.mark.parametrize("token", [None, 42, b"abc", "", "a" * 201])
def test_token_matches_refuses_what_is_no_token(token):
    assert tokens.token_matches(token=token, stored_hash=tokens.token_hash("abc")) is False


def test_token_matches_accepts_the_right_token():
    assert tokens.token_matches(token="abc", stored_hash=tokens.token_hash("abc")) is True


def test_a_derived_token_depends_on_purpose_id_and_time(report):
    made = {
        tokens.derive_token(purpose=tokens.REPORT_PURPOSE, object_id=1, created_at=report.created_at),
        tokens.derive_token(purpose=tokens.SUBSCRIPTION_PURPOSE, object_id=1, created_at=report.created_at),
        tokens.derive_token(purpose=tokens.REPORT_PURPOSE, object_id=2, created_at=report.created_at),
        tokens.derive_token(purpose=tokens.REPORT_PURPOSE, object_id=1, created_at=report.updated_at),
    }
    assert len(made) == 4
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in made)
