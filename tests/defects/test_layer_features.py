"""The "reports" map layer's GeoJSON, built in PostGIS: the same features as ``ReportFeatureSerializer`` writes."""

import datetime
import io
import json

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from defects.api.serializers import ReportFeatureSerializer
from defects.layers import REPORTS_LAYER
from defects.models import Report, ReportPhoto, StatusLabel, Subscription
from defects.selectors import report_public_queryset
from geo_core.parsing import parse_bbox
from geo_core.srid import STORAGE_SRID
from maps import selectors
from tests.defects.conftest import public_report
from tests.defects.factories import SubscriptionFactory

BBOX = "10.70,52.30,10.95,52.50"
BERLIN = datetime.timezone(datetime.timedelta(hours=1))


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (255, 0, 0)).save(buffer, format="PNG")
    return SimpleUploadedFile("foto.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def varied_reports(category, west, east):
    """Reports that differ in everything the serializer writes differently."""
    with_counts = public_report(category, west, description='Ein „Loch“ \\ mit "Zeichen"\nund Zeilen')
    ReportPhoto.objects.create(report=with_counts, image=_png())
    ReportPhoto.objects.create(report=with_counts, image=_png(), is_public=False)
    SubscriptionFactory(report=with_counts)
    SubscriptionFactory(report=with_counts, confirmed_at=None)
    SubscriptionFactory(report=with_counts, role=Subscription.Role.REPORTER)
    resolved = public_report(category, west, status="resolved", resolved_at=timezone.now())
    # Winter time, and a time without microseconds (isoformat leaves them out).
    Report.objects.filter(pk=resolved.pk).update(
        created_at=datetime.datetime(2025, 1, 15, 8, 30, tzinfo=BERLIN)
    )
    without_quarter = public_report(
        category, east, quarter=None, location=Point(10.85, 52.45, srid=STORAGE_SRID)
    )
    StatusLabel.objects.create(status="resolved", label="erledigt – danke!")
    return [with_counts, resolved, without_quarter]


def test_the_layers_features_are_those_the_report_serializer_writes(client, varied_reports):
    # when: the same reports through the map layer (PostGIS) and through the report API (DRF-GIS)
    layer = client.get(reverse("api:map-layer-features", kwargs={"name": "reports"}), {"bbox": BBOX}).json()
    api = client.get(reverse("api:report-list"), {"bbox": BBOX}).json()

    # then: feature by feature the same, keys in the same order
    by_id = {feature["id"]: feature for feature in api["features"]}
    assert {feature["id"] for feature in layer["features"]} == set(by_id) == {r.pk for r in varied_reports}
    for feature in layer["features"]:
        assert feature == by_id[feature["id"]]
        assert list(feature) == list(by_id[feature["id"]])
        assert list(feature["properties"]) == list(by_id[feature["id"]]["properties"])


def test_the_layers_features_count_public_photos_and_confirmed_supporters(client, varied_reports):
    layer = client.get(reverse("api:map-layer-features", kwargs={"name": "reports"}), {"bbox": BBOX}).json()

    properties = {feature["id"]: feature["properties"] for feature in layer["features"]}[varied_reports[0].pk]
    assert (properties["photo_count"], properties["supporters_count"]) == (1, 1)


def test_a_page_of_the_report_layer_is_one_query(client, varied_reports, django_assert_max_num_queries):
    client.get(reverse("api:map-layer-features", kwargs={"name": "reports"}), {"bbox": BBOX})  # labels cached

    with django_assert_max_num_queries(1):
        response = client.get(reverse("api:map-layer-features", kwargs={"name": "reports"}), {"bbox": BBOX})

    assert len(response.json()["features"]) == 3


def test_a_tile_of_the_report_layer_reads_no_filter_choices(
    client, varied_reports, django_assert_num_queries
):
    # The filter form validates the values given; without any, it reads nothing.
    with django_assert_num_queries(1):
        response = client.get(
            reverse("api:map-layer-tile", kwargs={"name": "reports", "z": 14, "x": 8683, "y": 5380})
        )

    assert response.status_code == 200


def test_the_layers_status_labels_follow_the_language_as_the_serializers_do(varied_reports):
    StatusLabel.objects.filter(status="resolved").update(label_en="done – thank you!")
    StatusLabel.objects.create(status="open", label="", label_en="")  # an empty wording falls back

    with translation.override("en"):
        text, _more = selectors.layer_features_geojson(
            REPORTS_LAYER, selectors.layer_features(REPORTS_LAYER, bbox=parse_bbox(BBOX)), offset=0, limit=10
        )
        serialized = ReportFeatureSerializer(report_public_queryset(), many=True).data["features"]

    labels = {feature["id"]: feature["properties"]["status_label"] for feature in json.loads(text)}
    assert labels == {feature["id"]: feature["properties"]["status_label"] for feature in serialized}
    assert labels[varied_reports[1].pk] == "done – thank you!"
