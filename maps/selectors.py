"""Reads of the map layers the apps registered: which layers exist, a layer's features in a bbox, its clusters."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.contrib.gis.db.models import PointField
from django.contrib.gis.db.models.functions import Transform
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import Avg, Count, F, FloatField, Func, Max, Min, QuerySet, TextField, Value
from django.db.models.functions import Cast, Floor
from django.http import HttpRequest, QueryDict

from geo_core.srid import WEB_MERCATOR_HALF_WORLD, WEB_MERCATOR_SRID
from maps.geojson import JsonBuildObject
from maps.registry import MapLayer, all_layers, get_layer

# A cluster cell is this many screen pixels wide and high at the zoom asked for (256-pixel tiles).
CLUSTER_CELL_PX = 64
TILE_SIZE_PX = 256
# Web Mercator ends here (its square world); a bbox reaching the poles is cut off for counting cells.
WEB_MERCATOR_MAX_LATITUDE = 85.0511287798066


def layer_list() -> list[MapLayer]:
    """Return the registered layers, in a stable order."""
    return sorted(all_layers(), key=lambda layer: layer.name)


def layer_get(*, name: str) -> MapLayer:
    """Return the layer called ``name``; raise ``maps.registry.UnknownLayer`` if there is none."""
    return get_layer(name)


def layer_queryset(layer: MapLayer, *, params: QueryDict | None = None) -> QuerySet:
    """Return the layer's features filtered by ``params``, in a stable order.

    The order is the layer's own (or its model's) with the primary key as tie-breaker, so pages never
    overlap and a tile's limit always keeps the same features. ``params`` (the request's query) go to the
    layer's ``filter_queryset``, if it has one; it may raise ``django.core.exceptions.ValidationError``.
    """
    queryset = layer.queryset()
    if layer.filter_queryset is not None:
        queryset = layer.filter_queryset(queryset, params if params is not None else QueryDict())
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
    return queryset.order_by(*ordering, "pk")


def layer_features(layer: MapLayer, *, bbox: Polygon, params: QueryDict | None = None) -> QuerySet:
    """Return the layer's features whose geometry's bounding box overlaps ``bbox``, in a stable order.

    ``__bboverlaps`` is PostGIS' ``&&``, answered by the GiST index of the geometry column alone. Order and
    ``params`` are those of ``layer_queryset``.
    """
    return layer_queryset(layer, params=params).filter(**{f"{layer.geometry_field}__bboverlaps": bbox})


def layer_features_page(features: QuerySet, *, offset: int, limit: int) -> tuple[list, bool]:
    """Return ``limit`` features from ``offset`` on, and whether more follow.

    The one feature after the page says whether there is a next page: no COUNT of all features in the bbox,
    which would read every one of them however few the page shows.
    """
    rows = list(features[offset : offset + limit + 1])
    return rows[:limit], len(rows) > limit


class _GeometryAsGeoJson(Func):
    function = "ST_AsGeoJSON"
    template = "%(function)s(%(expressions)s)::json"
    output_field = TextField()


def layer_features_geojson(
    layer: MapLayer, features: QuerySet, *, offset: int, limit: int, request: HttpRequest | None = None
) -> tuple[str, bool]:
    """Return ``limit`` features from ``offset`` on as the text of a GeoJSON array, and whether more follow.

    PostGIS builds the features (``json_build_object``, ``ST_AsGeoJSON``) of the layer's ``feature_properties``
    in one statement, as DRF-GIS would write them: ``id``, ``type``, ``geometry``, ``properties``. As in
    ``layer_features_page``, the one feature after the page tells whether another follows.
    """
    if layer.feature_properties is None:
        raise ImproperlyConfigured(f"Map layer {layer.name!r} has no feature_properties")
    feature = JsonBuildObject(
        id=F("pk"),
        type=Cast(Value("Feature"), TextField()),
        geometry=_GeometryAsGeoJson(F(layer.geometry_field), Value(layer.feature_precision)),
        properties=JsonBuildObject(**layer.feature_properties(request)),
    )
    page = features.annotate(geojson_feature=feature).values("geojson_feature")[offset : offset + limit + 1]
    sql, params = page.query.sql_with_params()
    # The position keeps the page's order through the aggregate; the row after the page is only counted.
    statement = (
        "SELECT COALESCE((json_agg(numbered.geojson_feature ORDER BY numbered.feature_position) "  # noqa: S608  (only Django's compiled query is interpolated)
        "FILTER (WHERE numbered.feature_position <= %s))::text, '[]'), "
        "COALESCE(bool_or(numbered.feature_position > %s), false) "
        "FROM (SELECT page.geojson_feature, row_number() OVER () AS feature_position "
        f"FROM ({sql}) AS page) AS numbered"
    )
    with connections[page.db].cursor() as cursor:
        cursor.execute(statement, [limit, limit, *params])
        text, has_next = cursor.fetchone()
    return text, has_next


@dataclass(frozen=True)
class Cluster:
    """The features of one grid cell: how many, their mean position and their bounds (WGS 84)."""

    count: int
    lon: float
    lat: float
    bounds: tuple[float, float, float, float]  # west, south, east, north


class PointX(Func):
    """PostGIS ``ST_X`` of a point, as a float."""

    function = "ST_X"
    output_field = FloatField()


class PointY(Func):
    """PostGIS ``ST_Y`` of a point, as a float."""

    function = "ST_Y"
    output_field = FloatField()


def cluster_cell_metres(zoom: int) -> float:
    """Return the side of a cluster cell in Web Mercator metres: ``CLUSTER_CELL_PX`` pixels at ``zoom``."""
    return 2 * WEB_MERCATOR_HALF_WORLD / (TILE_SIZE_PX * 2**zoom) * CLUSTER_CELL_PX


def cluster_cell_count(*, bbox: Polygon, zoom: int) -> int:
    """Return how many cells of the cluster grid at ``zoom`` the WGS 84 ``bbox`` touches (its answer's bound)."""
    west, south, east, north = bbox.extent
    cell = cluster_cell_metres(zoom)

    def mercator_y(lat: float) -> float:
        lat = max(-WEB_MERCATOR_MAX_LATITUDE, min(WEB_MERCATOR_MAX_LATITUDE, lat))
        return WEB_MERCATOR_HALF_WORLD / math.pi * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    def mercator_x(lon: float) -> float:
        return WEB_MERCATOR_HALF_WORLD * lon / 180

    columns = math.floor(mercator_x(east) / cell) - math.floor(mercator_x(west) / cell) + 1
    rows = math.floor(mercator_y(north) / cell) - math.floor(mercator_y(south) / cell) + 1
    return columns * rows


def layer_clusters(
    layer: MapLayer, *, bbox: Polygon, zoom: int, params: QueryDict | None = None
) -> list[Cluster]:
    """Return the layer's features in ``bbox`` counted per cell of a grid of ``CLUSTER_CELL_PX`` pixels at ``zoom``.

    The grid is global in Web Mercator (cell ``floor(x / cell), floor(y / cell)``), so a cell stays the same
    cell when the map is panned. PostGIS does the counting (``&&`` on the GiST index, then GROUP BY cell):
    the answer has at most one cluster per cell of the bbox, however many features there are. Each cluster
    lies at the mean position of its features (rounded to 6 decimals, about 10 cm) and has their exact
    bounds. Filters are those of ``layer_features``; the layer must have point geometries.
    """
    geometry_field = layer.queryset().model._meta.get_field(layer.geometry_field)
    if not isinstance(geometry_field, PointField):
        raise ImproperlyConfigured(f"Map layer {layer.name!r}: only point layers can be clustered")
    if zoom < 0:
        raise ValueError(f"zoom must not be negative, not {zoom}")
    cell = Value(cluster_cell_metres(zoom), output_field=FloatField())
    geometry = F(layer.geometry_field)
    mercator = Transform(layer.geometry_field, WEB_MERCATOR_SRID)
    cells = (
        layer_features(layer, bbox=bbox, params=params)
        .order_by()
        .annotate(cell_x=Floor(PointX(mercator) / cell), cell_y=Floor(PointY(mercator) / cell))
        .values("cell_x", "cell_y")
        .annotate(
            count=Count("pk"),
            lon=Avg(PointX(geometry)),
            lat=Avg(PointY(geometry)),
            west=Min(PointX(geometry)),
            south=Min(PointY(geometry)),
            east=Max(PointX(geometry)),
            north=Max(PointY(geometry)),
        )
        .order_by("-cell_y", "cell_x")
    )
    # One row per cell, not per feature.
    return [
        Cluster(
            count=row["count"],
            lon=round(row["lon"], 6),
            lat=round(row["lat"], 6),
            bounds=(row["west"], row["south"], row["east"], row["north"]),
        )
        for row in cells
    ]
