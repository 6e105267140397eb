"""Open reports near a new one (possible duplicates): the category's radius in metres on the ground."""

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from pyproj import Geod

from defects.models import ReportStatus
from defects.selectors import reports_nearby_open
from geo_core.srid import STORAGE_SRID
from tests.defects.conftest import public_report
from tests.defects.factories import WEST_POINT, CategoryFactory, ResponsibilityFactory

pytestmark = pytest.mark.django_db

WGS84 = Geod(ellps="WGS84")
HERE = Point(*WEST_POINT, srid=STORAGE_SRID)


def moved(metres: float, azimuth: float) -> Point:
    """Return the point ``metres`` from HERE in direction ``azimuth`` (degrees from north)."""
    lon, lat, _back = WGS84.fwd(HERE.x, HERE.y, azimuth, metres)
    return Point(lon, lat, srid=STORAGE_SRID)


@pytest.fixture
def near(category, west):
    def make(metres: float, azimuth: float = 90, **fields):
        fields.setdefault("status", ReportStatus.OPEN)
        return public_report(category, west, location=moved(metres, azimuth), **fields)

    return make


def found(category, point=HERE, **kwargs) -> list:
    return [hit.report.pk for hit in reports_nearby_open(category=category, point=point, **kwargs)]


def test_a_report_inside_the_radius_is_found_with_its_distance(category, near):
    report = near(30)
    [hit] = reports_nearby_open(category=category, point=HERE)
    assert hit.report.pk == report.pk
    assert hit.distance_m == pytest.approx(30, abs=0.01)


@pytest.mark.parametrize("azimuth", [0, 90, 180, 270, 45])
def test_the_radius_is_metres_in_every_direction(category, near, azimuth):
    # a degree of longitude is about 0.6 of a degree of latitude here: degrees would get this wrong
    inside = near(49, azimuth)
    outside = near(51, azimuth)
    assert found(category) == [inside.pk]
    assert outside.pk not in found(category)


def test_the_radius_is_that_of_the_category(category, west):
    wide = CategoryFactory(duplicate_radius_m=200)
    ResponsibilityFactory(category=wide)
    far = public_report(wide, west, status=ReportStatus.OPEN, location=moved(150, 0))
    assert found(wide) == [far.pk]
    assert found(category) == []


def test_reports_of_another_category_are_not_found(category, west):
    other = CategoryFactory(duplicate_radius_m=50)
    ResponsibilityFactory(category=other)
    public_report(other, west, status=ReportStatus.OPEN, location=moved(5, 0))
    assert found(category) == []


@pytest.mark.parametrize("status", [ReportStatus.OPEN, ReportStatus.IN_PROGRESS, ReportStatus.REOPENED])
def test_open_reports_are_found(category, near, status):
    report = near(10, status=status)
    assert found(category) == [report.pk]


@pytest.mark.parametrize(
    "status", [ReportStatus.RESOLVED, ReportStatus.REJECTED, ReportStatus.DUPLICATE, ReportStatus.CLOSED]
)
def test_finished_reports_are_not_found(category, near, status):
    near(10, status=status)
    assert found(category) == []


def test_unconfirmed_reports_are_not_found(category, near):
    near(10, status=ReportStatus.UNCONFIRMED, confirmed_at=None)
    assert found(category) == []


def test_withdrawn_reports_are_not_found(category, near):
    near(10, withdrawn_at=timezone.now())
    assert found(category) == []


def test_the_nearest_come_first_up_to_the_limit(category, near):
    far = near(40, 0)
    nearest = near(5, 180)
    middle = near(20, 90)
    assert found(category) == [nearest.pk, middle.pk, far.pk]
    assert found(category, limit=2) == [nearest.pk, middle.pk]


def test_a_point_in_another_srid_is_understood(category, near):
    report = near(20)
    assert found(category, point=HERE.transform(25832, clone=True)) == [report.pk]


def test_a_radius_of_zero_finds_only_the_same_spot(category, west):
    exact = CategoryFactory(duplicate_radius_m=0)
    ResponsibilityFactory(category=exact)
    same = public_report(exact, west, status=ReportStatus.OPEN, location=HERE)
    public_report(exact, west, status=ReportStatus.OPEN, location=moved(1, 0))
    assert found(exact) == [same.pk]


def test_the_search_can_use_the_spatial_index(category, near):
    # given: a table too small to need the index, so the planner is told to avoid sequential scans
    near(10)
    plans: list[str] = []

    def explain(execute, sql, params, many, context):
        if "ST_DWithin" in sql and not sql.startswith("EXPLAIN"):
            with context["connection"].cursor() as cursor:
                cursor.execute("EXPLAIN " + sql, params)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    # when
    with connection.execute_wrapper(explain):
        reports_nearby_open(category=category, point=HERE)
    # then
    [plan] = plans
    assert "Index" in plan and "location" in plan, plan
