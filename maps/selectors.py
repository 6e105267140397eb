"""Reads of the map layers the apps registered: which layers exist, and a layer's features in a bbox."""

from __future__ import annotations

from django.contrib.gis.geos import Polygon
from django.db.models import QuerySet
from django.http import QueryDict

from maps.registry import MapLayer, all_layers, get_layer


def layer_list() -> list[MapLayer]:
    """Return the registered layers, in a stable order."""
    return sorted(all_layers(), key=lambda layer: layer.name)


def layer_get(*, name: str) -> MapLayer:
    """Return the layer called ``name``; raise ``maps.registry.UnknownLayer`` if there is none."""
    return get_layer(name)


def layer_features(layer: MapLayer, *, bbox: Polygon, params: QueryDict | None = None) -> QuerySet:
    """Return the layer's features whose geometry's bounding box overlaps ``bbox``, in a stable order.

    ``__bboverlaps`` is PostGIS' ``&&``, answered by the GiST index of the geometry column alone. The order
    is the layer's own (or its model's) with the primary key as tie-breaker, so pages never overlap.
    ``params`` (the request's query) go to the layer's ``filter_queryset``, if it has one; it may raise
    ``django.core.exceptions.ValidationError``.
    """
    queryset = layer.queryset().filter(**{f"{layer.geometry_field}__bboverlaps": bbox})
    if layer.filter_queryset is not None:
        queryset = layer.filter_queryset(queryset, params if params is not None else QueryDict())
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
    return queryset.order_by(*ordering, "pk")
