"""Folium map builders for the platform's pages.

``build_map`` makes a Leaflet map with Folium, served entirely by the platform: Leaflet and the platform's
map script come from its static files (never from Folium's CDN defaults), the base map from the configured
tile service, and every layer's features from the maps API by bounding box. The result is split into the
three parts a Django template embeds (see ``maps/map_embed.html``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import folium
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from folium.template import Template

from geo_core.parsing import MAX_BBOX_DEGREES
from maps.elements import BboxGeoJsonLayer, LocateControl
from maps.registry import MapLayer

LEAFLET_JS = "maps/vendor/leaflet/leaflet.js"
LEAFLET_CSS = "maps/vendor/leaflet/leaflet.css"

# Used when neither bounds nor a centre are given: the middle of Germany, showing the whole country.
FALLBACK_CENTER = (51.1634, 10.4477)
FALLBACK_ZOOM = 6

Bounds = tuple[float, float, float, float]


@dataclass(frozen=True)
class MapParts:
    """A rendered map, ready for a template: ``header`` for ``<head>``, then ``html`` and ``script``."""

    header: SafeString
    html: SafeString
    script: SafeString
    map_id: str


class PlatformMap(folium.Map):
    """A ``folium.Map`` fit for embedding in the platform's pages.

    Folium's stand-alone page template would set ``html, body {height: 100%}``, forbid zooming the page
    (``user-scalable=no``) and pull jQuery, Bootstrap and Font Awesome from CDNs. This template renders only
    the map: a labelled container, German zoom buttons and a metric scale bar; the assets are Leaflet and the
    platform's map script, from the platform's own static files.
    """

    _template = Template(
        """
        {% macro html(this, kwargs) %}
            <div class="folium-map platform-map" id={{ this.get_name()|tojson }}
                 role="region" aria-label="{{ this.aria_label|e }}"
                 style="height: {{ this.height[0] }}{{ this.height[1] }}"></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
            {%- if this.initial_bounds %}
            (function (map, bounds) {
                var fit = function () { map.invalidateSize({animate: false}); map.fitBounds(bounds, {animate: false, padding: [24, 24]}); };
                fit();
                // The page below the map (its footer) is not laid out yet: fit again once it is.
                if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fit, {once: true});
            })({{ this.get_name() }}, {{ this.initial_bounds|tojson }});
            {%- endif %}
            L.control.zoom({{ this.zoom_options|tojson }}).addTo({{ this.get_name() }});
            L.control.scale({imperial: false, metric: true}).addTo({{ this.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, *args, aria_label: str = "", bounds: Bounds | None = None, **kwargs) -> None:
        kwargs["zoom_control"] = False  # added by the template, with German titles
        super().__init__(*args, **kwargs)
        self.aria_label = aria_label or gettext("Karte")
        # Fitted at once, without Folium's animated FitBounds: the layers load for the final view only.
        self.initial_bounds = None
        if bounds is not None:
            west, south, east, north = bounds
            self.initial_bounds = [[south, west], [north, east]]
        self.zoom_options = {
            "position": "topleft",
            "zoomInTitle": gettext("Hineinzoomen"),
            "zoomOutTitle": gettext("Herauszoomen"),
        }
        # Replace Folium's CDN assets (class attributes) on this instance; static() runs per request.
        self.default_js = [("leaflet", static(LEAFLET_JS))]
        self.default_css = [("leaflet_css", static(LEAFLET_CSS))]


def base_tile_layer() -> folium.TileLayer:
    """Return the base map from settings (any XYZ service), with its attribution, not listed as a choice."""
    return folium.TileLayer(
        tiles=settings.MAP_TILE_URL,
        attr=settings.MAP_TILE_ATTRIBUTION,
        max_zoom=settings.MAP_TILE_MAX_ZOOM,
        max_native_zoom=settings.MAP_TILE_MAX_ZOOM,
        name=gettext("Basiskarte"),
        control=False,
    )


LayerFilters = Mapping[str, str | Sequence[str]]


def _with_filters(url: str, filters: LayerFilters | None) -> str:
    params = {key: value for key, value in (filters or {}).items() if value not in (None, "", [], ())}
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def layer_features_url(layer: MapLayer, *, filters: LayerFilters | None = None) -> str:
    """Return the URL of the layer's features, with ``filters`` as query parameters (empty values left out)."""
    return _with_filters(reverse("api:map-layer-features", kwargs={"name": layer.name}), filters)


def layer_clusters_url(layer: MapLayer, *, filters: LayerFilters | None = None) -> str | None:
    """Return the URL of the layer's counts per grid cell (``None`` for a layer that is never clustered)."""
    if layer.cluster_below_zoom is None:
        return None
    return _with_filters(reverse("api:map-layer-clusters", kwargs={"name": layer.name}), filters)


def layer_element(
    layer: MapLayer, *, show: bool = True, filters: LayerFilters | None = None, cluster: bool = True
) -> BboxGeoJsonLayer:
    """Return the Folium element that loads and draws ``layer`` by bounding box, narrowed by ``filters``.

    With ``cluster`` (and a layer that declares ``cluster_below_zoom``), low zooms show counts per cell.
    """
    cluster_url = layer_clusters_url(layer, filters=filters) if cluster else None
    return BboxGeoJsonLayer(
        name=layer.name,
        title=str(layer.title),
        url=layer_features_url(layer, filters=filters),
        style=layer.style,
        style_property=layer.style_property,
        feature_styles=layer.feature_styles,
        popup_property=layer.popup_property,
        popup_url_property=layer.popup_url_property,
        popup_detail_properties=layer.popup_detail_properties,
        label_property=layer.label_property,
        attribution=" | ".join(str(line) for line in layer.attribution()),
        max_bbox_degrees=MAX_BBOX_DEGREES,
        page_size=layer.max_features_per_request,
        show=show,
        messages={
            "error": gettext("Die Ebene „%(title)s“ konnte nicht geladen werden.") % {"title": layer.title},
            "truncated": gettext("Die Ebene „%(title)s“ zeigt nicht alle Objekte; bitte hineinzoomen.")
            % {"title": layer.title},
            # "{count}" is replaced in the browser, with the number in the page's language.
            "cluster": gettext("%(title)s: {count} an dieser Stelle – zum Hineinzoomen auswählen")
            % {"title": layer.title},
        },
        cluster_url=cluster_url,
        cluster_below_zoom=layer.cluster_below_zoom if cluster_url else None,
    )


def locate_control() -> LocateControl:
    return LocateControl(
        messages={
            "label": gettext("Mein Standort"),
            "locating": gettext("Ihr Standort wird bestimmt …"),
            "found": gettext("Ihr Standort ist auf der Karte markiert (Genauigkeit etwa %(meters)s m)."),
            "you": gettext("Ihr Standort"),
            "denied": gettext("Sie haben die Standortfreigabe abgelehnt."),
            "unavailable": gettext("Ihr Standort konnte nicht bestimmt werden."),
            "unsupported": gettext("Ihr Browser kann den Standort nicht bestimmen."),
        }
    )


def platform_map(
    *,
    bounds: Bounds | None = None,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    height: str = "100%",
    aria_label: str = "",
) -> PlatformMap:
    """Return an empty platform map with the base map, fitted to ``bounds`` or centred (see ``build_map``)."""
    if center is None and bounds is not None:
        west, south, east, north = bounds
        center = ((south + north) / 2, (west + east) / 2)
    if center is None:
        center, zoom = FALLBACK_CENTER, zoom or FALLBACK_ZOOM
    m = PlatformMap(
        location=center,
        zoom_start=zoom or 12,
        bounds=bounds,
        tiles=None,
        height=height,
        aria_label=aria_label,
        max_zoom=settings.MAP_TILE_MAX_ZOOM,
        # Quarter steps let a city fill the map; buttons and keys still zoom by whole levels.
        zoom_snap=0.25,
        zoom_delta=1,
    )
    base_tile_layer().add_to(m)
    return m


def build_map(
    *,
    layers: Sequence[MapLayer],
    bounds: Bounds | None = None,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    height: str = "100%",
    hidden_layers: Collection[str] = (),
    layer_filters: Mapping[str, LayerFilters] | None = None,
    aria_label: str = "",
    locate: bool = True,
    cluster: bool = True,
) -> MapParts:
    """Build a map of ``layers`` and return its rendered parts.

    ``bounds`` is ``(west, south, east, north)`` in WGS 84 (the order of PostGIS' ``Extent``) and fits the
    map to it; otherwise ``center`` (``(lat, lon)``, Leaflet's order) and ``zoom`` set the view. Layers
    named in ``hidden_layers`` start switched off; every layer can be toggled in the layers control.
    ``layer_filters`` maps a layer's name to query parameters added to its features URL (the layer's
    ``filter_queryset`` reads them), e.g. ``{"points": {"kind": "bench"}}``. ``cluster=False`` draws every
    feature at every zoom, even of layers that declare clustering.
    """
    m = platform_map(bounds=bounds, center=center, zoom=zoom, height=height, aria_label=aria_label)
    for layer in layers:
        filters = (layer_filters or {}).get(layer.name)
        layer_element(layer, show=layer.name not in hidden_layers, filters=filters, cluster=cluster).add_to(m)
    if locate:
        locate_control().add_to(m)
    if layers:
        folium.LayerControl(position="topright", collapsed=False).add_to(m)
    return render_map(m)


def render_map(m: folium.Map) -> MapParts:
    """Render ``m`` and split the result into the parts a page embeds."""
    figure = m.get_root()
    figure.header._children.pop("meta_http", None)  # the page has its own <meta charset>
    figure.render()
    return MapParts(
        header=mark_safe(figure.header.render()),  # noqa: S308 (Folium's output, escaped by its templates)
        html=mark_safe(figure.html.render()),  # noqa: S308
        script=mark_safe(figure.script.render()),  # noqa: S308
        map_id=m.get_name(),
    )
