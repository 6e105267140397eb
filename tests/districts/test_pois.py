"""Places (points of interest): import, location in districts and quarters, map layer, list page, API, admin."""

import json
import re
from collections import Counter
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from pyproj import Transformer

from districts.layers import POIS_LAYER, PoiFilterErrorCode, poi_layer_filter_form
from districts.models import City, District, GeoDataSource, PointOfInterest, Quarter
from districts.selectors import district_for_point, poi_list, quarter_for_point
from districts.services import (
    CityImportError,
    ErrorCode,
    LayerSpec,
    city_import,
    city_spec_from_manifest,
    poi_areas_assign,
)
from geo_core.accounts.roles import ADMINISTRATORS, MODERATORS, PLANNERS
from geo_core.srid import STORAGE_SRID
from maps.registry import get_layer
from tests.conftest import WOLFSBURG_MANIFEST
from tests.districts.geojson_files import feature, polygon, write_collection
from tests.districts.test_import import district_features, make_spec, quarter_features
from tests.factories import CITY_BBOX, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

Category = PointOfInterest.Category
CITY_BBOX_PARAM = "10.77,52.40,10.83,52.44"


# --- synthetic files ---------------------------------------------------------------------------------------------


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def poi_feature(name, category, osm_type, osm_id, lon, lat, **properties) -> dict:
    values = {"address": None, "operator": None, "website": None, "wheelchair": None, **properties}
    return feature(point(lon, lat), name=name, category=category, osm_type=osm_type, osm_id=osm_id, **values)


def poi_features() -> list[dict]:
    return [
        poi_feature(
            "Kita Sonnenschein",
            "kindergarten",
            "node",
            101,
            10.785,
            52.425,
            address="Hauptstraße 1, 38440 Teststadt",
            website="www.kita-sonnenschein.example",
            wheelchair="yes",
        ),
        poi_feature("Grundschule Ost", "school", "way", 202, 10.815, 52.415, operator="Stadt Teststadt"),
        # On the edge both districts share (10.80): it must land in exactly one, always the same.
        poi_feature(
            "Sporthalle an der Grenze", "sports_centre", "way", 303, 10.80, 52.425, wheelchair="limited"
        ),
        poi_feature(
            "Stadtmuseum", "museum", "relation", 404, 10.7995, 52.415, website="https://museum.example/"
        ),
    ]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """The synthetic city of the import tests, with four places."""
    write_collection(tmp_path / "boundary.geojson", [feature(polygon(CITY_BBOX), name="Teststadt")])
    write_collection(tmp_path / "districts.geojson", district_features())
    write_collection(tmp_path / "quarters.geojson", quarter_features())
    write_pois(tmp_path, poi_features())
    return tmp_path


def write_pois(directory: Path, features: list[dict], **members) -> Path:
    members = {"attribution": "© OpenStreetMap contributors", "license": "ODbL-1.0", **members}
    return write_collection(directory / "pois.geojson", features, **members)


def spec_with_pois(directory: Path, **overrides):
    return make_spec(directory, streets=None, pois=LayerSpec(file=directory / "pois.geojson"), **overrides)


def import_error(directory: Path) -> CityImportError:
    with pytest.raises(CityImportError) as raised:
        city_import(spec=spec_with_pois(directory))
    return raised.value


# --- import ------------------------------------------------------------------------------------------------------


def test_import_creates_the_places_with_their_fields_and_source(files):
    result = city_import(spec=spec_with_pois(files))

    counts = result.layers["pois"]
    assert (counts.read, counts.created, counts.updated, counts.unchanged) == (4, 4, 0, 0)
    kita = PointOfInterest.objects.get(osm_type="node", osm_id=101)
    assert (kita.name, kita.category, kita.address) == (
        "Kita Sonnenschein",
        Category.KINDERGARTEN,
        "Hauptstraße 1, 38440 Teststadt",
    )
    assert kita.city == result.city
    assert kita.wheelchair == PointOfInterest.Wheelchair.YES
    assert kita.location.coords == pytest.approx((10.785, 52.425))
    assert kita.osm_url == "https://www.openstreetmap.org/node/101"
    assert PointOfInterest.objects.get(osm_id=202).operator == "Stadt Teststadt"
    source = GeoDataSource.objects.get(layer="pois")
    assert (source.attribution, source.license, source.feature_count) == (
        "© OpenStreetMap contributors",
        "ODbL-1.0",
        4,
    )
    assert result.warnings == []


def test_a_website_without_scheme_is_read_as_https(files):
    city_import(spec=spec_with_pois(files))

    assert PointOfInterest.objects.get(osm_id=101).website == "https://www.kita-sonnenschein.example"
    assert PointOfInterest.objects.get(osm_id=404).website == "https://museum.example/"


def test_optional_values_that_cannot_be_used_are_left_out_with_a_warning(files):
    features = poi_features()
    features[0]["properties"]["website"] = "kita; schule"
    features[1]["properties"]["wheelchair"] = "bestimmt"
    write_pois(files, features)

    result = city_import(spec=spec_with_pois(files))

    assert PointOfInterest.objects.get(osm_id=101).website == ""
    assert PointOfInterest.objects.get(osm_id=202).wheelchair == ""
    assert any("Kita Sonnenschein" in warning and "Website" in warning for warning in result.warnings)
    assert any("Grundschule Ost" in warning and "Rollstuhl" in warning for warning in result.warnings)


def test_the_places_get_the_district_and_quarter_a_direct_postgis_query_finds(files):
    city_import(spec=spec_with_pois(files))

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.osm_id,
                   (SELECT d.name FROM districts_district d WHERE ST_Intersects(d.geom, p.location)
                     ORDER BY d.official_id, d.slug, d.id LIMIT 1),
                   (SELECT q.name FROM districts_quarter q JOIN districts_district d ON d.id = q.district_id
                     WHERE ST_Intersects(q.geom, p.location) ORDER BY d.official_id, d.slug, d.id,
                           q.official_id, q.slug, q.id LIMIT 1)
              FROM districts_pointofinterest p
            """
        )
        expected = {osm_id: (district, quarter) for osm_id, district, quarter in cursor.fetchall()}
    stored = {
        poi.osm_id: (poi.district.name, poi.quarter.name)
        for poi in PointOfInterest.objects.select_related("district", "quarter")
    }

    assert stored == expected
    assert stored == {
        101: ("West/Heide", "Nordwest"),
        202: ("Ost", "Südost"),
        303: ("Ost", "Nordost"),  # the shared edge: "ost" sorts before "west-heide"
        404: ("West/Heide", "Südwest"),
    }


def test_a_place_on_a_shared_edge_lands_where_a_report_there_would(files):
    city_import(spec=spec_with_pois(files))
    poi = PointOfInterest.objects.get(osm_id=303)

    district = district_for_point(point=poi.location)
    assert poi.district == district
    assert poi.quarter == quarter_for_point(point=poi.location, district=district)


def test_coordinates_in_epsg_25832_are_reprojected(files):
    # given the places in UTM 32N, with the CRS named in the file
    to_utm = Transformer.from_crs(4326, 25832, always_xy=True)
    features = poi_features()
    for item in features:
        item["geometry"]["coordinates"] = list(to_utm.transform(*item["geometry"]["coordinates"]))
    write_pois(files, features, crs="urn:ogc:def:crs:EPSG::25832")

    # when
    city_import(spec=spec_with_pois(files))

    # then: lon/lat again, within a millimetre's worth of a degree
    kita = PointOfInterest.objects.get(osm_id=101)
    assert kita.location.srid == STORAGE_SRID
    assert kita.location.x == pytest.approx(10.785, abs=1e-8)
    assert kita.location.y == pytest.approx(52.425, abs=1e-8)


@pytest.mark.parametrize(
    ("change", "code", "reason"),
    [
        ({"category": "playground"}, ErrorCode.UNKNOWN_CATEGORY, "Kategorie „playground“ ist unbekannt"),
        ({"name": ""}, ErrorCode.MISSING_NAME, "Name fehlt"),
        ({"osm_type": "area"}, ErrorCode.INVALID_OSM_REFERENCE, "OSM-Bezug „area/202“ ist ungültig"),
        ({"osm_id": -5}, ErrorCode.INVALID_OSM_REFERENCE, "OSM-Bezug „way/-5“ ist ungültig"),
        ({"osm_id": 101, "osm_type": "node"}, ErrorCode.DUPLICATE_KEY, "kommt schon bei Objekt Nr. 1 vor"),
    ],
)
def test_a_bad_place_is_named_and_nothing_is_written(files, change, code, reason):
    features = poi_features()
    features[1]["properties"].update(change)
    write_pois(files, features)

    error = import_error(files)

    assert error.code == ErrorCode.INVALID_FEATURES
    assert [(problem.code, problem.index) for problem in error.problems] == [(code, 1)]
    assert "Öffentliche Einrichtungen (pois.geojson), Objekt Nr. 2" in error.message
    assert reason in error.message
    assert City.objects.count() == 0
    assert PointOfInterest.objects.count() == 0
    assert GeoDataSource.objects.count() == 0


def test_a_place_that_is_no_point_is_refused(files):
    features = poi_features()
    features[2]["geometry"] = polygon((10.79, 52.42, 10.795, 52.425))
    write_pois(files, features)

    error = import_error(files)

    assert [(problem.code, problem.label) for problem in error.problems] == [
        (ErrorCode.WRONG_GEOMETRY_TYPE, "Sporthalle an der Grenze")
    ]
    assert PointOfInterest.objects.count() == 0


def test_a_bad_place_in_a_later_import_leaves_the_stored_places_alone(files):
    city_import(spec=spec_with_pois(files))
    features = poi_features()
    features[0]["properties"]["name"] = "Kita Regenbogen"
    features[3]["properties"]["category"] = "zoo"
    write_pois(files, features)

    error = import_error(files)

    assert error.problems[0].code == ErrorCode.UNKNOWN_CATEGORY
    assert PointOfInterest.objects.get(osm_id=101).name == "Kita Sonnenschein"


def test_a_file_without_the_required_properties_is_refused(files):
    write_pois(files, [feature(point(10.785, 52.425), name="Kita", category="kindergarten")])

    error = import_error(files)

    assert error.code == ErrorCode.PROPERTY_MISSING
    assert "osm_type" in error.message


def test_a_second_run_changes_nothing(files):
    city_import(spec=spec_with_pois(files))
    before = dict(PointOfInterest.objects.values_list("osm_id", "updated_at"))

    result = city_import(spec=spec_with_pois(files))

    counts = result.layers["pois"]
    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 4)
    assert dict(PointOfInterest.objects.values_list("osm_id", "updated_at")) == before


def test_a_changed_place_is_updated_and_moved_to_its_new_district(files):
    city_import(spec=spec_with_pois(files))
    kita_id = PointOfInterest.objects.get(osm_id=101).pk
    features = poi_features()
    features[0]["properties"]["name"] = "Kita Regenbogen"
    features[0]["geometry"] = point(10.815, 52.425)
    write_pois(files, features)

    result = city_import(spec=spec_with_pois(files))

    assert (result.layers["pois"].updated, result.layers["pois"].unchanged) == (1, 3)
    kita = PointOfInterest.objects.select_related("district", "quarter").get(osm_id=101)
    assert (kita.pk, kita.name, kita.district.name, kita.quarter.name) == (
        kita_id,
        "Kita Regenbogen",
        "Ost",
        "Nordost",
    )


def test_places_missing_from_the_file_are_kept_with_a_warning(files):
    city_import(spec=spec_with_pois(files))
    write_pois(files, poi_features()[:3])

    result = city_import(spec=spec_with_pois(files))

    assert PointOfInterest.objects.count() == 4
    assert result.layers["pois"].kept == ["Stadtmuseum"]
    assert any("Stadtmuseum" in warning and "--prune" in warning for warning in result.warnings)


def test_prune_deletes_places_missing_from_the_file(files):
    city_import(spec=spec_with_pois(files))
    write_pois(files, poi_features()[:3])

    result = city_import(spec=spec_with_pois(files), prune=True)

    assert result.layers["pois"].deleted == 1
    assert not PointOfInterest.objects.filter(name="Stadtmuseum").exists()
    assert PointOfInterest.objects.count() == 3


def test_a_place_outside_every_district_is_kept_without_district_and_named_in_a_warning(files):
    features = [*poi_features(), poi_feature("Ausflugslokal", "event_venue", "node", 505, 10.90, 52.50)]
    write_pois(files, features)

    result = city_import(spec=spec_with_pois(files))

    outside = PointOfInterest.objects.get(osm_id=505)
    assert (outside.district, outside.quarter) == (None, None)
    assert any("1 liegt außerhalb aller Ortsratsbereiche" in warning for warning in result.warnings)


def test_pruning_a_district_moves_its_places_to_the_district_they_now_lie_in(files):
    city_import(spec=spec_with_pois(files))
    # given the west district grown over the whole city, the east one gone
    write_collection(
        files / "districts.geojson", [feature(polygon(CITY_BBOX), name="West/Heide", typ="Ortsratsbereich")]
    )

    city_import(spec=spec_with_pois(files), prune=True)

    assert set(PointOfInterest.objects.values_list("district__name", flat=True)) == {"West/Heide"}


# --- manifest and command -----------------------------------------------------------------------------------------


def write_manifest(directory: Path, pois: dict) -> Path:
    manifest = {
        "name": "Teststadt",
        "slug": "teststadt",
        "layers": {
            "boundary": {"file": "boundary.geojson"},
            "districts": {"file": "districts.geojson", "kind_property": "typ"},
            "quarters": {"file": "quarters.geojson", "id_property": "gdi_id", "kind_property": "typ"},
            "pois": pois,
        },
    }
    path = directory / "city.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path


def test_a_manifest_names_the_places_layer_with_its_attribution(files):
    spec = city_spec_from_manifest(
        path=write_manifest(
            files, {"file": "pois.geojson", "attribution": "Orte: © OSM", "license": "ODbL 1.0"}
        )
    )

    assert spec.pois == LayerSpec(file=files / "pois.geojson", attribution="Orte: © OSM", license="ODbL 1.0")


def test_a_manifest_cannot_give_the_places_an_id_or_slug_property(files):
    with pytest.raises(CityImportError) as raised:
        city_spec_from_manifest(path=write_manifest(files, {"file": "pois.geojson", "slug_property": "slug"}))

    assert raised.value.code == ErrorCode.MANIFEST_INVALID
    assert "layers.pois.slug_property" in raised.value.message


def test_the_command_imports_places_by_manifest_and_reports_progress(files):
    output = StringIO()

    call_command("import_city", str(write_manifest(files, {"file": "pois.geojson"})), stdout=output)

    assert "Öffentliche Einrichtungen: 4 gelesen, 4 neu, 0 geändert, 0 unverändert" in output.getvalue()


def test_the_command_takes_the_places_as_a_flag_and_prunes_them(files):
    arguments = [
        "import_city",
        "--name=Teststadt",
        "--slug=teststadt",
        f"--boundary={files / 'boundary.geojson'}",
        f"--districts={files / 'districts.geojson'}",
        f"--quarters={files / 'quarters.geojson'}",
        f"--pois={files / 'pois.geojson'}",
    ]
    call_command(*arguments, stdout=StringIO())
    write_pois(files, poi_features()[:3])
    output = StringIO()

    call_command(*arguments, "--prune", stdout=output)

    assert (
        "Öffentliche Einrichtungen: 3 gelesen, 0 neu, 0 geändert, 3 unverändert, 1 gelöscht"
        in output.getvalue()
    )
    assert PointOfInterest.objects.count() == 3


# --- the shipped Wolfsburg data ----------------------------------------------------------------------------------


def shipped_pois() -> list[dict]:
    return json.loads((WOLFSBURG_MANIFEST.parent / "pois.geojson").read_text(encoding="utf-8"))["features"]


def test_shipped_wolfsburg_has_its_242_places_by_category(wolfsburg):
    pois = PointOfInterest.objects.filter(city=wolfsburg)

    assert pois.count() == 242
    assert Counter(pois.values_list("category", flat=True)) == {
        "kindergarten": 67,
        "school": 57,
        "sports_centre": 43,
        "community_centre": 27,
        "event_venue": 17,
        "museum": 11,
        "higher_education": 10,
        "library": 6,
        "marketplace": 4,
    }
    assert not pois.filter(district__isnull=True).exists()
    source = GeoDataSource.objects.get(layer="pois")
    assert (source.attribution, source.license) == (
        "Öffentliche Einrichtungen: © OpenStreetMap contributors",
        "ODbL 1.0",
    )


@pytest.mark.parametrize(
    ("name", "district", "quarter"),
    [
        ("Congress Park", "Stadtmitte", "Stadtmitte"),
        ("Das West", "Mitte-West", "Laagberg"),
        ("Die Plantage", "Hattorf/Heiligendorf", "Hattorf"),
        ("Bürgerzentrum", "Neuhaus/Reislingen", "Reislingen"),
    ],
)
def test_shipped_wolfsburg_places_lie_where_postgis_finds_them(wolfsburg, name, district, quarter):
    poi = PointOfInterest.objects.select_related("district", "quarter").get(name=name)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT d.name, q.name FROM districts_pointofinterest p
              JOIN districts_district d ON ST_Covers(d.geom, p.location)
              JOIN districts_quarter q ON q.district_id = d.id AND ST_Covers(q.geom, p.location)
             WHERE p.id = %s
            """,
            [poi.pk],
        )
        rows = cursor.fetchall()

    assert rows == [(district, quarter)]
    assert (poi.district.name, poi.quarter.name) == (district, quarter)


def test_shipped_wolfsburg_places_lie_in_the_ortsrat_the_file_names(wolfsburg):
    # The file's own columns are not used by the import; they serve here as an independent check.
    expected = {
        (item["properties"]["osm_type"], item["properties"]["osm_id"]): (
            item["properties"]["ortsratsbereich"] or "Volkswagenwerk",  # the Sonderbezirk has no Ortsrat
            item["properties"]["stadtteil"],
        )
        for item in shipped_pois()
    }

    stored = {
        (osm_type, osm_id): (district, quarter)
        for osm_type, osm_id, district, quarter in PointOfInterest.objects.values_list(
            "osm_type", "osm_id", "district__name", "quarter__name"
        )
    }
    assert stored == expected


# --- synthetic places for the layer, the page and the API ---------------------------------------------------------


def make_poi(city, name, category, lon, lat, *, osm_id, **fields) -> PointOfInterest:
    poi = PointOfInterest.objects.create(
        city=city,
        name=name,
        category=category,
        osm_type="node",
        osm_id=osm_id,
        location=Point(lon, lat, srid=STORAGE_SRID),
        **fields,
    )
    poi_areas_assign(city=city, poi_ids=[poi.pk])
    poi.refresh_from_db()
    return poi


@pytest.fixture
def pois(city) -> dict[str, PointOfInterest]:
    """Three places in the synthetic city: two in the west, one in the east."""
    return {
        "kita": make_poi(
            city,
            "Kita Sonnenschein",
            Category.KINDERGARTEN,
            10.785,
            52.425,
            osm_id=1,
            address="Hauptstraße 1",
            operator="Stadt Teststadt",
            website="https://kita.example/",
            wheelchair=PointOfInterest.Wheelchair.LIMITED,
        ),
        "school": make_poi(city, "Grundschule West", Category.SCHOOL, 10.79, 52.415, osm_id=2),
        "library": make_poi(city, "Stadtbibliothek", Category.LIBRARY, 10.815, 52.415, osm_id=3),
    }


# --- the "pois" layer ----------------------------------------------------------------------------------------------


def layer_features(client, **params):
    return client.get(
        reverse("api:map-layer-features", kwargs={"name": "pois"}), {"bbox": CITY_BBOX_PARAM, **params}
    )


def test_the_layer_is_registered_as_documented():
    layer = get_layer("pois")

    assert layer is POIS_LAYER
    assert str(layer.title) == "Öffentliche Einrichtungen"
    assert layer.geometry_field == "location"
    assert (layer.city_map_order, layer.city_map_visible) == (40, False)
    assert layer.popup_property == "name"
    assert layer.popup_url_property == "url"
    assert layer.popup_detail_properties == ("category_label", "address")
    assert layer.style_property == "category"
    assert set(layer.feature_styles) == set(Category.values)
    assert set(layer.tile_fields) == {"id", "name", "category"}
    assert layer.list_url() == reverse("districts:pois")


def test_the_layer_looks_unlike_the_reports():
    reports = get_layer("reports")

    assert POIS_LAYER.style["radius"] < reports.style["radius"]
    assert POIS_LAYER.style["color"] != reports.style["color"]
    report_fills = {style["fillColor"] for style in reports.feature_styles.values()}
    assert not report_fills & {style["fillColor"] for style in POIS_LAYER.feature_styles.values()}


def test_the_legend_names_every_category_once():
    entries = POIS_LAYER.legend_entries()

    labels = " ".join(str(entry.label) for entry in entries)
    assert len(entries) == 3
    for category in Category:
        assert labels.count(str(category.label)) == 1
    assert all(entry.style["fillColor"].startswith("#") for entry in entries)


def test_the_layer_features_have_the_public_properties_only(client, pois):
    response = layer_features(client)

    assert response.status_code == 200
    features = {item["properties"]["name"]: item for item in response.json()["features"]}
    kita = features["Kita Sonnenschein"]
    assert kita["id"] == pois["kita"].pk
    assert kita["geometry"] == {"type": "Point", "coordinates": [10.785, 52.425]}
    assert kita["properties"] == {
        "name": "Kita Sonnenschein",
        "category": "kindergarten",
        "category_label": "Kindertagesstätte",
        "address": "Hauptstraße 1",
        "website": "https://kita.example/",
        "wheelchair": "limited",
        "district_name": "West",
        "url": f"http://testserver/stadtgebiet/orte/?category=kindergarten#poi-{pois['kita'].pk}",
    }


def test_the_layer_filters_by_category(client, pois):
    response = layer_features(client, category="library")

    assert [item["properties"]["name"] for item in response.json()["features"]] == ["Stadtbibliothek"]


def test_an_unknown_category_answers_400_with_its_code(client, pois):
    response = layer_features(client, category="zoo")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": PoiFilterErrorCode.UNKNOWN_CATEGORY,
            "detail": "Die Kategorie „zoo“ gibt es nicht; es werden alle Kategorien gezeigt.",
            "attr": "category",
        }
    ]


def test_the_layer_filter_form_returns_accepted_values_and_names_refused_ones(db):
    good = poi_layer_filter_form(QueryDict("pois-category=school"), "pois")
    bad = poi_layer_filter_form(QueryDict("pois-category=zoo"), "pois")

    assert (good.query(), good.error_messages()) == ({"category": "school"}, [])
    assert bad.query() == {}
    assert bad.error_messages() == ["Die Kategorie „zoo“ gibt es nicht; es werden alle Kategorien gezeigt."]
    assert 'name="pois-category"' in str(good["category"])


def test_the_layer_credits_the_imported_source(city):
    GeoDataSource.objects.create(
        city=city, layer="pois", attribution="© OpenStreetMap contributors", license="ODbL 1.0"
    )

    assert [str(line) for line in POIS_LAYER.attribution()] == ["© OpenStreetMap contributors (ODbL 1.0)"]


def test_a_popup_link_leads_to_the_place_on_the_list_page(client, pois):
    feature = next(
        item for item in layer_features(client).json()["features"] if item["id"] == pois["library"].pk
    )
    url = urlsplit(feature["properties"]["url"])

    page = client.get(f"{url.path}?{url.query}")

    assert url.fragment == f"poi-{pois['library'].pk}"
    assert f'id="{url.fragment}"' in page.content.decode()


# --- the list page -------------------------------------------------------------------------------------------------


def list_page(client, **params) -> str:
    response = client.get(reverse("districts:pois"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_page_groups_the_places_by_category_with_anchors(client, pois):
    html = list_page(client)

    assert reverse("districts:pois") == "/stadtgebiet/orte/"
    assert "<h1>Öffentliche Einrichtungen</h1>" in html
    assert "3 Einrichtungen" in html
    for poi in pois.values():
        assert f'<article id="poi-{poi.pk}"' in html
    # Kitas before schools before libraries: the order of the categories, not of the alphabet
    assert html.index('id="kategorie-kindergarten"') < html.index('id="kategorie-school"')
    assert html.index('id="kategorie-school"') < html.index('id="kategorie-library"')


def test_the_list_page_shows_each_places_facts(client, pois):
    html = list_page(client)

    for text in (
        "Hauptstraße 1",
        "Stadt Teststadt",
        "eingeschränkt rollstuhlgerecht",
        "keine Angabe",
        "Stadtteil Westend, Ortsratsbereich West",
        "Auf OpenStreetMap ansehen",
    ):
        assert text in html
    assert '<a href="https://kita.example/" rel="nofollow noopener external">' in html
    assert (
        f'<a href="https://www.openstreetmap.org/node/{pois["kita"].osm_id}" rel="nofollow noopener' in html
    )


def test_the_list_page_credits_openstreetmap(client, pois):
    GeoDataSource.objects.create(
        city=pois["kita"].city,
        layer="pois",
        attribution="Orte: © OpenStreetMap contributors",
        license="ODbL 1.0",
    )

    html = list_page(client)

    assert "Orte: © OpenStreetMap contributors (ODbL 1.0)" in html
    assert 'href="https://www.openstreetmap.org/copyright"' in html


def test_the_list_page_filters_by_category_and_district_with_a_plain_get_form(client, pois):
    html = list_page(client)
    form = re.search(r'<form method="get" action="/stadtgebiet/orte/".*?</form>', html, re.S)[0]
    assert '<select name="category"' in form
    assert '<select name="district"' in form
    assert '<button type="submit">' in form

    by_category = list_page(client, category="school")
    by_district = list_page(client, district="ost")

    assert "1 Einrichtung für diese Filter" in by_category
    assert f'id="poi-{pois["school"].pk}"' in by_category
    assert f'id="poi-{pois["kita"].pk}"' not in by_category
    assert f'id="poi-{pois["library"].pk}"' in by_district
    assert f'id="poi-{pois["school"].pk}"' not in by_district


def test_an_unknown_filter_value_is_named_and_left_out(client, pois):
    html = list_page(client, category="zoo", district="ost")

    assert "Die Kategorie „zoo“ gibt es nicht" in html
    assert "1 Einrichtung für diese Filter" in html  # the district filter still applies
    assert f'id="poi-{pois["library"].pk}"' in html


def test_the_list_page_without_city_says_the_data_is_missing(client, db):
    html = list_page(client)

    assert "noch keine Geodaten der Stadt eingespielt" in html


def test_the_list_page_queries_do_not_grow_with_the_places(client, city, django_assert_max_num_queries):
    for number in range(30):
        make_poi(
            city,
            f"Ort {number}",
            Category.values[number % 9],
            10.781 + number / 1000,
            52.42,
            osm_id=100 + number,
        )

    with django_assert_max_num_queries(6):
        list_page(client)


def test_the_district_map_links_the_list_page(client, city):
    html = client.get(reverse("districts:map")).content.decode()

    assert f'href="{reverse("districts:pois")}"' in html


# --- the API -------------------------------------------------------------------------------------------------------


def test_the_api_lists_the_places_as_paginated_geojson(client, pois):
    body = client.get(reverse("api:poi-list"), {"page_size": 2}).json()

    assert body["type"] == "FeatureCollection"
    assert body["count"] == 3
    assert [item["properties"]["name"] for item in body["features"]] == [
        "Kita Sonnenschein",
        "Grundschule West",
    ]
    assert "page=2" in body["next"]
    kita = body["features"][0]["properties"]
    assert kita["osm_url"] == "https://www.openstreetmap.org/node/1"
    assert (kita["district"], kita["quarter_name"], kita["wheelchair_label"]) == (
        "west",
        "Westend",
        "eingeschränkt rollstuhlgerecht",
    )


def test_the_api_filters_by_category_district_and_bbox(client, pois):
    def names(**params) -> list[str]:
        return [
            item["properties"]["name"]
            for item in client.get(reverse("api:poi-list"), params).json()["features"]
        ]

    assert names(category="school") == ["Grundschule West"]
    assert names(district="ost") == ["Stadtbibliothek"]
    assert names(district="nirgendwo") == []
    assert names(bbox="10.80,52.41,10.82,52.43") == ["Stadtbibliothek"]


def test_the_api_refuses_an_unknown_category_with_its_code(client, pois):
    response = client.get(reverse("api:poi-list"), {"category": "zoo"})

    assert response.status_code == 400
    assert [(error["code"], error["attr"]) for error in response.json()["errors"]] == [
        ("unknown_category", "category")
    ]


# --- admin ---------------------------------------------------------------------------------------------------------


def admin_user(role: str):
    from tests.defects.workspace_factories import in_group, staff

    return {
        "superuser": lambda: UserFactory(is_staff=True, is_superuser=True),
        "administrator": lambda: in_group(ADMINISTRATORS, is_staff=True),
        "moderator": lambda: in_group(MODERATORS, is_staff=True),
        "planner": lambda: in_group(PLANNERS, is_staff=True),
        "case_worker": lambda: staff(DepartmentFactory(), is_staff=True),
    }[role]()


@pytest.mark.parametrize(
    ("role", "status"),
    [("superuser", 200), ("administrator", 403), ("moderator", 403), ("planner", 403), ("case_worker", 403)],
)
def test_places_are_maintained_in_the_admin_like_the_other_geography(client, pois, role, status):
    client.force_login(admin_user(role))

    # then: the same answer as for the districts (imported geography: superusers only)
    assert client.get(reverse("admin:districts_pointofinterest_changelist")).status_code == status
    assert client.get(reverse("admin:districts_district_changelist")).status_code == status


def test_the_admin_searches_by_name_and_filters_by_category_and_district(client, pois):
    client.force_login(admin_user("superuser"))
    url = reverse("admin:districts_pointofinterest_changelist")

    found = client.get(url, {"q": "Sonnenschein"})
    by_category = client.get(url, {"category__exact": "library"})
    by_district = client.get(url, {"district__id__exact": pois["school"].district_id})

    assert [poi.name for poi in found.context["cl"].result_list] == ["Kita Sonnenschein"]
    assert [poi.name for poi in by_category.context["cl"].result_list] == ["Stadtbibliothek"]
    assert sorted(poi.name for poi in by_district.context["cl"].result_list) == [
        "Grundschule West",
        "Kita Sonnenschein",
    ]


def test_the_admin_form_uses_the_platforms_map_widget_and_relocates_a_moved_place(client, pois):
    client.force_login(admin_user("superuser"))
    kita = pois["kita"]
    url = reverse("admin:districts_pointofinterest_change", args=[kita.pk])
    assert "/static/maps/vendor/ol/ol.js" in client.get(url).content.decode()

    response = client.post(
        url,
        {
            "city": kita.city_id,
            "name": kita.name,
            "category": kita.category,
            "address": kita.address,
            "operator": kita.operator,
            "website": kita.website,
            "wheelchair": kita.wheelchair,
            "location": "SRID=4326;POINT (10.815 52.425)",
            "osm_type": kita.osm_type,
            "osm_id": kita.osm_id,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    kita.refresh_from_db()
    assert (kita.district.slug, kita.quarter.name) == ("ost", "Ostend")


def test_poi_list_selector_orders_by_category_then_name(pois):
    assert [poi.name for poi in poi_list()] == ["Kita Sonnenschein", "Grundschule West", "Stadtbibliothek"]
    assert [poi.name for poi in poi_list(category="school", district_slug="west")] == ["Grundschule West"]
    assert District.objects.count() == 2 and Quarter.objects.count() == 2
