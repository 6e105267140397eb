"""Working days: weekends and the public holidays of the city's state (Lower Saxony by default) excluded.

Targets of categories are counted in working days (``Category.target_days``). The region comes from the
settings ``PLATFORM_HOLIDAY_COUNTRY`` and ``PLATFORM_HOLIDAY_SUBDIVISION`` (defaults "DE" and "NI"), read at
call time, so another city only changes settings.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.conf import settings

DEFAULT_COUNTRY = "DE"
DEFAULT_SUBDIVISION = "NI"
# Saturday and Sunday (date.weekday()).
WEEKEND = frozenset({5, 6})


@lru_cache(maxsize=8)
def _calendar(country: str, subdivision: str) -> holidays.HolidayBase:
    # The calendar computes further years itself when a date of another year is looked up.
    return holidays.country_holidays(country, subdiv=subdivision or None)


def holiday_calendar() -> holidays.HolidayBase:
    """Return the public holidays of the configured region."""
    country = getattr(settings, "PLATFORM_HOLIDAY_COUNTRY", DEFAULT_COUNTRY)
    subdivision = getattr(settings, "PLATFORM_HOLIDAY_SUBDIVISION", DEFAULT_SUBDIVISION)
    return _calendar(country, subdivision)


def is_working_day(day: date) -> bool:
    """Return whether ``day`` is neither a weekend day nor a public holiday of the configured region."""
    return day.weekday() not in WEEKEND and day not in holiday_calendar()


def add_working_days(*, start: date, days: int) -> date:
    """Return the date ``days`` working days after ``start`` (``start`` itself does not count).

    With ``days=0``: ``start`` if it is a working day, else the next working day.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    if days == 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
