"""Re-routing after a boundary change: reports get the district, quarter and (while open) department they now have."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from defects.errors import RoutingNotConfigured
from defects.models import Report, ReportEvent, ReportStatus
from defects.services import reports_reroute
from districts.models import City, Department, District, Quarter
from districts.selectors import district_for_point
from districts.services import CitySpec, LayerSpec, city_import
from geo_core.srid import STORAGE_SRID
from tests.defects.factories import (
    EAST_POINT,
    CategoryFactory,
    ReportFactory,
    ResponsibilityFactory,
    SubscriptionFactory,
)
from tests.districts.geojson_files import feature, polygon, write_collection
from tests.factories import CITY_BBOX, DepartmentFactory, DistrictFactory, UserFactory, multipolygon

pytestmark = pytest.mark.django_db

# The west district grows by 0.005° (about 340 m) into the east one: the edge moves from 10.80 to 10.805.
NEW_WEST_BBOX = (10.78, 52.41, 10.805, 52.43)
NEW_EAST_BBOX = (10.805, 52.41, 10.82, 52.43)
# In the east before the change, in the west after it.
MOVED_POINT = (10.802, 52.42)
NEW_EDGE_POINT = (10.805, 52.42)


@pytest.fixture
def parks(db) -> Department:
    return DepartmentFactory(name="Grün und Parks", slug="gruen")


@pytest.fixture
def roads(db) -> Department:
    return DepartmentFactory(name="Straßen und Brücken", slug="strassen-bruecken")


@pytest.fixture
def lighting(west, east, parks, roads, triage):
    """Routed by district: the west to ``parks``, the east to ``roads``."""
    category = CategoryFactory(name="Straßenbeleuchtung", slug="strassenbeleuchtung")
    ResponsibilityFactory(category=category, district=west, department=parks)
    ResponsibilityFactory(category=category, district=east, department=roads)
    return category


def report_at(point: tuple[float, float], *, district: District, **fields) -> Report:
    """Return a report at ``point`` stored as routed before the change (with its district's quarter)."""
    fields.setdefault("quarter", district.quarters.first())
    return ReportFactory(location=Point(*point, srid=STORAGE_SRID), district=district, **fields)


def move_edge(*, west: District, east: District) -> None:
    """Move the shared edge east (districts and their quarters), as an import of new outlines would."""
    for district, bbox in ((west, NEW_WEST_BBOX), (east, NEW_EAST_BBOX)):
        District.objects.filter(pk=district.pk).update(geom=multipolygon(bbox))
        Quarter.objects.filter(district=district).update(geom=multipolygon(bbox))


def test_a_report_now_in_the_other_district_gets_that_district_and_its_department(
    lighting, west, east, parks, roads
):
    # given an open report in the east, routed to roads, and then the edge moves past it
    report = report_at(MOVED_POINT, district=east, category=lighting, department=roads)
    move_edge(west=west, east=east)

    # when
    result = reports_reroute()

    # then it lies in the west now and is with the west's department, for the reason in words
    report.refresh_from_db()
    assert (report.district, report.quarter.name, report.department) == (west, "Westend", parks)
    assert report.routing_reason == "Straßenbeleuchtung in West → Grün und Parks (Regel für West)"
    assert report.needs_triage is False
    assert report.version == 2
    assert (result.reports_updated, result.districts_changed, result.departments_changed) == (1, 1, 1)


def test_a_report_given_to_another_department_gets_one_internal_forwarded_event(
    lighting, west, east, parks, roads
):
    report = report_at(MOVED_POINT, district=east, category=lighting, department=roads)
    move_edge(west=west, east=east)

    reports_reroute()

    [event] = ReportEvent.objects.filter(report=report)
    assert event.kind == ReportEvent.Kind.FORWARDED
    assert (event.from_department, event.to_department) == (roads, parks)
    assert (event.actor, event.actor_label, event.public_message) == (None, "System", "")
    assert event.internal_note == (
        "Nach einer Änderung der Gebietsgrenzen neu zugeordnet: "
        "Straßenbeleuchtung in West → Grün und Parks (Regel für West)"
    )


def test_a_report_given_to_another_department_is_no_longer_accepted_nor_assigned(lighting, west, east, roads):
    report = report_at(
        MOVED_POINT,
        district=east,
        category=lighting,
        department=roads,
        status=ReportStatus.IN_PROGRESS,
        accepted_at=timezone.now(),
        assignee=UserFactory(),
    )
    move_edge(west=west, east=east)

    reports_reroute()

    report.refresh_from_db()
    assert (report.status, report.accepted_at, report.assignee) == (ReportStatus.IN_PROGRESS, None, None)


def test_a_report_whose_district_did_not_change_is_untouched(lighting, west, east, roads):
    # given a report deep in the east, with a reason a rule would no longer give
    report = report_at(
        EAST_POINT, district=east, category=lighting, department=roads, routing_reason="von Hand"
    )
    updated_at = report.updated_at
    move_edge(west=west, east=east)

    # when
    result = reports_reroute()

    # then
    report.refresh_from_db()
    assert (report.district, report.department, report.routing_reason) == (east, roads, "von Hand")
    assert (report.version, report.updated_at) == (1, updated_at)
    assert not ReportEvent.objects.filter(report=report).exists()
    assert result.reports_updated == 0


def test_a_report_whose_district_did_not_change_keeps_a_manually_chosen_department(
    lighting, west, east, parks
):
    # given a report in the east that staff forwarded to parks (the rule says roads)
    report = report_at(EAST_POINT, district=east, category=lighting, department=parks)
    move_edge(west=west, east=east)

    reports_reroute()

    report.refresh_from_db()
    assert (report.department, report.version) == (parks, 1)


@pytest.mark.parametrize("status", [ReportStatus.RESOLVED, ReportStatus.CLOSED, ReportStatus.REJECTED])
def test_a_finished_report_gets_its_new_district_but_keeps_its_department(
    lighting, west, east, roads, status
):
    report = report_at(MOVED_POINT, district=east, category=lighting, department=roads, status=status)
    move_edge(west=west, east=east)

    result = reports_reroute()

    report.refresh_from_db()
    assert (report.district, report.quarter.name) == (west, "Westend")
    assert (report.department, report.routing_reason, report.version) == (roads, "Testzuordnung", 2)
    assert not ReportEvent.objects.filter(report=report).exists()
    assert (result.districts_changed, result.departments_changed) == (1, 0)


def test_an_unconfirmed_report_follows_its_new_district_too(lighting, west, east, parks, roads):
    report = report_at(
        MOVED_POINT, district=east, category=lighting, department=roads, status=ReportStatus.UNCONFIRMED
    )
    move_edge(west=west, east=east)

    reports_reroute()

    report.refresh_from_db()
    assert report.department == parks


def test_without_a_rule_for_the_new_district_the_report_goes_to_triage_flagged(west, east, roads, triage):
    # given a category with a rule for the east only
    bins = CategoryFactory(name="Papierkorb", slug="papierkorb")
    ResponsibilityFactory(category=bins, district=east, department=roads)
    report = report_at(MOVED_POINT, district=east, category=bins, department=roads)
    move_edge(west=west, east=east)

    # when
    reports_reroute()

    # then
    report.refresh_from_db()
    assert (report.department, report.needs_triage) == (triage, True)
    assert report.routing_reason == (
        "Papierkorb in West → Zentrale Annahmestelle (keine Zuständigkeit hinterlegt: Zentrale Annahmestelle prüft)"
    )


def test_without_a_rule_and_without_triage_nothing_is_changed(west, east, roads, triage):
    bins = CategoryFactory(name="Papierkorb", slug="papierkorb")
    ResponsibilityFactory(category=bins, district=east, department=roads)
    report = report_at(MOVED_POINT, district=east, category=bins, department=roads)
    Department.objects.filter(pk=triage.pk).update(is_active=False)
    move_edge(west=west, east=east)

    with pytest.raises(RoutingNotConfigured):
        reports_reroute()

    report.refresh_from_db()
    assert (report.district, report.version) == (east, 1)


def test_a_point_on_the_new_shared_edge_lands_in_exactly_one_district(lighting, west, east, parks):
    # given a report exactly on the new edge, stored in the west
    report = report_at(NEW_EDGE_POINT, district=west, category=lighting, department=parks)
    move_edge(west=west, east=east)

    # when
    reports_reroute()

    # then it is in the district that sorts first ("ost" before "west"), as a new report there would be
    report.refresh_from_db()
    assert report.district == east
    assert district_for_point(point=Point(*NEW_EDGE_POINT, srid=STORAGE_SRID)) == east


def test_only_the_reports_of_the_given_districts_are_looked_at(lighting, west, east, city, roads):
    # given a report stored wrongly in the west, and a district far away that changed
    report = report_at(EAST_POINT, district=west, category=lighting, department=roads)
    north = DistrictFactory(city=city, name="Nord", geom=multipolygon((10.78, 52.43, 10.82, 52.44)))

    result = reports_reroute(district_ids=[north.pk])

    report.refresh_from_db()
    assert (report.district, result.reports_updated) == (west, 0)


def test_re_routing_mails_nobody(lighting, west, east, roads, run_tasks):
    report = report_at(MOVED_POINT, district=east, category=lighting, department=roads)
    SubscriptionFactory(report=report)
    move_edge(west=west, east=east)

    reports_reroute()
    run_tasks()

    assert mail.outbox == []


# --- The command -------------------------------------------------------------------------------------------


def test_the_command_re_routes_and_says_what_changed(lighting, west, east, roads):
    report = report_at(MOVED_POINT, district=east, category=lighting, department=roads)
    move_edge(west=west, east=east)
    out = StringIO()

    call_command("reroute_reports", "--district", "west", stdout=out)

    assert Report.objects.get(pk=report.pk).district == west
    assert out.getvalue().strip() == (
        "Neuzuordnung nach Gebietsänderung – Meldungen aktualisiert: 1, davon in einem anderen "
        "Ortsratsbereich: 1, an einen anderen Fachbereich weitergeleitet: 1."
    )


def test_the_command_refuses_an_unknown_district(city):
    with pytest.raises(CommandError, match="Einen Ortsratsbereich „nirgendwo“ gibt es nicht"):
        call_command("reroute_reports", "--district", "nirgendwo", stdout=StringIO())


# --- The city import ---------------------------------------------------------------------------------------


def import_spec(directory: Path, *, edge: float) -> CitySpec:
    """Write a two-district city whose shared edge is at longitude ``edge``; return its import spec."""
    west_bbox = (CITY_BBOX[0], CITY_BBOX[1], edge, CITY_BBOX[3])
    east_bbox = (edge, CITY_BBOX[1], CITY_BBOX[2], CITY_BBOX[3])
    write_collection(directory / "boundary.geojson", [feature(polygon(CITY_BBOX), name="Teststadt")])
    write_collection(
        directory / "districts.geojson",
        [feature(polygon(west_bbox), name="West", id="1"), feature(polygon(east_bbox), name="Ost", id="2")],
    )
    write_collection(
        directory / "quarters.geojson",
        [
            feature(polygon(west_bbox), name="Westend", id="11"),
            feature(polygon(east_bbox), name="Ostend", id="21"),
        ],
    )
    return CitySpec(
        name="Teststadt",
        slug="teststadt",
        official_id="00000000",
        boundary=LayerSpec(file=directory / "boundary.geojson"),
        districts=LayerSpec(file=directory / "districts.geojson", id_property="id"),
        quarters=LayerSpec(file=directory / "quarters.geojson", id_property="id"),
    )


def test_an_import_with_new_outlines_re_routes_the_reports_they_move(tmp_path, triage, parks, roads):
    # given an imported city and an open report in the east, routed by the east's rule
    city_import(spec=import_spec(tmp_path, edge=10.80))
    assert City.objects.count() == 1
    west, east = District.objects.get(slug="west"), District.objects.get(slug="ost")
    lighting = CategoryFactory(name="Straßenbeleuchtung", slug="strassenbeleuchtung")
    ResponsibilityFactory(category=lighting, district=west, department=parks)
    ResponsibilityFactory(category=lighting, district=east, department=roads)
    report = report_at(MOVED_POINT, district=east, category=lighting, department=roads)

    # when the city is imported again with the edge moved past the report
    result = city_import(spec=import_spec(tmp_path, edge=10.805))

    # then the import re-routed it
    report.refresh_from_db()
    assert (report.district, report.quarter.name, report.department) == (west, "Westend", parks)
    assert result.changed_district_ids == sorted([west.pk, east.pk])
    assert str(result.boundary_changes["defects"]).startswith(
        "Neuzuordnung nach Gebietsänderung – Meldungen aktualisiert: 1,"
    )
