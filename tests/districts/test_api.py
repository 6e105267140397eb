"""The public geography API: GeoJSON shapes, paging, filters and the one error shape."""

import pytest
from django.contrib.gis.geos import LineString, MultiLineString
from django.urls import reverse

from geo_core.srid import STORAGE_SRID
from tests.factories import StreetFactory

pytestmark = pytest.mark.django_db

EAST_ONLY_BBOX = "10.805,52.415,10.815,52.425"


def _validation_errors(response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    return [(error["code"], error["attr"]) for error in body["errors"]]


# --- /districts/ --------------------------------------------------------------------------------------------


def test_district_list_is_a_geojson_feature_collection(client, city):
    # when
    response = client.get(reverse("api:district-list"))
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["count"] == 2
    assert [feature["properties"]["slug"] for feature in body["features"]] == ["ost", "west"]


def test_district_feature_has_the_public_fields_and_geometry(client, city):
    # when
    feature = client.get(reverse("api:district-list")).json()["features"][1]
    # then
    assert feature["type"] == "Feature"
    assert isinstance(feature["id"], int)
    assert feature["properties"] == {"name": "West", "slug": "west", "kind": "", "area_km2": 2.0}
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert [10.78, 52.41] in feature["geometry"]["coordinates"][0][0]


def test_district_list_is_paginated(client, city):
    # when
    body = client.get(reverse("api:district-list"), {"page_size": 1}).json()
    # then
    assert (body["count"], len(body["features"])) == (2, 1)
    assert body["previous"] is None
    assert "page=2" in body["next"]


def test_district_list_second_page(client, city):
    body = client.get(reverse("api:district-list"), {"page_size": 1, "page": 2}).json()
    assert [feature["properties"]["slug"] for feature in body["features"]] == ["west"]
    assert body["next"] is None


def test_district_list_filtered_by_bbox(client, city):
    body = client.get(reverse("api:district-list"), {"bbox": EAST_ONLY_BBOX}).json()
    assert [feature["properties"]["slug"] for feature in body["features"]] == ["ost"]


def test_district_list_with_bbox_outside_the_city_is_empty(client, city):
    body = client.get(reverse("api:district-list"), {"bbox": "13.3,52.4,13.5,52.6"}).json()
    assert (body["type"], body["count"], body["features"]) == ("FeatureCollection", 0, [])


def test_district_list_with_empty_bbox_is_not_filtered(client, city):
    body = client.get(reverse("api:district-list"), {"bbox": ""}).json()
    assert body["count"] == 2


@pytest.mark.parametrize(
    ("bbox", "code"),
    [
        ("10.8,52.4,10.9", "bbox_malformed"),
        ("10.8,abc,10.9,52.5", "not_a_number"),
        ("10.8,52.4,nan,52.5", "not_finite"),
        ("10.8,52.4,190,52.5", "out_of_range"),
        ("10.9,52.4,10.8,52.5", "bbox_inverted"),
        ("5,50,10,55", "bbox_too_large"),
    ],
)
def test_district_list_with_bad_bbox_is_a_validation_error(client, city, bbox, code):
    response = client.get(reverse("api:district-list"), {"bbox": bbox})
    assert _validation_errors(response) == [(code, "bbox")]


def test_bbox_error_detail_is_german(client, city):
    response = client.get(reverse("api:district-list"), {"bbox": "10.9,52.4,10.8,52.5"})
    assert response.json()["errors"][0]["detail"] == (
        "Im Kartenausschnitt muss West kleiner als Ost und Süd kleiner als Nord sein."
    )


def test_district_list_without_a_city_is_empty(client, db):
    body = client.get(reverse("api:district-list")).json()
    assert (body["count"], body["features"]) == (0, [])


def test_district_list_refuses_writes(client, city):
    response = client.post(reverse("api:district-list"), {}, content_type="application/json")
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "method_not_allowed"


# --- /districts/<slug>/ -------------------------------------------------------------------------------------


def test_district_detail_is_a_feature_with_its_quarters(client, city):
    # when
    response = client.get(reverse("api:district-detail", kwargs={"slug": "west"}))
    # then
    assert response.status_code == 200
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"]["name"] == "West"
    assert feature["properties"]["quarters"] == [{"name": "Westend", "slug": "westend"}]


def test_unknown_district_is_not_found_in_the_error_shape(client, city):
    response = client.get(reverse("api:district-detail", kwargs={"slug": "nord"}))
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == "not_found"


# --- /quarters/ ---------------------------------------------------------------------------------------------


def test_quarter_list_is_a_geojson_feature_collection(client, city):
    # when
    body = client.get(reverse("api:quarter-list")).json()
    # then
    assert (body["type"], body["count"]) == ("FeatureCollection", 2)
    feature = body["features"][0]
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"] == {
        "name": "Ostend",
        "slug": "ostend",
        "kind": "",
        "area_km2": 2.0,
        "district": "ost",
        "district_name": "Ost",
    }


def test_quarter_list_of_one_district(client, city):
    body = client.get(reverse("api:quarter-list"), {"district": "west"}).json()
    assert [feature["properties"]["slug"] for feature in body["features"]] == ["westend"]


def test_quarter_list_of_an_unknown_district_is_empty(client, city):
    body = client.get(reverse("api:quarter-list"), {"district": "nord"}).json()
    assert body["features"] == []


def test_quarter_list_filtered_by_bbox(client, city):
    body = client.get(reverse("api:quarter-list"), {"bbox": EAST_ONLY_BBOX}).json()
    assert [feature["properties"]["slug"] for feature in body["features"]] == ["ostend"]


def test_quarter_list_is_paginated(client, city):
    body = client.get(reverse("api:quarter-list"), {"page_size": 1}).json()
    assert (body["count"], len(body["features"])) == (2, 1)
    assert body["next"] is not None


def test_quarter_list_with_bad_bbox_is_a_validation_error(client, city):
    response = client.get(reverse("api:quarter-list"), {"bbox": "1,2,3"})
    assert _validation_errors(response) == [("bbox_malformed", "bbox")]


# --- /locate/ -----------------------------------------------------------------------------------------------


def test_locate_gives_district_quarter_and_street(client, city):
    # given
    StreetFactory(
        city=city,
        name="Hauptstraße",
        geom=MultiLineString(LineString((10.785, 52.4201), (10.795, 52.4201)), srid=STORAGE_SRID),
    )
    # when
    response = client.get(reverse("api:locate"), {"lon": "10.79", "lat": "52.42"})
    # then
    assert response.status_code == 200
    assert response.json() == {
        "district": {"name": "West", "slug": "west"},
        "quarter": {"name": "Westend", "slug": "westend"},
        "street": {"name": "Hauptstraße", "distance_m": 11.1},
    }


def test_locate_without_a_street_nearby(client, city):
    body = client.get(reverse("api:locate"), {"lon": "10,81", "lat": "52,42"}).json()
    assert body == {
        "district": {"name": "Ost", "slug": "ost"},
        "quarter": {"name": "Ostend", "slug": "ostend"},
        "street": None,
    }


@pytest.mark.parametrize(
    ("params", "code", "attr"),
    [
        ({"lat": "52.42"}, "missing", "lon"),
        ({"lon": "10.79"}, "missing", "lat"),
        ({"lon": "zehn", "lat": "52.42"}, "not_a_number", "lon"),
        ({"lon": "10.79", "lat": "inf"}, "not_finite", "lat"),
        ({"lon": "200", "lat": "52.42"}, "out_of_range", "lon"),
        ({"lon": "52.42", "lat": "10.79"}, "swapped", "lon"),
        ({"lon": "31.2", "lat": "121.5"}, "swapped", "lat"),
        ({"lon": "10.90", "lat": "52.42"}, "outside_area", "lon"),
    ],
)
def test_locate_with_bad_input_is_a_validation_error(client, city, params, code, attr):
    response = client.get(reverse("api:locate"), params)
    assert _validation_errors(response) == [(code, attr)]


def test_locate_error_detail_is_german(client, city):
    response = client.get(reverse("api:locate"), {"lon": "10.90", "lat": "52.42"})
    assert response.json()["errors"][0]["detail"] == "Der Ort liegt außerhalb von Teststadt."


# --- /streets/ ----------------------------------------------------------------------------------------------


def test_street_search_gives_hits_with_place_and_point(client, city):
    # given
    westend = city.districts.get(slug="west").quarters.get()
    StreetFactory(city=city, name="Müllerstraße", quarter=westend)
    # when
    response = client.get(reverse("api:street-search"), {"q": "mueller"})
    # then
    assert response.status_code == 200
    (hit,) = response.json()
    assert {key: hit[key] for key in ("name", "quarter", "district")} == {
        "name": "Müllerstraße",
        "quarter": "Westend",
        "district": "West",
    }
    assert 10.785 <= hit["lon"] <= 10.795
    assert hit["lat"] == pytest.approx(52.415)


def test_street_search_respects_the_limit(client, city):
    StreetFactory.create_batch(4, city=city)
    response = client.get(reverse("api:street-search"), {"q": "test", "limit": "2"})
    assert len(response.json()) == 2


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "t"}])
def test_street_search_with_too_short_a_query_is_empty(client, city, params):
    StreetFactory(city=city)
    response = client.get(reverse("api:street-search"), params)
    assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize(
    ("params", "code", "attr"),
    [
        ({"q": "test", "limit": "51"}, "max_value", "limit"),
        ({"q": "test", "limit": "0"}, "min_value", "limit"),
        ({"q": "test", "limit": "viele"}, "invalid", "limit"),
        ({"q": "x" * 101}, "max_length", "q"),
        ({"q": "te\x00st"}, "null_characters_not_allowed", "q"),
    ],
)
def test_street_search_with_bad_parameters_is_a_validation_error(client, city, params, code, attr):
    response = client.get(reverse("api:street-search"), params)
    assert _validation_errors(response) == [(code, attr)]


# --- Schema -------------------------------------------------------------------------------------------------


def test_schema_endpoint_answers(client, db):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/v1/districts/", "/api/v1/quarters/", "/api/v1/locate/", "/api/v1/streets/"]
)
def test_schema_documents_the_validation_errors_of_each_endpoint(client, db, path):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "400" in schema["paths"][path]["get"]["responses"]


def test_schema_documents_the_district_detail(client, db):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "404" in schema["paths"]["/api/v1/districts/{slug}/"]["get"]["responses"]


def test_schema_lists_the_geo_error_codes_of_locate(client, db):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    codes = schema["components"]["schemas"]["LocateLonErrorComponent"]["properties"]["code"]["enum"]
    assert set(codes) == {"missing", "not_a_number", "not_finite", "out_of_range", "swapped", "outside_area"}
