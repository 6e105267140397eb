"""The Mängelmelder's public pages: start page, list, map, a report's page, the reporter's page, subscriptions."""

from __future__ import annotations

import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.contrib.gis.geos import Point
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from defects.filters import ReportFilterErrorCode
from defects.layers import REPORTS_LAYER
from defects.models import ReportEvent, ReportPhoto, ReportStatus, StatusLabel, Subscription
from geo_core.navigation import area_by_slug
from geo_core.srid import STORAGE_SRID
from tests.defects.factories import (
    EAST_POINT,
    CategoryFactory,
    ReportEventFactory,
    ReportFactory,
    SubscriptionFactory,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# The factories store the SHA-256 of this secret for reports and subscriptions.
TOKEN = "test-token"
CITY_BBOX = "10.77,52.40,10.83,52.44"


@pytest.fixture
def west(city):
    return city.districts.get(slug="west")


@pytest.fixture
def east(city):
    return city.districts.get(slug="ost")


@pytest.fixture
def pothole(db):
    return CategoryFactory(name="Schlagloch", slug="schlagloch", icon="road")


@pytest.fixture
def graffiti(db):
    return CategoryFactory(name="Graffiti", slug="graffiti", icon="spray")


def report_in(district, **kwargs):
    point = EAST_POINT if district.slug == "ost" else (10.79, 52.42)
    kwargs.setdefault("location", Point(*point, srid=STORAGE_SRID))
    return ReportFactory(district=district, **kwargs)


def at(day: str, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=BERLIN)


def set_created(report, when: datetime.datetime) -> None:
    type(report).objects.filter(pk=report.pk).update(created_at=when)


def detail_url(report) -> str:
    return reverse("defects:report_detail", kwargs={"pk": report.pk})


def manage_url(report, token: str = TOKEN) -> str:
    return reverse("defects:report_manage", kwargs={"pk": report.pk, "token": token})


def listed_ids(response) -> list[int]:
    """The report ids linked from the list's result items, in order."""
    return [
        int(pk)
        for pk in re.findall(
            r'class="report-item__title">\s*<a href="/maengelmelder/meldungen/(\d+)/"', response.text
        )
    ]


def features_url(**params) -> str:
    from urllib.parse import urlencode

    return (
        reverse("api:map-layer-features", kwargs={"name": "reports"})
        + "?"
        + urlencode({"bbox": CITY_BBOX, **params})
    )


# --- start page -----------------------------------------------------------------------------------------------


def test_navigation_leads_to_the_maengelmelder():
    area = area_by_slug("maengelmelder")

    assert area.is_available
    assert area.url == reverse("defects:index")


def test_index_explains_and_leads_to_reporting_list_and_map(client, west, pothole):
    report_in(west, category=pothole, address_label="Hauptstraße 1")

    response = client.get(reverse("defects:index"))

    assert response.status_code == 200
    text = response.text
    assert "<h1" in text and "Mängelmelder" in text
    assert f'class="button button--large" href="{reverse("defects:report_new")}"' in text
    assert f'href="{reverse("defects:report_list")}"' in text
    assert f'href="{reverse("defects:report_map")}"' in text
    assert "Hauptstraße 1" in text


def test_index_shows_the_ten_latest_public_reports(client, west, pothole):
    reports = [report_in(west, category=pothole) for _ in range(12)]
    hidden = report_in(west, category=pothole, status=ReportStatus.UNCONFIRMED, confirmed_at=None)

    response = client.get(reverse("defects:index"))

    shown = [int(pk) for pk in re.findall(r'href="/maengelmelder/meldungen/(\d+)/"', response.text)]
    assert shown == [report.pk for report in reversed(reports)][:10]
    assert hidden.pk not in shown


def test_index_counts_public_reports_per_status_with_the_editable_labels(client, west, pothole):
    for _ in range(3):
        report_in(west, category=pothole)
    report_in(west, category=pothole, status=ReportStatus.RESOLVED)
    report_in(west, category=pothole, status=ReportStatus.UNCONFIRMED, confirmed_at=None)
    report_in(west, category=pothole, withdrawn_at=timezone.now())
    StatusLabel.objects.create(status=ReportStatus.RESOLVED, label="behoben")

    response = client.get(reverse("defects:index"))

    counts = dict(
        re.findall(
            r'<span class="status status--\w+">([^<]+)</span></a></th>\s*<td class="num">(\d+)</td>',
            response.text,
        )
    )
    assert counts == {"offen": "3", "behoben": "1"}
    assert re.search(r"Insgesamt</th><td class=\"num\">4</td>", response.text)


# --- list ---------------------------------------------------------------------------------------------------------


def test_list_row_shows_category_address_district_status_date_and_supporters(client, west, pothole):
    report = report_in(
        west, category=pothole, address_label="Porschestraße 12", status=ReportStatus.IN_PROGRESS
    )
    set_created(report, at("2025-03-04"))
    SubscriptionFactory(report=report)
    SubscriptionFactory(report=report)
    SubscriptionFactory(report=report, confirmed_at=None)  # not yet confirmed: not counted
    StatusLabel.objects.create(status=ReportStatus.IN_PROGRESS, label="wird erledigt")

    response = client.get(reverse("defects:report_list"))

    assert response.status_code == 200
    text = response.text
    assert 'src="/static/defects/icons/road.svg"' in text
    assert "Schlagloch" in text
    assert "Porschestraße 12, West" in text
    assert '<span class="status status--in_progress">wird erledigt</span>' in text
    assert "4. März 2025" in text
    assert "<dt>Unterstützungen</dt><dd>2</dd>" in text


def test_list_without_reports_says_so(client, city):
    response = client.get(reverse("defects:report_list"))

    assert "Es gibt noch keine öffentlichen Meldungen." in response.text


def test_list_leaves_out_unconfirmed_and_withdrawn_reports(client, west, pothole):
    public = report_in(west, category=pothole)
    report_in(west, category=pothole, status=ReportStatus.UNCONFIRMED, confirmed_at=None)
    report_in(west, category=pothole, withdrawn_at=timezone.now())

    response = client.get(reverse("defects:report_list"))

    assert listed_ids(response) == [public.pk]


def test_list_filters_by_category(client, west, pothole, graffiti):
    wanted = report_in(west, category=graffiti)
    report_in(west, category=pothole)

    response = client.get(reverse("defects:report_list"), {"category": "graffiti"})

    assert listed_ids(response) == [wanted.pk]
    assert '<option value="graffiti" selected>Graffiti</option>' in response.text


def test_list_filters_by_status(client, west, pothole):
    wanted = report_in(west, category=pothole, status=ReportStatus.RESOLVED)
    report_in(west, category=pothole)

    response = client.get(reverse("defects:report_list"), {"status": "resolved"})

    assert listed_ids(response) == [wanted.pk]


def test_list_filters_by_district(client, west, east, pothole):
    wanted = report_in(east, category=pothole)
    report_in(west, category=pothole)

    response = client.get(reverse("defects:report_list"), {"district": "ost"})

    assert listed_ids(response) == [wanted.pk]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"created_from": "2025-03-02"}, ["2.", "3."]),
        ({"created_to": "2025-03-02"}, ["1.", "2."]),
        ({"created_from": "02.03.2025", "created_to": "02.03.2025"}, ["2."]),
    ],
)
def test_list_filters_by_calendar_days(client, west, pothole, params, expected):
    by_day = {}
    for day in ("2025-03-01", "2025-03-02", "2025-03-03"):
        report = report_in(west, category=pothole, description=f"Tag {day}")
        set_created(report, at(day, hour=23))  # late in the evening in Berlin: the next day in UTC
        by_day[f"{int(day[-2:])}."] = report.pk

    response = client.get(reverse("defects:report_list"), params)

    assert sorted(listed_ids(response)) == sorted(by_day[key] for key in expected)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"category": "gibtsnicht"}, "Die Kategorie „gibtsnicht“ gibt es nicht"),
        ({"status": "kaputt"}, "Den Status „kaputt“ gibt es nicht"),
        ({"status": "unconfirmed"}, "Den Status „unconfirmed“ gibt es nicht"),
        ({"district": "nirgendwo"}, "Den Ortsratsbereich „nirgendwo“ gibt es nicht"),
        ({"created_from": "gestern"}, "„gestern“ ist kein gültiges Datum"),
        ({"created_to": "2025-02-30"}, "„2025-02-30“ ist kein gültiges Datum"),
        (
            {"created_from": "2025-03-05", "created_to": "2025-03-01"},
            "„Gemeldet bis“ liegt vor „Gemeldet ab“",
        ),
        ({"page": "abc"}, None),
        ({"page": "999"}, None),
    ],
)
def test_list_with_bad_filter_values_explains_in_german_and_shows_reports(
    client, west, pothole, params, message
):
    report = report_in(west, category=pothole)

    response = client.get(reverse("defects:report_list"), params)

    assert response.status_code == 200
    if message:
        assert 'role="alert"' in response.text
        assert message in response.text
        assert 'aria-invalid="true"' in response.text
    assert listed_ids(response) == [report.pk]


def test_list_applies_the_good_filters_next_to_a_bad_one(client, west, pothole, graffiti):
    wanted = report_in(west, category=graffiti)
    report_in(west, category=pothole)

    response = client.get(reverse("defects:report_list"), {"category": "graffiti", "status": "kaputt"})

    assert listed_ids(response) == [wanted.pk]
    assert "Den Status „kaputt“ gibt es nicht" in response.text


def test_filter_error_codes_are_stable():
    assert ReportFilterErrorCode.UNKNOWN_CATEGORY == "unknown_category"
    assert ReportFilterErrorCode.UNKNOWN_STATUS == "unknown_status"
    assert ReportFilterErrorCode.UNKNOWN_DISTRICT == "unknown_district"
    assert ReportFilterErrorCode.INVALID_DATE == "invalid_date"
    assert ReportFilterErrorCode.DATE_RANGE_INVERTED == "date_range_inverted"


def test_list_form_is_labelled_and_works_without_javascript(client, city):
    response = client.get(reverse("defects:report_list"))

    text = response.text
    assert '<form method="get" action="/maengelmelder/meldungen/"' in text
    assert "<legend" in text
    for name in ("category", "status", "district", "created_from", "created_to"):
        assert f'<label for="id_{name}">' in text
        assert f'name="{name}"' in text


def test_list_is_paginated_by_25_and_keeps_the_filters(client, west, pothole, graffiti):
    reports = [report_in(west, category=graffiti) for _ in range(30)]
    report_in(west, category=pothole)

    first = client.get(reverse("defects:report_list"), {"category": "graffiti"})
    second = client.get(reverse("defects:report_list"), {"category": "graffiti", "page": "2"})

    newest_first = [report.pk for report in reversed(reports)]
    assert listed_ids(first) == newest_first[:25]
    assert listed_ids(second) == newest_first[25:]
    assert "30 Meldungen" in first.text
    assert "Seite 1 von 2" in first.text
    assert 'href="?category=graffiti&amp;page=2"' in first.text
    assert 'href="?category=graffiti&amp;page=1"' in second.text


def test_list_links_to_the_map_with_the_same_filters(client, city, graffiti):
    response = client.get(reverse("defects:report_list"), {"category": "graffiti", "district": "ost"})

    # the map has no district filter: it shows the districts
    assert f'href="{reverse("defects:report_map")}?category=graffiti"' in response.text


# --- map ------------------------------------------------------------------------------------------------------------


def test_map_page_loads_reports_by_bbox_with_the_filters_and_offers_the_list(client, west, graffiti):
    report_in(west, category=graffiti)

    response = client.get(reverse("defects:report_map"), {"category": "graffiti", "status": "open"})

    assert response.status_code == 200
    text = response.text
    assert "PlatformMaps.bboxLayer(" in text
    assert '"url": "/api/v1/layers/reports/features/?category=graffiti\\u0026status=open"' in text or (
        '"url": "/api/v1/layers/reports/features/?category=graffiti&status=open"' in text
    )
    assert '"url": "/api/v1/layers/districts/features/"' in text
    assert f'href="{reverse("defects:report_list")}?category=graffiti&amp;status=open"' in text
    assert 'aria-label="Karte der Meldungen im Mängelmelder"' in text


def test_map_page_shows_a_message_for_bad_filters_and_leaves_them_off_the_layer(client, city):
    response = client.get(reverse("defects:report_map"), {"category": "gibtsnicht", "status": "open"})

    assert "Die Kategorie „gibtsnicht“ gibt es nicht" in response.text
    assert '"url": "/api/v1/layers/reports/features/?status=open"' in response.text


def coordinates_in(text: str, report) -> bool:
    lon, lat = report.location.x, report.location.y
    return any(f"{value:.3f}" in text or f"{value:.3f}".replace(".", ",") in text for value in (lon, lat))


def test_map_page_does_not_grow_with_the_number_of_reports(client, west, pothole):
    reports = [
        report_in(west, category=pothole, location=Point(10.781 + i * 0.0001, 52.4111, srid=STORAGE_SRID))
        for i in range(5)
    ]
    few = client.get(reverse("defects:report_map")).text
    for i in range(195):
        report_in(west, category=pothole, location=Point(10.785 + i * 0.00005, 52.4133, srid=STORAGE_SRID))

    many = client.get(reverse("defects:report_map")).text

    # Folium names its elements with random ids; the lengths are equal all the same.
    assert len(many) == len(few)
    for report in reports:
        assert not coordinates_in(many, report)
    assert "52.4133" not in many


def test_map_without_city_data_points_to_the_list(client, db):
    response = client.get(reverse("defects:report_map"))

    assert response.status_code == 200
    assert "noch keine Geodaten" in response.text
    assert f'href="{reverse("defects:report_list")}"' in response.text


# --- the "reports" layer ---------------------------------------------------------------------------------------


def feature_ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(feature["id"] for feature in response.json()["features"])


def test_reports_layer_is_registered_as_bbox_points(city):
    assert REPORTS_LAYER.geometry_field == "location"
    assert REPORTS_LAYER.max_features_per_request == 500
    assert REPORTS_LAYER.attribution() == []
    assert REPORTS_LAYER.popup_url_property == "url"


def test_reports_layer_serves_public_reports_in_the_bbox(client, west, east, pothole):
    in_west = report_in(west, category=pothole)
    in_east = report_in(east, category=pothole)
    report_in(west, category=pothole, status=ReportStatus.UNCONFIRMED, confirmed_at=None)
    report_in(west, category=pothole, withdrawn_at=timezone.now())

    everything = client.get(features_url())
    west_only = client.get(features_url(bbox="10.78,52.41,10.795,52.43"))

    assert feature_ids(everything) == sorted([in_west.pk, in_east.pk])
    assert feature_ids(west_only) == [in_west.pk]
    feature = everything.json()["features"][0]
    assert feature["properties"]["url"].endswith(f"/maengelmelder/meldungen/{feature['id']}/")


def test_reports_layer_needs_a_bbox(client, city):
    response = client.get(reverse("api:map-layer-features", kwargs={"name": "reports"}))

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("params", "wanted"),
    [
        ({"category": "graffiti"}, {"graffiti-open"}),
        ({"status": "resolved"}, {"pothole-resolved"}),
        ({"category": "pothole", "status": "open"}, {"pothole-open"}),
        ({"district": "ost"}, {"graffiti-open"}),
        ({"created_from": "2025-03-02"}, {"graffiti-open"}),
        ({"created_to": "2025-03-01"}, {"pothole-open", "pothole-resolved"}),
    ],
)
def test_reports_layer_takes_the_list_filters(client, west, east, pothole, graffiti, params, wanted):
    pothole.slug = "pothole"
    pothole.save()
    reports = {
        "pothole-open": report_in(west, category=pothole),
        "pothole-resolved": report_in(west, category=pothole, status=ReportStatus.RESOLVED),
        "graffiti-open": report_in(east, category=graffiti),
    }
    for key, report in reports.items():
        set_created(report, at("2025-03-03" if key == "graffiti-open" else "2025-03-01"))

    response = client.get(features_url(**params))

    assert feature_ids(response) == sorted(reports[key].pk for key in wanted)


@pytest.mark.parametrize(
    ("params", "code", "attr"),
    [
        ({"category": "gibtsnicht"}, ReportFilterErrorCode.UNKNOWN_CATEGORY, "category"),
        ({"status": "unconfirmed"}, ReportFilterErrorCode.UNKNOWN_STATUS, "status"),
        ({"district": "nirgendwo"}, ReportFilterErrorCode.UNKNOWN_DISTRICT, "district"),
        ({"created_from": "morgen"}, ReportFilterErrorCode.INVALID_DATE, "created_from"),
        (
            {"created_from": "2025-03-05", "created_to": "2025-03-01"},
            ReportFilterErrorCode.DATE_RANGE_INVERTED,
            "created_to",
        ),
    ],
)
def test_reports_layer_refuses_bad_filters_with_their_code(client, city, params, code, attr):
    response = client.get(features_url(**params))

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [(error["code"], error["attr"]) for error in body["errors"]] == [(code, attr)]


# --- a report's page --------------------------------------------------------------------------------------------


def test_detail_shows_the_report(client, west, pothole):
    quarter = west.quarters.get()
    report = report_in(west, category=pothole, quarter=quarter, address_label="Porschestraße 12")
    StatusLabel.objects.create(status=ReportStatus.OPEN, label="neu eingegangen")
    SubscriptionFactory(report=report)

    response = client.get(detail_url(report))

    assert response.status_code == 200
    text = response.text
    assert "Schlagloch" in text
    assert '<span class="status status--open">neu eingegangen</span>' in text
    assert "Porschestraße 12" in text
    assert "Westend, Ortsratsbereich West" in text
    assert "Schlagloch vor der Einfahrt" in text
    assert "52,42000° Nord, 10,79000° Ost" in text
    assert '<dd id="supporters">1 Person</dd>' in text
    assert report.department.name in text
    # the small map: the reports layer by bbox, centred on the report
    assert '"url": "/api/v1/layers/reports/features/"' in text
    assert 'data-lat="52.42" data-lon="10.79"' in text


def test_detail_escapes_markup_in_the_description(client, west, pothole):
    report = report_in(west, category=pothole, description='<script>alert("x")</script>\n<b>fett</b>')

    response = client.get(detail_url(report))

    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>&lt;b&gt;fett&lt;/b&gt;" in response.text
    assert '<script>alert("x")' not in response.text


def test_detail_shows_the_public_history_but_never_internal_notes(client, west, pothole):
    report = report_in(west, category=pothole)
    ReportEventFactory(
        report=report,
        kind=ReportEvent.Kind.STATUS_CHANGED,
        from_status=ReportStatus.OPEN,
        to_status=ReportStatus.IN_PROGRESS,
        public_message="Der Bauhof ist informiert.",
        internal_note="Herr Meier kümmert sich, Tel. 1234",
    )
    ReportEventFactory(report=report, kind=ReportEvent.Kind.NOTE, internal_note="Nur intern: Budget knapp")

    response = client.get(detail_url(report))

    text = response.text
    assert "Der Bauhof ist informiert." in text
    assert "Status geändert" in text
    assert "in Bearbeitung" in text
    assert "Herr Meier" not in text
    assert "Budget knapp" not in text


def tiny_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_detail_shows_public_photos_with_alt_text(client, west, pothole, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = report_in(west, category=pothole)
    shown = ReportPhoto.objects.create(report=report, image=SimpleUploadedFile("a.jpg", tiny_jpeg()))
    hidden = ReportPhoto.objects.create(
        report=report, image=SimpleUploadedFile("b.jpg", tiny_jpeg()), is_public=False, position=1
    )

    response = client.get(detail_url(report))

    assert f'src="{shown.image.url}"' in response.text
    assert 'width="8" height="6"' in response.text
    assert 'alt="Foto 1 der Meldung: Schlagloch"' in response.text
    assert hidden.image.url not in response.text


@pytest.mark.parametrize(
    "state",
    [
        {"status": ReportStatus.UNCONFIRMED, "confirmed_at": None},
        {"withdrawn_at": timezone.now},
    ],
)
def test_detail_of_a_report_that_is_not_public_is_a_friendly_404(client, west, pothole, state):
    state = {key: value() if callable(value) else value for key, value in state.items()}
    report = report_in(west, category=pothole, **state)

    response = client.get(detail_url(report))

    assert response.status_code == 404
    assert "Meldung nicht gefunden" in response.text
    assert report.description not in response.text


def test_detail_of_an_unknown_report_is_404(client, city):
    response = client.get(reverse("defects:report_detail", kwargs={"pk": 999999}))

    assert response.status_code == 404
    assert "Meldung nicht gefunden" in response.text


def test_detail_offers_support_by_email(client, west, pothole):
    report = report_in(west, category=pothole)

    response = client.get(detail_url(report))

    text = response.text
    assert "Ich bin auch betroffen – unterstützen" in text
    assert f'action="{reverse("defects:report_support", kwargs={"pk": report.pk})}"' in text
    assert '<label for="support-email">' in text
    assert 'type="email" id="support-email" name="email" required' in text


# --- support ------------------------------------------------------------------------------------------------------


def test_support_adds_an_unconfirmed_supporter_and_sends_the_confirmation_mail(
    client, west, pothole, run_tasks
):
    report = report_in(west, category=pothole)

    response = client.post(
        reverse("defects:report_support", kwargs={"pk": report.pk}),
        {"email": "nachbarin@example.org"},
        follow=True,
    )
    run_tasks()

    assert response.redirect_chain[-1][0] == detail_url(report) + "#unterstuetzen"
    assert "Danke! Wir haben Ihnen eine E-Mail geschickt." in response.text
    subscription = Subscription.objects.get(report=report, email="nachbarin@example.org")
    assert subscription.role == Subscription.Role.SUPPORTER
    assert subscription.confirmed_at is None
    assert [message.to for message in mail.outbox] == [["nachbarin@example.org"]]


def test_support_by_an_address_already_signed_up_gives_the_same_answer(client, west, pothole):
    # given: the page must not tell whether an address supports a report already
    report = report_in(west, category=pothole)
    SubscriptionFactory(report=report, email="nachbarin@example.org")
    url = reverse("defects:report_support", kwargs={"pk": report.pk})

    # when
    response = client.post(url, {"email": "nachbarin@example.org"}, follow=True)

    # then
    assert "Danke! Wir haben Ihnen eine E-Mail geschickt." in response.text
    assert Subscription.objects.filter(report=report).count() == 1


def test_a_finished_report_offers_no_support(client, west, pothole):
    report = report_in(west, category=pothole, status=ReportStatus.RESOLVED)

    page = client.get(detail_url(report))
    response = client.post(
        reverse("defects:report_support", kwargs={"pk": report.pk}),
        {"email": "nachbarin@example.org"},
        follow=True,
    )

    assert "support-email" not in page.text
    assert "Diese Meldung kann nicht (mehr) unterstützt werden." in response.text
    assert not Subscription.objects.filter(report=report).exists()


@pytest.mark.parametrize("email", ["", "keine-adresse", "a@b"])
def test_support_with_a_bad_address_explains_the_problem(client, west, pothole, email):
    report = report_in(west, category=pothole)

    response = client.post(reverse("defects:report_support", kwargs={"pk": report.pk}), {"email": email})

    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert not Subscription.objects.filter(report=report).exists()


def test_support_of_a_report_that_is_not_public_is_404(client, west, pothole):
    report = report_in(west, category=pothole, status=ReportStatus.UNCONFIRMED, confirmed_at=None)

    response = client.post(
        reverse("defects:report_support", kwargs={"pk": report.pk}), {"email": "nachbarin@example.org"}
    )

    assert response.status_code == 404
    assert not Subscription.objects.filter(report=report, email="nachbarin@example.org").exists()


def test_support_only_by_post(client, west, pothole):
    report = report_in(west, category=pothole)

    response = client.get(reverse("defects:report_support", kwargs={"pk": report.pk}))

    assert response.status_code == 405


# --- the reporter's page ----------------------------------------------------------------------------------------


def test_manage_page_shows_the_report_and_its_actions(client, west, pothole):
    report = report_in(west, category=pothole)

    response = client.get(manage_url(report))

    assert response.status_code == 200
    text = response.text
    assert "Ihre Meldung verwalten" in text
    assert '<span class="status status--open">offen</span>' in text
    assert 'value="withdraw"' in text
    assert 'value="anonymise"' in text
    # an open report cannot be reopened
    assert 'value="reopen"' not in text
    assert "no-store" in response.headers["Cache-Control"]
    # the reporter's own data is not shown either: the link may be forwarded
    assert report.reporter_name not in text
    assert report.reporter_email not in text


@pytest.mark.parametrize("token", ["falsch", "x" * 300, TOKEN + "x"])
def test_manage_page_with_a_wrong_token_is_a_friendly_404(client, west, pothole, token):
    report = report_in(west, category=pothole)

    get = client.get(manage_url(report, token))
    post = client.post(manage_url(report, token), {"action": "withdraw"})

    assert get.status_code == post.status_code == 404
    assert "Dieser Link ist ungültig" in get.text
    report.refresh_from_db()
    assert report.withdrawn_at is None


def test_withdraw_removes_the_report_from_public_pages(client, west, pothole):
    report = report_in(west, category=pothole)

    response = client.post(
        manage_url(report), {"action": "withdraw", "reason": "Hat sich erledigt"}, follow=True
    )

    assert response.status_code == 200
    assert "Ihre Meldung ist zurückgezogen." in response.text
    report.refresh_from_db()
    assert report.withdrawn_at is not None
    assert 'value="withdraw"' not in response.text
    assert client.get(detail_url(report)).status_code == 404


def test_anonymise_removes_name_and_phone(client, west, pothole):
    report = report_in(west, category=pothole)

    response = client.post(manage_url(report), {"action": "anonymise"}, follow=True)

    assert "Ihr Name und Ihre Telefonnummer sind aus der Meldung entfernt." in response.text
    report.refresh_from_db()
    assert report.reporter_name == ""
    assert report.reporter_phone == ""
    assert 'value="anonymise"' not in response.text


@pytest.mark.parametrize("status", [ReportStatus.RESOLVED, ReportStatus.CLOSED, ReportStatus.REJECTED])
def test_reopen_is_offered_for_finished_reports_and_reopens_with_a_reason(client, west, pothole, status):
    report = report_in(west, category=pothole, status=status)
    page = client.get(manage_url(report))
    assert 'value="reopen"' in page.text
    assert "Noch nicht behoben?" in page.text

    response = client.post(
        manage_url(report), {"action": "reopen", "reason": "Das Loch ist wieder da."}, follow=True
    )

    assert "Die Meldung ist wieder geöffnet" in response.text
    report.refresh_from_db()
    assert report.status == ReportStatus.REOPENED


def test_reopen_needs_a_reason(client, west, pothole):
    report = report_in(west, category=pothole, status=ReportStatus.RESOLVED)

    response = client.post(manage_url(report), {"action": "reopen", "reason": "  "})

    assert response.status_code == 400
    assert 'role="alert"' in response.text
    report.refresh_from_db()
    assert report.status == ReportStatus.RESOLVED


def test_reopen_of_an_open_report_is_refused_with_a_message(client, west, pothole):
    report = report_in(west, category=pothole)

    response = client.post(manage_url(report), {"action": "reopen", "reason": "Bitte nochmal"})

    assert response.status_code == 400
    assert 'role="alert"' in response.text
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN


def test_unknown_action_is_refused(client, west, pothole):
    report = report_in(west, category=pothole)

    response = client.post(manage_url(report), {"action": "delete"})

    assert response.status_code == 400
    assert "Diese Aktion gibt es nicht." in response.text


# --- subscriptions ------------------------------------------------------------------------------------------------


def subscription_url(name: str, subscription, token: str = TOKEN) -> str:
    return reverse(f"defects:{name}", kwargs={"subscription_id": subscription.pk, "token": token})


def test_subscription_confirm_shows_a_button_and_confirms_on_post(client, west, pothole):
    report = report_in(west, category=pothole)
    subscription = SubscriptionFactory(report=report, confirmed_at=None)

    page = client.get(subscription_url("subscription_confirm", subscription))
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None  # a GET (e.g. a mail filter's link scanner) changes nothing
    assert page.status_code == 200
    assert '<form method="post">' in page.text

    response = client.post(subscription_url("subscription_confirm", subscription), follow=True)

    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None
    assert response.redirect_chain[-1][0] == detail_url(report)
    assert "Ihre E-Mail-Adresse ist bestätigt" in response.text


def test_subscription_cancel_shows_a_button_and_cancels_on_post(client, west, pothole):
    subscription = SubscriptionFactory(report=report_in(west, category=pothole))

    page = client.get(subscription_url("subscription_cancel", subscription))
    assert page.status_code == 200
    assert Subscription.objects.filter(pk=subscription.pk).exists()

    response = client.post(subscription_url("subscription_cancel", subscription), follow=True)

    assert "Sie erhalten keine E-Mails mehr zu dieser Meldung." in response.text
    assert not Subscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=False).exists() or (
        Subscription.objects.filter(pk=subscription.pk).count() == 0
    )


@pytest.mark.parametrize("name", ["subscription_confirm", "subscription_cancel"])
def test_subscription_links_with_a_wrong_token_give_a_friendly_404(client, west, pothole, name):
    subscription = SubscriptionFactory(report=report_in(west, category=pothole), confirmed_at=None)

    response = client.post(subscription_url(name, subscription, "falsch"))

    assert response.status_code == 404
    assert "Dieser Link ist ungültig" in response.text
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None


def test_subscription_links_of_an_unknown_subscription_give_a_friendly_404(client, db):
    response = client.post(
        reverse("defects:subscription_cancel", kwargs={"subscription_id": 999999, "token": TOKEN})
    )

    assert response.status_code == 404


# --- "Mein Bereich" -------------------------------------------------------------------------------------------


@pytest.fixture
def my_reports_section():
    """The section as defects/apps.py registers it (a registry test elsewhere may have removed it)."""
    from defects import my_area
    from geo_core.accounts.my_area import register_section, registered_sections

    if "reports" not in {section.key for section in registered_sections()}:
        register_section(my_area.MY_REPORTS_SECTION)
    return my_area.MY_REPORTS_SECTION


def test_my_area_lists_the_persons_reports_by_account_and_verified_address(
    client, west, pothole, graffiti, my_reports_section
):
    user = UserFactory(email="anna@example.org")
    EmailAddress.objects.create(user=user, email="anna@example.org", verified=True, primary=True)
    EmailAddress.objects.create(user=user, email="anna.alt@example.org", verified=False)
    by_account = report_in(west, category=pothole, reporter=user, address_label="Am Konto 1")
    by_address = report_in(
        west, category=graffiti, reporter_email="Anna@Example.org", address_label="Per Mail 2"
    )
    report_in(west, category=pothole, reporter_email="anna.alt@example.org", address_label="Unbestätigt 3")
    report_in(west, category=pothole, address_label="Fremd 4")
    client.force_login(user)

    response = client.get(reverse("accounts:my_area"))

    text = response.text
    assert "Meine Meldungen" in text
    assert "Am Konto 1" in text
    assert "Per Mail 2" in text
    assert "Unbestätigt 3" not in text
    assert "Fremd 4" not in text
    assert f'href="{detail_url(by_account)}"' in text
    assert f'href="{detail_url(by_address)}"' in text
