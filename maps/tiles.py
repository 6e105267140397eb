"""Mapbox Vector Tiles of the registered map layers, built in PostGIS (``ST_AsMVT``) by django-vectortiles.

A ``MapLayer`` is bridged to a django-vectortiles ``VectorLayer``: its queryset (filtered by the request's
query parameters, in the layer's order with the primary key as tie-breaker), its geometry field, its
``tile_fields`` as tile properties, ``tile_feature_limit`` and ``tile_min_zoom``. As the library does, one
statement selects the features whose geometry intersects the tile envelope (``ST_Intersects``, answered by the
GiST index), clips them with ``ST_AsMVTGeom`` and encodes them as one MVT layer named like the map layer; it
also says whether the limit cut features off.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import Transform
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connections
from django.db.models import F, QuerySet
from django.http import QueryDict
from vectortiles.backends.postgis import VectorLayer
from vectortiles.backends.postgis.functions import AsMVTGeom, MakeEnvelope

from geo_core.srid import WEB_MERCATOR_HALF_WORLD, WEB_MERCATOR_SRID
from maps.registry import MapLayer
from maps.selectors import layer_queryset

TILE_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
# The deepest zoom of the usual web map tile pyramids (and django-vectortiles' default).
MAX_ZOOM = 22
# django-vectortiles selects the clipped geometry under this name; no tile property may take it.
_GEOMETRY_COLUMN = "geom_prepared"
# The position of a feature in the tile's query (1, 2, …); not a tile property either.
_POSITION_COLUMN = "tile_position"


class TileFieldsError(ImproperlyConfigured):
    """A layer's ``tile_fields`` name a field path its queryset cannot deliver as one value per feature."""


def tile_coordinate_out_of_range(*, z: int, x: int, y: int) -> str | None:
    """Return the first of ``z``, ``x``, ``y`` outside the pyramid (z 0..MAX_ZOOM, x and y 0..2^z-1), or None."""
    if not 0 <= z <= MAX_ZOOM:
        return "z"
    if not 0 <= x < 2**z:
        return "x"
    if not 0 <= y < 2**z:
        return "y"
    return None


def tile_envelope(*, z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """Return the tile's (xmin, ymin, xmax, ymax) in EPSG:3857, to the bit as PostGIS' ``ST_TileEnvelope``.

    mercantile (django-vectortiles' default) goes through degrees and may differ in the last bit: a point on
    a tile edge would then fall into another tile than ``ST_TileEnvelope`` says.
    """
    world_min, world_max = -WEB_MERCATOR_HALF_WORLD, WEB_MERCATOR_HALF_WORLD
    size = (world_max - world_min) / (1 << z)
    return (
        world_min + size * x,
        world_max - size * (y + 1),
        world_min + size * (x + 1),
        world_max - size * y,
    )


def _tile_field_error(layer: MapLayer, name: str, path: str, reason: str) -> TileFieldsError:
    return TileFieldsError(f"Map layer {layer.name!r}: tile field {name!r} -> {path!r}: {reason}")


def _check_tile_field(layer: MapLayer, queryset: QuerySet, name: str, path: str) -> None:
    """Check that ``path`` is an annotation or leads along forward relations to one non-geometry value."""
    if name in (_GEOMETRY_COLUMN, _POSITION_COLUMN):
        raise _tile_field_error(layer, name, path, "the name is reserved for the tile's query")
    opts = queryset.model._meta
    if name != path:
        # The property is annotated under its name, which must not hide a field or another annotation.
        try:
            opts.get_field(name)
        except FieldDoesNotExist:
            pass
        else:
            raise _tile_field_error(
                layer, name, path, "a property named like a model field must be that field"
            )
        if name in queryset.query.annotations:
            raise _tile_field_error(layer, name, path, "the name is another annotation of the queryset")
    if path in queryset.query.annotations:
        return
    parts = path.split("__")
    for position, part in enumerate(parts):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            raise _tile_field_error(layer, name, path, f"{opts.label} has no field {part!r}") from None
        if field.many_to_many or field.one_to_many:
            # A to-many relation would repeat a feature once per related row.
            raise _tile_field_error(layer, name, path, f"{part!r} is a to-many relation")
        if isinstance(field, GeometryField):
            raise _tile_field_error(layer, name, path, "geometries cannot be tile properties")
        if position < len(parts) - 1:
            if not field.is_relation:
                raise _tile_field_error(layer, name, path, f"{part!r} is no relation")
            opts = field.related_model._meta


def tile_field_expressions(layer: MapLayer, queryset: QuerySet) -> tuple[tuple[str, ...], dict[str, F]]:
    """Return the layer's tile property names and the annotations the ones not named like fields need.

    Raise ``TileFieldsError`` for a mapping the queryset cannot deliver.
    """
    names: list[str] = []
    annotations: dict[str, F] = {}
    for name, path in layer.tile_fields.items():
        _check_tile_field(layer, queryset, name, path)
        names.append(name)
        if name != path:
            annotations[name] = F(path)
    return tuple(names), annotations


def validate_tile_fields(layer: MapLayer) -> None:
    """Raise ``TileFieldsError`` if the layer's ``tile_fields`` do not fit its queryset (no query is run)."""
    tile_field_expressions(layer, layer.queryset())


@dataclass(frozen=True)
class Tile:
    """A tile's MVT bytes (empty without features) and whether the feature limit cut features off."""

    content: bytes
    truncated: bool


class LayerVectorTiles(VectorLayer):
    """One map layer as a django-vectortiles layer, over the features one request may see."""

    max_zoom = MAX_ZOOM

    def __init__(self, layer: MapLayer, *, features: QuerySet, tile_fields: tuple[str, ...]) -> None:
        self.id = layer.name
        self.geom_field = layer.geometry_field
        self.min_zoom = layer.tile_min_zoom
        self.queryset = features
        self.queryset_limit = layer.tile_feature_limit
        self.tile_fields = tile_fields

    @classmethod
    def get_bounds(cls, x: int, y: int, z: int) -> tuple[float, float, float, float]:
        return tile_envelope(z=z, x=x, y=y)

    def tile(self, *, z: int, x: int, y: int) -> Tile:
        """Build the tile and find out whether the limit cut features off, in one statement.

        As django-vectortiles' ``get_tile``, but the features are fetched up to one beyond the limit: the tile
        is encoded from the first ``queryset_limit`` of them, and the one beyond says that it is truncated
        (a second query for that would filter the same features again).
        """
        if not self.check_in_zoom_levels(z):
            return Tile(content=b"", truncated=False)
        envelope = MakeEnvelope(*self.get_bounds(x, y, z), WEB_MERCATOR_SRID)
        features = (
            self.get_vector_tile_queryset(z, x, y)
            .filter(**{f"{self.geom_field}__intersects": envelope})
            .annotate(
                **{
                    _GEOMETRY_COLUMN: AsMVTGeom(
                        Transform(self.geom_field, WEB_MERCATOR_SRID),
                        envelope,
                        self.tile_extent,
                        self.tile_buffer,
                        self.clip_geom,
                    )
                }
            )
        )
        limit = self.get_queryset_limit()
        if limit:
            features = features[: limit + 1]
        columns = (*self.get_tile_fields(), _GEOMETRY_COLUMN)
        sql, params = features.values(*columns).query.sql_with_params()
        connection = connections[features.db]
        quote = connection.ops.quote_name
        position = quote(_POSITION_COLUMN)
        properties = ", ".join(f"features.{quote(column)}" for column in columns)
        in_tile = f"features.{position} <= %s" if limit else "true"
        # The lateral row holds the tile's columns only: ST_AsMVT makes every column but the geometry a property.
        statement = (
            f"SELECT ST_AsMVT(tile.*, %s, %s, %s) FILTER (WHERE {in_tile}), "  # noqa: S608  (quoted names, Django's SQL)
            f"COALESCE(bool_or(NOT ({in_tile})), false) "
            f"FROM (SELECT page.*, row_number() OVER () AS {position} FROM ({sql}) AS page) AS features "
            f"CROSS JOIN LATERAL (SELECT {properties}) AS tile"
        )
        limit_params = [limit] if limit else []
        with connection.cursor() as cursor:
            cursor.execute(
                statement,
                [self.get_id(), self.tile_extent, _GEOMETRY_COLUMN, *limit_params, *limit_params, *params],
            )
            content, truncated = cursor.fetchone()
        # psycopg 2 returns a memoryview, psycopg 3 bytes; no feature at all gives NULL.
        return Tile(content=bytes(content or b""), truncated=bool(truncated))


def layer_vector_tiles(layer: MapLayer, *, params: QueryDict | None = None) -> LayerVectorTiles:
    """Return the layer as a django-vectortiles layer over its features filtered by ``params``.

    The layer's ``filter_queryset`` may raise ``django.core.exceptions.ValidationError``; a bad
    ``tile_fields`` mapping raises ``TileFieldsError``.
    """
    features = layer_queryset(layer, params=params)
    names, annotations = tile_field_expressions(layer, features)
    return LayerVectorTiles(layer, features=features.annotate(**annotations), tile_fields=names)


def layer_tile_with_truncation(
    layer: MapLayer, *, z: int, x: int, y: int, params: QueryDict | None = None
) -> Tile:
    """Return the layer's tile ``z/x/y`` and whether more features intersect it than ``tile_feature_limit``.

    The tile holds the features whose geometry intersects the tile envelope, filtered by ``params``, at most
    ``tile_feature_limit`` of them in the layer's order; their properties are the layer's ``tile_fields``. It
    is empty below the layer's minimum zoom or without features.
    """
    if tile_coordinate_out_of_range(z=z, x=x, y=y) is not None:
        raise ValueError(f"no tile {z}/{x}/{y}")
    return layer_vector_tiles(layer, params=params).tile(z=z, x=x, y=y)


def layer_tile(layer: MapLayer, *, z: int, x: int, y: int, params: QueryDict | None = None) -> bytes:
    """Return the layer's tile ``z/x/y`` as MVT bytes (see ``layer_tile_with_truncation``)."""
    return layer_tile_with_truncation(layer, z=z, x=x, y=y, params=params).content
