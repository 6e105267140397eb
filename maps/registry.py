"""The layer registry: apps describe their public map layers here; ``maps`` serves and draws them.

``maps`` owns no domain data and imports no app. An app registers its layers in its ``AppConfig.ready()``
(see ``districts/layers.py``); the endpoints and map builders look layers up by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.functional import Promise
from rest_framework.serializers import Serializer


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
