"""Layers that filter their features by query parameters, and the map options that go with them."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from districts.api.serializers import DistrictSerializer
from districts.layers import DISTRICTS_LAYER
from districts.selectors import district_layer_queryset
from maps.folium_maps import build_map, layer_features_url
from maps.registry import MapLayer

CITY_BBOX = "10.77,52.40,10.83,52.44"


def filter_by_slug(queryset, params):
    slug = params.get("slug", "")
    if slug and not slug.isalpha():
        raise ValidationError({"slug": [ValidationError("Kein gültiger Kurzname.", code="bad_slug")]})
    return queryset.filter(slug=slug) if slug else queryset


@pytest.fixture
def filtered_layer(isolated_registry):
    return isolated_registry.register(
        MapLayer(
            name="filtered-districts",
            title="Gefilterte Bezirke",
            queryset=district_layer_queryset,
            serializer_class=DistrictSerializer,
            filter_queryset=filter_by_slug,
        )
    )


def features(client, name, **params):
    return client.get(reverse("api:map-layer-features", kwargs={"name": name}), {"bbox": CITY_BBOX, **params})


def test_layer_filter_narrows_the_features(client, city, filtered_layer):
    response = features(client, "filtered-districts", slug="ost")

    assert response.status_code == 200
    assert [feature["properties"]["name"] for feature in response.json()["features"]] == ["Ost"]


def test_layer_filter_without_parameters_returns_everything_in_the_bbox(client, city, filtered_layer):
    response = features(client, "filtered-districts")

    assert sorted(feature["properties"]["name"] for feature in response.json()["features"]) == ["Ost", "West"]


def test_value_the_layer_filter_refuses_answers_400_with_its_code(client, city, filtered_layer):
    response = features(client, "filtered-districts", slug="0st")

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert body["errors"] == [{"code": "bad_slug", "detail": "Kein gültiger Kurzname.", "attr": "slug"}]
    assert "ETag" not in response.headers


def test_layers_without_a_filter_ignore_unknown_parameters(client, city):
    response = features(client, "districts", slug="ost")

    assert response.status_code == 200
    assert len(response.json()["features"]) == 2


def test_features_url_carries_the_filters_as_query(db):
    url = layer_features_url(DISTRICTS_LAYER, filters={"slug": "ost", "empty": "", "kind": ["a", "b"]})

    assert url == reverse("api:map-layer-features", kwargs={"name": "districts"}) + "?slug=ost&kind=a&kind=b"
    assert layer_features_url(DISTRICTS_LAYER, filters={}) == reverse(
        "api:map-layer-features", kwargs={"name": "districts"}
    )


def layer_options(script: str, name: str) -> dict:
    for match in re.finditer(r"PlatformMaps\.bboxLayer\((\{.*?\})\);", script, re.DOTALL):
        options = json.loads(match.group(1))
        if options["name"] == name:
            return options
    raise AssertionError(f"no layer {name} in the script")


def test_build_map_passes_layer_filters_only_to_their_layer(db, isolated_registry, filtered_layer):
    parts = build_map(
        layers=[DISTRICTS_LAYER, filtered_layer], layer_filters={"filtered-districts": {"slug": "ost"}}
    )

    assert layer_options(parts.script, "filtered-districts")["url"].endswith("/features/?slug=ost")
    assert layer_options(parts.script, "districts")["url"].endswith("/features/")


def test_popup_and_style_options_reach_the_map_script(db, isolated_registry):
    layer = isolated_registry.register(
        MapLayer(
            name="styled",
            title="Gestaltet",
            queryset=district_layer_queryset,
            serializer_class=DistrictSerializer,
            style={"color": "#000000"},
            style_property="kind",
            feature_styles={"Ortschaft": {"fillColor": "#ff0000"}},
            popup_property="name",
            popup_url_property="url",
            popup_detail_properties=("kind",),
        )
    )

    options = layer_options(build_map(layers=[layer]).script, "styled")

    assert options["styleProperty"] == "kind"
    assert options["featureStyles"] == {"Ortschaft": {"fillColor": "#ff0000"}}
    assert options["popupProperty"] == "name"
    assert options["popupUrlProperty"] == "url"
    assert options["popupDetailProperties"] == ["kind"]
