"""Working days: weekends and Lower Saxony's public holidays do not count; due dates at confirmation."""

from datetime import date, datetime
from unittest import mock

import pytest
from django.utils import timezone

from defects import services
from defects.models import ReportStatus
from defects.workdays import add_working_days, is_working_day
from tests.defects.conftest import reporter_token, submit


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 24), True),  # Christmas Eve is no public holiday
        (date(2026, 12, 25), False),
        (date(2026, 12, 26), False),
        (date(2026, 10, 31), False),  # Reformationstag, a holiday in Lower Saxony (a Saturday in 2026)
        (date(2025, 10, 31), False),  # … and on a Friday
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 6, 4), True),  # Corpus Christi is no holiday in Lower Saxony
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2026, 11, 30), True),  # Monday
    ],
)
def test_is_working_day(day, expected):
    assert is_working_day(day) is expected


def test_christmas_and_the_weekend_are_skipped():
    # Wed 23 Dec: Thu 24 counts, Fri 25 / Sat 26 / Sun 27 do not
    assert add_working_days(start=date(2026, 12, 23), days=1) == date(2026, 12, 24)
    assert add_working_days(start=date(2026, 12, 23), days=2) == date(2026, 12, 28)


def test_reformation_day_is_skipped():
    # Thu 30 Oct 2025 + 1: Fri 31 Oct is Reformationstag, so Monday 3 Nov
    assert add_working_days(start=date(2025, 10, 30), days=1) == date(2025, 11, 3)


def test_easter_is_skipped():
    # Thu 2 Apr 2026 + 1: Good Friday, the weekend and Easter Monday pass: Tuesday 7 Apr
    assert add_working_days(start=date(2026, 4, 2), days=1) == date(2026, 4, 7)


def test_ten_working_days_are_two_weeks_without_holidays():
    assert add_working_days(start=date(2026, 11, 16), days=10) == date(2026, 11, 30)


def test_zero_days_is_the_next_working_day():
    assert add_working_days(start=date(2026, 12, 24), days=0) == date(2026, 12, 24)
    assert add_working_days(start=date(2026, 12, 25), days=0) == date(2026, 12, 28)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(start=date(2026, 12, 24), days=-1)


def test_region_comes_from_settings(settings):
    # Bavaria keeps Corpus Christi and has no Reformationstag
    settings.PLATFORM_HOLIDAY_SUBDIVISION = "BY"

    assert not is_working_day(date(2026, 6, 4))
    assert is_working_day(date(2025, 10, 31))


def test_due_date_is_set_at_confirmation(category):
    # given a category with a target of 3 working days, confirmed on Wed 23 Dec 2026
    category.target_days = 3
    category.save()
    report = submit(category).report
    assert report.due_date is None

    confirmed = timezone.make_aware(datetime(2026, 12, 23, 9, 0))
    with mock.patch("django.utils.timezone.now", return_value=confirmed):
        report = services.report_confirm(report_id=report.pk, token=reporter_token(report))

    # then 24 Dec, (holidays and weekend), 28 Dec, 29 Dec
    assert report.status == ReportStatus.OPEN
    assert report.due_date == date(2026, 12, 29)
