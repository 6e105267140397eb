"""An installation for another city: files in EPSG:25832 alone set it up, and lookups and maps then work."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from pyproj import Transformer

from tests.districts.geojson_files import feature, ring, write_collection

pytestmark = pytest.mark.django_db

# "Musterstadt": a fictional 4 km × 2 km city in Bavaria, far from Wolfsburg, with two districts.
CITY = (11.50, 48.10, 11.56, 48.12)
NORDHEIM = (11.50, 48.10, 11.53, 48.12)
SUEDHAUSEN = (11.53, 48.10, 11.56, 48.12)
TO_UTM = Transformer.from_crs(4326, 25832, always_xy=True)


def utm_polygon(bbox):
    return {"type": "Polygon", "coordinates": [[list(TO_UTM.transform(x, y)) for x, y in ring(bbox)]]}


@pytest.fixture
def musterstadt(tmp_path):
    crs = "urn:ogc:def:crs:EPSG::25832"
    write_collection(tmp_path / "grenze.geojson", [feature(utm_polygon(CITY), NAME="Musterstadt")], crs=crs)
    write_collection(
        tmp_path / "bezirke.geojson",
        [
            feature(utm_polygon(NORDHEIM), NAME="Nordheim", BEZ_ID="01"),
            feature(utm_polygon(SUEDHAUSEN), NAME="Südhausen", BEZ_ID="02"),
        ],
        crs=crs,
    )
    write_collection(
        tmp_path / "viertel.geojson",
        [
            feature(utm_polygon(NORDHEIM), NAME="Altstadt", BEZ_ID="011"),
            feature(utm_polygon(SUEDHAUSEN), NAME="Neustadt", BEZ_ID="021"),
        ],
        crs=crs,
    )
    call_command(
        "import_city",
        "--name=Musterstadt",
        "--slug=musterstadt",
        f"--boundary={tmp_path / 'grenze.geojson'}",
        f"--districts={tmp_path / 'bezirke.geojson'}",
        f"--quarters={tmp_path / 'viertel.geojson'}",
        "--name-property=NAME",
        "--district-id-property=BEZ_ID",
        "--quarter-id-property=BEZ_ID",
        stdout=StringIO(),
    )


def test_point_lookup_finds_the_other_citys_district(musterstadt, client):
    response = client.get(reverse("api:locate"), {"lon": "11.545", "lat": "48.11"})

    assert response.status_code == 200
    assert response.json()["district"]["name"] == "Südhausen"
    assert response.json()["quarter"]["name"] == "Neustadt"


def test_a_wolfsburg_point_is_outside_the_other_city(musterstadt, client):
    response = client.get(reverse("api:locate"), {"lon": "10.7865", "lat": "52.4227"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "outside_area"


def test_the_district_map_shows_the_other_citys_districts(musterstadt, client):
    page = client.get(reverse("districts:map")).content.decode()
    features = client.get(
        reverse("api:map-layer-features", kwargs={"name": "districts"}), {"bbox": "11.4,48.0,11.6,48.2"}
    ).json()

    assert "Nordheim" in page
    assert "Südhausen" in page
    assert "Musterstadt" in page
    assert sorted(f["properties"]["name"] for f in features["features"]) == ["Nordheim", "Südhausen"]
