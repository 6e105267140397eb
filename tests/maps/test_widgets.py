"""The admin's geometry widget: OpenLayers and the base map without any third-party host."""

from django.contrib.gis.geos import MultiPolygon, Polygon

from geo_core.srid import STORAGE_SRID
from maps.widgets import FALLBACK_LAT, PlatformMapWidget


def test_media_is_served_by_the_platform():
    media = PlatformMapWidget().media

    assert media._js == ["maps/vendor/ol/ol.js", "gis/js/OLMapWidget.js"]
    assert media._css == {"all": ["maps/vendor/ol/ol.css", "gis/css/ol3.css"]}
    assert "http" not in str(media)


def test_base_map_is_the_configured_xyz_service(settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = '&copy; <a href="https://example.org">Beispiel</a>'
    settings.MAP_TILE_MAX_ZOOM = 17

    html = PlatformMapWidget().render("geom", None, attrs={"id": "id_geom"})

    assert "new ol.source.XYZ(" in html
    assert "ol.source.OSM" not in html
    assert 'url: "https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert "maxZoom: 17" in html
    assert "Beispiel" in html


def test_initial_view_comes_from_attrs_then_settings_then_the_fallback(settings):
    assert PlatformMapWidget().attrs["default_lat"] == FALLBACK_LAT

    settings.MAP_DEFAULT_CENTER = (10.78, 52.42)
    settings.MAP_DEFAULT_ZOOM = 11
    configured = PlatformMapWidget()
    assert (configured.attrs["default_lon"], configured.attrs["default_lat"]) == (10.78, 52.42)
    assert configured.attrs["default_zoom"] == 11

    explicit = PlatformMapWidget(attrs={"default_lon": 1.0, "default_lat": 2.0, "default_zoom": 3})
    assert (explicit.attrs["default_lon"], explicit.attrs["default_lat"], explicit.attrs["default_zoom"]) == (
        1.0,
        2.0,
        3,
    )


def test_geometry_is_rendered_for_the_map_in_web_mercator():
    geometry = MultiPolygon(Polygon.from_bbox((10.78, 52.41, 10.80, 52.43)), srid=STORAGE_SRID)

    html = PlatformMapWidget(attrs={"geom_type": "MULTIPOLYGON"}).render(
        "geom", geometry, attrs={"id": "id_geom"}
    )

    assert "MultiPolygon" in html
    assert "1200" in html  # x of 10.78° E in EPSG:3857 is about 1,200,000 m
