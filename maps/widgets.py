"""Geometry widgets for the admin that work without the internet.

Django's ``OSMWidget`` loads OpenLayers from a CDN and its base map from openstreetmap.org. This widget uses
the OpenLayers the platform serves itself (``maps/static/maps/vendor/ol``, the version Django's widget
expects) and the base map configured for the whole platform (``MAP_TILE_URL``, an XYZ service).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.forms import OSMWidget

# Used when no centre is given (by the admin, from the city's extent) nor configured: the middle of Germany.
FALLBACK_LON = 10.4477
FALLBACK_LAT = 51.1634
FALLBACK_ZOOM = 6


class PlatformMapWidget(OSMWidget):
    """An OpenLayers map widget with the platform's own assets and base map.

    The initial view of an empty field is ``default_lon``/``default_lat``/``default_zoom`` from ``attrs``,
    else ``settings.MAP_DEFAULT_CENTER`` (``(lon, lat)``) and ``MAP_DEFAULT_ZOOM`` if configured.
    """

    template_name = "maps/widgets/openlayers.html"
    default_lon = FALLBACK_LON
    default_lat = FALLBACK_LAT
    default_zoom = FALLBACK_ZOOM

    class Media:
        extend = False  # not OpenLayersWidget's CDN files
        css = {"all": ("maps/vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("maps/vendor/ol/ol.js", "gis/js/OLMapWidget.js")

    def __init__(self, attrs: dict | None = None) -> None:
        configured = getattr(settings, "MAP_DEFAULT_CENTER", None)
        defaults: dict[str, object] = {}
        if configured:
            defaults["default_lon"], defaults["default_lat"] = configured
        if getattr(settings, "MAP_DEFAULT_ZOOM", None) is not None:
            defaults["default_zoom"] = settings.MAP_DEFAULT_ZOOM
        super().__init__(attrs={**defaults, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["tile_url"] = settings.MAP_TILE_URL
        context["tile_attribution"] = settings.MAP_TILE_ATTRIBUTION
        context["tile_max_zoom"] = settings.MAP_TILE_MAX_ZOOM
        return context
