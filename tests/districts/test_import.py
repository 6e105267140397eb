"""The city import: GeoJSON files (or a manifest) → city, districts, quarters, streets, sources, departments."""

import json
import time
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.db import connection
from pyproj import Geod, Transformer

from districts.models import City, Department, District, GeoDataSource, Quarter, Street
from districts.selectors import current_city
from districts.services import (
    CityImportError,
    CitySpec,
    ErrorCode,
    LayerSpec,
    city_import,
    city_spec_from_manifest,
    departments_upsert,
)
from tests.conftest import WOLFSBURG_MANIFEST
from tests.districts.geojson_files import feature, polygon, ring, write_collection
from tests.factories import CITY_BBOX, EAST_BBOX, WEST_BBOX

pytestmark = pytest.mark.django_db

Bbox = tuple[float, float, float, float]


# --- GeoJSON helpers ---------------------------------------------------------------------------------------------


NORTH_WEST = (10.78, 52.42, 10.80, 52.43)
# Reaches 0.001° into the east district; it still lies in the west.
SOUTH_WEST = (10.78, 52.41, 10.801, 52.42)
NORTH_EAST = (10.80, 52.42, 10.82, 52.43)
SOUTH_EAST = (10.80, 52.41, 10.82, 52.42)


def district_features(east_bbox: Bbox = EAST_BBOX) -> list[dict]:
    return [
        feature(polygon(WEST_BBOX), name="West/Heide", typ="Ortsratsbereich"),
        feature(polygon(east_bbox), name="Ost", typ="Ortsratsbereich"),
    ]


def quarter_features() -> list[dict]:
    # Deliberately no hint at the district: it is found spatially.
    return [
        feature(polygon(NORTH_WEST), name="Nordwest", gdi_id=1, typ="Stadtteil"),
        feature(polygon(SOUTH_WEST), name="Südwest", gdi_id=2, typ="Stadtteil"),
        feature(polygon(NORTH_EAST), name="Nordost", gdi_id=3, typ="Ortsteil"),
        feature(polygon(SOUTH_EAST), name="Südost", gdi_id=4, typ="Ortsteil"),
    ]


def street_features() -> list[dict]:
    return [
        feature(
            {"type": "LineString", "coordinates": [[10.785, 52.425], [10.795, 52.425]]},
            name="Hauptstraße",
            osm_way_ids=[1, 2],
        ),
        feature(
            {"type": "MultiLineString", "coordinates": [[[10.805, 52.415], [10.815, 52.415]]]},
            name="Müllerweg",
            osm_way_ids=[3],
        ),
    ]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A small synthetic city: a 2 × 2 km square, two districts, four quarters, two streets."""
    write_collection(tmp_path / "boundary.geojson", [feature(polygon(CITY_BBOX), name="Teststadt")])
    write_collection(tmp_path / "districts.geojson", district_features())
    write_collection(tmp_path / "quarters.geojson", quarter_features())
    write_collection(
        tmp_path / "streets.geojson",
        street_features(),
        attribution="© OpenStreetMap contributors",
        license="ODbL-1.0",
    )
    return tmp_path


def make_spec(directory: Path, **overrides) -> CitySpec:
    values = {
        "name": "Teststadt",
        "slug": "teststadt",
        "official_id": "00000000",
        "boundary": LayerSpec(file=directory / "boundary.geojson"),
        "districts": LayerSpec(file=directory / "districts.geojson", kind_property="typ"),
        "quarters": LayerSpec(file=directory / "quarters.geojson", id_property="gdi_id", kind_property="typ"),
        "streets": LayerSpec(file=directory / "streets.geojson"),
        **overrides,
    }
    return CitySpec(**values)


def assert_nothing_written() -> None:
    assert City.objects.count() == 0
    assert District.objects.count() == 0
    assert Quarter.objects.count() == 0
    assert Street.objects.count() == 0
    assert GeoDataSource.objects.count() == 0


# --- a valid synthetic city --------------------------------------------------------------------------------------


def test_import_creates_city_districts_quarters_streets_and_sources(files):
    result = city_import(spec=make_spec(files))

    assert result.city.slug == "teststadt"
    assert result.city.official_id == "00000000"
    assert District.objects.count() == 2
    assert Quarter.objects.count() == 4
    assert Street.objects.count() == 2
    assert {layer: counts.created for layer, counts in result.layers.items()} == {
        "boundary": 1,
        "districts": 2,
        "quarters": 4,
        "streets": 2,
    }
    assert set(GeoDataSource.objects.values_list("layer", "feature_count")) == {
        ("boundary", 1),
        ("districts", 2),
        ("quarters", 4),
        ("streets", 2),
    }


def test_district_fields_come_from_the_configured_properties(files):
    city_import(spec=make_spec(files))

    west = District.objects.get(name="West/Heide")
    assert (west.slug, west.kind, west.official_id) == ("west-heide", "Ortsratsbereich", "")
    quarter = Quarter.objects.get(name="Südwest")
    assert (quarter.slug, quarter.official_id, quarter.kind) == ("suedwest", "2", "Stadtteil")


def test_quarters_are_assigned_to_the_district_they_lie_in(files):
    city_import(spec=make_spec(files))

    assignment = dict(Quarter.objects.values_list("name", "district__name"))
    assert assignment == {
        "Nordwest": "West/Heide",
        "Südwest": "West/Heide",  # overlaps the east district by a sliver
        "Nordost": "Ost",
        "Südost": "Ost",
    }


def test_areas_are_square_kilometres_measured_on_the_ground(files):
    # given the geodesic area of the west district (pyproj, independent of PostGIS)
    xmin, ymin, xmax, ymax = WEST_BBOX
    expected_km2 = (
        abs(Geod(ellps="GRS80").polygon_area_perimeter([xmin, xmax, xmax, xmin], [ymin, ymin, ymax, ymax])[0])
        / 1e6
    )

    # when
    city_import(spec=make_spec(files))

    # then: UTM 32N distorts areas here by well under 0.5 %
    west = District.objects.get(name="West/Heide")
    assert west.area_km2 == pytest.approx(expected_km2, rel=0.005)
    assert 2.5 < west.area_km2 < 3.5


def test_streets_get_search_name_quarter_and_multilinestring(files):
    city_import(spec=make_spec(files))

    main_street = Street.objects.get(name="Hauptstraße")
    assert main_street.search_name == "hauptstrasse"
    assert main_street.quarter.name == "Nordwest"
    assert main_street.geom.geom_type == "MultiLineString"
    assert main_street.official_id == ""
    assert Street.objects.get(name="Müllerweg").quarter.name == "Südost"


def test_sources_keep_the_collection_attribution_unless_overridden(files):
    spec = make_spec(files, boundary=LayerSpec(file=files / "boundary.geojson", attribution="© Stadt Test"))

    city_import(spec=spec)

    sources = {source.layer: source for source in GeoDataSource.objects.all()}
    assert sources["streets"].attribution == "© OpenStreetMap contributors"
    assert sources["streets"].license == "ODbL-1.0"
    assert sources["streets"].file_name == "streets.geojson"
    assert sources["boundary"].attribution == "© Stadt Test"
    assert sources["boundary"].license == "CC0-1.0"


def test_a_boundary_in_several_features_is_merged(files):
    halves = [feature(polygon(WEST_BBOX), name="West"), feature(polygon(EAST_BBOX), name="Ost")]
    write_collection(files / "boundary.geojson", halves)

    city = city_import(spec=make_spec(files)).city

    assert city.geom.geom_type == "MultiPolygon"
    assert city.geom.num_geom == 1
    assert city.geom.extent == pytest.approx(CITY_BBOX)


def test_an_empty_layer_is_refused(files):
    write_collection(files / "quarters.geojson", [])

    with pytest.raises(CityImportError) as raised:
        city_import(spec=make_spec(files))

    assert raised.value.code == ErrorCode.EMPTY_LAYER


def test_coordinates_in_epsg_25832_are_stored_as_lon_lat(files):
    # given the districts file in ETRS89 / UTM 32N with an old-style crs member
    to_utm = Transformer.from_crs(4326, 25832, always_xy=True)
    utm_features = []
    for name, bbox in (("West/Heide", WEST_BBOX), ("Ost", EAST_BBOX)):
        coordinates = [list(to_utm.transform(x, y)) for x, y in ring(bbox)]
        utm_features.append(
            feature({"type": "Polygon", "coordinates": [coordinates]}, name=name, typ="Ortsratsbereich")
        )
    write_collection(files / "districts.geojson", utm_features, crs="urn:ogc:def:crs:EPSG::25832")
    to_lon_lat = Transformer.from_crs(25832, 4326, always_xy=True)
    expected = [to_lon_lat.transform(x, y) for x, y in utm_features[0]["geometry"]["coordinates"][0]]

    # when
    city_import(spec=make_spec(files))

    # then
    west = District.objects.get(name="West/Heide")
    assert west.geom.srid == 4326
    stored = west.geom[0].exterior_ring.coords
    assert len(stored) == len(expected)
    for (lon, lat), (expected_lon, expected_lat) in zip(stored, expected, strict=True):
        assert lon == pytest.approx(expected_lon, abs=1e-7)
        assert lat == pytest.approx(expected_lat, abs=1e-7)
    assert stored[0] == pytest.approx((10.78, 52.41), abs=1e-7)


def test_an_explicit_epsg_4326_crs_keeps_lon_lat_order(files):
    # given the authority order of EPSG:4326 is lat/lon, but GeoJSON coordinates are lon/lat
    write_collection(files / "districts.geojson", district_features(), crs="urn:ogc:def:crs:EPSG::4326")

    city_import(spec=make_spec(files))

    assert District.objects.get(name="Ost").geom.extent == pytest.approx(EAST_BBOX)


def test_a_successful_import_forgets_the_cached_city(files, django_capture_on_commit_callbacks):
    # given an empty installation whose (absent) city is cached
    assert current_city() is None

    # when
    with django_capture_on_commit_callbacks(execute=True):
        city_import(spec=make_spec(files))

    # then
    assert current_city().slug == "teststadt"


# --- invalid input: a clear error and nothing written -----------------------------------------------------------


def test_a_self_intersecting_polygon_names_the_feature_and_writes_nothing(files):
    # given a bow tie as the second district
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[10.80, 52.41], [10.82, 52.43], [10.82, 52.41], [10.80, 52.43], [10.80, 52.41]]],
    }
    write_collection(files / "districts.geojson", [district_features()[0], feature(bow_tie, name="Schleife")])

    # when
    with pytest.raises(CityImportError) as raised:
        city_import(spec=make_spec(files))

    # then
    error = raised.value
    assert error.code == ErrorCode.INVALID_FEATURES
    assert [(problem.code, problem.index, problem.label) for problem in error.problems] == [
        (ErrorCode.INVALID_GEOMETRY, 1, "Schleife")
    ]
    assert "Ortsratsbereiche (districts.geojson), Objekt Nr. 2 (features[1]) „Schleife“" in error.message
    assert "Self-intersection" in error.message
    assert_nothing_written()


def test_a_point_in_the_districts_file_is_refused(files):
    features = [
        *district_features(),
        feature({"type": "Point", "coordinates": [10.81, 52.42]}, name="Rathaus"),
    ]
    write_collection(files / "districts.geojson", features)

    with pytest.raises(CityImportError) as raised:
        city_import(spec=make_spec(files))

    assert [(problem.code, problem.index) for problem in raised.value.problems] == [
        (ErrorCode.WRONG_GEOMETRY_TYPE, 2)
    ]
    assert "Point" in raised.value.message
    assert_nothing_written()


def test_a_feature_without_name_is_refused(files):
    features = quarter_features()
    features[2]["properties"]["name"] = ""
    write_collection(files / "quarters.geojson", features)

    with pytest.raises(CityImportError) as raised:
        city_import(spec=make_spec(files))

    problem = raised.value.problems[0]
    assert (problem.layer, problem.code, problem.index, problem.label) == (
        "quarters",
        ErrorCode.MISSING_NAME,
        2,
        "3",  # the gdi_id stands in for the missing name
    )
    assert_nothing_written()


def test_a_feature_without_geometry_is_refused(files):
    write_collection(files / "streets.geojson", [*street_features(), feature(None, name="Luftweg")])

    with pytest.raises(CityImportError) as raised:
        city_import(spec=make_spec(files))

    assert raised.value.problems[0].code == ErrorCode.MISSING_GEOMETRY
    assert_nothing_written()


def test_projected_coordinates_without_crs_are_refused(files):
    square = {"type": "Polygon", "coordinates": [ring((620000, 5808000, 622000, 5810000))]}
    write_collection(files / "boundary.geojson", [feature(square, name="Teststadt")])

    with pytest.raises(CityImportError) as raised:
        city_import(spec=make_spec(files))

    assert raised.value.problems[0].code == ErrorCode.OUT_OF_RANGE


def test_two_features_with_the_same_official_id_are_refused(files):
    features = quarter_features()
    features[3]["properties"]["gdi_id"] = 1
    write_collection(files / "quarters.geojson", features)

    with pytest.raises(CityImportError) as raised:
        city_import(spec=make_spec(files))

    assert [(problem.code, problem.label) for problem in raised.value.problems] == [
        (ErrorCode.DUPLICATE_KEY, "Südost")
    ]


def test_a_quarter_outside_every_district_is_refused_and_rolled_back(files):
    features = [*quarter_features(), feature(polygon((11.0, 52.0, 11.01, 52.01)), name="Irgendwo", gdi_id=9)]
    write_collection(files / "quarters.geojson", features)

    with pytest.raises(CityImportError) as raised:
        city_import(spec=make_spec(files))

    assert raised.value.problems[0].code == ErrorCode.NO_DISTRICT
    assert_nothing_written()


def test_a_missing_attribution_is_refused(files):
    write_collection(files / "districts.geojson", district_features(), attribution="")

    with pytest.raises(CityImportError) as raised:
        city_import(spec=make_spec(files))

    assert raised.value.code == ErrorCode.ATTRIBUTION_MISSING


def test_a_configured_property_missing_from_the_file_is_refused(files):
    spec = make_spec(files, quarters=LayerSpec(file=files / "quarters.geojson", id_property="schluessel"))

    with pytest.raises(CityImportError) as raised:
        city_import(spec=spec)

    assert raised.value.code == ErrorCode.PROPERTY_MISSING
    assert "schluessel" in raised.value.message


def test_a_list_property_as_identifier_is_refused(files):
    spec = make_spec(files, streets=LayerSpec(file=files / "streets.geojson", id_property="osm_way_ids"))

    with pytest.raises(CityImportError) as raised:
        city_import(spec=spec)

    assert raised.value.code == ErrorCode.PROPERTY_INVALID


def test_a_missing_file_is_refused(files):
    with pytest.raises(CityImportError) as raised:
        city_import(spec=make_spec(files, quarters=LayerSpec(file=files / "fehlt.geojson")))

    assert raised.value.code == ErrorCode.FILE_NOT_FOUND


# --- re-runs -------------------------------------------------------------------------------------------------------


def test_a_second_run_changes_nothing_and_says_so(files):
    # given
    city_import(spec=make_spec(files))
    first_ids = set(District.objects.values_list("pk", flat=True))

    # when
    result = city_import(spec=make_spec(files))

    # then
    assert set(District.objects.values_list("pk", flat=True)) == first_ids
    assert (District.objects.count(), Quarter.objects.count(), Street.objects.count()) == (2, 4, 2)
    assert GeoDataSource.objects.count() == 4
    for layer in ("boundary", "districts", "quarters"):
        counts = result.layers[layer]
        assert (counts.created, counts.updated, counts.unchanged) == (0, 0, counts.read), layer
    assert (result.layers["streets"].deleted, result.layers["streets"].created) == (2, 2)


def test_a_changed_geometry_updates_the_district(files):
    # given
    city_import(spec=make_spec(files))
    wider_east = (10.80, 52.41, 10.83, 52.43)
    write_collection(files / "districts.geojson", district_features(east_bbox=wider_east))

    # when
    result = city_import(spec=make_spec(files))

    # then
    counts = result.layers["districts"]
    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 1)
    east = District.objects.get(name="Ost")
    assert east.geom.extent == pytest.approx(wider_east)
    assert east.area_km2 == pytest.approx(1.5 * District.objects.get(name="West/Heide").area_km2, rel=0.01)


def test_a_renamed_quarter_is_matched_by_its_official_id(files):
    city_import(spec=make_spec(files))
    features = quarter_features()
    features[0]["properties"]["name"] = "Nordwestend"
    write_collection(files / "quarters.geojson", features)

    result = city_import(spec=make_spec(files))

    assert result.layers["quarters"].updated == 1
    assert Quarter.objects.get(official_id="1").name == "Nordwestend"
    assert Quarter.objects.count() == 4


def test_a_district_missing_from_the_file_is_kept_with_a_warning(files):
    city_import(spec=make_spec(files))
    write_collection(files / "districts.geojson", district_features()[:1])
    write_collection(files / "quarters.geojson", quarter_features()[:2])

    result = city_import(spec=make_spec(files))

    assert District.objects.filter(name="Ost").exists()
    assert result.layers["districts"].kept == ["Ost"]
    assert any("Ost" in warning and "--prune" in warning for warning in result.warnings)


def test_prune_deletes_districts_and_quarters_missing_from_the_file(files):
    city_import(spec=make_spec(files))
    write_collection(files / "districts.geojson", district_features()[:1])
    write_collection(files / "quarters.geojson", quarter_features()[:2])

    result = city_import(spec=make_spec(files), prune=True)

    assert list(District.objects.values_list("name", flat=True)) == ["West/Heide"]
    assert Quarter.objects.count() == 2
    assert (result.layers["districts"].deleted, result.layers["quarters"].deleted) == (1, 2)


def test_a_second_different_city_is_refused(files):
    # given
    city_import(spec=make_spec(files))

    # when
    with pytest.raises(CityImportError) as raised:
        city_import(spec=make_spec(files, name="Anderstadt", slug="anderstadt"))

    # then
    assert raised.value.code == ErrorCode.OTHER_CITY
    assert list(City.objects.values_list("slug", flat=True)) == ["teststadt"]


# --- manifest ------------------------------------------------------------------------------------------------------


def write_manifest(directory: Path, **overrides) -> Path:
    manifest = {
        "name": "Teststadt",
        "slug": "teststadt",
        "official_id": "00000000",
        "layers": {
            "boundary": {"file": "boundary.geojson"},
            "districts": {"file": "districts.geojson", "kind_property": "typ"},
            "quarters": {"file": "quarters.geojson", "id_property": "gdi_id", "kind_property": "typ"},
            "streets": {"file": "streets.geojson", "attribution": "OSM"},
        },
        **overrides,
    }
    path = directory / "city.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path


def test_a_manifest_resolves_files_relative_to_itself(files):
    spec = city_spec_from_manifest(path=write_manifest(files))

    assert spec.quarters == LayerSpec(
        file=files / "quarters.geojson", id_property="gdi_id", kind_property="typ"
    )
    assert spec.streets.attribution == "OSM"
    assert spec.departments_file is None


def test_a_manifest_with_an_unknown_key_is_refused(files):
    path = write_manifest(files, layers={"boundary": {"file": "b.geojson", "id_propery": "x"}})

    with pytest.raises(CityImportError) as raised:
        city_spec_from_manifest(path=path)

    assert raised.value.code == ErrorCode.MANIFEST_INVALID
    assert "layers.boundary.id_propery" in raised.value.message


def test_a_manifest_without_districts_is_refused(files):
    path = write_manifest(files, layers={"boundary": {"file": "b.geojson"}})

    with pytest.raises(CityImportError) as raised:
        city_spec_from_manifest(path=path)

    assert raised.value.code == ErrorCode.MANIFEST_INVALID
    assert "layers.districts" in raised.value.message


def test_a_manifest_that_is_no_json_is_refused(tmp_path):
    path = tmp_path / "city.json"
    path.write_text("{name: Teststadt}", encoding="utf-8")

    with pytest.raises(CityImportError) as raised:
        city_spec_from_manifest(path=path)

    assert raised.value.code == ErrorCode.MANIFEST_INVALID


# --- departments ---------------------------------------------------------------------------------------------------


def department(slug: str, **values) -> dict:
    return {"name": slug.title(), "slug": slug, "kind": "department", "is_sample": True, **values}


def test_departments_are_created_with_the_sample_flag():
    counts = departments_upsert(entries=[department("annahme", kind="triage"), department("gruen")])

    assert counts.created == 2
    assert Department.objects.get(slug="annahme").kind == Department.Kind.TRIAGE
    assert all(Department.objects.values_list("is_sample", flat=True))


def test_departments_are_updated_by_slug():
    departments_upsert(entries=[department("gruen", description="Bäume")])

    counts = departments_upsert(entries=[department("gruen", description="Bäume und Spielplätze")])

    assert (counts.created, counts.updated) == (0, 1)
    assert Department.objects.get().description == "Bäume und Spielplätze"


def test_unchanged_departments_are_reported_unchanged():
    entries = [department("annahme", kind="triage"), department("gruen")]
    departments_upsert(entries=entries)

    counts = departments_upsert(entries=entries)

    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 2)


def test_a_second_triage_department_is_refused():
    departments_upsert(entries=[department("annahme", kind="triage")])

    with pytest.raises(CityImportError) as raised:
        departments_upsert(entries=[department("zweite-annahme", kind="triage")])

    assert raised.value.code == ErrorCode.DEPARTMENTS_INVALID
    assert "zweite-annahme" in raised.value.message
    assert Department.objects.filter(kind="triage").count() == 1


def test_a_department_without_slug_is_refused():
    with pytest.raises(CityImportError) as raised:
        departments_upsert(entries=[{"name": "Ohne Kurzname"}])

    assert raised.value.code == ErrorCode.DEPARTMENTS_INVALID


# --- the management command -------------------------------------------------------------------------------------


def test_the_command_reports_progress_per_layer(files):
    out = StringIO()

    call_command("import_city", str(write_manifest(files)), stdout=out)

    output = out.getvalue()
    assert "Stadtgrenze: 1 gelesen, 1 neu, 0 geändert, 0 unverändert" in output
    assert "Ortsratsbereiche: 2 gelesen, 2 neu, 0 geändert, 0 unverändert" in output
    assert "Stadtteile: 4 gelesen, 4 neu, 0 geändert, 0 unverändert" in output
    assert "Straßen: 2 gelesen, 2 neu angelegt" in output


def test_the_command_accepts_files_without_manifest(files):
    call_command(
        "import_city",
        "--name=Teststadt",
        "--slug=teststadt",
        f"--boundary={files / 'boundary.geojson'}",
        f"--districts={files / 'districts.geojson'}",
        f"--quarters={files / 'quarters.geojson'}",
        "--quarter-id-property=gdi_id",
        stdout=StringIO(),
    )

    assert Quarter.objects.filter(official_id="4", district__name="Ost").exists()
    assert Street.objects.count() == 0


def test_the_command_turns_an_import_error_into_a_command_error(files):
    write_collection(
        files / "districts.geojson",
        [feature({"type": "Point", "coordinates": [10.8, 52.4]}, name="X", typ="Ortsratsbereich")],
    )

    with pytest.raises(CommandError, match=r"Ortsratsbereiche \(districts.geojson\), Objekt Nr. 1"):
        call_command("import_city", str(write_manifest(files)), stdout=StringIO())


# --- the shipped Wolfsburg data ------------------------------------------------------------------------------------


def test_the_shipped_wolfsburg_manifest_imports_completely():
    # given
    spec = city_spec_from_manifest(path=WOLFSBURG_MANIFEST)

    # when
    started = time.perf_counter()
    result = city_import(spec=spec)
    elapsed = time.perf_counter() - started
    print(f"\nWolfsburg import: {elapsed:.2f} s")  # reported once, not asserted

    # then
    city = result.city
    assert (city.name, city.slug, city.official_id) == ("Wolfsburg", "wolfsburg", "03103000")
    assert District.objects.filter(city=city).count() == 17
    assert Quarter.objects.filter(district__city=city).count() == 42
    assert Street.objects.filter(city=city).count() == 1372
    assert result.city_area_km2 == pytest.approx(204.5, rel=0.01)
    assert result.warnings == []


def test_shipped_wolfsburg_lies_where_wolfsburg_is(wolfsburg):
    town_hall = Point(10.7865, 52.4227, srid=4326)  # Rathaus, Porschestraße

    assert wolfsburg.geom.contains(town_hall)
    assert District.objects.get(geom__contains=town_hall).name == "Stadtmitte"
    xmin, ymin, xmax, ymax = wolfsburg.geom.extent
    assert 10.6 < xmin < xmax < 11.0
    assert 52.3 < ymin < ymax < 52.55


def test_shipped_wolfsburg_quarters_lie_in_their_ortsrat(wolfsburg):
    # The file's own Ortsrat column is not used by the import; it serves here as an independent check.
    features = json.loads((WOLFSBURG_MANIFEST.parent / "quarters.geojson").read_text(encoding="utf-8"))[
        "features"
    ]
    expected = {item["properties"]["name"]: item["properties"]["ortsratsbereich"] for item in features}
    expected["Volkswagenwerk"] = (
        "Volkswagenwerk"  # no Ortsrat in the source: the Sonderbezirk is its own district
    )

    assert dict(Quarter.objects.values_list("name", "district__name")) == expected


def test_shipped_wolfsburg_streets_are_searchable_and_located(wolfsburg):
    streets = Street.objects.filter(city=wolfsburg)

    assert not streets.filter(search_name="").exists()
    assert streets.filter(quarter__isnull=False).count() >= 1300
    assert streets.filter(search_name="porschestrasse").exists()


def test_shipped_wolfsburg_departments_are_samples_with_one_triage(wolfsburg):
    assert Department.objects.count() >= 8
    assert not Department.objects.filter(is_sample=False).exists()
    assert Department.objects.get(kind=Department.Kind.TRIAGE).name == "Zentrale Annahmestelle Mängelmelder"
    assert not Department.objects.exclude(email="").exists()


def test_shipped_wolfsburg_boundary_area_in_postgis(wolfsburg):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Area(ST_Transform(geom, 25832)) / 1e6 FROM districts_city WHERE id = %s",
            [wolfsburg.pk],
        )
        (area_km2,) = cursor.fetchone()

    assert area_km2 == pytest.approx(204.47, rel=0.01)
    assert sum(District.objects.values_list("area_km2", flat=True)) == pytest.approx(area_km2, rel=0.01)
