"""Map layers of the city's geography, registered with the maps registry."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from districts import selectors
from districts.api.serializers import DistrictSerializer, QuarterSerializer
from districts.models import GeoDataSource
from districts.selectors import district_layer_queryset, quarter_layer_queryset
from maps.registry import MapLayer, register


def source_attribution(layer: str) -> list[str]:
    """Return the attribution lines of the imported sources of ``layer`` as HTML-safe text."""
    lines = []
    for attribution, license_ in selectors.layer_attribution(layer=layer):
        if license_:
            lines.append(format_html("{} ({})", attribution, license_))
        else:
            lines.append(format_html("{}", attribution))
    return lines


# Dark outlines stay visible on colour and grey base maps (contrast > 7:1 against white); fills stay light so
# the base map remains readable underneath.
DISTRICT_STYLE = {
    "color": "#00508c",
    "weight": 3,
    "opacity": 0.9,
    "fillColor": "#00508c",
    "fillOpacity": 0.08,
}
QUARTER_STYLE = {"color": "#7a1f5c", "weight": 2, "opacity": 0.9, "dashArray": "6 4", "fillOpacity": 0}

DISTRICTS_LAYER = register(
    MapLayer(
        name="districts",
        title=_("Ortsratsbereiche"),
        queryset=district_layer_queryset,
        serializer_class=DistrictSerializer,
        geometry_field="geom",
        style=DISTRICT_STYLE,
        label_property="name",
        attribution=lambda: source_attribution(GeoDataSource.Layer.DISTRICTS),
        max_features_per_request=200,
        tile_fields={"id": "id", "name": "name", "slug": "slug"},
        list_url=lambda: reverse("districts:map"),
        city_map_order=10,
    )
)

QUARTERS_LAYER = register(
    MapLayer(
        name="quarters",
        title=_("Stadtteile"),
        queryset=quarter_layer_queryset,
        serializer_class=QuarterSerializer,
        geometry_field="geom",
        style=QUARTER_STYLE,
        label_property="name",
        attribution=lambda: source_attribution(GeoDataSource.Layer.QUARTERS),
        max_features_per_request=200,
        tile_fields={"id": "id", "name": "name", "slug": "slug", "district_slug": "district__slug"},
        list_url=lambda: reverse("districts:map"),
        city_map_order=20,
        city_map_visible=False,
    )
)
