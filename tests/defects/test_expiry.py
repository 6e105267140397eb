"""Unconfirmed reports are deleted after the retention period, with their photo files."""

from datetime import timedelta

import pytest
from django.utils import timezone

from defects import services
from defects.models import Report, ReportEvent, ReportPhoto, ReportStatus, Subscription
from tests.defects.conftest import public_report, submit
from tests.defects.images import camera_jpeg, upload

pytestmark = pytest.mark.django_db


def age(report: Report, days: float) -> None:
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=days))


def files_in(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_an_old_unconfirmed_report_is_deleted_with_everything_it_has(
    category, _media_root, django_capture_on_commit_callbacks
):
    # given
    report = submit(category, photos=[upload(camera_jpeg()), upload(camera_jpeg())]).report
    age(report, days=8)
    assert len(files_in(_media_root)) == 2
    # when
    with django_capture_on_commit_callbacks(execute=True):
        deleted = services.reports_expire_unconfirmed()
    # then
    assert deleted == 1
    assert not Report.objects.filter(pk=report.pk).exists()
    assert not ReportPhoto.objects.exists()
    assert not ReportEvent.objects.exists()
    assert not Subscription.objects.exists()
    assert files_in(_media_root) == []


def test_photo_files_stay_until_the_deletion_is_committed(
    category, _media_root, django_capture_on_commit_callbacks
):
    report = submit(category, photos=[upload(camera_jpeg())]).report
    age(report, days=8)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.reports_expire_unconfirmed()
    assert len(files_in(_media_root)) == 1
    for callback in callbacks:
        callback()
    assert files_in(_media_root) == []


def test_a_young_unconfirmed_report_is_kept(category):
    report = submit(category).report
    age(report, days=6.9)
    assert services.reports_expire_unconfirmed() == 0
    assert Report.objects.filter(pk=report.pk).exists()


def test_an_old_confirmed_report_is_kept(category, west):
    report = public_report(category, west, status=ReportStatus.OPEN)
    age(report, days=400)
    assert services.reports_expire_unconfirmed() == 0
    assert Report.objects.filter(pk=report.pk).exists()


def test_an_old_report_withdrawn_before_confirmation_is_kept(category, west):
    # Withdrawn, it is closed: the city keeps its history like that of any other closed report.
    report = public_report(
        category, west, status=ReportStatus.CLOSED, confirmed_at=None, withdrawn_at=timezone.now()
    )
    age(report, days=30)
    assert services.reports_expire_unconfirmed() == 0


def test_the_retention_period_comes_from_the_settings(category, settings):
    settings.REPORT_UNCONFIRMED_RETENTION_DAYS = 1
    report = submit(category).report
    age(report, days=2)
    assert services.reports_expire_unconfirmed() == 1


def test_now_can_be_given(category):
    report = submit(category).report
    assert services.reports_expire_unconfirmed(now=timezone.now() + timedelta(days=6)) == 0
    assert services.reports_expire_unconfirmed(now=timezone.now() + timedelta(days=7, minutes=1)) == 1
    assert not Report.objects.filter(pk=report.pk).exists()


def test_many_reports_are_deleted_in_batches(category, monkeypatch):
    monkeypatch.setattr(services, "EXPIRY_BATCH_SIZE", 2)
    reports = [submit(category).report for _ in range(5)]
    keep = submit(category).report
    for report in reports:
        age(report, days=10)
    assert services.reports_expire_unconfirmed() == 5
    assert list(Report.objects.values_list("pk", flat=True)) == [keep.pk]
