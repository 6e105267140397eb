"""Folium elements of the platform's maps.

Each element renders a little JavaScript that calls the platform's own map script
(``maps/static/maps/js/platform-maps.js``); the logic lives there, once, cached by the browser, and the
elements only pass options. Nothing here reads a layer's features: they are fetched by bounding box from the
maps API, so a page's weight does not depend on how many features a layer has.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.templatetags.static import static
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template

PLATFORM_MAPS_JS = "maps/js/platform-maps.js"
PLATFORM_MAPS_CSS = "maps/css/maps.css"


def _platform_assets() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the platform's map script and style sheet as Folium (name, URL) pairs, resolved now."""
    return (
        [("platform_maps_js", static(PLATFORM_MAPS_JS))],
        [("platform_maps_css", static(PLATFORM_MAPS_CSS))],
    )


class BboxGeoJsonLayer(JSCSSMixin, Layer):
    """A GeoJSON overlay whose features are loaded from ``url`` for the visible bounding box.

    The browser refetches on every ``moveend`` (debounced, aborting the request still running, ignoring
    late answers), follows the API's pages, draws each feature with ``style``, binds a permanent label
    (``label_property``, CSS class ``map-label``) and a popup with the feature's name (a link if
    ``popup_url_property`` names a property holding a URL, followed by ``popup_detail_properties``).
    ``style_property`` and ``feature_styles`` vary the style by a property's value. With ``cluster_url``, below
    ``cluster_below_zoom`` the layer draws the counts per grid cell from that URL instead (a focusable
    marker per cell that zooms in when chosen), so the browser never receives more than a screenful. Being a Folium
    ``Layer`` with ``overlay=True`` it appears in the map's ``LayerControl``; ``show=False`` leaves it off.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = PlatformMaps.bboxLayer({{ this.js_options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        name: str,
        title: str,
        url: str,
        style: Mapping[str, object] | None = None,
        label_property: str | None = None,
        popup_property: str | None = "name",
        popup_url_property: str | None = None,
        popup_detail_properties: tuple[str, ...] = (),
        style_property: str | None = None,
        feature_styles: Mapping[str, Mapping[str, object]] | None = None,
        attribution: str = "",
        max_bbox_degrees: float,
        page_size: int,
        show: bool = True,
        messages: Mapping[str, str] | None = None,
        cluster_url: str | None = None,
        cluster_below_zoom: int | None = None,
    ) -> None:
        super().__init__(name=title, overlay=True, control=True, show=show)
        self._name = "BboxGeoJsonLayer"
        self.default_js, self.default_css = _platform_assets()
        self.js_options = {
            "name": name,
            "title": title,
            "url": url,
            "style": dict(style or {}),
            "labelProperty": label_property,
            "popupProperty": popup_property,
            "popupUrlProperty": popup_url_property,
            "popupDetailProperties": list(popup_detail_properties),
            "styleProperty": style_property,
            "featureStyles": {str(value): dict(style) for value, style in (feature_styles or {}).items()},
            "attribution": attribution,
            "maxBboxDegrees": max_bbox_degrees,
            "pageSize": page_size,
            "messages": dict(messages or {}),
            "clusterUrl": cluster_url if cluster_below_zoom is not None else None,
            "clusterBelowZoom": cluster_below_zoom,
        }


class LocateControl(JSCSSMixin):
    """A "use my location" button (browser geolocation), a real ``<button>`` reachable by keyboard."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            PlatformMaps.locateControl({{ this.js_options|tojson }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, *, messages: Mapping[str, str], position: str = "topleft", zoom: int = 16) -> None:
        super().__init__()
        self._name = "LocateControl"
        self.default_js, self.default_css = _platform_assets()
        self.js_options = {"position": position, "zoom": zoom, "messages": dict(messages)}


AGGREGATE_LAYER_JS = "maps/js/aggregate-layer.js"


def _aggregate_assets() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the aggregate layer's script and the platform's map style sheet, resolved now."""
    return (
        [("aggregate_layer_js", static(AGGREGATE_LAYER_JS))],
        [("platform_maps_css", static(PLATFORM_MAPS_CSS))],
    )


class AggregateGeoJsonLayer(JSCSSMixin, Layer):
    """A graduated ("choropleth") GeoJSON layer of aggregates: heatmap cells, areas coloured by a figure.

    The whole collection is fetched once from ``url`` when the layer is first shown (aggregates cover the
    city, so there is no bbox to follow; the answer's size is bounded by cells or areas, not by reports). Each
    feature is filled with ``colours[k]`` for the first class ``k`` whose upper bound ``breaks[k]`` holds the
    value of ``value_property``; a missing value gets ``no_data_colour``. While the layer is on, a legend
    shows ``legend_title`` and one line per class (``labels``, the class bounds as text). A popup names the
    feature (``popup_title_property``, else ``title``), the value (``value_label``, ``decimals``) and
    ``popup_details`` (``(property, label, decimals)``). The map's container gets ``data-layer-<name>-count``
    when the features are drawn. Paths carry the CSS classes ``aggregate-feature aggregate-feature--<name>``.
    ``overlay=False`` makes it a choice among base layers (one thematic layer at a time, one legend).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = PlatformAggregate.layer({{ this.js_options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        name: str,
        title: str,
        url: str,
        value_property: str,
        breaks: list[float],
        colours: list[str],
        labels: list[str],
        legend_title: str,
        value_label: str,
        decimals: int = 0,
        popup_title_property: str | None = None,
        popup_details: tuple[tuple[str, str, int], ...] = (),
        no_data_colour: str = "#d9d9d9",
        no_data_label: str = "",
        style: Mapping[str, object] | None = None,
        overlay: bool = True,
        show: bool = True,
        messages: Mapping[str, str] | None = None,
    ) -> None:
        if len(breaks) != len(colours) or len(breaks) != len(labels):
            raise ValueError("breaks, colours and labels must have one entry per class")
        super().__init__(name=title, overlay=overlay, control=True, show=show)
        self._name = "AggregateGeoJsonLayer"
        self.default_js, self.default_css = _aggregate_assets()
        self.js_options = {
            "name": name,
            "title": title,
            "url": url,
            "valueProperty": value_property,
            "breaks": list(breaks),
            "colours": list(colours),
            "labels": list(labels),
            "legendTitle": legend_title,
            "valueLabel": value_label,
            "decimals": decimals,
            "popupTitleProperty": popup_title_property,
            "popupDetails": [
                {"property": prop, "label": label, "decimals": places}
                for prop, label, places in popup_details
            ],
            "noDataColour": no_data_colour,
            "noDataLabel": no_data_label,
            "style": dict(style or {}),
            "messages": dict(messages or {}),
        }
