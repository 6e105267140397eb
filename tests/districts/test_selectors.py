"""Reads of the city's geography against real PostGIS: the city area, point lookup and the gazetteer."""

import pytest
from django.contrib.gis.geos import LineString, MultiLineString, Point
from pyproj import Geod

from districts import selectors
from districts.models import District
from geo_core.parsing import GeoInputError, GeoInputErrorCode
from geo_core.srid import STORAGE_SRID
from tests.factories import (
    CITY_BBOX,
    EAST_BBOX,
    WEST_BBOX,
    CityFactory,
    DistrictFactory,
    StreetFactory,
    multipolygon,
)

pytestmark = pytest.mark.django_db

WEST_POINT = Point(10.79, 52.42, srid=STORAGE_SRID)
EAST_POINT = Point(10.81, 52.42, srid=STORAGE_SRID)
EDGE_POINT = Point(10.80, 52.42, srid=STORAGE_SRID)
OUTSIDE_POINT = Point(10.90, 52.42, srid=STORAGE_SRID)
WGS84 = Geod(ellps="WGS84")


def line(*coords: tuple[float, float]) -> MultiLineString:
    return MultiLineString(LineString(*coords), srid=STORAGE_SRID)


def geodesic_distance_to_segment(point: Point, start: tuple[float, float], end: tuple[float, float]) -> float:
    """Return the distance in metres from a point to a geodesic segment, by sampling it every few centimetres."""
    samples = [start, *WGS84.npts(*start, *end, 20_000), end]
    return min(WGS84.inv(point.x, point.y, lon, lat)[2] for lon, lat in samples)


# --- The city area ------------------------------------------------------------------------------------------


def test_city_area_extent_is_the_city_bbox(city):
    area = selectors.city_area()
    assert area.extent == pytest.approx(CITY_BBOX)


def test_city_area_contains_a_city_point(city):
    assert selectors.city_area().contains(WEST_POINT)


def test_city_area_contains_a_point_on_the_boundary(city):
    assert selectors.city_area().contains(Point(CITY_BBOX[0], 52.42, srid=STORAGE_SRID))


def test_city_area_does_not_contain_an_outside_point(city):
    assert not selectors.city_area().contains(OUTSIDE_POINT)


def test_no_city_area_before_the_city_is_imported(db):
    assert selectors.city_area() is None


def test_parse_city_point_returns_the_point(city):
    point = selectors.parse_city_point(lon="10,79", lat="52,42")
    assert (point.x, point.y, point.srid) == (10.79, 52.42, STORAGE_SRID)


def test_parse_city_point_outside_the_city_is_outside_area(city):
    with pytest.raises(GeoInputError) as caught:
        selectors.parse_city_point(lon="10.90", lat="52.42")
    assert (caught.value.code, caught.value.field) == (GeoInputErrorCode.OUTSIDE_AREA, "lon")


def test_parse_city_point_with_lon_and_lat_swapped_is_swapped(city):
    with pytest.raises(GeoInputError) as caught:
        selectors.parse_city_point(lon="52.42", lat="10.79")
    assert caught.value.code == GeoInputErrorCode.SWAPPED


def test_parse_city_point_without_a_city_accepts_any_valid_point(db):
    point = selectors.parse_city_point(lon="13.40", lat="52.52")
    assert (point.x, point.y) == (13.40, 52.52)


# --- Districts and quarters --------------------------------------------------------------------------------


def test_point_in_west_lands_in_west(city):
    assert selectors.district_for_point(point=WEST_POINT).slug == "west"


def test_point_in_east_lands_in_east(city):
    assert selectors.district_for_point(point=EAST_POINT).slug == "ost"


def test_point_outside_the_city_has_no_district(city):
    assert selectors.district_for_point(point=OUTSIDE_POINT) is None


def test_point_on_the_shared_edge_lands_in_exactly_one_district(city):
    # given: the edge point lies in both polygons
    assert District.objects.filter(geom__intersects=EDGE_POINT).count() == 2
    # when
    first = selectors.district_for_point(point=EDGE_POINT)
    second = selectors.district_for_point(point=EDGE_POINT)
    # then
    assert first is not None
    assert first.pk == second.pk


def _city_with_districts_created(order: list[str]) -> None:
    test_city = CityFactory()
    bboxes = {"west": ("West", WEST_BBOX), "ost": ("Ost", EAST_BBOX)}
    for slug in order:
        name, bbox = bboxes[slug]
        DistrictFactory(city=test_city, name=name, slug=slug, geom=multipolygon(bbox))


@pytest.mark.parametrize("order", [["west", "ost"], ["ost", "west"]])
def test_point_on_the_shared_edge_lands_in_the_same_district_whatever_the_creation_order(db, order):
    # given
    _city_with_districts_created(order)
    # when
    district = selectors.district_for_point(point=EDGE_POINT)
    # then: the rule (official_id, slug, pk) picks "ost" before "west"
    assert district.slug == "ost"


def test_official_id_decides_the_shared_edge_before_slug(db):
    # given
    test_city = CityFactory()
    DistrictFactory(city=test_city, name="West", slug="west", official_id="01", geom=multipolygon(WEST_BBOX))
    DistrictFactory(city=test_city, name="Ost", slug="ost", official_id="02", geom=multipolygon(EAST_BBOX))
    # when
    district = selectors.district_for_point(point=EDGE_POINT)
    # then
    assert district.slug == "west"


def test_district_lookup_does_not_load_the_polygon(city):
    district = selectors.district_for_point(point=WEST_POINT)
    assert "geom" in district.get_deferred_fields()


def test_district_lookup_accepts_a_point_in_another_srid(city):
    point = WEST_POINT.transform(25832, clone=True)
    assert selectors.district_for_point(point=point).slug == "west"


def test_point_in_west_lands_in_its_quarter(city):
    quarter = selectors.quarter_for_point(point=WEST_POINT)
    assert (quarter.slug, quarter.district.slug) == ("westend", "west")


def test_point_outside_the_city_has_no_quarter(city):
    assert selectors.quarter_for_point(point=OUTSIDE_POINT) is None


def test_quarter_within_a_given_district_agrees_with_it(city):
    # given
    east = District.objects.get(slug="ost")
    # when
    quarter = selectors.quarter_for_point(point=EDGE_POINT, district=east)
    # then
    assert quarter.slug == "ostend"


# --- Nearest street ----------------------------------------------------------------------------------------


def test_nearest_street_distance_is_geodesic_metres(city):
    # given: a street along 52.415 from 10.785 to 10.795, and a point a little north of it
    street = StreetFactory(city=city, name="Hauptstraße")
    point = Point(10.7912, 52.4162, srid=STORAGE_SRID)
    expected = geodesic_distance_to_segment(point, (10.785, 52.415), (10.795, 52.415))
    # when
    match = selectors.nearest_street(point=point)
    # then
    assert (match.street.pk, match.name) == (street.pk, "Hauptstraße")
    assert match.distance_m == pytest.approx(expected, abs=1.0)


def test_nearest_street_distance_beyond_the_end_of_the_street(city):
    # given: the point lies west of the street's western end, so the end point is nearest
    StreetFactory(city=city)
    point = Point(10.7815, 52.4155, srid=STORAGE_SRID)
    expected = WGS84.inv(point.x, point.y, 10.785, 52.415)[2]
    # when
    match = selectors.nearest_street(point=point)
    # then
    assert match.distance_m == pytest.approx(expected, abs=1.0)


def test_no_nearest_street_beyond_the_maximum_distance(city):
    # given: about 1.1 km north of the street
    StreetFactory(city=city)
    point = Point(10.79, 52.425, srid=STORAGE_SRID)
    # when / then
    assert selectors.nearest_street(point=point) is None


def test_larger_maximum_distance_finds_the_far_street(city):
    StreetFactory(city=city)
    match = selectors.nearest_street(point=Point(10.79, 52.425, srid=STORAGE_SRID), max_distance_m=2000)
    assert match.distance_m == pytest.approx(1113, abs=5)


def test_nearest_street_is_nearest_in_metres_not_in_degrees(city):
    # given: north of the point lie many streets that are nearer in degrees (0.0010° of latitude ≈ 111 m);
    # east lies one that is farther in degrees but nearer in metres (0.0014° of longitude ≈ 95 m)
    point = Point(10.80, 52.42, srid=STORAGE_SRID)
    for index in range(12):
        lat = 52.421 + index * 0.00001
        StreetFactory(city=city, name=f"Nordweg {index}", geom=line((10.795, lat), (10.805, lat)))
    east = StreetFactory(city=city, name="Ostweg", geom=line((10.8014, 52.415), (10.8014, 52.425)))
    # when
    match = selectors.nearest_street(point=point)
    # then
    assert match.street.pk == east.pk
    assert match.distance_m == pytest.approx(WGS84.inv(10.80, 52.42, 10.8014, 52.42)[2], abs=1.0)


def test_nearest_street_ignores_streets_of_another_city(city):
    # given: another city's street right at the point
    other = CityFactory(name="Anderswo", slug="anderswo")
    StreetFactory(city=other, geom=line((10.789, 52.42), (10.791, 52.42)))
    # when / then
    assert selectors.nearest_street(point=WEST_POINT) is None


# --- locate_point ------------------------------------------------------------------------------------------


def test_locate_point_combines_district_quarter_and_street(city):
    # given
    StreetFactory(city=city, name="Hauptstraße", geom=line((10.785, 52.4201), (10.795, 52.4201)))
    # when
    location = selectors.locate_point(point=WEST_POINT)
    # then
    assert location.district.slug == "west"
    assert location.quarter.slug == "westend"
    assert location.street.name == "Hauptstraße"
    assert location.street.distance_m == pytest.approx(11.1, abs=0.5)


def test_locate_point_on_the_edge_gets_a_quarter_of_its_district(city):
    location = selectors.locate_point(point=EDGE_POINT)
    assert location.quarter.district.pk == location.district.pk


def test_locate_point_without_anything_near(city):
    location = selectors.locate_point(point=OUTSIDE_POINT)
    assert (location.district, location.quarter, location.street) == (None, None, None)


# --- Street search -----------------------------------------------------------------------------------------


def _names(hits) -> list[str]:
    return [hit.name for hit in hits]


def test_search_strasse_finds_strasse_with_sharp_s(city):
    StreetFactory(city=city, name="Teststraße")
    assert _names(selectors.street_search(query="strasse")) == ["Teststraße"]


@pytest.mark.parametrize("query", ["muller", "mueller", "Müller", "MÜLLERSTR"])
def test_search_finds_umlaut_names_however_typed(city, query):
    StreetFactory(city=city, name="Müllerstraße")
    assert _names(selectors.street_search(query=query)) == ["Müllerstraße"]


def test_search_abbreviated_street_finds_the_full_name(city):
    StreetFactory(city=city, name="Porschestraße")
    assert _names(selectors.street_search(query="porschestr")) == ["Porschestraße"]


def test_search_str_finds_names_starting_with_str_too(city):
    # given: while typing "Stresemannstraße", "Str" must not only mean "Straße"
    StreetFactory(city=city, name="Stresemannstraße")
    StreetFactory(city=city, name="Straße der Jugend")
    # when
    hits = selectors.street_search(query="Str")
    # then
    assert set(_names(hits)) == {"Stresemannstraße", "Straße der Jugend"}


def test_search_orders_prefix_then_word_start_then_substring(city):
    # given
    for name in ["Eisenberger Weg", "Am Berg", "Bergstraße", "Albergweg"]:
        StreetFactory(city=city, name=name)
    # when
    hits = selectors.street_search(query="berg")
    # then
    assert _names(hits) == ["Bergstraße", "Am Berg", "Albergweg", "Eisenberger Weg"]


def test_search_orders_by_name_within_a_relevance_group(city):
    for name in ["Bergweg", "Bergallee", "Bergstraße"]:
        StreetFactory(city=city, name=name)
    assert _names(selectors.street_search(query="berg")) == ["Bergallee", "Bergstraße", "Bergweg"]


@pytest.mark.parametrize("query", ["t%", "%%", "t_st", "%strasse"])
def test_search_wildcards_in_the_query_are_literal(city, query):
    StreetFactory(city=city, name="Teststraße")
    assert selectors.street_search(query=query) == []


def test_search_finds_a_literal_percent_sign(city):
    StreetFactory(city=city, name="Teststraße")
    StreetFactory(city=city, name="Weg der 100% Energie")
    assert _names(selectors.street_search(query="100%")) == ["Weg der 100% Energie"]


@pytest.mark.parametrize("query", ["", " ", "t", "ä", "\x00"])
def test_search_with_less_than_two_letters_finds_nothing(city, query):
    StreetFactory(city=city, name="Teststraße")
    assert selectors.street_search(query=query) == []


def test_search_respects_the_limit(city):
    StreetFactory.create_batch(5, city=city)
    assert len(selectors.street_search(query="test", limit=3)) == 3


def test_search_limit_is_capped(city):
    StreetFactory.create_batch(selectors.STREET_SEARCH_MAX_LIMIT + 3, city=city)
    hits = selectors.street_search(query="test", limit=1000)
    assert len(hits) == selectors.STREET_SEARCH_MAX_LIMIT


def test_search_same_name_in_two_quarters_gives_two_hits_with_their_places(city):
    # given
    westend = city.districts.get(slug="west").quarters.get()
    ostend = city.districts.get(slug="ost").quarters.get()
    StreetFactory(city=city, name="Schulstraße", quarter=westend)
    StreetFactory(city=city, name="Schulstraße", quarter=ostend, geom=line((10.805, 52.42), (10.815, 52.42)))
    # when
    hits = selectors.street_search(query="schul")
    # then
    assert [(hit.name, hit.quarter, hit.district) for hit in hits] == [
        ("Schulstraße", "Ostend", "Ost"),
        ("Schulstraße", "Westend", "West"),
    ]


def test_search_hit_point_lies_on_the_street(city):
    # given: a street with a bend, so its centroid lies off the street
    geom = line((10.785, 52.415), (10.795, 52.415), (10.795, 52.425))
    StreetFactory(city=city, name="Winkelweg", geom=geom)
    # when
    (hit,) = selectors.street_search(query="winkel")
    # then
    assert geom.distance(hit.point) < 1e-9
    assert (hit.lon, hit.lat) == (hit.point.x, hit.point.y)


def test_search_hit_without_quarter(city):
    StreetFactory(city=city, name="Feldweg", quarter=None)
    (hit,) = selectors.street_search(query="feldweg")
    assert (hit.quarter, hit.district) == (None, None)


def test_search_ignores_streets_of_another_city(city):
    other = CityFactory(name="Anderswo", slug="anderswo")
    StreetFactory(city=other, name="Teststraße")
    assert selectors.street_search(query="test") == []


# --- Querysets for the API ----------------------------------------------------------------------------------


def test_district_list_filters_by_bbox_overlap(city):
    from geo_core.parsing import parse_bbox

    districts = selectors.district_list(bbox=parse_bbox("10.805,52.415,10.815,52.425"))
    assert [district.slug for district in districts] == ["ost"]


def test_district_get_of_unknown_slug_is_none(city):
    assert selectors.district_get(slug="nord") is None


def test_quarter_list_of_one_district(city):
    assert [quarter.slug for quarter in selectors.quarter_list(district_slug="west")] == ["westend"]
