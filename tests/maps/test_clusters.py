"""Clusters of point layers: features counted per cell of a global Web Mercator grid, in PostGIS."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.urls import reverse

from defects.models import Report, ReportStatus
from geo_core.srid import STORAGE_SRID
from tests.defects.factories import CategoryFactory, ReportFactory
from tests.factories import DepartmentFactory

CITY = "10.77,52.40,10.83,52.44"


def clusters_url(name: str = "reports") -> str:
    return reverse("api:map-layer-clusters", kwargs={"name": name})


def cell_metres(zoom: int) -> float:
    # 64 screen pixels of a 256-pixel tile at ``zoom``, in Web Mercator metres.
    return 2 * math.pi * 6378137 / (256 * 2**zoom) * 64


@pytest.fixture
def reporting(city):
    """Return a function that files public reports at points of the synthetic city (in one INSERT)."""
    west = city.districts.get(slug="west")
    department = DepartmentFactory()
    category = CategoryFactory(name="Schlagloch", slug="schlagloch")

    def report(points, **fields) -> list[Report]:
        fields.setdefault("category", category)
        return Report.objects.bulk_create(
            ReportFactory.build(
                district=west, department=department, location=Point(lon, lat, srid=STORAGE_SRID), **fields
            )
            for lon, lat in points
        )

    return report


def spread(lon: float, lat: float, count: int, *, step: float = 0.0002) -> list[tuple[float, float]]:
    """``count`` points on a small grid starting at ``lon``, ``lat`` (10 per row)."""
    return [(lon + (i % 10) * step, lat + (i // 10) * step) for i in range(count)]


def expected_cells(bbox: str, zoom: int, status: str | None = None) -> dict[tuple[int, int], list[tuple]]:
    """The public reports in ``bbox`` grouped by grid cell: PostGIS projects, Python groups."""
    west, south, east, north = (float(value) for value in bbox.split(","))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ST_X(location), ST_Y(location), ST_X(ST_Transform(location, 3857)), "
            "ST_Y(ST_Transform(location, 3857)) FROM defects_report "
            "WHERE location && ST_MakeEnvelope(%s, %s, %s, %s, 4326) AND status <> 'unconfirmed' "
            "AND withdrawn_at IS NULL AND (%s::text IS NULL OR status = %s)",
            [west, south, east, north, status, status],
        )
        rows = cursor.fetchall()
    cells: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    size = cell_metres(zoom)
    for pk, lon, lat, x, y in rows:
        cells[(math.floor(x / size), math.floor(y / size))].append((pk, lon, lat))
    return cells


def test_clusters_are_the_features_of_each_grid_cell(client, reporting):
    # given: reports spread over the city, some of them not public
    reporting(spread(10.781, 52.411, 100, step=0.003))
    reporting(spread(10.79, 52.42, 5), status=ReportStatus.UNCONFIRMED, confirmed_at=None)

    # when
    response = client.get(clusters_url(), {"bbox": CITY, "zoom": 14})

    # then
    assert response.status_code == 200
    payload = response.json()
    assert payload["type"] == "FeatureCollection"
    cells = expected_cells(CITY, 14)
    assert payload["count"] == sum(len(features) for features in cells.values()) == 100
    expected = {
        (
            len(features),
            round(sum(lon for _pk, lon, _lat in features) / len(features), 6),
            round(sum(lat for _pk, _lon, lat in features) / len(features), 6),
        ): [
            min(lon for _pk, lon, _lat in features),
            min(lat for _pk, _lon, lat in features),
            max(lon for _pk, lon, _lat in features),
            max(lat for _pk, _lon, lat in features),
        ]
        for features in cells.values()
    }
    returned = {}
    for feature in payload["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        returned[(feature["properties"]["count"], lon, lat)] = feature["properties"]["bounds"]
    assert len(returned) == len(payload["features"]) == len(cells) > 5
    assert returned.keys() == expected.keys()
    for key, bounds in returned.items():
        assert bounds == pytest.approx(expected[key], abs=1e-12)


def test_every_feature_lies_in_its_clusters_bounds(client, reporting):
    reporting(spread(10.781, 52.411, 60, step=0.0025))

    payload = client.get(clusters_url(), {"bbox": CITY, "zoom": 13}).json()

    for features in expected_cells(CITY, 13).values():
        [cluster] = [
            feature
            for feature in payload["features"]
            if feature["properties"]["count"] == len(features)
            and all(
                feature["properties"]["bounds"][0] <= lon <= feature["properties"]["bounds"][2]
                and feature["properties"]["bounds"][1] <= lat <= feature["properties"]["bounds"][3]
                for _pk, lon, lat in features
            )
        ]
        west, south, east, north = cluster["properties"]["bounds"]
        lon, lat = cluster["geometry"]["coordinates"]
        assert west - 1e-6 <= lon <= east + 1e-6
        assert south - 1e-6 <= lat <= north + 1e-6


def test_the_number_of_clusters_does_not_grow_with_the_number_of_features(client, reporting):
    # given: three groups of points, each well inside one cell at zoom 12 (cells of about 2.4 km)
    corners = [(10.781, 52.411), (10.81, 52.425), (10.75, 52.39)]
    for lon, lat in corners:
        reporting(spread(lon, lat, 17, step=0.00005))
    params = {"bbox": "10.70,52.35,10.85,52.45", "zoom": 12}
    few = client.get(clusters_url(), params).json()

    # when: ten times as many points in the same places
    for lon, lat in corners:
        reporting(spread(lon, lat, 153, step=0.00005))
    many = client.get(clusters_url(), params).json()

    # then
    assert few["count"] == 51
    assert many["count"] == 510
    assert len(few["features"]) == len(many["features"]) == 3
    assert sorted(feature["properties"]["count"] for feature in many["features"]) == [170, 170, 170]


def test_clusters_are_answered_in_a_fixed_number_of_queries(client, reporting, django_assert_max_num_queries):
    reporting(spread(10.781, 52.411, 200, step=0.0002))

    # the filter form's lookups and the grouped query, however many features there are
    with django_assert_max_num_queries(6):
        response = client.get(clusters_url(), {"bbox": CITY, "zoom": 14})

    assert response.json()["count"] == 200


def test_a_cell_is_the_same_cluster_when_the_map_is_panned(client, reporting):
    # given: points in one cell at zoom 12, and two bboxes that both contain all of that cell
    reporting(spread(10.781, 52.411, 30, step=0.0001))
    left = client.get(clusters_url(), {"bbox": "10.70,52.35,10.85,52.45", "zoom": 12}).json()
    right = client.get(clusters_url(), {"bbox": "10.74,52.38,10.90,52.47", "zoom": 12}).json()

    # then
    assert left["features"] == right["features"]


def test_the_layers_filters_apply_to_its_clusters(client, reporting):
    reporting(spread(10.781, 52.411, 20, step=0.003))
    reporting(spread(10.782, 52.412, 7, step=0.003), status=ReportStatus.RESOLVED)
    reporting(spread(10.783, 52.413, 4, step=0.003), category=CategoryFactory(slug="laterne"))

    resolved = client.get(clusters_url(), {"bbox": CITY, "zoom": 14, "status": "resolved"}).json()
    lights = client.get(clusters_url(), {"bbox": CITY, "zoom": 14, "category": "laterne"}).json()

    assert resolved["count"] == sum(feature["properties"]["count"] for feature in resolved["features"]) == 7
    assert resolved["count"] == sum(
        len(features) for features in expected_cells(CITY, 14, "resolved").values()
    )
    assert lights["count"] == 4


def test_no_features_answer_an_empty_collection(client, city):
    response = client.get(clusters_url(), {"bbox": CITY, "zoom": 10})

    assert response.json() == {"type": "FeatureCollection", "count": 0, "features": []}


def test_positions_have_six_decimals(client, reporting):
    reporting([(10.7812345678, 52.4112345678), (10.7812345679, 52.4112345679)])

    [feature] = client.get(clusters_url(), {"bbox": CITY, "zoom": 10}).json()["features"]

    assert feature["geometry"]["coordinates"] == [10.781235, 52.411235]


@pytest.mark.parametrize(
    ("params", "code", "attr"),
    [
        ({"bbox": CITY}, "zoom_missing", "zoom"),
        ({"bbox": CITY, "zoom": ""}, "zoom_missing", "zoom"),
        ({"bbox": CITY, "zoom": "zwölf"}, "zoom_invalid", "zoom"),
        ({"bbox": CITY, "zoom": "23"}, "zoom_invalid", "zoom"),
        ({"bbox": CITY, "zoom": "-1"}, "zoom_invalid", "zoom"),
        ({"bbox": CITY, "zoom": "12.5"}, "zoom_invalid", "zoom"),
        ({"bbox": CITY, "zoom": "+5"}, "zoom_invalid", "zoom"),
        ({"zoom": "12"}, "missing", "bbox"),
        ({"bbox": "10.7,52.3,10.9", "zoom": "12"}, "bbox_malformed", "bbox"),
        # 2 km of city in cells of 2.4 m: far more cells than any screen shows
        ({"bbox": CITY, "zoom": "22"}, "bbox_too_large", "bbox"),
        ({"bbox": CITY, "zoom": "12", "status": "verschwunden"}, "unknown_status", "status"),
    ],
)
def test_bad_parameters_answer_400_with_their_code(client, city, params, code, attr):
    response = client.get(clusters_url(), params)

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [(error["code"], error["attr"]) for error in body["errors"]] == [(code, attr)]
    assert "ETag" not in response


def test_a_layer_that_is_not_clustered_answers_404(client, city):
    response = client.get(clusters_url("districts"), {"bbox": CITY, "zoom": 12})

    assert response.status_code == 404
    [error] = response.json()["errors"]
    assert error["code"] == "not_found"
    assert "districts" in error["detail"]


def test_an_unknown_layer_answers_404(client, db):
    response = client.get(clusters_url("keine-ebene"), {"bbox": CITY, "zoom": 12})

    assert response.status_code == 404


def test_clusters_are_cacheable_with_an_etag(client, reporting):
    reporting(spread(10.781, 52.411, 3))
    params = {"bbox": CITY, "zoom": 12}

    response = client.get(clusters_url(), params)
    again = client.get(clusters_url(), params, headers={"if-none-match": response["ETag"]})

    assert {part.strip() for part in response["Cache-Control"].split(",")} == {"public", "max-age=60"}
    assert again.status_code == 304
