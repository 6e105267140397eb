"""The Folium map builder: everything from the platform, features by bbox, parts ready for a template."""

import re

import pytest

from districts.layers import DISTRICTS_LAYER, QUARTERS_LAYER
from maps.folium_maps import FALLBACK_ZOOM, build_map


def asset_urls(header: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', header)


def test_header_loads_leaflet_and_the_platform_script_from_static_files_only(db):
    parts = build_map(layers=[DISTRICTS_LAYER])

    assert asset_urls(parts.header) == [
        "/static/maps/vendor/leaflet/leaflet.js",
        "/static/maps/vendor/leaflet/leaflet.css",
        "/static/maps/js/platform-maps.js",
        "/static/maps/css/maps.css",
    ]
    for unwanted in ("jquery", "bootstrap", "font", "awesome", "cdn", "user-scalable"):
        assert unwanted not in parts.header.lower()


def test_a_map_without_layers_or_locate_button_needs_only_leaflet(db):
    parts = build_map(layers=[], locate=False)

    assert asset_urls(parts.header) == [
        "/static/maps/vendor/leaflet/leaflet.js",
        "/static/maps/vendor/leaflet/leaflet.css",
    ]
    assert "L.control.layers" not in parts.script


def test_html_is_a_labelled_map_container(db):
    parts = build_map(layers=[DISTRICTS_LAYER], aria_label="Karte der Bezirke", height="400px")

    assert f'id="{parts.map_id}"' in parts.html
    assert 'role="region"' in parts.html
    assert 'aria-label="Karte der Bezirke"' in parts.html
    assert "height: 400.0px" in parts.html


def test_base_map_comes_from_settings_with_its_attribution(db, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "Kacheln: Beispiel"
    settings.MAP_TILE_MAX_ZOOM = 17

    parts = build_map(layers=[])

    assert 'L.tileLayer(\n                "https://tiles.example.org/{z}/{x}/{y}.png"' in parts.script
    assert '"attribution": "Kacheln: Beispiel"' in parts.script
    assert '"maxZoom": 17' in parts.script


def test_each_layer_is_loaded_from_its_bbox_endpoint_with_its_style_and_label(db):
    parts = build_map(layers=[DISTRICTS_LAYER, QUARTERS_LAYER])

    assert parts.script.count("PlatformMaps.bboxLayer(") == 2
    assert '"url": "/api/v1/layers/districts/features/"' in parts.script
    assert '"labelProperty": "name"' in parts.script
    assert '"color": "#00508c"' in parts.script
    assert '"Ortsratsbereiche" : bbox_geo_json_layer_' in parts.script  # in the layers control


def test_layer_attribution_lines_are_shown_with_the_layer(city):
    city.sources.create(layer="districts", attribution="Stadt Teststadt", license="dl-de/by-2-0")

    parts = build_map(layers=[DISTRICTS_LAYER])

    assert '"attribution": "Stadt Teststadt (dl-de/by-2-0)"' in parts.script


def test_hidden_layers_are_in_the_control_but_not_on_the_map(db):
    parts = build_map(layers=[DISTRICTS_LAYER, QUARTERS_LAYER], hidden_layers={"quarters"})

    added = re.findall(r"(bbox_geo_json_layer_\w+)\.addTo\(", parts.script)
    assert len(added) == 1
    assert re.search(
        rf"var {added[0]} = PlatformMaps\.bboxLayer\(\{{[^\n]*\"name\": \"districts\"", parts.script
    )


def test_bounds_fit_the_map_at_once(db):
    parts = build_map(layers=[], bounds=(10.6, 52.3, 10.9, 52.5))

    assert "map.fitBounds(bounds, {animate: false, padding: [24, 24]})" in parts.script
    assert "[[52.3, 10.6], [52.5, 10.9]]);" in parts.script
    assert "center: [52.4, 10.75]" in parts.script


def test_without_bounds_or_centre_the_map_shows_the_country(db):
    parts = build_map(layers=[])

    assert f'"zoom": {FALLBACK_ZOOM}' in parts.script
    assert "fitBounds" not in parts.script


@pytest.mark.parametrize("locate", [True, False])
def test_my_location_button_is_optional(db, locate):
    parts = build_map(layers=[], locate=locate)

    assert ("PlatformMaps.locateControl(" in parts.script) is locate
    if locate:
        assert '"label": "Mein Standort"' in parts.script


def test_no_feature_is_inlined(city):
    parts = build_map(layers=[DISTRICTS_LAYER, QUARTERS_LAYER])

    for part in (parts.header, parts.html, parts.script):
        assert "coordinates" not in part
        assert "Westend" not in part
