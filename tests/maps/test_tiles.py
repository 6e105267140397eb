"""Mapbox Vector Tiles of the map layers: exactly the features in the tile, limited, filtered, cacheable."""

from __future__ import annotations

import dataclasses
import datetime

import mapbox_vector_tile
import mercantile
import pytest
from django.contrib.gis.geos import MultiPolygon, Point
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from defects.layers import REPORTS_LAYER
from defects.models import Report, ReportStatus
from districts.layers import DISTRICTS_LAYER
from districts.models import District
from geo_core.srid import STORAGE_SRID
from maps import tiles
from maps.registry import all_layers
from tests.defects.factories import CategoryFactory, ReportFactory
from tests.factories import DepartmentFactory, DistrictFactory, multipolygon
from tests.maps.test_layer_api import L_SHAPE

MVT = "application/vnd.mapbox-vector-tile"


@pytest.fixture
def districts(city):
    """West and Ost of the synthetic city, an L-shaped district east of it and one far away."""
    DistrictFactory(city=city, name="Winkel", slug="winkel", geom=MultiPolygon(L_SHAPE, srid=STORAGE_SRID))
    DistrictFactory(city=city, name="Fern", slug="fern", geom=multipolygon((10.90, 52.41, 10.92, 52.43)))
    return city


@pytest.fixture
def make_report(city):
    """Return a function that files a public report at a point of the synthetic city."""
    west = city.districts.get(slug="west")
    department = DepartmentFactory()
    category = CategoryFactory(name="Schlagloch", slug="schlagloch")

    def make(lon: float, lat: float, **fields) -> Report:
        fields.setdefault("category", category)
        return ReportFactory(
            district=west, department=department, location=Point(lon, lat, srid=STORAGE_SRID), **fields
        )

    return make


def tile_url(name: str, z: int, x: int, y: int) -> str:
    return reverse("api:map-layer-tile", kwargs={"name": name, "z": z, "x": x, "y": y})


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    tile = mercantile.tile(lon, lat, z)
    return z, tile.x, tile.y


def decoded(response, layer: str) -> list[dict]:
    """The features of the MVT layer ``layer`` in the response, in tile order."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == MVT
    tile = mapbox_vector_tile.decode(response.content)
    assert set(tile) == {layer}
    return tile[layer]["features"]


def ids_in_tile_postgis(table: str, column: str, z: int, x: int, y: int) -> set[int]:
    """The rows whose geometry intersects the tile envelope, asked of PostGIS directly."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE ST_Intersects({column}, ST_Transform(ST_TileEnvelope(%s, %s, %s), 4326))",  # noqa: S608
            [z, x, y],
        )
        return {row[0] for row in cursor.fetchall()}


def district_ids_in_tile(z: int, x: int, y: int) -> set[int]:
    return ids_in_tile_postgis(District._meta.db_table, "geom", z, x, y)


def report_ids_in_tile(z: int, x: int, y: int, *, public_only: bool = True) -> set[int]:
    ids = ids_in_tile_postgis(Report._meta.db_table, "location", z, x, y)
    if public_only:
        ids &= set(Report.objects.exclude(status=ReportStatus.UNCONFIRMED).values_list("pk", flat=True))
    return ids


def all_tiles(z: int, bbox: tuple[float, float, float, float]) -> list[tuple[int, int, int]]:
    return [(tile.z, tile.x, tile.y) for tile in mercantile.tiles(*bbox, zooms=[z])]


# Every tile of zooms 10 to 16 over the synthetic city, the L and the far district, and some around them.
DISTRICT_TILES = (
    all_tiles(10, (10.7, 52.3, 10.95, 52.5))
    + all_tiles(12, (10.7, 52.3, 10.95, 52.5))
    + all_tiles(14, (10.76, 52.40, 10.94, 52.44))
    + all_tiles(16, (10.795, 52.412, 10.845, 52.424))
)


def test_district_tiles_hold_exactly_the_districts_intersecting_each_tile(client, districts):
    # given: tiles inside, across and outside the districts, among them tiles only the L's bbox reaches
    tiles_with_districts = 0

    for tile in DISTRICT_TILES:
        # when
        response = client.get(tile_url("districts", *tile))

        # then
        expected = district_ids_in_tile(*tile)
        if not expected:
            assert response.status_code == 204, tile
            continue
        tiles_with_districts += 1
        assert {feature["properties"]["id"] for feature in decoded(response, "districts")} == expected, tile
    assert tiles_with_districts >= 10
    assert len(DISTRICT_TILES) - tiles_with_districts >= 5


def test_a_point_on_a_tile_edge_is_in_both_tiles_it_touches(client, make_report):
    # given: a report exactly on the western edge of a zoom-16 tile, as PostGIS computes that edge
    z, x, y = tile_of(10.79, 52.42, 16)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint("
            "ST_XMin(e), (ST_YMin(e) + ST_YMax(e)) / 2), 3857), 4326) AS p FROM ST_TileEnvelope(%s, %s, %s) e) t",
            [z, x, y],
        )
        lon, lat = cursor.fetchone()
    on_edge = make_report(lon, lat)
    inside = make_report(lon + 0.001, lat)
    west_of_edge = make_report(lon - 0.001, lat)

    for tile, expected in (
        ((z, x, y), {on_edge.pk, inside.pk}),
        ((z, x - 1, y), {on_edge.pk, west_of_edge.pk}),
    ):
        # when
        response = client.get(tile_url("reports", *tile))

        # then
        assert report_ids_in_tile(*tile) == expected
        assert {feature["properties"]["id"] for feature in decoded(response, "reports")} == expected


def test_the_tile_envelope_is_that_of_postgis_to_the_bit(db):
    for z, x, y in [(0, 0, 0), (1, 1, 0), (14, 8681, 5377), (16, 34725, 21508), (22, 2222222, 1376543)]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM ST_TileEnvelope(%s, %s, %s) e",
                [z, x, y],
            )
            assert tiles.tile_envelope(z=z, x=x, y=y) == cursor.fetchone()


def test_report_tiles_hold_points_with_the_layers_tile_fields(client, make_report):
    report = make_report(10.79, 52.42, status=ReportStatus.IN_PROGRESS)
    make_report(10.79, 52.42, status=ReportStatus.UNCONFIRMED, confirmed_at=None)

    response = client.get(tile_url("reports", *tile_of(10.79, 52.42, 15)))

    [feature] = decoded(response, "reports")
    assert feature["geometry"]["type"] == "Point"
    assert set(feature["properties"]) == set(REPORTS_LAYER.tile_fields)
    assert feature["properties"] == {"id": report.pk, "status": "in_progress", "category_slug": "schlagloch"}


def test_every_layers_tile_properties_are_its_tile_fields(client, districts, make_report):
    make_report(10.79, 52.42)
    with_features = set()

    for layer in all_layers():
        # A zoom-12 tile covers the synthetic city; a layer without data there has nothing to check.
        response = client.get(tile_url(layer.name, *tile_of(10.80, 52.42, 12)))
        if response.status_code == 204:
            continue
        with_features.add(layer.name)
        for feature in decoded(response, layer.name):
            # ST_AsMVT leaves out properties whose value is null.
            assert set(feature["properties"]) <= set(layer.tile_fields)
            assert feature["properties"]["id"]

    assert {"districts", "quarters", "reports"} <= with_features


def test_quarter_tiles_carry_their_districts_slug(client, districts):
    response = client.get(tile_url("quarters", *tile_of(10.79, 52.42, 14)))

    properties = {
        feature["properties"]["name"]: feature["properties"] for feature in decoded(response, "quarters")
    }
    assert properties["Westend"]["district_slug"] == "west"
    assert set(properties["Westend"]) == {"id", "name", "slug", "district_slug"}


@pytest.fixture
def reports_in_order(make_report):
    """Five reports in one tile whose creation order differs from their id order."""
    reports = [make_report(10.79 + i * 0.0001, 52.42) for i in range(5)]
    now = timezone.now()
    # The newest first: 2, 4, 0, 1, 3 (ids would give 4, 3, 2, 1, 0).
    for report, age_days in zip(reports, [3, 4, 1, 5, 2], strict=True):
        Report.objects.filter(pk=report.pk).update(created_at=now - datetime.timedelta(days=age_days))
    return [reports[i].pk for i in (2, 4, 0, 1, 3)]


def test_a_tile_holds_at_most_the_layers_limit_in_the_layers_order(
    client, reports_in_order, isolated_registry
):
    # given: a layer that allows three features per tile
    isolated_registry.register(dataclasses.replace(REPORTS_LAYER, name="few-reports", tile_feature_limit=3))

    # when
    response = client.get(tile_url("few-reports", *tile_of(10.79, 52.42, 16)))

    # then: the three newest, newest first
    assert [feature["properties"]["id"] for feature in decoded(response, "few-reports")] == reports_in_order[
        :3
    ]
    assert response["X-Tile-Truncated"] == "1"


def test_a_tile_keeps_the_layers_order(client, reports_in_order):
    response = client.get(tile_url("reports", *tile_of(10.79, 52.42, 16)))

    assert [feature["properties"]["id"] for feature in decoded(response, "reports")] == reports_in_order
    assert "X-Tile-Truncated" not in response


def test_a_tile_with_exactly_the_limit_is_not_truncated(client, reports_in_order, isolated_registry):
    isolated_registry.register(dataclasses.replace(REPORTS_LAYER, name="five-reports", tile_feature_limit=5))

    response = client.get(tile_url("five-reports", *tile_of(10.79, 52.42, 16)))

    assert len(decoded(response, "five-reports")) == 5
    assert "X-Tile-Truncated" not in response


def test_the_layers_filters_apply_to_its_tiles(client, make_report):
    open_report = make_report(10.79, 52.42)
    resolved = make_report(10.7901, 52.42, status=ReportStatus.RESOLVED)
    other_category = make_report(10.7902, 52.42, category=CategoryFactory(slug="laterne"))
    tile = tile_of(10.79, 52.42, 16)

    by_status = client.get(tile_url("reports", *tile), {"status": "resolved"})
    by_category = client.get(tile_url("reports", *tile), {"category": "laterne"})
    unfiltered = client.get(tile_url("reports", *tile))

    assert [feature["properties"]["id"] for feature in decoded(by_status, "reports")] == [resolved.pk]
    assert [feature["properties"]["id"] for feature in decoded(by_category, "reports")] == [other_category.pk]
    assert {feature["properties"]["id"] for feature in decoded(unfiltered, "reports")} == {
        open_report.pk,
        resolved.pk,
        other_category.pk,
    }


def test_a_filter_leaving_nothing_answers_204(client, make_report):
    make_report(10.79, 52.42)

    response = client.get(tile_url("reports", *tile_of(10.79, 52.42, 16)), {"status": "resolved"})

    assert response.status_code == 204


@pytest.mark.parametrize(
    ("params", "code", "attr"),
    [
        ({"status": "verschwunden"}, "unknown_status", "status"),
        ({"category": "gibt-es-nicht"}, "unknown_category", "category"),
        ({"created_from": "gestern"}, "invalid_date", "created_from"),
    ],
)
def test_a_bad_filter_answers_400_with_its_code(client, make_report, params, code, attr):
    make_report(10.79, 52.42)

    response = client.get(tile_url("reports", *tile_of(10.79, 52.42, 16)), params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["type"] == "validation_error"
    assert [(error["code"], error["attr"]) for error in body["errors"]] == [(code, attr)]


@pytest.mark.parametrize(
    ("z", "x", "y", "attr"),
    [(23, 0, 0, "z"), (99, 0, 0, "z"), (0, 1, 0, "x"), (0, 0, 1, "y"), (3, 8, 0, "x"), (3, 7, 8, "y")],
)
def test_a_tile_outside_the_pyramid_answers_400(client, db, z, x, y, attr):
    response = client.get(tile_url("districts", z, x, y))

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    [error] = response.json()["errors"]
    assert (error["code"], error["attr"]) == ("tile_out_of_range", attr)
    assert "ETag" not in response


@pytest.mark.parametrize(("z", "x", "y"), [(0, 0, 0), (22, 2**22 - 1, 2**22 - 1)])
def test_the_corners_of_the_pyramid_are_tiles(client, db, z, x, y):
    response = client.get(tile_url("districts", z, x, y))

    assert response.status_code == 204


def test_an_unknown_layer_answers_404_as_json(client, db):
    response = client.get(tile_url("keine-ebene", 0, 0, 0))

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_below_the_minimum_zoom_a_tile_is_empty(client, districts, isolated_registry):
    # given: the districts as a layer drawn from zoom 12 on
    isolated_registry.register(
        dataclasses.replace(DISTRICTS_LAYER, name="districts-from-12", tile_min_zoom=12)
    )

    # when
    below = client.get(tile_url("districts-from-12", *tile_of(10.80, 52.42, 11)))
    at = client.get(tile_url("districts-from-12", *tile_of(10.80, 52.42, 12)))

    # then
    assert below.status_code == 204
    assert below.content == b""
    assert len(decoded(at, "districts-from-12")) >= 2


def test_below_the_minimum_zoom_bad_filters_still_answer_400(client, city, isolated_registry):
    isolated_registry.register(dataclasses.replace(REPORTS_LAYER, name="reports-from-12", tile_min_zoom=12))

    response = client.get(tile_url("reports-from-12", 10, 548, 335), {"status": "verschwunden"})

    assert response.status_code == 400


def test_an_empty_tile_answers_204_without_a_body(client, districts):
    response = client.get(tile_url("districts", *tile_of(11.5, 52.0, 14)))

    assert response.status_code == 204
    assert response.content == b""
    # Empty tiles are the most common ones: they are cached as well (without an ETag: there is nothing to hash).
    assert {part.strip() for part in response["Cache-Control"].split(",")} == {"public", "max-age=60"}


def test_tiles_are_cacheable_with_an_etag(client, districts):
    url = tile_url("districts", *tile_of(10.80, 52.42, 14))

    response = client.get(url)

    assert response["ETag"].startswith('"')
    assert {part.strip() for part in response["Cache-Control"].split(",")} == {"public", "max-age=60"}


def test_a_matching_etag_answers_304(client, districts):
    url = tile_url("districts", *tile_of(10.80, 52.42, 14))
    etag = client.get(url)["ETag"]

    unchanged = client.get(url, headers={"if-none-match": etag})
    District.objects.filter(slug="west").update(name="Westen")
    changed = client.get(url, headers={"if-none-match": etag})

    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_a_tile_is_a_tile_whatever_the_client_accepts(client, districts):
    response = client.get(
        tile_url("districts", *tile_of(10.80, 52.42, 14)), headers={"accept": "application/json"}
    )

    assert len(decoded(response, "districts")) >= 1


def test_a_tile_is_built_in_one_query(client, districts, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # the tile and whether the limit cut features off, together
        response = client.get(tile_url("districts", *tile_of(10.79, 52.42, 14)))

    assert response.status_code == 200


def test_layer_tile_returns_the_mvt_bytes(districts):
    z, x, y = tile_of(10.80, 52.42, 14)
    content = tiles.layer_tile(DISTRICTS_LAYER, z=z, x=x, y=y)

    assert set(mapbox_vector_tile.decode(content)) == {"districts"}


def test_every_registered_layers_tile_fields_fit_its_queryset(db):
    for layer in all_layers():
        tiles.validate_tile_fields(layer)


@pytest.mark.parametrize(
    ("tile_fields", "message"),
    [
        ({"id": "id", "colour": "farbe"}, "has no field 'farbe'"),
        ({"name": "slug"}, "named like a model field must be that field"),
        ({"report_status": "reports__status"}, "to-many relation"),
        ({"shape": "geom"}, "geometries cannot be tile properties"),
        ({"city_name": "name__city"}, "'name' is no relation"),
        ({"geom_prepared": "name"}, "reserved"),
    ],
)
def test_a_bad_tile_field_mapping_is_a_clear_error(db, tile_fields, message):
    layer = dataclasses.replace(DISTRICTS_LAYER, tile_fields=tile_fields)

    with pytest.raises(tiles.TileFieldsError, match=message):
        tiles.validate_tile_fields(layer)
