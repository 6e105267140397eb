"""Reads behind the city map: which registered layers it shows, with which filters, and the area it frames.

One query string describes a city map, on the page and in an embedded frame alike: ``layers`` names the
layers switched on (repeated; present but empty means "none"; absent means each layer's default), and each
layer's filters follow under its name as prefix (``reports-status=open``), as its filter form names them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.gis.db.models import Extent
from django.http import QueryDict
from django.utils.translation import gettext

from maps.folium_maps import Bounds
from maps.registry import LayerFilterForm, MapLayer, all_layers

LAYERS_PARAMETER = "layers"


def city_map_layers() -> list[MapLayer]:
    """Return every registered layer in the city map's drawing order (lowest ``city_map_order`` first)."""
    return sorted(all_layers(), key=lambda layer: (layer.city_map_order, layer.name))


def map_extent(*, layers: list[MapLayer]) -> Bounds | None:
    """Return ``(west, south, east, north)`` around the layers that frame maps, or ``None`` without data."""
    extents = [
        layer.queryset().order_by().aggregate(extent=Extent(layer.geometry_field))["extent"]
        for layer in layers
        if layer.defines_map_extent
    ]
    extents = [extent for extent in extents if extent is not None]
    if not extents:
        return None
    return (
        min(extent[0] for extent in extents),
        min(extent[1] for extent in extents),
        max(extent[2] for extent in extents),
        max(extent[3] for extent in extents),
    )


@dataclass
class LayerChoice:
    """One layer on the city map: whether it is shown, its filter form (if it has one) and accepted filters."""

    layer: MapLayer
    shown: bool
    form: LayerFilterForm | None = None
    filters: dict[str, str] = field(default_factory=dict)


@dataclass
class CityMapChoice:
    """What a city map query asks for, with the messages about what could not be used."""

    layers: list[LayerChoice]
    errors: list[str]

    @property
    def shown_names(self) -> list[str]:
        return [choice.layer.name for choice in self.layers if choice.shown]

    @property
    def hidden_names(self) -> list[str]:
        return [choice.layer.name for choice in self.layers if not choice.shown]

    @property
    def layer_filters(self) -> dict[str, dict[str, str]]:
        return {choice.layer.name: choice.filters for choice in self.layers if choice.filters}

    def query_string(self) -> str:
        """Return the query string of this choice (layers and accepted filters), for links and embed codes."""
        pairs: list[tuple[str, str]] = [(LAYERS_PARAMETER, name) for name in self.shown_names]
        if not pairs:
            pairs.append((LAYERS_PARAMETER, ""))
        for choice in self.layers:
            pairs.extend((f"{choice.layer.name}-{key}", value) for key, value in choice.filters.items())
        return urlencode(pairs)


def city_map_choice(*, query: QueryDict) -> CityMapChoice:
    """Read the layers and filters of a city map from ``query``; unknown layers and bad filters are named."""
    layers = city_map_layers()
    known = {layer.name for layer in layers}
    errors: list[str] = []
    if LAYERS_PARAMETER in query:
        requested = [name for name in query.getlist(LAYERS_PARAMETER) if name]
        for name in requested:
            if name not in known:
                errors.append(gettext("Die Kartenebene „%(name)s“ gibt es nicht.") % {"name": name[:50]})
        shown = set(requested) & known
    else:
        shown = {layer.name for layer in layers if layer.city_map_visible}
    choices = []
    for layer in layers:
        form = layer.filter_form(query, layer.name) if layer.filter_form is not None else None
        filters = form.query() if form is not None else {}
        if form is not None:
            errors.extend(form.error_messages())
        choices.append(LayerChoice(layer=layer, shown=layer.name in shown, form=form, filters=filters))
    return CityMapChoice(layers=choices, errors=errors)
