"""The pages of the city's geography: the district map and the data sources."""

import re

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.urls import reverse

from districts.models import GeoDataSource
from geo_core.srid import STORAGE_SRID
from tests.factories import CityFactory, DistrictFactory, QuarterFactory, multipolygon


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Pages render without a collected manifest (settings use the manifest storage unless DEBUG)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def detailed_square(bbox, points_per_side: int) -> MultiPolygon:
    """The square ``bbox`` drawn with many vertices: the same area, much more geometry."""
    west, south, east, north = bbox
    step_x = (east - west) / points_per_side
    step_y = (north - south) / points_per_side
    ring = (
        [(west + i * step_x, south) for i in range(points_per_side)]
        + [(east, south + i * step_y) for i in range(points_per_side)]
        + [(east - i * step_x, north) for i in range(points_per_side)]
        + [(west, north - i * step_y) for i in range(points_per_side)]
        + [(west, south)]
    )
    return MultiPolygon(Polygon(ring), srid=STORAGE_SRID)


def map_page(client) -> str:
    response = client.get(reverse("districts:map"))
    assert response.status_code == 200
    return response.content.decode()


def test_map_page_lists_every_district_with_its_area_and_quarters(client, city):
    html = map_page(client)

    assert "<h1>Ortsratsbereiche</h1>" in html
    assert 'id="district-list"' in html
    for name in ("West", "Ost", "Westend", "Ostend"):
        assert name in html
    assert "2,0 km²" in html  # German decimal comma
    assert "Teststadt ist in 2 Ortsratsbereiche gegliedert." in html


def test_map_page_embeds_a_map_that_loads_the_layers_by_bbox(client, city):
    html = map_page(client)

    assert 'class="folium-map platform-map"' in html
    assert "PlatformMaps.bboxLayer(" in html
    assert reverse("api:map-layer-features", kwargs={"name": "districts"}) in html
    assert reverse("api:map-layer-features", kwargs={"name": "quarters"}) in html


def test_map_page_inlines_no_feature_geometry(client, city):
    html = map_page(client)

    assert "FeatureCollection" not in html
    assert "coordinates" not in html
    assert "MultiPolygon" not in html


def test_map_page_size_does_not_grow_with_the_geometry(client, db):
    # given: the same city drawn once with simple squares and once with 2,000 vertices per district
    city = CityFactory()
    west = DistrictFactory(
        city=city, name="West", slug="west", geom=multipolygon((10.78, 52.41, 10.80, 52.43))
    )
    east = DistrictFactory(city=city, name="Ost", slug="ost", geom=multipolygon((10.80, 52.41, 10.82, 52.43)))
    simple = map_page(client)

    # when
    west.geom = detailed_square((10.78, 52.41, 10.80, 52.43), 500)
    west.save()
    east.geom = detailed_square((10.80, 52.41, 10.82, 52.43), 500)
    east.save()
    detailed = map_page(client)

    # then: only the random element names and the CSRF token may differ, never the length
    assert len(detailed) == len(simple)


def test_map_is_fitted_to_the_city_extent_computed_by_postgis(client, city):
    html = map_page(client)

    # the synthetic city spans 10.78–10.82 E, 52.41–52.43 N; Leaflet takes [[south, west], [north, east]]
    match = re.search(r"\}\)\(map_\w+, (\[\[.*?\]\])\);", html, re.S)
    assert match, "the map is not fitted to bounds"
    assert re.sub(r"\s", "", match.group(1)) == "[[52.41,10.78],[52.43,10.82]]"


def test_map_page_shows_the_quarters_layer_switched_off(client, city):
    html = map_page(client)

    calls = re.findall(r"var (\w+) = PlatformMaps\.bboxLayer\(.*?\"name\": \"(\w+)\"", html)
    names_by_var = dict(calls)
    added = set(re.findall(r"(\w+)\.addTo\(map_\w+\)", html))
    assert {name for var, name in names_by_var.items() if var in added} == {"districts"}
    assert set(names_by_var.values()) == {"districts", "quarters"}


def test_map_page_loads_every_asset_from_the_platform(client, city, settings):
    html = map_page(client)

    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources, "no assets found"
    assert all(source.startswith("/") for source in sources), sources
    assert "/static/maps/vendor/leaflet/leaflet.js" in sources
    assert "cdn" not in html.lower()
    # the only outside URL the map uses is the configured base map
    assert settings.MAP_TILE_URL in html.replace("\\/", "/")


def test_map_page_credits_the_data_source_on_the_map(client, city):
    GeoDataSource.objects.create(
        city=city, layer="districts", attribution="Stadt <Test>", license="CC BY 4.0"
    )

    html = map_page(client)

    # HTML-escaped first (it is plain text), then JSON-escaped for the script
    assert "Stadt \\u0026lt;Test\\u0026gt; (CC BY 4.0)" in html


def test_map_page_without_city_says_the_data_is_missing(client, db):
    html = map_page(client)

    assert "noch keine Geodaten der Stadt eingespielt" in html
    assert "folium-map" not in html


def test_map_page_queries_do_not_grow_with_the_districts(client, city, django_assert_max_num_queries):
    for number in range(10):
        district = DistrictFactory(city=city, name=f"Bezirk {number}")
        QuarterFactory.create_batch(2, district=district)

    with django_assert_max_num_queries(8):
        map_page(client)


def test_data_sources_page_lists_attribution_licence_and_count(client, city):
    GeoDataSource.objects.create(
        city=city,
        layer="districts",
        attribution="Stadt Teststadt, Geoinformation",
        license="dl-de/by-2-0",
        feature_count=2,
    )
    GeoDataSource.objects.create(
        city=city, layer="quarters", attribution="OpenStreetMap-Mitwirkende", license="ODbL"
    )

    response = client.get(reverse("districts:data_sources"))

    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Ortsratsbereiche",
        "Stadt Teststadt, Geoinformation",
        "dl-de/by-2-0",
        "OpenStreetMap-Mitwirkende",
        "ODbL",
    ):
        assert text in html
    assert '<td class="num">2</td>' in html


def test_data_sources_page_gives_the_base_map_attribution(client, db, settings):
    settings.MAP_TILE_ATTRIBUTION = 'Basiskarte: <a href="https://example.org">Beispiel</a>'

    response = client.get(reverse("districts:data_sources"))

    assert 'Basiskarte: <a href="https://example.org">Beispiel</a>' in response.content.decode()


def test_data_sources_page_without_city_renders(client, db):
    response = client.get(reverse("districts:data_sources"))

    assert response.status_code == 200
    assert "noch keine Geodaten" in response.content.decode()


@pytest.fixture
def admin_client_(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["city", "district", "quarter", "street", "department", "geodatasource"])
def test_admin_changelists_render(admin_client_, city, model):
    response = admin_client_.get(reverse(f"admin:districts_{model}_changelist"))

    assert response.status_code == 200


def test_admin_street_search_and_district_filter(admin_client_, city):
    from tests.factories import StreetFactory

    westend = city.districts.get(slug="west").quarters.get()
    ostend = city.districts.get(slug="ost").quarters.get()
    StreetFactory(city=city, name="Porschestraße", quarter=westend)
    StreetFactory(city=city, name="Heinrich-Nordhoff-Straße", quarter=ostend)
    url = reverse("admin:districts_street_changelist")

    found = admin_client_.get(url, {"q": "Porsche"})
    filtered = admin_client_.get(url, {"quarter__district__id__exact": westend.district_id})

    assert list(found.context["cl"].result_list.values_list("name", flat=True)) == ["Porschestraße"]
    assert list(filtered.context["cl"].result_list.values_list("name", flat=True)) == ["Porschestraße"]
    assert "quarter__district__id__exact" in filtered.content.decode()  # the filter is offered


def test_admin_district_form_uses_the_platforms_map_widget(admin_client_, city):
    district = city.districts.get(slug="west")

    response = admin_client_.get(reverse("admin:districts_district_change", args=[district.pk]))

    html = response.content.decode()
    assert "/static/maps/vendor/ol/ol.js" in html
    assert "cdn.jsdelivr.net" not in html
    assert "new ol.source.XYZ(" in html
    # an empty geometry would open on the city's centre
    assert "options['default_lon'] = 10.8;" in html


def test_admin_data_sources_are_read_only(admin_client_, city):
    source = GeoDataSource.objects.create(city=city, layer="districts", attribution="Stadt Teststadt")

    add = admin_client_.get(reverse("admin:districts_geodatasource_add"))
    change = admin_client_.post(
        reverse("admin:districts_geodatasource_change", args=[source.pk]), {"attribution": "geändert"}
    )

    assert add.status_code == 403
    assert change.status_code == 403
    source.refresh_from_db()
    assert source.attribution == "Stadt Teststadt"
