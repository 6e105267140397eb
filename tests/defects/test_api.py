"""The Mängelmelder API: categories, public reports as GeoJSON, creating a report, errors, privacy, throttling."""

from __future__ import annotations

import datetime
import io
import json
import re
import struct
import uuid
import zlib
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from defects import services
from defects.errors import ReportErrorCode
from defects.models import Report, ReportEvent, ReportPhoto, ReportStatus
from geo_core.srid import STORAGE_SRID
from tests.defects.factories import (
    EAST_POINT,
    WEST_POINT,
    CategoryFactory,
    CategoryQuestionFactory,
    ReportEventFactory,
    ReportFactory,
    ResponsibilityFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
LIST_URL = "api:report-list"

# Distinctive personal data: no response body may ever contain any of these.
SECRET_NAME = "Quirinius Zwackelmann"
SECRET_EMAIL = "zwackelmann.geheim@example.org"
SECRET_PHONE = "0531 987654321"


# --- helpers -----------------------------------------------------------------------------------------------------


def _validation_errors(response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    return [(error["code"], error["attr"]) for error in body["errors"]]


def _jpeg(*, size=(64, 48), with_gps: bool = True) -> bytes:
    """Return a real JPEG; with a GPS position and a camera name in its EXIF data."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Testkamera"
    if with_gps:
        exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 25.0, 12.0), 3: "E", 4: (10.0, 47.0, 24.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_bomb(*, width: int = 30_000, height: int = 30_000) -> bytes:
    """Return a tiny PNG file that claims 900 megapixels: decoding it would exhaust memory."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _png_chunk(b"IEND", b"")
    )


def _upload(content: bytes, name: str = "foto.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def category(city, triage, department):
    """Routed citywide to ``department`` (``triage`` and ``department`` from tests/defects/conftest.py)."""
    category = CategoryFactory(name="Schlagloch", slug="schlagloch", icon="pothole", description="Löcher")
    ResponsibilityFactory(category=category, department=department)
    return category


def _payload(category, /, **overrides) -> dict:
    payload = {
        "category": category.slug,
        "lon": WEST_POINT[0],
        "lat": WEST_POINT[1],
        "description": "Tiefes Schlagloch vor Hausnummer 12.",
        "answers": {},
        "reporter": {"name": SECRET_NAME, "email": SECRET_EMAIL, "phone": SECRET_PHONE},
        "privacy_consent": True,
        "submission_key": str(uuid.uuid4()),
    }
    payload.update(overrides)
    return payload


def _post_json(client, payload, **extra):
    return client.post(reverse(LIST_URL), data=json.dumps(payload), content_type="application/json", **extra)


def _form(category, /, **overrides) -> dict:
    form = {
        "category": category.slug,
        "lon": str(WEST_POINT[0]).replace(".", ","),
        "lat": str(WEST_POINT[1]),
        "description": "Laterne flackert",
        "answers": "{}",
        "reporter.name": SECRET_NAME,
        "reporter.email": SECRET_EMAIL,
        "reporter.phone": SECRET_PHONE,
        "privacy_consent": "true",
        "submission_key": str(uuid.uuid4()),
    }
    form.update(overrides)
    return form


def _post_form(client, form):
    # The test client encodes a dict with files as multipart/form-data; a list value repeats the field.
    return client.post(reverse(LIST_URL), data=form)


def _created_report(response) -> Report:
    assert response.status_code == 201, response.content
    return Report.objects.get(pk=response.json()["id"])


def _features(response) -> list[dict]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return body["features"]


def _ids(response) -> list[int]:
    return [feature["id"] for feature in _features(response)]


def _assert_nothing_saved():
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0
    assert ReportEvent.objects.count() == 0


# --- GET /categories/ --------------------------------------------------------------------------------------------


def test_categories_list_active_categories_with_their_questions(client, category):
    # given
    CategoryQuestionFactory(
        category=category,
        key="fahrbahn",
        label="Auf der Fahrbahn?",
        help_text="Nicht auf dem Gehweg",
        required=True,
    )
    CategoryQuestionFactory(
        category=category, key="groesse", label="Wie groß?", kind="single_choice", choices=["klein", "groß"]
    )
    CategoryFactory(name="Alt", slug="alt", is_active=False)
    # when
    response = client.get(reverse("api:category-list"))
    # then
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": category.pk,
            "slug": "schlagloch",
            "name": "Schlagloch",
            "group": {"name": "Straße und Verkehr", "slug": category.group.slug},
            "icon": "pothole",
            "description": "Löcher",
            "duplicate_radius_m": 50,
            "target_days": 10,
            "questions": [
                {
                    "key": "fahrbahn",
                    "label": "Auf der Fahrbahn?",
                    "help_text": "Nicht auf dem Gehweg",
                    "kind": "yes_no",
                    "choices": [],
                    "required": True,
                },
                {
                    "key": "groesse",
                    "label": "Wie groß?",
                    "help_text": "",
                    "kind": "single_choice",
                    "choices": ["klein", "groß"],
                    "required": False,
                },
            ],
        }
    ]


# --- GET /reports/ -----------------------------------------------------------------------------------------------


def test_report_list_is_a_geojson_feature_collection_of_public_fields(client, city, category):
    # given
    district = city.districts.get(slug="west")
    report = ReportFactory(category=category, district=district, quarter=district.quarters.get())
    # when
    response = client.get(reverse(LIST_URL))
    # then
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    feature = body["features"][0]
    assert feature["type"] == "Feature"
    assert feature["id"] == report.pk
    assert feature["geometry"] == {"type": "Point", "coordinates": list(WEST_POINT)}
    properties = feature["properties"]
    assert set(properties) == {
        "category",
        "category_name",
        "status",
        "status_label",
        "district",
        "district_name",
        "quarter_name",
        "address_label",
        "description",
        "created_at",
        "updated_at",
        "confirmed_at",
        "resolved_at",
        "photo_count",
        "supporters_count",
        "url",
    }
    assert properties["category"] == "schlagloch"
    assert properties["category_name"] == "Schlagloch"
    assert (properties["status"], properties["status_label"]) == ("open", "offen")
    assert (properties["district"], properties["district_name"]) == ("west", "West")
    assert properties["quarter_name"] == "Westend"
    assert (properties["photo_count"], properties["supporters_count"]) == (0, 0)
    assert properties["url"] == f"http://testserver/maengelmelder/meldungen/{report.pk}/"


def test_report_list_counts_public_photos_and_confirmed_supporters_in_constant_queries(
    client, city, category, django_assert_max_num_queries
):
    # given
    west = city.districts.get(slug="west")
    reports = [ReportFactory(category=category, district=west) for _ in range(4)]
    for report in reports:
        ReportPhoto.objects.create(report=report, image=_upload(_jpeg(with_gps=False)), position=0)
        ReportPhoto.objects.create(
            report=report, image=_upload(_jpeg(with_gps=False)), position=1, is_public=False
        )
    SubscriptionFactory(report=reports[0])
    SubscriptionFactory(report=reports[0], confirmed_at=None)
    # when: count, page, status labels, photo counts, supporter counts
    with django_assert_max_num_queries(5):
        response = client.get(reverse(LIST_URL))
    # then
    counts = {
        f["id"]: (f["properties"]["photo_count"], f["properties"]["supporters_count"])
        for f in _features(response)
    }
    assert counts == {reports[0].pk: (1, 1), **{report.pk: (1, 0) for report in reports[1:]}}


def test_report_list_leaves_out_unconfirmed_and_withdrawn_reports(client, city, category):
    # given
    west = city.districts.get(slug="west")
    public = ReportFactory(category=category, district=west)
    ReportFactory(category=category, district=west, status=ReportStatus.UNCONFIRMED, confirmed_at=None)
    ReportFactory(
        category=category,
        district=west,
        status=ReportStatus.CLOSED,
        withdrawn_at=datetime.datetime.now(BERLIN),
    )
    # when / then
    assert _ids(client.get(reverse(LIST_URL))) == [public.pk]


def test_report_list_is_newest_first_and_paginated(client, city, category):
    # given
    west = city.districts.get(slug="west")
    reports = [ReportFactory(category=category, district=west) for _ in range(3)]
    # when
    first = client.get(reverse(LIST_URL), {"page_size": 2}).json()
    second = client.get(reverse(LIST_URL), {"page_size": 2, "page": 2}).json()
    # then
    assert first["count"] == 3
    assert [f["id"] for f in first["features"]] == [reports[2].pk, reports[1].pk]
    assert "page=2" in first["next"]
    assert [f["id"] for f in second["features"]] == [reports[0].pk]
    assert second["next"] is None


def test_report_list_filtered_by_bbox(client, city, category):
    # given
    west, east = city.districts.get(slug="west"), city.districts.get(slug="ost")
    ReportFactory(category=category, district=west)
    in_east = ReportFactory(category=category, district=east, location=Point(*EAST_POINT, srid=STORAGE_SRID))
    # when / then
    assert _ids(client.get(reverse(LIST_URL), {"bbox": "10.805,52.415,10.815,52.425"})) == [in_east.pk]


def test_report_list_filtered_by_district(client, city, category):
    west, east = city.districts.get(slug="west"), city.districts.get(slug="ost")
    ReportFactory(category=category, district=west)
    in_east = ReportFactory(category=category, district=east, location=Point(*EAST_POINT, srid=STORAGE_SRID))
    assert _ids(client.get(reverse(LIST_URL), {"district": "ost"})) == [in_east.pk]


def test_report_list_filtered_by_categories_repeated_or_comma_separated(client, city, category):
    # given
    west = city.districts.get(slug="west")
    light = CategoryFactory(name="Laterne", slug="laterne")
    litter = CategoryFactory(name="Müll", slug="muell")
    in_pothole = ReportFactory(category=category, district=west)
    in_light = ReportFactory(category=light, district=west)
    ReportFactory(category=litter, district=west)
    # when / then
    assert _ids(client.get(reverse(LIST_URL), {"category": "laterne"})) == [in_light.pk]
    expected = [in_light.pk, in_pothole.pk]
    assert _ids(client.get(reverse(LIST_URL), {"category": ["schlagloch", "laterne"]})) == expected
    assert _ids(client.get(reverse(LIST_URL), {"category": "schlagloch,laterne"})) == expected


def test_report_list_filtered_by_statuses(client, city, category):
    # given
    west = city.districts.get(slug="west")
    open_report = ReportFactory(category=category, district=west)
    in_progress = ReportFactory(category=category, district=west, status=ReportStatus.IN_PROGRESS)
    ReportFactory(category=category, district=west, status=ReportStatus.RESOLVED)
    # when / then
    assert _ids(client.get(reverse(LIST_URL), {"status": "in_progress"})) == [in_progress.pk]
    expected = [in_progress.pk, open_report.pk]
    assert _ids(client.get(reverse(LIST_URL), {"status": "open,in_progress"})) == expected
    assert _ids(client.get(reverse(LIST_URL), {"status": ["open", "in_progress"]})) == expected


def test_report_list_filtered_by_creation_days_in_berlin(client, city, category):
    # given: 23:30 in Berlin on 1 May is 21:30 UTC, still 1 May; 00:30 on 3 May is 22:30 UTC on 2 May
    west = city.districts.get(slug="west")
    late_first = ReportFactory(category=category, district=west)
    early_third = ReportFactory(category=category, district=west)
    Report.objects.filter(pk=late_first.pk).update(
        created_at=datetime.datetime(2025, 5, 1, 23, 30, tzinfo=BERLIN)
    )
    Report.objects.filter(pk=early_third.pk).update(
        created_at=datetime.datetime(2025, 5, 3, 0, 30, tzinfo=BERLIN)
    )
    # when / then
    assert _ids(client.get(reverse(LIST_URL), {"created_to": "2025-05-01"})) == [late_first.pk]
    assert _ids(client.get(reverse(LIST_URL), {"created_from": "2025-05-02"})) == [early_third.pk]
    assert (
        _ids(client.get(reverse(LIST_URL), {"created_from": "2025-05-02", "created_to": "2025-05-02"})) == []
    )
    both = {"created_from": "2025-05-01", "created_to": "2025-05-03"}
    assert _ids(client.get(reverse(LIST_URL), both)) == [early_third.pk, late_first.pk]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"bbox": "10.8,52.4,10.9"}, [("bbox_malformed", "bbox")]),
        ({"bbox": "10.9,52.4,10.8,52.5"}, [("bbox_inverted", "bbox")]),
        ({"category": "gibtsnicht"}, [("unknown_category", "category")]),
        ({"category": "schlagloch,gibtsnicht"}, [("unknown_category", "category")]),
        ({"status": "kaputt"}, [("unknown_status", "status")]),
        ({"status": "unconfirmed"}, [("unknown_status", "status")]),
        ({"district": "nirgendwo"}, [("unknown_district", "district")]),
        ({"created_from": "01.05.2025"}, [("invalid_date", "created_from")]),
        ({"created_to": "2025-02-30"}, [("invalid_date", "created_to")]),
        ({"created_from": "2025-05-02", "created_to": "2025-05-01"}, [("date_range_inverted", "created_to")]),
    ],
)
def test_report_list_refuses_bad_filters_with_specific_codes(client, category, params, expected):
    assert _validation_errors(client.get(reverse(LIST_URL), params)) == expected


def test_report_list_reports_every_bad_filter_at_once(client, category):
    response = client.get(reverse(LIST_URL), {"status": "kaputt", "district": "nirgendwo", "bbox": "x"})
    assert sorted(_validation_errors(response)) == [
        ("bbox_malformed", "bbox"),
        ("unknown_district", "district"),
        ("unknown_status", "status"),
    ]


# --- GET /reports/<id>/ ------------------------------------------------------------------------------------------


def test_report_detail_is_a_feature_with_public_history_and_photos(client, city, category):
    # given
    report = ReportFactory(category=category, district=city.districts.get(slug="west"))
    ReportEventFactory(
        report=report,
        kind=ReportEvent.Kind.STATUS_CHANGED,
        from_status=ReportStatus.OPEN,
        to_status=ReportStatus.IN_PROGRESS,
        public_message="Wir sind dran.",
        internal_note="Kolonne 3 schicken, Herr Meier",
    )
    ReportPhoto.objects.create(report=report, image=_upload(_jpeg(with_gps=False)), position=0)
    ReportPhoto.objects.create(
        report=report, image=_upload(_jpeg(with_gps=False)), position=1, is_public=False
    )
    # when
    response = client.get(reverse("api:report-detail", kwargs={"id": report.pk}))
    # then
    assert response.status_code == 200
    feature = response.json()
    assert (feature["type"], feature["id"]) == ("Feature", report.pk)
    properties = feature["properties"]
    assert properties["photo_count"] == 1
    [photo] = properties["photos"]
    assert photo["url"].startswith("http://testserver/media/reports/")
    assert (photo["width"], photo["height"]) == (64, 48)
    assert "Wir sind dran." in [event["public_message"] for event in properties["history"]]
    for event in properties["history"]:
        assert set(event) == {"created_at", "kind", "kind_label", "status_label", "public_message"}
    assert "Kolonne 3" not in response.content.decode()


@pytest.mark.parametrize(
    "state",
    [
        {"status": ReportStatus.UNCONFIRMED, "confirmed_at": None},
        {"status": ReportStatus.CLOSED, "withdrawn_at": datetime.datetime(2025, 5, 1, tzinfo=BERLIN)},
    ],
    ids=["unconfirmed", "withdrawn"],
)
def test_report_detail_of_a_report_that_is_not_public_is_404(client, city, category, state):
    report = ReportFactory(category=category, district=city.districts.get(slug="west"), **state)
    response = client.get(reverse("api:report-detail", kwargs={"id": report.pk}))
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_report_detail_of_an_unknown_report_is_404(client, city):
    assert client.get(reverse("api:report-detail", kwargs={"id": 999999})).status_code == 404


# --- POST /reports/ ----------------------------------------------------------------------------------------------


def test_create_by_json(client, category):
    # when
    response = _post_json(client, _payload(category))
    # then
    report = _created_report(response)
    assert response.json() == {
        "id": report.pk,
        "status": "unconfirmed",
        "message": "Bitte bestätigen Sie Ihre Meldung über den Link in der E-Mail.",
    }
    assert report.status == ReportStatus.UNCONFIRMED
    assert report.category == category
    assert report.district.slug == "west"
    assert (report.reporter_name, report.reporter_email, report.reporter_phone) == (
        SECRET_NAME,
        SECRET_EMAIL,
        SECRET_PHONE,
    )
    assert report.privacy_consent_at is not None


def test_create_by_json_accepts_the_category_id(client, category):
    report = _created_report(_post_json(client, _payload(category, category=category.pk)))
    assert report.category == category


def test_create_needs_no_csrf_token(category):
    from django.test import Client

    response = _post_json(Client(enforce_csrf_checks=True), _payload(category))
    assert response.status_code == 201, response.content


def test_create_sends_the_confirmation_mail_and_the_link_makes_the_report_public(client, category, run_tasks):
    # given
    report = _created_report(_post_json(client, _payload(category)))
    # when
    run_tasks()
    # then
    [message] = [m for m in mail.outbox if SECRET_EMAIL in m.to]
    match = re.search(r"/bestaetigen/(\d+)/([^/\s]+)/", message.body)
    assert match and int(match.group(1)) == report.pk
    assert client.get(reverse("api:report-detail", kwargs={"id": report.pk})).status_code == 404
    services.report_confirm(report_id=report.pk, token=match.group(2))
    assert client.get(reverse("api:report-detail", kwargs={"id": report.pk})).status_code == 200


def test_create_with_answers(client, category):
    CategoryQuestionFactory(category=category, key="fahrbahn", kind="yes_no", required=True)
    report = _created_report(_post_json(client, _payload(category, answers={"fahrbahn": True})))
    assert report.answers == {"fahrbahn": True}


def test_create_by_multipart_with_a_photo_stores_it_without_exif(client, category):
    # given
    CategoryQuestionFactory(category=category, key="mast", kind="text", required=True)
    original = _jpeg(size=(320, 240))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    form = _form(category, answers=json.dumps({"mast": "A-17"}), photos=[_upload(original)])
    # when
    response = _post_form(client, form)
    # then
    report = _created_report(response)
    assert report.answers == {"mast": "A-17"}
    assert report.location.coords == pytest.approx(WEST_POINT)
    [photo] = report.photos.all()
    with photo.image.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    assert image.format == "JPEG"
    assert image.size == (320, 240)
    assert not image.getexif()
    assert "exif" not in image.info


def test_create_by_multipart_with_several_photos(client, category):
    photos = [_upload(_jpeg(), name=f"foto{i}.jpg") for i in range(3)]
    report = _created_report(_post_form(client, _form(category, photos=photos)))
    assert report.photos.count() == 3


def test_create_repeated_with_the_same_submission_key_returns_the_first_report(client, category):
    # given
    payload = _payload(category)
    first = _post_json(client, payload)
    # when
    second = _post_json(client, payload)
    # then
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert Report.objects.count() == 1


def test_create_keeps_markup_verbatim_and_returns_it_as_a_json_string(client, city, category):
    # given
    markup = '<script>alert("x")</script><b>fett</b> &amp; {{ 7*7 }}'
    report = _created_report(_post_json(client, _payload(category, description=markup)))
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.OPEN, confirmed_at=report.created_at)
    # when
    response = client.get(reverse("api:report-detail", kwargs={"id": report.pk}))
    # then
    report.refresh_from_db()
    assert report.description == markup
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["properties"]["description"] == markup


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"lon": 13.40, "lat": 52.52}, ("outside_area", "location")),
        ({"lon": "abc"}, ("not_a_number", "lon")),
        ({"lon": 181.0}, ("out_of_range", "lon")),
        ({"lon": WEST_POINT[1], "lat": WEST_POINT[0]}, ("swapped", "location")),
        ({"lon": None}, ("missing", "lon")),
        ({"category": "gibtsnicht"}, ("unknown_category", "category")),
        ({"description": "x" * 4001}, ("description_too_long", "description")),
        ({"privacy_consent": False}, ("consent_required", "privacy_consent")),
        ({"reporter": {"name": "", "email": "", "phone": ""}}, ("email_required", "reporter.email")),
        ({"reporter": {"email": "keine-adresse"}}, ("email_invalid", "reporter.email")),
        ({"reporter": {"email": SECRET_EMAIL, "phone": "ruf an"}}, ("phone_invalid", "reporter.phone")),
        ({"reporter": {"email": SECRET_EMAIL, "name": "N" * 101}}, ("name_too_long", "reporter.name")),
        ({"submission_key": "keine-uuid"}, ("submission_key_invalid", "submission_key")),
    ],
    ids=[
        "outside-city",
        "not-a-number",
        "out-of-range",
        "swapped",
        "missing",
        "unknown-category",
        "description-too-long",
        "no-consent",
        "no-email",
        "bad-email",
        "bad-phone",
        "name-too-long",
        "bad-submission-key",
    ],
)
def test_create_refuses_bad_input_with_code_and_attr_and_saves_nothing(client, category, overrides, expected):
    # when
    errors = _validation_errors(_post_json(client, _payload(category, **overrides)))
    # then
    assert errors == [expected]
    _assert_nothing_saved()


def test_create_refuses_an_inactive_category(client, category):
    inactive = CategoryFactory(name="Alt", slug="alt", is_active=False)
    assert ("inactive_category", "category") in _validation_errors(_post_json(client, _payload(inactive)))
    _assert_nothing_saved()


def test_create_refuses_a_missing_required_answer(client, category):
    CategoryQuestionFactory(category=category, key="fahrbahn", required=True)
    errors = _validation_errors(_post_json(client, _payload(category)))
    assert errors == [(ReportErrorCode.ANSWER_REQUIRED, "answers.fahrbahn")]
    _assert_nothing_saved()


def test_create_reports_all_errors_at_once(client, category):
    payload = _payload(category, category="gibtsnicht", lon=13.4, lat=52.5, privacy_consent=False)
    codes = {code for code, _ in _validation_errors(_post_json(client, payload))}
    assert {"unknown_category", "outside_area", "consent_required"} <= codes


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"answers": ["nein"]}, "answers"),
        ({"privacy_consent": "vielleicht"}, "privacy_consent"),
        ({"reporter": "Erika"}, "reporter.non_field_errors"),
    ],
)
def test_create_refuses_wrong_json_types(client, category, body, attr):
    errors = _validation_errors(_post_json(client, _payload(category, **body)))
    assert [error_attr for _, error_attr in errors] == [attr]
    _assert_nothing_saved()


def test_create_refuses_malformed_json(client, category):
    response = client.post(reverse(LIST_URL), data="{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_create_refuses_other_content_types(client, category):
    response = client.post(
        reverse(LIST_URL), data="category=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["type"] == "client_error"


def test_create_refuses_a_photo_too_large(client, category, settings):
    settings.REPORT_PHOTO_MAX_BYTES = 1000
    response = _post_form(client, _form(category, photos=[_upload(_jpeg(size=(400, 300)))]))
    assert ("photo_too_large", "photos") in _validation_errors(response)
    _assert_nothing_saved()


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"Dies ist kein Bild, nur Text.", "foto.jpg", ReportErrorCode.PHOTO_NOT_IMAGE),
        (_jpeg(size=(400, 300))[:400], "foto.jpg", ReportErrorCode.PHOTO_CORRUPT),
        (_png_bomb(), "bombe.png", ReportErrorCode.PHOTO_TOO_MANY_PIXELS),
    ],
    ids=["not-an-image", "corrupt", "decompression-bomb"],
)
def test_create_refuses_bad_photos(client, category, content, name, code):
    response = _post_form(client, _form(category, photos=[_upload(content, name=name)]))
    assert (code, "photos") in _validation_errors(response)
    _assert_nothing_saved()


def test_create_refuses_too_many_photos(client, category):
    photos = [_upload(_jpeg(), name=f"foto{i}.jpg") for i in range(6)]
    assert ("too_many_photos", "photos") in _validation_errors(
        _post_form(client, _form(category, photos=photos))
    )
    _assert_nothing_saved()


def test_create_refuses_answers_that_are_not_a_json_object_in_a_form(client, category):
    errors = _validation_errors(_post_form(client, _form(category, answers="[1, 2")))
    assert errors == [("invalid", "answers")]


def test_create_by_multipart_names_the_reporter_fields_as_in_json(client, category):
    errors = _validation_errors(_post_form(client, _form(category, **{"reporter.email": "keine-adresse"})))
    assert errors == [("email_invalid", "reporter.email")]
    _assert_nothing_saved()


def test_create_by_multipart_without_photos(client, category):
    report = _created_report(_post_form(client, _form(category)))
    assert report.photos.count() == 0
    assert report.reporter_email == SECRET_EMAIL


def test_create_refuses_a_body_larger_than_five_photos_before_reading_it(client, category, settings):
    # given: room for five photos of 2 kB and 1 kB of fields
    settings.REPORT_PHOTO_MAX_BYTES = 2000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    # when
    response = _post_form(client, _form(category, photos=[_upload(b"x" * 12_000)]))
    # then
    assert response.status_code == 413
    assert response.json()["type"] == "client_error"
    assert [error["code"] for error in response.json()["errors"]] == ["request_too_large"]
    _assert_nothing_saved()


def test_create_refuses_more_files_than_django_accepts_as_too_many_photos(client, category, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 5
    photos = [_upload(_jpeg(), name=f"foto{i}.jpg") for i in range(6)]
    errors = _validation_errors(_post_form(client, _form(category, photos=photos)))
    assert errors == [("too_many_photos", "photos")]
    _assert_nothing_saved()


def test_create_refuses_a_json_body_beyond_djangos_limit(client, category, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.REPORT_PHOTO_MAX_BYTES = 0
    response = _post_json(client, _payload(category, description="x" * 2000))
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "request_too_large"


# --- personal data -----------------------------------------------------------------------------------------------


def test_no_response_contains_the_reporters_personal_data(client, city, category, settings):
    # given: a confirmed report with distinctive personal data, and an answered repeat and a refused create
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"report_create": "1000/hour"},
    }
    payload = _payload(category)
    bodies = []
    created = _post_json(client, payload)
    bodies.append(created)
    bodies.append(_post_json(client, payload))
    bodies.append(_post_json(client, {**payload, "submission_key": str(uuid.uuid4()), "category": "x"}))
    report = Report.objects.get(pk=created.json()["id"])
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.OPEN, confirmed_at=report.created_at)
    multipart = _post_form(client, _form(category, photos=[_upload(_jpeg())]))
    bodies.append(multipart)
    Report.objects.filter(pk=multipart.json()["id"]).update(
        status=ReportStatus.OPEN, confirmed_at=report.created_at
    )
    # when
    bodies += [
        client.get(reverse("api:category-list")),
        client.get(reverse(LIST_URL)),
        client.get(reverse(LIST_URL), {"district": "west", "status": "open", "category": "schlagloch"}),
        client.get(reverse("api:report-detail", kwargs={"id": report.pk})),
        client.get(reverse("api:report-detail", kwargs={"id": multipart.json()["id"]})),
        client.get(
            reverse("api:map-layer-features", kwargs={"name": "reports"}), {"bbox": "10.7,52.3,10.9,52.5"}
        ),
    ]
    # then
    assert [response.status_code for response in bodies[:2]] == [201, 200]
    assert len(_features(bodies[5])) == 2
    assert len(_features(bodies[-1])) == 2, "the reports map layer shows both"
    for response in bodies:
        text = response.content.decode()
        for secret in (SECRET_NAME, SECRET_EMAIL, SECRET_PHONE, "zwackelmann", "987654321"):
            assert secret.lower() not in text.lower(), (response.request["PATH_INFO"], text[:300])


# --- throttling --------------------------------------------------------------------------------------------------


def test_creating_is_throttled_per_client_in_the_standard_error_shape(client, category, settings):
    # given
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"report_create": "2/hour"},
    }
    # when
    statuses = [_post_json(client, {}).status_code for _ in range(2)]
    throttled = _post_json(client, _payload(category))
    # then
    assert statuses == [400, 400]
    assert throttled.status_code == 429
    body = throttled.json()
    assert body["type"] == "client_error"
    assert [error["code"] for error in body["errors"]] == ["throttled"]
    assert "Retry-After" in throttled
    assert Report.objects.count() == 0


def test_reading_is_not_throttled(client, category, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"report_create": "1/hour"},
    }
    assert [client.get(reverse(LIST_URL)).status_code for _ in range(3)] == [200, 200, 200]


def test_other_clients_are_throttled_separately(client, category, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"report_create": "1/hour"},
    }
    _post_json(client, {}, REMOTE_ADDR="192.0.2.1")
    assert _post_json(client, {}, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert _post_json(client, {}, REMOTE_ADDR="192.0.2.2").status_code == 400


def test_throttle_rate_defaults_to_30_per_hour_without_a_setting(client, category, settings):
    settings.REST_FRAMEWORK = {
        k: v for k, v in settings.REST_FRAMEWORK.items() if k != "DEFAULT_THROTTLE_RATES"
    }
    statuses = [_post_json(client, {}).status_code for _ in range(31)]
    assert statuses == [400] * 30 + [429]


# --- OpenAPI -----------------------------------------------------------------------------------------------------


@pytest.fixture
def schema(client, db):
    return client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _codes(schema, component: str) -> set[str]:
    return set(schema["components"]["schemas"][component]["properties"]["code"]["enum"])


def test_schema_documents_both_request_bodies_of_create(schema):
    post = schema["paths"]["/api/v1/reports/"]["post"]
    assert set(post["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert {"200", "201", "400", "429"} <= set(post["responses"])
    assert "429" not in schema["paths"]["/api/v1/reports/"]["get"]["responses"]


@pytest.mark.parametrize(
    ("component", "codes"),
    [
        ("DefectReportsCreateCategoryErrorComponent", {"unknown_category", "inactive_category"}),
        ("DefectReportsCreateLocationErrorComponent", {"outside_area", "swapped"}),
        (
            "DefectReportsCreateAnswersErrorComponent",
            {"answer_required", "answer_invalid", "unknown_question"},
        ),
        (
            "DefectReportsCreatePhotosErrorComponent",
            {
                "too_many_photos",
                "photo_too_large",
                "photo_not_image",
                "photo_corrupt",
                "photo_too_many_pixels",
                "photo_unsupported_format",
            },
        ),
        ("DefectReportsCreateReporterEmailErrorComponent", {"email_required", "email_invalid"}),
        ("DefectReportsListStatusErrorComponent", {"unknown_status"}),
        ("DefectReportsListCreatedToErrorComponent", {"invalid_date", "date_range_inverted"}),
    ],
)
def test_schema_lists_the_error_codes_per_field(schema, component, codes):
    assert codes <= _codes(schema, component)
