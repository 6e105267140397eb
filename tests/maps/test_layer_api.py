"""The map layer API: the registered layers, and a layer's features by bounding box."""

import dataclasses

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from defects.layers import REPORTS_LAYER
from defects.models import Report, ReportStatus
from districts.api.serializers import DistrictSerializer
from districts.models import District
from districts.selectors import district_layer_queryset
from geo_core.srid import STORAGE_SRID
from maps.registry import MapLayer
from tests.defects.factories import CategoryFactory, ReportFactory
from tests.factories import DepartmentFactory, DistrictFactory, QuarterFactory, multipolygon

# An L-shaped district east of the synthetic city: its bounding box covers the notch of the L, its area does not.
L_SHAPE = Polygon(
    (
        (10.82, 52.41),
        (10.86, 52.41),
        (10.86, 52.415),
        (10.825, 52.415),
        (10.825, 52.43),
        (10.82, 52.43),
        (10.82, 52.41),
    )
)
NOTCH_BBOX = (10.84, 52.42, 10.85, 52.425)


@pytest.fixture
def districts(city):
    """The synthetic city's West and Ost, an L-shaped district and one far away."""
    DistrictFactory(city=city, name="Winkel", slug="winkel", geom=MultiPolygon(L_SHAPE, srid=STORAGE_SRID))
    DistrictFactory(city=city, name="Fern", slug="fern", geom=multipolygon((10.90, 52.41, 10.92, 52.43)))
    return city


def features_url(name: str = "districts") -> str:
    return reverse("api:map-layer-features", kwargs={"name": name})


def bbox_param(bbox) -> str:
    return ",".join(str(value) for value in bbox)


def ids_overlapping_in_postgis(bbox) -> set[int]:
    """The districts whose geometry's bounding box overlaps ``bbox``, asked of PostGIS directly."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {District._meta.db_table} WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",  # noqa: S608
            list(bbox),
        )
        return {row[0] for row in cursor.fetchall()}


def test_layer_list_names_the_registered_layers_with_their_feature_urls(client, db):
    response = client.get(reverse("api:map-layer-list"))

    assert response.status_code == 200
    layers = {layer["name"]: layer for layer in response.json()["results"]}
    assert {"districts", "quarters"} <= set(layers)
    assert layers["districts"]["title"] == "Ortsratsbereiche"
    assert layers["districts"]["features_url"] == "http://testserver" + features_url("districts")
    assert layers["districts"]["label_property"] == "name"


def test_layer_list_gives_the_urls_and_settings_of_tiles_and_clusters(client, db):
    response = client.get(reverse("api:map-layer-list"))

    layers = {layer["name"]: layer for layer in response.json()["results"]}
    tile = reverse("api:map-layer-tile", kwargs={"name": "reports", "z": 0, "x": 0, "y": 0})
    assert layers["reports"]["tiles_url"] == "http://testserver" + tile.replace(
        "0/0/0.pbf", "{z}/{x}/{y}.pbf"
    )
    assert layers["reports"]["clusters_url"] == "http://testserver" + reverse(
        "api:map-layer-clusters", kwargs={"name": "reports"}
    )
    assert layers["reports"]["cluster_below_zoom"] == 15
    assert layers["reports"]["tile_fields"] == ["id", "status", "category_slug"]
    assert layers["reports"]["tile_min_zoom"] == 0
    assert layers["districts"]["tiles_url"].endswith("/layers/districts/tiles/{z}/{x}/{y}.pbf")
    assert layers["districts"]["clusters_url"] is None
    assert layers["districts"]["cluster_below_zoom"] is None


def test_layer_list_gives_the_attribution_of_the_imported_source(client, city):
    city.sources.create(layer="districts", attribution="Stadt Teststadt", license="dl-de/by-2-0")

    response = client.get(reverse("api:map-layer-list"))

    layers = {layer["name"]: layer for layer in response.json()["results"]}
    assert layers["districts"]["attribution"] == ["Stadt Teststadt (dl-de/by-2-0)"]
    assert layers["quarters"]["attribution"] == []


@pytest.mark.parametrize(
    "bbox",
    [
        (10.781, 52.411, 10.789, 52.419),  # inside West only
        (10.795, 52.415, 10.805, 52.425),  # across the shared edge of West and Ost
        (10.80, 52.40, 10.80001, 52.405),  # touching the shared edge from the south: outside both
        NOTCH_BBOX,  # in the notch of the L: its bounding box overlaps, its area does not
        (10.70, 52.30, 10.95, 52.50),  # all of them
        (11.50, 52.00, 11.60, 52.10),  # none
    ],
)
def test_features_are_exactly_those_whose_bounding_box_overlaps(client, districts, bbox):
    response = client.get(features_url(), {"bbox": bbox_param(bbox)})

    assert response.status_code == 200
    payload = response.json()
    assert payload["type"] == "FeatureCollection"
    returned = {feature["id"] for feature in payload["features"]}
    assert returned == ids_overlapping_in_postgis(bbox)


def test_notch_of_the_l_returns_the_l_shaped_district(client, districts):
    response = client.get(features_url(), {"bbox": bbox_param(NOTCH_BBOX)})

    assert [feature["properties"]["name"] for feature in response.json()["features"]] == ["Winkel"]


def test_features_are_geojson_with_public_properties_only(client, districts):
    response = client.get(features_url(), {"bbox": "10.70,52.30,10.95,52.50"})

    feature = response.json()["features"][0]
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert set(feature["properties"]) == {"name", "slug", "kind", "area_km2"}
    for private in ("official_id", "city", "created_at", "updated_at"):
        assert private not in response.content.decode()


def test_quarter_features_name_their_district(client, districts):
    response = client.get(features_url("quarters"), {"bbox": "10.781,52.411,10.789,52.419"})

    [feature] = response.json()["features"]
    assert feature["properties"]["name"] == "Westend"
    assert feature["properties"]["district"] == "west"
    assert feature["properties"]["district_name"] == "West"
    assert set(feature["properties"]) == {"name", "slug", "kind", "area_km2", "district", "district_name"}


def test_unknown_layer_answers_404_in_the_standard_error_shape(client, db):
    response = client.get(features_url("no-such-layer"), {"bbox": "10.7,52.3,10.9,52.5"})

    assert response.status_code == 404
    body = response.json()
    assert body["type"] == "client_error"
    [error] = body["errors"]
    assert error["code"] == "not_found"
    assert "no-such-layer" in error["detail"]


@pytest.mark.parametrize(
    ("bbox", "code"),
    [
        (None, "missing"),
        ("", "missing"),
        ("10.7,52.3,10.9", "bbox_malformed"),
        ("10.7,52.3,zehn,52.5", "not_a_number"),
        ("10.9,52.3,10.7,52.5", "bbox_inverted"),
        ("7.0,50.0,12.0,54.0", "bbox_too_large"),
        ("10.7,52.3,190,52.5", "out_of_range"),
    ],
)
def test_bad_bbox_answers_400_with_its_code(client, db, bbox, code):
    params = {} if bbox is None else {"bbox": bbox}

    response = client.get(features_url(), params)

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [(error["code"], error["attr"]) for error in body["errors"]] == [(code, "bbox")]


def test_features_are_cacheable_with_an_etag(client, districts):
    response = client.get(features_url(), {"bbox": "10.70,52.30,10.95,52.50"})

    assert response.status_code == 200
    assert response["ETag"].startswith('"')
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache_control == {"public", "max-age=60"}


def test_matching_etag_answers_304_without_a_body(client, districts):
    params = {"bbox": "10.70,52.30,10.95,52.50"}
    etag = client.get(features_url(), params)["ETag"]

    response = client.get(features_url(), params, headers={"if-none-match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_changed_features_get_a_new_etag(client, districts):
    params = {"bbox": "10.70,52.30,10.95,52.50"}
    etag = client.get(features_url(), params)["ETag"]
    District.objects.filter(slug="west").update(name="Westen")

    response = client.get(features_url(), params, headers={"if-none-match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag


def test_errors_are_not_marked_cacheable(client, db):
    response = client.get(features_url(), {"bbox": "x"})

    assert response.status_code == 400
    assert "ETag" not in response
    assert "public" not in response.get("Cache-Control", "")


@pytest.fixture
def small_layer(isolated_registry):
    """The districts as a layer that allows two features per request."""
    return isolated_registry.register(
        MapLayer(
            name="small-districts",
            title="Wenige Bezirke",
            queryset=district_layer_queryset,
            serializer_class=DistrictSerializer,
            max_features_per_request=2,
        )
    )


def test_pages_hold_at_most_the_layers_maximum(client, districts, small_layer):
    # given: four districts in the bbox, at most two per request
    params = {"bbox": "10.70,52.30,10.95,52.50", "page_size": 1000}

    # when
    first = client.get(features_url("small-districts"), params).json()
    second = client.get(features_url("small-districts"), {**params, "page": 2}).json()

    # then
    assert len(first["features"]) == 2
    assert first["next"] is not None
    assert first["previous"] is None
    assert len(second["features"]) == 2
    assert second["next"] is None
    assert second["previous"] is not None
    names = [feature["properties"]["name"] for feature in first["features"] + second["features"]]
    assert names == sorted(names)
    assert len(set(names)) == 4


def test_pages_are_not_counted(client, districts):
    # Counting every feature of a large bbox would cost more than the page: clients follow `next`.
    response = client.get(features_url(), {"bbox": "10.70,52.30,10.95,52.50"})

    assert set(response.json()) == {"type", "next", "previous", "features"}


def test_a_page_after_the_last_is_not_found(client, districts, small_layer):
    response = client.get(features_url("small-districts"), {"bbox": "10.70,52.30,10.95,52.50", "page": 3})

    assert response.status_code == 404


@pytest.mark.parametrize("page", ["0", "-1", "zwei", "1.5"])
def test_a_page_that_is_no_positive_number_is_not_found(client, districts, page):
    response = client.get(features_url(), {"bbox": "10.70,52.30,10.95,52.50", "page": page})

    assert response.status_code == 404


def test_writing_is_not_allowed(client, districts):
    response = client.post(features_url(), {"bbox": "10.70,52.30,10.95,52.50"})

    assert response.status_code == 405


def test_quarters_of_a_layer_are_served_in_one_query_per_page(
    client, districts, django_assert_max_num_queries
):
    QuarterFactory.create_batch(5, district=District.objects.get(slug="ost"))

    with django_assert_max_num_queries(1):  # the page and the one feature after it, no count
        response = client.get(features_url("quarters"), {"bbox": "10.70,52.30,10.95,52.50"})

    assert len(response.json()["features"]) == 7


@pytest.fixture
def scattered_reports(city):
    """Forty public reports over the synthetic city and around it, and some the public may not see."""
    west = city.districts.get(slug="west")
    department = DepartmentFactory()
    category = CategoryFactory()
    common = {"district": west, "department": department, "category": category}
    points = [(10.775 + (i % 8) * 0.007, 52.405 + (i // 8) * 0.006) for i in range(40)]
    Report.objects.bulk_create(
        ReportFactory.build(location=Point(lon, lat, srid=STORAGE_SRID), **common) for lon, lat in points
    )
    ReportFactory(status=ReportStatus.UNCONFIRMED, confirmed_at=None, **common)
    ReportFactory(withdrawn_at=timezone.now(), **common)


def public_report_ids_overlapping_in_postgis(bbox) -> set[int]:
    """The public reports whose location lies in ``bbox``, asked of PostGIS directly."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Report._meta.db_table} WHERE location && ST_MakeEnvelope(%s, %s, %s, %s, 4326) "  # noqa: S608
            "AND status <> 'unconfirmed' AND withdrawn_at IS NULL",
            list(bbox),
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize(
    "bbox",
    [
        (10.78, 52.41, 10.80, 52.43),
        (10.789, 52.411, 10.803, 52.423),  # on the points of one column and one row
        (10.70, 52.30, 10.95, 52.50),
        (11.50, 52.00, 11.60, 52.10),
    ],
)
def test_all_pages_of_features_are_exactly_those_in_the_bbox(
    client, scattered_reports, isolated_registry, bbox
):
    # given: reports served seven per page
    isolated_registry.register(
        dataclasses.replace(REPORTS_LAYER, name="paged-reports", max_features_per_request=7)
    )
    url = features_url("paged-reports") + "?bbox=" + bbox_param(bbox)

    # when: every page is fetched
    returned: list[int] = []
    while url:
        page = client.get(url).json()
        returned += [feature["id"] for feature in page["features"]]
        url = page["next"]

    # then
    assert len(returned) == len(set(returned))
    assert set(returned) == public_report_ids_overlapping_in_postgis(bbox)
