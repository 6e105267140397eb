"""The layer registry: apps describe their public map layers here; ``maps`` serves and draws them.

``maps`` owns no domain data and imports no app. An app registers its layers in its ``AppConfig.ready()``
(see ``districts/layers.py``); the endpoints and map builders look layers up by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import QuerySet
from django.db.models.expressions import BaseExpression
from django.http import HttpRequest, QueryDict
from django.utils.functional import Promise
from rest_framework.serializers import Serializer


class LayerFilterForm(Protocol):
    """The form a layer offers for filtering it on map pages (built with the layer's name as ``prefix``).

    ``query()`` returns the accepted values under the parameter names the layer's ``filter_queryset`` reads
    (unprefixed: they go to the layer's feature, tile and cluster URLs); ``error_messages()`` the German
    messages of the values it did not accept. A bad value never fails the page: it is left out and named.
    """

    def query(self) -> dict[str, str]: ...

    def error_messages(self) -> list[str]: ...


@dataclass(frozen=True)
class LegendEntry:
    """One line of a map legend: a label and the Leaflet style its features are drawn with."""

    label: str | Promise
    style: dict[str, object]


@dataclass(frozen=True)
class MapLayer:
    """One public map layer.

    ``queryset`` returns the layer's features with public fields only (built by the app's selectors);
    ``serializer_class`` is a DRF-GIS ``GeoFeatureModelSerializer`` naming exactly the public properties.
    ``style`` holds Leaflet path options; ``label_property`` names a property drawn as a permanent label.
    ``attribution`` returns the data's attribution lines (HTML-safe text), shown on every map with the layer.

    ``filter_queryset``, if given, narrows the features by the request's query parameters (e.g. a category);
    it raises ``django.core.exceptions.ValidationError`` for values it cannot use (answered with 400).
    ``style_property`` and ``feature_styles`` colour features by a property's value: the style of the value
    is merged over ``style``. A popup shows ``popup_property`` (linked to the URL in ``popup_url_property``,
    if set), the layer's title and the values of ``popup_detail_properties``.

    Vector tiles (``/api/v1/layers/<name>/tiles/<z>/<x>/<y>.pbf``) carry ``tile_fields``: a mapping of tile
    property name to a field path of ``queryset`` (``"category__slug"``); a property named like a model field
    must be that field. A tile holds at most ``tile_feature_limit`` features (in the queryset's order) and is
    empty below ``tile_min_zoom``.

    On the city map, a point layer with ``cluster_below_zoom`` shows counts per grid cell, built in PostGIS,
    below that zoom, and its features from that zoom on. ``filter_form(data, prefix)`` builds the layer's
    filter form for map pages (see ``LayerFilterForm``); ``legend()`` returns its legend lines (default: the
    title in ``style``); ``list_url()`` the URL of a page listing the same items, the map's text alternative.
    ``city_map_order`` sorts layers on the city map (lower is drawn first, i.e. underneath);
    ``city_map_visible`` says whether a layer is switched on when the city map opens without a choice.
    Layers with ``defines_map_extent`` (a few polygons, such as the city's districts) frame the city map.

    ``feature_properties(request)``, if given, returns the properties of the serializer's features as database
    expressions over ``queryset`` (name to expression, in the serializer's order, with its values: see
    ``maps.geojson``); the features endpoint then builds its GeoJSON in PostGIS, in the page's one query,
    with coordinates of ``feature_precision`` decimals. Heavy layers should have it: serialising features
    one by one in Python costs several times the query.
    """

    name: str
    title: str | Promise
    queryset: Callable[[], QuerySet]
    serializer_class: type[Serializer]
    geometry_field: str = "geom"
    style: dict[str, object] = field(default_factory=dict)
    label_property: str | None = None
    attribution: Callable[[], list[str]] = field(default=lambda: [])
    # Polygons of a few dozen features may be fetched whole; point layers are always fetched by bbox.
    max_features_per_request: int = 500
    filter_queryset: Callable[[QuerySet, QueryDict], QuerySet] | None = None
    style_property: str | None = None
    feature_styles: dict[str, dict[str, object]] = field(default_factory=dict)
    popup_property: str | None = "name"
    popup_url_property: str | None = None
    popup_detail_properties: tuple[str, ...] = ()
    tile_fields: dict[str, str] = field(default_factory=lambda: {"id": "id"})
    tile_feature_limit: int = 2000
    tile_min_zoom: int = 0
    cluster_below_zoom: int | None = None
    filter_form: Callable[[QueryDict, str], LayerFilterForm] | None = None
    legend: Callable[[], list[LegendEntry]] | None = None
    list_url: Callable[[], str] | None = None
    city_map_order: int = 100
    city_map_visible: bool = True
    defines_map_extent: bool = False
    feature_properties: Callable[[HttpRequest | None], dict[str, BaseExpression]] | None = None
    feature_precision: int = 6

    def legend_entries(self) -> list[LegendEntry]:
        """Return the layer's legend lines: its own, or its title drawn in its style."""
        if self.legend is not None:
            return self.legend()
        return [LegendEntry(label=self.title, style=dict(self.style))]


class LayerAlreadyRegistered(Exception):
    pass


class UnknownLayer(KeyError):
    pass


_layers: dict[str, MapLayer] = {}


def register(layer: MapLayer) -> MapLayer:
    if layer.name in _layers and _layers[layer.name] is not layer:
        raise LayerAlreadyRegistered(layer.name)
    _layers[layer.name] = layer
    return layer


def get_layer(name: str) -> MapLayer:
    try:
        return _layers[name]
    except KeyError:
        raise UnknownLayer(name) from None


def all_layers() -> list[MapLayer]:
    return list(_layers.values())
