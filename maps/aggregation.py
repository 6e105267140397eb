"""Counts of points per grid cell, for heatmaps: computed in PostGIS, in metres, one cell per point.

The grid lives in the metric CRS (``geo_core.srid.metric_srid()``, EPSG:25832 for Wolfsburg) with its origin at
0,0, so a cell of a given size and index is the same everywhere and for every request. Each point's cell index
is computed arithmetically in SQL from its projected coordinates and the points are grouped by that index:

- squares: ``i = floor(x / size)``, ``j = floor(y / size)`` (PostGIS' ``ST_Square(size, i, j)``);
- hexagons: PostGIS' ``ST_HexagonGrid`` layout, flat-topped hexagons of edge ``size``, column ``i`` centred at
  ``x = 1.5·size·i``, row ``j`` at ``y = √3·size·j``, odd columns shifted by ``+√3/2·size`` ("odd-q" offset
  coordinates). A point's fractional axial coordinates are rounded in cube coordinates (the nearest centre
  wins) and turned back into ``(i, j)`` for ``ST_Hexagon(size, i, j)``.

Why arithmetic and not a spatial join against a generated grid: a point on a shared edge or vertex intersects
two or three cells, so a join would count it more than once (or need a tie-break per pair of cells); the
arithmetic assigns every point to exactly one cell, needs no grid table and scales with the number of points,
not of cells. Only the occupied cells are built as polygons, by ``ST_Hexagon`` / ``ST_Square``, and
transformed to WGS 84 for maps and APIs. Nothing here loads points into Python.

``maps`` imports no app: the caller passes any queryset and the name of its point field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.gis.db.models.functions import Transform
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from geo_core.srid import STORAGE_SRID, metric_srid

# A fixed set, so that cells can be compared between requests and cached, and nobody asks for 1 m cells.
ALLOWED_CELL_SIZES_M: tuple[int, ...] = (100, 250, 500, 1000)
DEFAULT_CELL_SIZE_M = 250


class GridShape(StrEnum):
    HEX = "hex"
    SQUARE = "square"


DEFAULT_SHAPE = GridShape.HEX


class GridErrorCode(StrEnum):
    """Stable codes of grid parameters that cannot be used (part of the API)."""

    INVALID_CELL_SIZE = "invalid_cell_size"
    INVALID_SHAPE = "invalid_shape"


class GridError(ValueError):
    """A grid parameter that cannot be used: ``code`` for programs, ``message`` (German) for people."""

    def __init__(self, *, code: GridErrorCode, field: str, message: str | Promise) -> None:
        super().__init__(f"{field}: {code}")
        self.code = code
        self.field = field
        self.message = message


def parse_cell_size(value: object, *, field: str = "cell_size") -> int:
    """Return ``value`` as one of the allowed cell sizes in metres, or raise ``GridError``."""
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    else:
        text = str(value if value is not None else "").strip()
        size = int(text) if text.isdigit() else -1
    if size not in ALLOWED_CELL_SIZES_M:
        raise GridError(
            code=GridErrorCode.INVALID_CELL_SIZE,
            field=field,
            message=_("Die Zellgröße muss eine dieser Angaben in Metern sein: %(sizes)s.")
            % {"sizes": ", ".join(str(size) for size in ALLOWED_CELL_SIZES_M)},
        )
    return size


def parse_shape(value: object, *, field: str = "shape") -> GridShape:
    """Return ``value`` as a grid shape ("hex" or "square"), or raise ``GridError``."""
    try:
        return GridShape(str(value if value is not None else "").strip())
    except ValueError:
        raise GridError(
            code=GridErrorCode.INVALID_SHAPE,
            field=field,
            message=_("Die Zellform muss „hex“ (Sechsecke) oder „square“ (Quadrate) sein."),
        ) from None


@dataclass(frozen=True)
class GridCell:
    """One occupied cell: its grid index, how many points it holds, its centre and (if asked) its polygon.

    ``geometry`` is the cell's polygon in WGS 84 as GeoJSON (a dict), or None if not requested.
    """

    i: int
    j: int
    count: int
    centre_lon: float
    centre_lat: float
    geometry: dict | None = None


# Each point's cell index, from its metric coordinates x, y (columns of "points"), as SQL over "points".
# Both parameters of each fragment are the cell size in metres.
_SQUARE_INDEX_SQL = """
    SELECT floor(p.x / %s::float8)::bigint AS i, floor(p.y / %s::float8)::bigint AS j
    FROM points AS p
"""
# Fractional axial coordinates (q, r) of flat-topped hexagons of edge s: q = (2/3·x)/s, r = (y/√3 − x/3)/s.
# Cube rounding: round q, r and s = −q−r each (floor(v + 0.5): ties go up, on every platform), then recompute
# the component that was rounded the most from the other two, so that the three still sum to zero. The result
# is the hexagon whose centre is nearest; a point on an edge or vertex gets one of its cells, deterministically.
# Odd-q offset rows: j = r + floor(q / 2) (odd columns sit half a row higher, as in ST_HexagonGrid).
# Each step is its own subquery (OFFSET 0 keeps PostgreSQL from folding them into one expression, in which
# every use of a value would be computed again): a third less time for a year of a million reports.
_HEX_INDEX_SQL = """
    SELECT (CASE WHEN dq > ds AND dq > dr THEN -ks - kr ELSE kq END)::bigint AS i,
        ((CASE WHEN dq > ds AND dq > dr THEN kr WHEN ds > dr THEN kr ELSE -kq - ks END)
            + floor((CASE WHEN dq > ds AND dq > dr THEN -ks - kr ELSE kq END) / 2.0))::bigint AS j
    FROM (
        SELECT kq, ks, kr, abs(kq - fq) AS dq, abs(ks + fq + fr) AS ds, abs(kr - fr) AS dr
        FROM (
            SELECT fq, fr, floor(fq + 0.5) AS kq, floor(-fq - fr + 0.5) AS ks, floor(fr + 0.5) AS kr
            FROM (
                SELECT (2.0::float8 / 3.0) * p.x / %s::float8 AS fq,
                    (p.y / sqrt(3.0::float8) - p.x / 3.0) / %s::float8 AS fr
                FROM points AS p OFFSET 0
            ) AS f OFFSET 0
        ) AS k OFFSET 0
    ) AS d
"""


def _points_sql(queryset: QuerySet, *, geometry_field: str, srid: int) -> tuple[str, list]:
    """Return the SQL of the queryset's points projected to ``srid`` (column ``g``), with its parameters."""
    points = (
        queryset.order_by()
        .filter(**{f"{geometry_field}__isnull": False})
        .annotate(_grid_point=Transform(geometry_field, srid))
        .values("_grid_point")
    )
    sql, params = points.query.get_compiler(using=queryset.db).as_sql()
    return f'SELECT src."_grid_point" AS g FROM ({sql}) AS src', list(params)  # noqa: S608  (Django's own SQL)


def _cells_sql(
    queryset: QuerySet, *, geometry_field: str, cell_size_m: int, shape: GridShape | str
) -> tuple[str, list]:
    """Return SQL selecting ``i, j, n, cell`` (the metric polygon) of every occupied cell, with parameters."""
    size = parse_cell_size(cell_size_m)
    shape = parse_shape(shape)
    srid = metric_srid()
    points, params = _points_sql(queryset, geometry_field=geometry_field, srid=srid)
    index_sql = _HEX_INDEX_SQL if shape == GridShape.HEX else _SQUARE_INDEX_SQL
    polygon = "ST_Hexagon" if shape == GridShape.HEX else "ST_Square"
    # MATERIALIZED: inlined, every use of x and y in the index arithmetic would become its own ST_Transform
    # (about forty per point, 3 s for a year of a million reports); materialized, each point is projected once.
    sql = f"""
        WITH projected AS MATERIALIZED ({points}),
        points AS MATERIALIZED (SELECT ST_X(g) AS x, ST_Y(g) AS y FROM projected),
        indexed AS ({index_sql}),
        counted AS (SELECT i, j, count(*) AS n FROM indexed GROUP BY i, j)
        SELECT c.i, c.j, c.n, ST_SetSRID({polygon}(%s::float8, c.i::integer, c.j::integer), %s) AS cell
        FROM counted AS c
    """  # noqa: S608  (only fixed SQL fragments and the compiled queryset are interpolated)
    return sql, [*params, size, size, size, srid]


def cell_index(
    *, x: float, y: float, cell_size_m: int, shape: GridShape | str, using: str = "default"
) -> tuple[int, int]:
    """Return the index ``(i, j)`` of the cell holding the metric point ``(x, y)``, by the SQL ``grid_cells`` uses.

    For links from a place to its cell and for tests of points exactly on edges (no projection in between).
    """
    size = parse_cell_size(cell_size_m)
    index_sql = _HEX_INDEX_SQL if parse_shape(shape) == GridShape.HEX else _SQUARE_INDEX_SQL
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"WITH points AS (SELECT %s::float8 AS x, %s::float8 AS y) {index_sql}", [x, y, size, size]
        )
        i, j = cursor.fetchone()
    return int(i), int(j)


def grid_cells(
    queryset: QuerySet,
    *,
    geometry_field: str,
    cell_size_m: int,
    shape: GridShape | str,
    with_geometry: bool = False,
    limit: int | None = None,
) -> list[GridCell]:
    """Return the occupied cells of the points of ``queryset``, the fullest first (then by ``i``, ``j``).

    ``geometry_field`` names the queryset's point field. Every point is counted in exactly one cell, so the
    counts add up to the number of points with a geometry. ``with_geometry`` adds each cell's polygon (WGS 84,
    GeoJSON); ``limit`` keeps only the fullest cells. Raises ``GridError`` for a size or shape not allowed.
    """
    cells, params = _cells_sql(queryset, geometry_field=geometry_field, cell_size_m=cell_size_m, shape=shape)
    geometry = f"ST_AsGeoJSON(ST_Transform(cell, {STORAGE_SRID}), 6)" if with_geometry else "NULL"
    sql = f"""
        SELECT i, j, n, ST_X(centre), ST_Y(centre), {geometry}
        FROM ({cells}) AS cells
        CROSS JOIN LATERAL (SELECT ST_Transform(ST_Centroid(cell), {STORAGE_SRID}) AS centre) AS c
        ORDER BY n DESC, i, j
    """  # noqa: S608  (only fixed SQL fragments and the compiled queryset are interpolated)
    if limit is not None:
        sql += " LIMIT %s"
        params.append(max(0, int(limit)))
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        GridCell(
            i=int(i),
            j=int(j),
            count=int(n),
            centre_lon=lon,
            centre_lat=lat,
            geometry=json.loads(geojson) if geojson else None,
        )
        for i, j, n, lon, lat, geojson in rows
    ]


def grid_cells_geojson(
    queryset: QuerySet, *, geometry_field: str, cell_size_m: int, shape: GridShape | str
) -> dict:
    """Return the occupied cells as a GeoJSON FeatureCollection (WGS 84), built by PostGIS in one query.

    Each feature has the id ``"<i>_<j>"`` and the properties ``i``, ``j`` and ``count``; the collection's
    ``total`` is the sum of the counts (the number of points with a geometry). Raises ``GridError`` like
    ``grid_cells``.
    """
    cells, params = _cells_sql(queryset, geometry_field=geometry_field, cell_size_m=cell_size_m, shape=shape)
    sql = f"""
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'total', coalesce(sum(n), 0),
            'features', coalesce(
                json_agg(
                    json_build_object(
                        'type', 'Feature',
                        'id', i || '_' || j,
                        'geometry', ST_AsGeoJSON(ST_Transform(cell, {STORAGE_SRID}), 6)::json,
                        'properties', json_build_object('i', i, 'j', j, 'count', n)
                    )
                    ORDER BY i, j
                ),
                '[]'::json
            )
        )::text
        FROM ({cells}) AS cells
    """  # noqa: S608  (only fixed SQL fragments and the compiled queryset are interpolated)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        (text,) = cursor.fetchone()
    return json.loads(text)
