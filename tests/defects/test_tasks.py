"""The background jobs: what they carry, what they do, how they fail; the real worker command."""

import logging
import os
import smtplib
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django import procrastinate_app
from procrastinate.contrib.django.models import ProcrastinateJob

from defects import services, tasks
from defects.models import Report, ReportStatus
from defects.notifications import NotificationKind
from tests.defects.conftest import (
    REPORTER_EMAIL,
    REPORTER_NAME,
    REPORTER_PHONE,
    JobFailed,
    reporter_token,
    submit,
    subscription_token,
)
from tests.defects.images import camera_jpeg, upload

pytestmark = pytest.mark.django_db

PROJECT_DIR = Path(__file__).resolve().parents[2]


class BrokenMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Verbindung verloren")


def test_a_mail_job_carries_ids_and_a_kind_only(category):
    # when
    report = submit(category).report
    # then
    [job] = ProcrastinateJob.objects.all()
    assert job.task_name == "defects.send_report_email"
    assert job.args == {
        "kind": NotificationKind.REPORT_CONFIRMATION,
        "report_id": report.pk,
        "subscription_id": None,
        "event_id": None,
    }
    assert job.status == "todo"


def test_no_job_carries_personal_data_or_secrets(category):
    # given: a report, a confirmation, a supporter, a status change
    report = submit(category).report
    token = reporter_token(report)
    services.report_confirm(report_id=report.pk, token=token)
    subscription = services.report_support(report=report, email="nachbarin@example.org")
    services.subscription_confirm(subscription_id=subscription.pk, token=subscription_token(subscription))
    services.report_transition(
        report=report, to_status=ReportStatus.RESOLVED, actor=None, public_message="Fertig"
    )
    # then
    stored = " ".join(str(args) for args in ProcrastinateJob.objects.values_list("args", flat=True))
    assert ProcrastinateJob.objects.count() == 4
    for secret in (
        REPORTER_EMAIL,
        REPORTER_NAME,
        REPORTER_PHONE,
        "nachbarin",
        token,
        subscription_token(subscription),
    ):
        assert secret not in stored


def test_the_job_is_queued_in_the_same_transaction_as_the_report(category, monkeypatch):
    # given: saving the reporter's subscription fails after the report row was written
    monkeypatch.setattr(services, "_set_subscription_token", lambda subscription: 1 / 0)
    # when
    with pytest.raises(ZeroDivisionError):
        submit(category)
    # then: neither the report nor its job is left
    assert not Report.objects.exists()
    assert not ProcrastinateJob.objects.exists()


def test_run_tasks_returns_the_tasks_it_ran(category, run_tasks):
    submit(category)
    assert run_tasks() == ["defects.send_report_email"]
    assert run_tasks() == []


def test_a_job_for_a_report_that_is_gone_ends_quietly(db, run_tasks):
    tasks.send_report_email.defer(kind=NotificationKind.REPORT_CONFIRMATION, report_id=999_999)
    run_tasks()
    assert mail.outbox == []
    assert ProcrastinateJob.objects.get().status == "succeeded"


def test_a_job_for_a_cancelled_subscription_ends_quietly(category, run_tasks):
    report = submit(category).report
    run_tasks()
    services.report_confirm(report_id=report.pk, token=reporter_token(report))
    subscription = services.report_support(report=report, email="nachbarin@example.org")
    services.subscription_cancel(subscription_id=subscription.pk, token=subscription_token(subscription))
    mail.outbox.clear()
    run_tasks()
    assert mail.outbox == []


def test_a_failing_job_fails_the_test_run(db, run_tasks):
    tasks.send_report_email.defer(kind="gibt_es_nicht", report_id=1)
    with pytest.raises(JobFailed, match="gibt_es_nicht"):
        run_tasks()
    # a bug is no reason to try again
    assert ProcrastinateJob.objects.get().status == "failed"


def test_a_mail_server_failure_is_retried_later(category, run_tasks, settings):
    # given
    settings.EMAIL_BACKEND = f"{__name__}.BrokenMailServer"
    submit(category)
    # when
    with pytest.raises(JobFailed, match="SMTPServerDisconnected"):
        run_tasks()
    # then
    job = ProcrastinateJob.objects.get()
    assert (job.status, job.attempts) == ("todo", 1)
    assert job.scheduled_at > timezone.now()


def test_the_expiry_runs_as_a_job(category, run_tasks, _media_root, django_capture_on_commit_callbacks):
    # given
    old = submit(category, photos=[upload(camera_jpeg())]).report
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    young = submit(category).report
    run_tasks()
    tasks.expire_unconfirmed_reports.defer(timestamp=0)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert run_tasks() == ["defects.expire_unconfirmed_reports"]
    # then
    assert list(Report.objects.values_list("pk", flat=True)) == [young.pk]
    assert [path for path in _media_root.rglob("*") if path.is_file()] == []


def test_the_expiry_is_scheduled_daily():
    registry = procrastinate_app.current_app.periodic_registry
    [periodic] = [
        p for p in registry.periodic_tasks.values() if p.task.name == "defects.expire_unconfirmed_reports"
    ]
    assert periodic.cron == tasks.EXPIRY_CRON
    minute, hour, day, month, weekday = periodic.cron.split()
    assert (day, month, weekday) == ("*", "*", "*")
    assert minute.isdigit() and hour.isdigit()


def test_no_log_line_of_the_queue_names_a_person(category, run_tasks, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="procrastinate")
    report = submit(category).report
    run_tasks()
    services.report_confirm(report_id=report.pk, token=reporter_token(report))
    subscription = services.report_support(report=report, email="nachbarin@example.org")
    services.subscription_confirm(subscription_id=subscription.pk, token=subscription_token(subscription))
    services.report_transition(report=report, to_status=ReportStatus.RESOLVED, actor=None)
    run_tasks()
    # confirmation, status to the reporter and to the supporter (the supporter confirmed before the worker ran)
    assert len(mail.outbox) == 3
    assert "defects.send_report_email" in caplog.text
    for needle in (REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, "nachbarin", reporter_token(report)):
        assert needle not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_run_tasks_works_with_committed_data_too(category, run_tasks):
    submit(category)
    run_tasks()
    assert [message.to for message in mail.outbox] == [[REPORTER_EMAIL]]


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_sends_the_mails(category, tmp_path):
    # given: a committed report, and the worker as scripts/run starts it, on the test database
    report = submit(category).report
    db = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SECRET_KEY": django_settings.SECRET_KEY,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "CACHE_URL": "locmemcache://",
    }
    # when
    finished = subprocess.run(
        [sys.executable, "manage.py", "procrastinate", "worker", "--one-shot"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then
    assert finished.returncode == 0, finished.stderr
    [written] = list((tmp_path / "mail").iterdir())
    content = written.read_text()
    assert f"To: {REPORTER_EMAIL}" in content
    assert f"/bestaetigen/{report.pk}/{reporter_token(report)}/" in content
    # finished jobs are deleted (PROCRASTINATE_WORKER_DEFAULTS)
    assert not ProcrastinateJob.objects.filter(args__report_id=report.pk).exists()
