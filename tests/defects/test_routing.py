"""Routing: a report's point finds its district, the district and category find the department."""

import pytest
from django.contrib.gis.db.models.functions import PointOnSurface
from django.utils import translation

from defects.errors import RoutingNotConfigured
from defects.models import Report
from defects.selectors import route_report
from districts.models import Department, District
from tests.defects.conftest import submit
from tests.defects.factories import EAST_POINT, CategoryFactory, ResponsibilityFactory
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

EDGE_POINT = (10.80, 52.42)


@pytest.fixture
def lighting(city):
    return CategoryFactory(name="Straßenbeleuchtung", slug="strassenbeleuchtung")


@pytest.fixture
def roads(db):
    return DepartmentFactory(name="Straßen und Brücken", slug="strassen-bruecken")


@pytest.fixture
def parks(db):
    return DepartmentFactory(name="Grün und Parks", slug="gruen")


def test_a_district_rule_routes_reports_in_that_district(lighting, roads, west, triage):
    ResponsibilityFactory(category=lighting, district=west, department=roads)
    decision = route_report(category=lighting, district=west)
    assert decision.department == roads
    assert decision.needs_triage is False
    assert decision.reason == "Straßenbeleuchtung in West → Straßen und Brücken (Regel für West)"


def test_a_citywide_rule_routes_reports_in_every_district(lighting, roads, west, east, triage):
    ResponsibilityFactory(category=lighting, district=None, department=roads)
    for district in (west, east):
        decision = route_report(category=lighting, district=district)
        assert decision.department == roads
        assert decision.needs_triage is False
    assert route_report(category=lighting, district=east).reason == (
        "Straßenbeleuchtung in Ost → Straßen und Brücken (stadtweite Regel)"
    )


def test_the_district_rule_beats_the_citywide_rule(lighting, roads, parks, west, east, triage):
    # given
    ResponsibilityFactory(category=lighting, district=None, department=roads)
    ResponsibilityFactory(category=lighting, district=west, department=parks)
    # when / then
    assert route_report(category=lighting, district=west).department == parks
    assert route_report(category=lighting, district=east).department == roads


def test_a_rule_of_another_category_does_not_apply(lighting, roads, west, triage):
    ResponsibilityFactory(category=CategoryFactory(), district=west, department=roads)
    assert route_report(category=lighting, district=west).department == triage


def test_a_rule_of_another_district_does_not_apply(lighting, roads, west, east, triage):
    ResponsibilityFactory(category=lighting, district=east, department=roads)
    assert route_report(category=lighting, district=west).department == triage


def test_an_inactive_department_is_skipped_for_the_citywide_rule(lighting, roads, parks, west, triage):
    # given
    ResponsibilityFactory(category=lighting, district=None, department=roads)
    ResponsibilityFactory(category=lighting, district=west, department=parks)
    Department.objects.filter(pk=parks.pk).update(is_active=False)
    # when
    decision = route_report(category=lighting, district=west)
    # then
    assert decision.department == roads
    assert "stadtweite Regel" in decision.reason


def test_an_inactive_department_at_every_level_leaves_the_report_to_triage(
    lighting, roads, parks, west, triage
):
    ResponsibilityFactory(category=lighting, district=None, department=roads)
    ResponsibilityFactory(category=lighting, district=west, department=parks)
    Department.objects.filter(pk__in=[roads.pk, parks.pk]).update(is_active=False)
    decision = route_report(category=lighting, district=west)
    assert decision.department == triage
    assert decision.needs_triage is True


def test_without_a_rule_the_triage_department_gets_the_report_flagged(lighting, west, triage):
    decision = route_report(category=lighting, district=west)
    assert decision.department == triage
    assert decision.needs_triage is True
    assert decision.reason == (
        "Straßenbeleuchtung in West → Zentrale Annahmestelle "
        "(keine Zuständigkeit hinterlegt: Zentrale Annahmestelle prüft)"
    )


def test_without_a_triage_department_routing_fails_loudly(lighting, west):
    with pytest.raises(RoutingNotConfigured, match="triage"):
        route_report(category=lighting, district=west)


def test_an_inactive_triage_department_does_not_count(lighting, west):
    DepartmentFactory(kind=Department.Kind.TRIAGE, is_active=False)
    with pytest.raises(RoutingNotConfigured):
        route_report(category=lighting, district=west)


def test_a_report_without_a_rule_and_without_triage_is_not_saved(lighting):
    with pytest.raises(RoutingNotConfigured):
        submit(lighting)
    assert Report.objects.count() == 0


def test_routing_takes_one_query_for_both_rule_levels(
    lighting, roads, west, east, triage, django_assert_num_queries
):
    ResponsibilityFactory(category=lighting, district=west, department=roads)
    with django_assert_num_queries(1):
        route_report(category=lighting, district=west)
    # No rule for the east: one query for both levels, one for the triage department.
    with django_assert_num_queries(2):
        route_report(category=lighting, district=east)


def test_the_reason_is_stored_in_german_whatever_the_request_language(lighting, roads, west, triage):
    ResponsibilityFactory(category=lighting, district=None, department=roads)
    with translation.override("en"):
        decision = route_report(category=lighting, district=west)
    assert decision.reason.endswith("(stadtweite Regel)")


def test_the_reason_fits_the_column(west, triage):
    long_name = "Sehr lange Kategorie " * 4
    category = CategoryFactory(name=long_name[:100])
    department = DepartmentFactory(name=("Fachbereich mit einem sehr langen Namen " * 5)[:200], slug="lang")
    ResponsibilityFactory(category=category, department=department)
    reason = route_report(category=category, district=west).reason
    assert len(reason) <= Report._meta.get_field("routing_reason").max_length


# --- Through report_create: the point decides the district ----------------------------------------------


def test_a_new_report_is_routed_by_the_district_of_its_point(lighting, roads, parks, west, east, triage):
    # given
    ResponsibilityFactory(category=lighting, district=west, department=roads)
    ResponsibilityFactory(category=lighting, district=east, department=parks)
    # when
    report = submit(lighting, lon=EAST_POINT[0], lat=EAST_POINT[1]).report
    # then
    assert report.district == east
    assert report.department == parks
    assert report.routing_reason == "Straßenbeleuchtung in Ost → Grün und Parks (Regel für Ost)"
    assert report.needs_triage is False


def test_a_new_report_without_a_rule_is_flagged_for_triage(lighting, west, triage):
    report = submit(lighting).report
    assert report.department == triage
    assert report.needs_triage is True


def test_a_point_on_the_shared_edge_is_routed_to_one_district_every_time(
    lighting, roads, parks, west, east, triage
):
    # given: both districts have their own rule; the point lies on the edge they share
    ResponsibilityFactory(category=lighting, district=west, department=roads)
    ResponsibilityFactory(category=lighting, district=east, department=parks)
    # when
    reports = [submit(lighting, lon=EDGE_POINT[0], lat=EDGE_POINT[1]).report for _ in range(3)]
    # then: the district that sorts first by official id, then slug ("ost" < "west"), always
    assert {report.district.slug for report in reports} == {"ost"}
    assert {report.department_id for report in reports} == {parks.pk}


def test_wolfsburg_routes_a_street_light_in_vorsfelde_by_the_district_rule(wolfsburg):
    # given: the sample departments of the shipped data, one rule for Vorsfelde
    vorsfelde = District.objects.get(name="Vorsfelde")
    roads = DepartmentFactory(name="Straßen und Brücken (Test)", slug="strassen-test")
    lighting = CategoryFactory(name="Straßenbeleuchtung", slug="strassenbeleuchtung")
    ResponsibilityFactory(category=lighting, district=vorsfelde, department=roads)
    inside = District.objects.annotate(inside=PointOnSurface("geom")).get(pk=vorsfelde.pk).inside
    # when
    report = submit(lighting, lon=inside.x, lat=inside.y).report
    # then
    assert report.district == vorsfelde
    assert report.department == roads
    assert report.routing_reason == (
        "Straßenbeleuchtung in Vorsfelde → Straßen und Brücken (Test) (Regel für Vorsfelde)"
    )
