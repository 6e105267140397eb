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
    ``style_property`` and ``feature_styles`` vary the style by a property's value. Being a Folium
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
