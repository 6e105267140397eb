"""Grid aggregation in metres: every point counted in exactly one cell, and that cell's polygon holds it.

The points are reports (any queryset with a point field would do: ``maps`` knows no app). Assignments are
checked in the metric CRS against the polygon PostGIS builds for the assigned index (``ST_Hexagon`` /
``ST_Square``), one point at a time, so that each point's own cell is known.
"""

from __future__ import annotations

import json
import math
import random
import re

import pytest
from django.db import connection

from defects.models import Report
from geo_core.srid import STORAGE_SRID, metric_srid
from maps.aggregation import (
    ALLOWED_CELL_SIZES_M,
    GridError,
    GridErrorCode,
    GridShape,
    cell_index,
    grid_cells,
    grid_cells_geojson,
    parse_cell_size,
    parse_shape,
)
from tests.defects.factories import CategoryFactory, ReportFactory
from tests.factories import CITY_BBOX, DepartmentFactory, DistrictFactory

pytestmark = pytest.mark.django_db

# Points constructed on an edge come back from WGS 84 storage a few nanometres to one side or the other:
# the cell they get must touch them within this distance (metres).
EDGE_TOLERANCE_M = 1e-6


@pytest.fixture
def common(db):
    return {"category": CategoryFactory(), "district": DistrictFactory(), "department": DepartmentFactory()}


def make_reports(points: list[tuple[float, float]], **fields) -> list[Report]:
    """Create one report per WGS 84 point (lon, lat), in one insert."""
    from django.contrib.gis.geos import Point

    reports = [
        ReportFactory.build(location=Point(lon, lat, srid=STORAGE_SRID), **fields) for lon, lat in points
    ]
    return Report.objects.bulk_create(reports)


def random_points(count: int, *, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    west, south, east, north = CITY_BBOX
    return [(rng.uniform(west, east), rng.uniform(south, north)) for _ in range(count)]


def to_wgs84(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Transform metric points to WGS 84 in PostGIS (the same PROJ the aggregation uses)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ST_X(g), ST_Y(g) FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(x, y, n)
            CROSS JOIN LATERAL (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(t.x, t.y), %s), %s) AS g) AS p
            ORDER BY t.n
            """,
            [[float(x) for x, _ in points], [float(y) for _, y in points], metric_srid(), STORAGE_SRID],
        )
        return cursor.fetchall()


def cell_of(report: Report, *, size: int, shape: GridShape) -> tuple[int, int]:
    """Return the cell the aggregation assigns to this one report."""
    [cell] = grid_cells(
        Report.objects.filter(pk=report.pk), geometry_field="location", cell_size_m=size, shape=shape
    )
    assert cell.count == 1
    return cell.i, cell.j


def polygon_sql(shape: GridShape) -> str:
    return "ST_Hexagon" if shape == GridShape.HEX else "ST_Square"


def relation_to_cell(report: Report, *, size: int, shape: GridShape, i: int, j: int) -> tuple[bool, float]:
    """Return whether the report's point intersects cell (i, j) in the metric CRS, and its distance to it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT ST_Intersects(p, c), ST_Distance(p, c)
            FROM (SELECT ST_Transform(location, %s) AS p FROM defects_report WHERE id = %s) AS r,
                 (SELECT ST_SetSRID({polygon_sql(shape)}(%s, %s, %s), %s) AS c) AS g
            """,  # noqa: S608  (only a PostGIS function name is interpolated)
            [metric_srid(), report.pk, size, i, j, metric_srid()],
        )
        return cursor.fetchone()


def cells_touching(report: Report, *, size: int, shape: GridShape, i: int, j: int) -> int:
    """Return how many cells around (i, j) lie within the edge tolerance of the report's point."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(*)
            FROM (SELECT ST_Transform(location, %s) AS p FROM defects_report WHERE id = %s) AS r,
                 generate_series(%s - 1, %s + 1) AS ci, generate_series(%s - 1, %s + 1) AS cj
            WHERE ST_DWithin(r.p, ST_SetSRID({polygon_sql(shape)}(%s, ci, cj), %s), %s)
            """,  # noqa: S608  (only a PostGIS function name is interpolated)
            [metric_srid(), report.pk, i, i, j, j, size, metric_srid(), EDGE_TOLERANCE_M],
        )
        return cursor.fetchone()[0]


# --- every random point lies in its cell ------------------------------------------------------------------


@pytest.mark.parametrize("shape", [GridShape.HEX, GridShape.SQUARE])
@pytest.mark.parametrize("size", [100, 250])
def test_random_points_lie_in_the_polygon_of_their_cell(common, shape, size):
    # given
    reports = make_reports(random_points(120, seed=size), **common)

    for report in reports:
        # when
        i, j = cell_of(report, size=size, shape=shape)

        # then
        intersects, distance = relation_to_cell(report, size=size, shape=shape, i=i, j=j)
        assert intersects, (report.location.coords, i, j, distance)


# --- points on shared edges and vertices: one cell, which touches them ---------------------------------------


def hex_edge_points(size: int) -> list[tuple[float, float]]:
    """Return every vertex and edge midpoint of a block of 3 × 3 hexagons in the middle of the test city."""
    x0, y0 = 610_000.0, 5_808_000.0  # near the synthetic city (EPSG:25832)
    i0, j0 = round(x0 / (1.5 * size)), round(y0 / (math.sqrt(3) * size))
    points = []
    for i in range(i0, i0 + 3):
        for j in range(j0, j0 + 3):
            cx = 1.5 * size * i
            cy = math.sqrt(3) * size * j + (math.sqrt(3) / 2 * size if i % 2 else 0.0)
            corners = [
                (cx + size * math.cos(math.pi / 3 * k), cy + size * math.sin(math.pi / 3 * k))
                for k in range(6)
            ]
            points.extend(corners)
            points.extend(
                ((ax + bx) / 2, (ay + by) / 2)
                for (ax, ay), (bx, by) in zip(corners, corners[1:] + corners[:1], strict=True)
            )
    return points


def square_edge_points(size: int) -> list[tuple[float, float]]:
    """Return every corner and edge midpoint of a block of 3 × 3 squares."""
    i0, j0 = 610_000 // size, 5_808_000 // size
    points = []
    for i in range(i0, i0 + 3):
        for j in range(j0, j0 + 3):
            x, y = i * size, j * size
            points.extend([(x, y), (x + size / 2, y), (x, y + size / 2)])
    return points


@pytest.mark.parametrize(
    ("shape", "make_points"), [(GridShape.HEX, hex_edge_points), (GridShape.SQUARE, square_edge_points)]
)
def test_points_on_shared_edges_and_vertices_count_once_in_a_cell_that_touches_them(
    common, shape, make_points
):
    # given: points on edges and vertices, where two or three cells meet
    size = 100
    reports = make_reports(to_wgs84(make_points(size)), **common)

    # when
    cells = grid_cells(
        Report.objects.filter(pk__in=[r.pk for r in reports]),
        geometry_field="location",
        cell_size_m=size,
        shape=shape,
    )

    # then: each point is counted once, although a spatial join would have found it in several cells
    assert sum(cell.count for cell in cells) == len(reports)
    shared = 0
    for report in reports:
        i, j = cell_of(report, size=size, shape=shape)
        intersects, distance = relation_to_cell(report, size=size, shape=shape, i=i, j=j)
        assert intersects or distance < EDGE_TOLERANCE_M, (report.location.coords, i, j, distance)
        shared += cells_touching(report, size=size, shape=shape, i=i, j=j) >= 2
    assert shared == len(reports)


def exact_boundary_points(shape: GridShape, size: int) -> list[tuple[float, float]]:
    """Return the corners of a few cells, and the midpoints of edges that are exact in floating point.

    Taken from the polygons PostGIS builds, so they lie exactly on the boundary of every cell that shares them
    (for hexagons: every vertex, and the midpoints of the horizontal edges; the slanted ones are not exact).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH cells AS (
                SELECT {polygon_sql(shape)}(%s, i, j) AS c FROM generate_series(-1, 1) AS i, generate_series(-1, 1) AS j
            ),
            corners AS (SELECT (ST_DumpPoints(ST_ExteriorRing(c))).geom AS p FROM cells),
            edges AS (
                SELECT ST_PointN(ST_ExteriorRing(c), n) AS a, ST_PointN(ST_ExteriorRing(c), n + 1) AS b
                FROM cells, generate_series(1, ST_NPoints(ST_ExteriorRing(c)) - 1) AS n
            )
            SELECT DISTINCT ST_X(p), ST_Y(p) FROM corners
            UNION
            SELECT DISTINCT (ST_X(a) + ST_X(b)) / 2, ST_Y(a) FROM edges WHERE ST_Y(a) = ST_Y(b)
            """,  # noqa: S608  (only a PostGIS function name is interpolated)
            [size],
        )
        return cursor.fetchall()


@pytest.mark.parametrize("shape", [GridShape.HEX, GridShape.SQUARE])
def test_points_exactly_on_shared_edges_and_vertices_get_one_cell_that_holds_them(db, shape):
    # given: corners and edge points exactly on the boundary of two or three cells (no projection involved)
    size = 100
    points = exact_boundary_points(shape, size)
    assert len(points) > 20

    for x, y in points:
        # when
        i, j = cell_index(x=x, y=y, cell_size_m=size, shape=shape)

        # then: the one cell assigned holds the point, which lies in several cells (a join would count it twice)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT ST_Intersects(ST_MakePoint(%s, %s), {polygon_sql(shape)}(%s, %s, %s)),
                       (SELECT count(*) FROM generate_series(%s - 1, %s + 1) AS ci, generate_series(%s - 1, %s + 1) AS cj
                        WHERE ST_Intersects(ST_MakePoint(%s, %s), {polygon_sql(shape)}(%s, ci, cj)))
                """,  # noqa: S608  (only a PostGIS function name is interpolated)
                [x, y, size, i, j, i, i, j, j, x, y, size],
            )
            holds, touching = cursor.fetchone()
        assert holds, (x, y, i, j)
        assert touching >= 2, (x, y, i, j)


# --- counts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [GridShape.HEX, GridShape.SQUARE])
@pytest.mark.parametrize("size", ALLOWED_CELL_SIZES_M)
def test_cell_counts_add_up_to_the_number_of_points_under_the_same_filters(common, shape, size):
    # given: reports of two categories
    other = CategoryFactory()
    make_reports(random_points(90, seed=1), **common)
    make_reports(random_points(40, seed=2), **{**common, "category": other})
    filtered = Report.objects.filter(category=other)

    # when
    cells = grid_cells(filtered, geometry_field="location", cell_size_m=size, shape=shape)
    collection = grid_cells_geojson(filtered, geometry_field="location", cell_size_m=size, shape=shape)

    # then
    assert sum(cell.count for cell in cells) == filtered.count() == 40
    assert collection["total"] == 40
    assert sum(feature["properties"]["count"] for feature in collection["features"]) == 40
    assert len(collection["features"]) == len(cells)
    assert len({(cell.i, cell.j) for cell in cells}) == len(cells)


def test_cells_come_fullest_first_and_limit_keeps_the_fullest(common):
    # given: three points in one 1 km square, one in another
    make_reports([(10.785, 52.415)] * 3 + [(10.815, 52.425)], **common)

    # when
    cells = grid_cells(Report.objects.all(), geometry_field="location", cell_size_m=1000, shape="square")
    [top] = grid_cells(
        Report.objects.all(), geometry_field="location", cell_size_m=1000, shape="square", limit=1
    )

    # then
    assert [cell.count for cell in cells] == [3, 1]
    assert top == cells[0]


def test_no_points_give_no_cells_and_an_empty_collection(db):
    assert grid_cells(Report.objects.all(), geometry_field="location", cell_size_m=250, shape="hex") == []
    assert grid_cells_geojson(
        Report.objects.all(), geometry_field="location", cell_size_m=250, shape="hex"
    ) == {
        "type": "FeatureCollection",
        "total": 0,
        "features": [],
    }


@pytest.mark.parametrize("shape", [GridShape.HEX, GridShape.SQUARE])
def test_cell_geometry_is_the_cell_polygon_in_wgs84_and_holds_the_centre(common, shape):
    # given
    [report] = make_reports([(10.7951, 52.4234)], **common)

    # when
    [cell] = grid_cells(
        Report.objects.all(), geometry_field="location", cell_size_m=500, shape=shape, with_geometry=True
    )
    [feature] = grid_cells_geojson(
        Report.objects.all(), geometry_field="location", cell_size_m=500, shape=shape
    )["features"]

    # then
    from django.contrib.gis.geos import GEOSGeometry, Point

    polygon = GEOSGeometry(str(cell.geometry).replace("'", '"'), srid=STORAGE_SRID)
    assert polygon.geom_type == "Polygon"
    assert len(polygon.exterior_ring) == (7 if shape == GridShape.HEX else 5)
    assert polygon.contains(Point(cell.centre_lon, cell.centre_lat, srid=STORAGE_SRID))
    assert polygon.contains(report.location)
    assert feature["id"] == f"{cell.i}_{cell.j}"
    assert feature["properties"] == {"i": cell.i, "j": cell.j, "count": 1}
    assert feature["geometry"] == cell.geometry


def test_square_cells_are_floor_of_metric_coordinates(common):
    # given: a point at a known metric position
    [(lon, lat)] = to_wgs84([(612_345.0, 5_809_876.0)])
    make_reports([(lon, lat)], **common)

    # when
    [cell] = grid_cells(Report.objects.all(), geometry_field="location", cell_size_m=250, shape="square")

    # then
    assert (cell.i, cell.j) == (612_345 // 250, 5_809_876 // 250)


def test_hexagon_cells_follow_st_hexagongrid(common):
    # given: points; the cells PostGIS' own grid generator finds for them
    reports = make_reports(random_points(30, seed=7), **common)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.id, g.i, g.j
            FROM defects_report AS r
            CROSS JOIN LATERAL ST_HexagonGrid(250, ST_Expand(ST_Transform(r.location, %s), 1)) AS g
            WHERE r.id = ANY(%s) AND ST_Intersects(ST_Transform(r.location, %s), g.geom)
            """,
            [metric_srid(), [r.pk for r in reports], metric_srid()],
        )
        expected = {(pk, i, j) for pk, i, j in cursor.fetchall()}

    # then: the arithmetic picks the cell ST_HexagonGrid would (random points are never on an edge)
    for report in reports:
        i, j = cell_of(report, size=250, shape=GridShape.HEX)
        assert (report.pk, i, j) in expected


# --- parameters -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [None, "", "0", "50", "99", "251", "250.0", "-250", "abc", 250.5, True, 2000]
)
def test_cell_sizes_outside_the_allowed_set_are_refused(value):
    with pytest.raises(GridError) as caught:
        parse_cell_size(value)

    assert caught.value.code == GridErrorCode.INVALID_CELL_SIZE == "invalid_cell_size"
    assert caught.value.field == "cell_size"


@pytest.mark.parametrize("value", [100, "250", " 500 ", 1000])
def test_allowed_cell_sizes_are_accepted(value):
    assert parse_cell_size(value) in ALLOWED_CELL_SIZES_M


@pytest.mark.parametrize("value", [None, "", "hexagon", "HEX", "circle"])
def test_unknown_shapes_are_refused(value):
    with pytest.raises(GridError) as caught:
        parse_shape(value)

    assert caught.value.code == GridErrorCode.INVALID_SHAPE == "invalid_shape"


def test_grid_functions_refuse_sizes_and_shapes_before_touching_the_database(db):
    with pytest.raises(GridError) as size_error:
        grid_cells(Report.objects.all(), geometry_field="location", cell_size_m=42, shape="hex")
    with pytest.raises(GridError) as shape_error:
        grid_cells_geojson(Report.objects.all(), geometry_field="location", cell_size_m=250, shape="triangle")

    assert size_error.value.code == "invalid_cell_size"
    assert shape_error.value.code == "invalid_shape"


# --- classes, legends and the aggregate map ---------------------------------------------------------------


def test_class_breaks_are_quantiles_rounded_up_with_the_largest_value_last():
    from maps.aggregate_maps import class_breaks

    assert class_breaks([]) == []
    assert class_breaks([None, None]) == []
    assert class_breaks([3, 1, 1, 2]) == [1, 2, 3]  # fewer distinct values than classes: one class each
    assert class_breaks(list(range(1, 101))) == [20, 40, 60, 80, 100]
    assert class_breaks([1] * 50 + [2, 3, 4, 5, 90]) == [1, 90]  # ties collapse classes
    assert class_breaks([0.04, 0.31, 1.26, 2.5, 7.01, 9.99], decimals=1) == [0.4, 1.3, 2.5, 7.1, 10.0]


def test_every_value_falls_into_a_class():
    from maps.aggregate_maps import class_breaks

    rng = random.Random(3)
    values = [rng.randint(1, 500) for _ in range(300)]
    breaks = class_breaks(values)

    assert breaks == sorted(set(breaks))
    assert all(any(value <= bound for bound in breaks) for value in values)
    assert len(breaks) <= 5


def test_class_labels_name_the_bounds_in_german_number_format():
    from maps.aggregate_maps import class_labels

    assert class_labels([2, 5, 6, 1200], minimum=1) == ["1–2", "3–5", "6", "7–1.200"]
    assert class_labels([0, 1.5, 3.3], decimals=1) == ["0", "über 0,0 bis 1,5", "über 1,5 bis 3,3"]
    assert class_labels([1.5], decimals=1) == ["bis 1,5"]


def test_palettes_are_sequential_with_one_colour_per_class():
    from maps.aggregate_maps import PALETTES, palette

    for name in PALETTES:
        for classes in range(1, 6):
            assert len(palette(name, classes)) == classes
    assert palette("YlOrRd", 0) == []


def test_aggregate_map_loads_features_by_url_and_offers_one_layer_at_a_time(settings):
    from maps.aggregate_maps import AggregateLayer, build_aggregate_map

    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"

    parts = build_aggregate_map(
        layers=[
            AggregateLayer(
                name="cells",
                title="Zellen",
                url="/api/v1/test/cells/?cell_size=250",
                value_property="count",
                values=[1, 2, 3, 10],
                legend_title="Meldungen je Zelle",
                value_label="Meldungen",
            ),
            AggregateLayer(
                name="areas",
                title="Flächen",
                url="/api/v1/test/areas/",
                value_property="density",
                values=[0.5, None, 2.25],
                legend_title="je km²",
                value_label="je km²",
                palette="PuBu",
                decimals=1,
                show=True,
            ),
        ],
        bounds=(10.6, 52.3, 10.9, 52.5),
        aria_label="Testkarte",
    )

    html = parts.header + parts.html + parts.script
    assert "/static/maps/js/aggregate-layer.js" in html
    assert "/static/maps/vendor/leaflet/leaflet.js" in html
    assert "cdn" not in html.lower()
    assert html.count("PlatformAggregate.layer(") == 2
    options = [
        json.loads(found) for found in re.findall(r"PlatformAggregate\.layer\((\{.*\})\);", parts.script)
    ]
    assert [option["url"] for option in options] == [
        "/api/v1/test/cells/?cell_size=250",
        "/api/v1/test/areas/",
    ]
    assert (options[0]["breaks"], options[0]["labels"]) == ([1, 2, 3, 10], ["1", "2", "3", "4–10"])
    assert options[0]["colours"] == ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"]
    assert (options[1]["breaks"], options[1]["labels"]) == ([0.5, 2.3], ["bis 0,5", "über 0,5 bis 2,3"])
    assert options[1]["noDataLabel"] == "keine Daten"
    # alternatives are base layers (radio buttons): only the first starts on, although both asked to be shown
    first, second = re.findall(r"var (\w+) = PlatformAggregate\.layer\(", parts.script)
    assert f"{first}.addTo(" in parts.script
    assert f"{second}.addTo(" not in parts.script
    control = re.search(r"base_layers : \{(.*?)\}", parts.script, re.S).group(1)
    assert first in control and second in control
