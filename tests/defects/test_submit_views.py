"""The citizen's report form, step by step, as a browser without JavaScript sends it (Django's test client)."""

from __future__ import annotations

import re
import uuid
from html import unescape

import pytest
from django.contrib.gis.geos import LineString, MultiLineString, Point
from django.core import mail
from django.urls import reverse

from defects.forms import ANSWER_PREFIX
from defects.models import CategoryQuestion, Report, ReportStatus, Subscription
from defects.views.submit import mask_email
from districts.models import Quarter
from geo_core.srid import STORAGE_SRID
from geo_core.text import normalize_search_text
from tests.defects.conftest import REPORTER_EMAIL, public_report
from tests.defects.factories import EAST_POINT, WEST_POINT, CategoryFactory, CategoryQuestionFactory
from tests.defects.images import GPS_LAT, GPS_LON, camera_jpeg, two_colour, upload
from tests.factories import StreetFactory

URL = reverse("defects:report_new")
SUBMITTED_URL = reverse("defects:report_submitted")
PREFIX = "report_wizard"
CONFIRM_LINK = re.compile(r"/maengelmelder/bestaetigen/(?P<report_id>\d+)/(?P<token>[A-Za-z0-9_\-]+)/")


# --- Helpers -------------------------------------------------------------------------------------------------


def post_step(client, step: str, data: dict | None = None, **extra):
    """Post one step of the wizard the way the page's form does (step prefix, management form)."""
    payload = {f"{PREFIX}-current_step": step}
    for key, value in (data or {}).items():
        payload[f"{step}-{key}"] = value
    payload.update(extra)
    return client.post(URL, payload)


def start(client):
    response = client.get(URL)
    assert response.status_code == 200
    return response


def choose_point(client, lon=WEST_POINT[0], lat=WEST_POINT[1]):
    return post_step(client, "location", {"lon": str(lon), "lat": str(lat)})


def choose_category(client, category):
    return post_step(client, "category", {"category": str(category.pk)})


def details(**overrides) -> dict:
    data = {
        "description": "Tiefes Schlagloch vor Hausnummer 12",
        "reporter_name": "Erika Mustermann",
        "reporter_email": REPORTER_EMAIL,
        "reporter_phone": "05361 28-0",
        "privacy_consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit_details(client, data: dict, *, photos=(), submission_key: str | None = None):
    payload = {f"{PREFIX}-current_step": "details"}
    for key, value in data.items():
        payload[f"details-{key}"] = value
    if photos:
        payload["details-photos"] = list(photos)
    if submission_key:
        payload["details-submission_key"] = submission_key
    return client.post(URL, payload)


def current_step(response) -> str:
    return response.context["wizard"]["steps"].current


def submission_key(response) -> str:
    return response.context["wizard"]["form"]["submission_key"].value()


def text(response) -> str:
    return unescape(response.content.decode())


def errors_of(response) -> list[str]:
    """Return the error summary's entries (the page's role="alert" list)."""
    html = response.content.decode()
    match = re.search(r'<div class="error-summary" role="alert".*?</ul>', html, re.S)
    if not match:
        return []
    return [
        unescape(re.sub(r"<[^>]+>", "", item)).strip()
        for item in re.findall(r"<li>(.*?)</li>", match[0], re.S)
    ]


def jpeg() -> bytes:
    """A small JPEG without a position."""
    return camera_jpeg(with_gps=False)


def to_details(client, category, *, lon=WEST_POINT[0], lat=WEST_POINT[1]):
    start(client)
    response = choose_point(client, lon, lat)
    assert current_step(response) == "category", errors_of(response)
    response = choose_category(client, category)
    assert current_step(response) == "details", errors_of(response)
    return response


# --- The whole way ------------------------------------------------------------------------------------------


def test_location_step_works_without_javascript(client, category):
    response = start(client)

    html = response.content.decode()
    assert current_step(response) == "location"
    assert "Schritt 1 von 3:" in text(response)
    # the street field is a plain text field; the map and "use my location" are hidden without a script
    assert 'name="location-street"' in html
    assert "Meinen Standort verwenden" in html
    assert "<noscript><style>.report-map, .js-only { display: none !important; }" in html
    assert 'class="folium-map platform-map"' in html
    # no third-party assets: Leaflet and the page's script come from the platform
    assert "/static/maps/vendor/leaflet/leaflet.js" in html
    assert "/static/defects/js/report-form.js" in html
    assert "cdn" not in html.lower()


def test_report_from_pin_to_confirmed_public_report(client, category, run_tasks):
    # given: a category with a required yes/no, a number, a choice, several choices and a text question
    q_danger = CategoryQuestionFactory(category=category, key="gefahr", label="Gefahr?", required=True)
    q_size = CategoryQuestionFactory(
        category=category, key="groesse", label="Größe in cm", kind=CategoryQuestion.Kind.NUMBER
    )
    q_where = CategoryQuestionFactory(
        category=category,
        key="lage",
        label="Wo?",
        kind=CategoryQuestion.Kind.SINGLE_CHOICE,
        choices=["Fahrbahn", "Gehweg"],
    )
    q_what = CategoryQuestionFactory(
        category=category,
        key="was",
        label="Was noch?",
        kind=CategoryQuestion.Kind.MULTIPLE_CHOICE,
        choices=["Wasser", "Risse", "Glas"],
    )
    q_note = CategoryQuestionFactory(
        category=category, key="notiz", label="Notiz", kind=CategoryQuestion.Kind.TEXT
    )

    # when: the person goes through the steps
    start(client)
    response = choose_point(client)
    assert current_step(response) == "category"
    assert "Westend" in text(response)  # the location found, shown on the next step
    response = choose_category(client, category)
    assert current_step(response) == "details"
    html = response.content.decode()
    # the questions are real fields by kind; the required one is marked
    assert f'type="radio" name="details-{ANSWER_PREFIX}gefahr" value="ja"' in html
    assert f'name="details-{ANSWER_PREFIX}groesse"' in html and 'inputmode="decimal"' in html
    assert f'type="checkbox" name="details-{ANSWER_PREFIX}was" value="Risse"' in html
    assert "Gefahr?" in html and "(Pflichtangabe)" in html
    assert 'accept="image/*"' in html and "multiple" in html
    key = submission_key(response)
    uuid.UUID(key)
    response = submit_details(
        client,
        details(
            **{
                ANSWER_PREFIX + q_danger.key: "ja",
                ANSWER_PREFIX + q_size.key: "35,5",
                ANSWER_PREFIX + q_where.key: "Gehweg",
                ANSWER_PREFIX + q_what.key: ["Glas", "Wasser"],
                ANSWER_PREFIX + q_note.key: "seit Montag",
            }
        ),
        photos=[upload(jpeg(), name="schlagloch.jpg")],
        submission_key=key,
    )

    # then: one unconfirmed report with everything, and the page that says what happens next
    assert response.status_code == 302
    assert response.url == SUBMITTED_URL
    report = Report.objects.get()
    assert report.status == ReportStatus.UNCONFIRMED
    assert report.category == category
    assert (report.location.x, report.location.y) == pytest.approx(WEST_POINT)
    assert report.answers == {
        "gefahr": True,
        "groesse": 35.5,
        "lage": "Gehweg",
        "was": ["Wasser", "Glas"],
        "notiz": "seit Montag",
    }
    assert report.description == "Tiefes Schlagloch vor Hausnummer 12"
    assert report.reporter_email == REPORTER_EMAIL
    assert report.reporter_name == "Erika Mustermann"
    assert report.submission_key == uuid.UUID(key)
    assert report.photos.count() == 1
    page = client.get(SUBMITTED_URL)
    assert "Fast geschafft" in text(page)
    assert "Bitte bestätigen Sie Ihre Meldung über den Link" in text(page)
    assert "e…@example.org" in text(page)
    assert REPORTER_EMAIL not in text(page)
    assert "nach 7 Tagen" in text(page)

    # the confirmation mail arrives once the queued job ran
    run_tasks()
    [message] = [m for m in mail.outbox if REPORTER_EMAIL in m.to]
    link = CONFIRM_LINK.search(message.body)
    assert link, message.body
    confirm_url = link.group(0)

    # a GET (a link scanner, a preview) does not confirm
    page = client.get(confirm_url)
    assert page.status_code == 200
    assert "Meldung jetzt bestätigen" in text(page)
    report.refresh_from_db()
    assert report.status == ReportStatus.UNCONFIRMED

    # the button does, and leads to the public report page
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert response.url == reverse("defects:report_detail", kwargs={"pk": report.pk})
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN
    assert report.confirmed_at is not None


def test_category_step_groups_categories_with_legends_and_icons(client, category):
    other_group = CategoryFactory(
        name="Laterne", group__name="Beleuchtung", icon="bulb", description="Licht aus"
    )
    CategoryFactory(name="Ohne Symbol", group=other_group.group, icon="gibt-es-nicht")
    CategoryFactory(name="Inaktiv", is_active=False)
    start(client)

    response = choose_point(client)

    html = response.content.decode()
    assert re.search(r"<legend[^>]*>Straße und Verkehr</legend>", html)
    assert re.search(r"<legend[^>]*>Beleuchtung</legend>", html)
    assert "/static/defects/icons/bulb.svg" in html
    assert "gibt-es-nicht" not in html  # a missing icon file shows no icon
    assert "Licht aus" in html
    assert "Inaktiv" not in html


# --- The location without a map -------------------------------------------------------------------------


def street(name: str, quarter: Quarter, x: float) -> None:
    StreetFactory(
        city=quarter.district.city,
        quarter=quarter,
        name=name,
        search_name=normalize_search_text(name),
        geom=MultiLineString(LineString((x, 52.415), (x + 0.005, 52.415)), srid=STORAGE_SRID),
    )


def test_typed_street_with_one_hit_is_the_location(client, category):
    street("Amselweg", Quarter.objects.get(slug="westend"), 10.785)
    start(client)

    response = post_step(client, "location", {"street": "amselw"})

    assert current_step(response) == "category", errors_of(response)
    assert "Amselweg, Westend" in text(response)
    response = choose_category(client, category)
    response = submit_details(client, details(), submission_key=submission_key(response))
    report = Report.objects.get()
    assert report.address_label == "Amselweg"
    assert report.location.y == pytest.approx(52.415)
    assert 10.785 <= report.location.x <= 10.790


def test_typed_street_with_several_hits_offers_a_choice(client, category):
    street("Lindenweg", Quarter.objects.get(slug="westend"), 10.785)
    street("Lindenweg", Quarter.objects.get(slug="ostend"), 10.805)
    start(client)

    response = post_step(client, "location", {"street": "Lindenweg"})

    assert current_step(response) == "location"
    html = response.content.decode()
    assert "Lindenweg – Westend" in text(response)
    assert "Lindenweg – Ostend" in text(response)
    assert 'type="radio" name="location-street_choice"' in html
    assert errors_of(response) == ["Es gibt mehrere passende Straßen. Bitte wählen Sie eine aus."]

    east_choice = re.search(
        r'value="(\d+)"[^>]*id="id_location-street_choice_\d+"[^>]*>\s*<label[^>]*>Lindenweg – Ostend', html
    )
    assert east_choice, html
    response = post_step(client, "location", {"street": "Lindenweg", "street_choice": east_choice[1]})

    assert current_step(response) == "category", errors_of(response)
    assert "Lindenweg, Ostend" in text(response)


def test_unknown_street_is_a_clear_error(client, category):
    start(client)

    response = post_step(client, "location", {"street": "Gibtsnichtstraße"})

    assert current_step(response) == "location"
    assert errors_of(response) == [
        "Wir haben keine Straße „Gibtsnichtstraße“ gefunden. Bitte prüfen Sie die Schreibweise oder wählen Sie "
        "den Ort auf der Karte."
    ]


def test_no_location_at_all_is_explained(client, category):
    start(client)

    response = post_step(client, "location", {})

    assert current_step(response) == "location"
    assert "Bitte geben Sie an, wo der Mangel ist" in errors_of(response)[0]


def test_pin_set_after_typing_a_street_wins(client, category):
    """The script marks the typed name as done when the pin is set; the pin is then the location."""
    street("Amselweg", Quarter.objects.get(slug="westend"), 10.785)
    start(client)

    response = post_step(
        client,
        "location",
        {
            "street": "Amselweg",
            "street_resolved": "Amselweg",
            "lon": str(EAST_POINT[0]),
            "lat": str(EAST_POINT[1]),
        },
    )

    assert current_step(response) == "category"
    assert "Ostend" in text(response)


# --- Similar reports nearby ------------------------------------------------------------------------------------


def test_similar_step_only_when_open_reports_of_the_category_are_nearby(client, category, west):
    other = CategoryFactory(name="Laterne")
    public_report(category, west, location=Point(WEST_POINT[0] + 0.0002, WEST_POINT[1], srid=STORAGE_SRID))

    # another category at the same place: no similar step
    start(client)
    choose_point(client)
    response = post_step(client, "category", {"category": str(other.pk)})
    assert current_step(response) == "details"
    assert "Schritt 3 von 3:" in text(response)

    # the same category: the similar step lists the report with its status, date and distance
    start(client)
    choose_point(client)
    response = choose_category(client, category)
    assert current_step(response) == "similar"
    page = text(response)
    assert "Schritt 3 von 4:" in page
    assert "Schlagloch" in page and "offen" in page
    assert re.search(r"etwa 1[0-9] m entfernt", page)
    assert "Diese Meldung unterstützen" in page
    assert "Meine Meldung ist etwas anderes" in page

    # "my report is something else" moves on to the details
    response = post_step(client, "similar")
    assert current_step(response) == "details"


def test_supporting_a_similar_report_ends_the_flow(client, category, west, run_tasks):
    existing = public_report(category, west, location=Point(*WEST_POINT, srid=STORAGE_SRID))
    start(client)
    choose_point(client)
    choose_category(client, category)

    response = client.post(
        URL,
        {
            f"{PREFIX}-current_step": "similar",
            "support_report": str(existing.pk),
            "support_email": "helfer@example.org",
        },
    )

    assert response.status_code == 302
    assert response.url == SUBMITTED_URL
    page = text(client.get(SUBMITTED_URL))
    assert "Bitte bestätigen Sie Ihre Unterstützung" in page
    assert "h…@example.org" in page
    subscription = Subscription.objects.get(email="helfer@example.org")
    assert subscription.report == existing
    assert subscription.role == Subscription.Role.SUPPORTER
    assert subscription.confirmed_at is None
    assert Report.objects.count() == 1  # nothing new reported
    run_tasks()
    assert any("helfer@example.org" in message.to for message in mail.outbox)
    # the flow is over: posting the details now starts anew
    response = submit_details(client, details())
    assert response.status_code == 302
    assert response.url == URL


def test_supporting_with_a_bad_email_shows_the_error_at_that_report(client, category, west):
    existing = public_report(category, west, location=Point(*WEST_POINT, srid=STORAGE_SRID))
    start(client)
    choose_point(client)
    choose_category(client, category)

    response = client.post(
        URL,
        {f"{PREFIX}-current_step": "similar", "support_report": str(existing.pk), "support_email": "kaputt"},
    )

    assert response.status_code == 200
    assert current_step(response) == "similar"
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an" in text(response)
    assert Subscription.objects.filter(role=Subscription.Role.SUPPORTER).count() == 0


# --- Bad input: a German message at the field, nothing saved ---------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "message"),
    [
        ("10.70", "52.42", "Der Ort liegt außerhalb von Teststadt."),
        ("52.42", "10.79", "Länge und Breite scheinen vertauscht"),
        ("zehn", "52.42", "„zehn“ ist keine Zahl."),
    ],
    ids=["outside-city", "swapped", "not-a-number"],
)
def test_bad_coordinates_are_refused_on_the_location_step(client, category, lon, lat, message):
    start(client)

    response = choose_point(client, lon, lat)

    assert current_step(response) == "location"
    assert any(error.startswith(message) for error in errors_of(response)), errors_of(response)
    assert 'role="alert"' in response.content.decode()
    assert Report.objects.count() == 0


def test_no_category_chosen(client, category):
    start(client)
    choose_point(client)

    response = post_step(client, "category", {})

    assert current_step(response) == "category"
    assert errors_of(response) == ["Bitte wählen Sie eine Kategorie."]


@pytest.mark.parametrize(
    ("overrides", "photos", "field", "message"),
    [
        (
            {"description": "x" * 4001},
            None,
            "description",
            "Die Beschreibung darf höchstens 4000 Zeichen lang sein",
        ),
        (
            {},
            [upload(b"kein Bild, nur Text", name="notiz.jpg")],
            "photos",
            "notiz.jpg: Die Datei ist kein Bild.",
        ),
        (
            {"privacy_consent": None},
            None,
            "privacy_consent",
            "Bitte stimmen Sie der Verarbeitung Ihrer Angaben zu",
        ),
        ({"reporter_email": ""}, None, "reporter_email", "Bitte geben Sie Ihre E-Mail-Adresse an."),
        (
            {"reporter_email": "erika@"},
            None,
            "reporter_email",
            "Bitte geben Sie eine gültige E-Mail-Adresse an",
        ),
        (
            {"reporter_phone": "ruf mich an"},
            None,
            "reporter_phone",
            "Bitte geben Sie die Telefonnummer nur mit",
        ),
    ],
    ids=["description-too-long", "bad-photo", "no-consent", "no-email", "bad-email", "bad-phone"],
)
def test_bad_details_are_shown_at_their_field(client, category, overrides, photos, field, message):
    response = to_details(client, category)
    key = submission_key(response)

    response = submit_details(client, details(**overrides), photos=photos or (), submission_key=key)

    assert response.status_code == 200
    assert current_step(response) == "details"
    form = response.context["wizard"]["form"]
    assert any(error.startswith(message) for error in form.errors[field]), form.errors
    assert any(error.startswith(message) for error in errors_of(response))
    # the summary links to the field, the field says it is invalid
    html = response.content.decode()
    assert f'href="#{form[field].auto_id}"' in html
    assert 'aria-invalid="true"' in html
    assert Report.objects.count() == 0
    assert Subscription.objects.count() == 0


def test_missing_required_answer(client, category):
    question = CategoryQuestionFactory(category=category, key="gefahr", label="Gefahr?", required=True)
    response = to_details(client, category)

    response = submit_details(client, details(), submission_key=submission_key(response))

    assert current_step(response) == "details"
    field = ANSWER_PREFIX + question.key
    assert response.context["wizard"]["form"].errors[field] == ["Bitte beantworten Sie: „Gefahr?“."]
    # a radio group: the summary links to its first button
    assert f'href="#id_details-{field}_0"' in response.content.decode()
    assert Report.objects.count() == 0


def test_several_errors_are_all_shown_at_once(client, category):
    response = to_details(client, category)

    response = submit_details(
        client, details(reporter_email="", privacy_consent=None), submission_key=submission_key(response)
    )

    assert set(response.context["wizard"]["form"].errors) == {"reporter_email", "privacy_consent"}
    assert len(errors_of(response)) == 2


def test_what_was_typed_stays_after_an_error(client, category):
    response = to_details(client, category)

    response = submit_details(
        client,
        details(privacy_consent=None, description="Loch <b>groß</b>"),
        submission_key=submission_key(response),
    )

    html = response.content.decode()
    assert "Loch &lt;b&gt;groß&lt;/b&gt;</textarea>" in html
    assert f'value="{REPORTER_EMAIL}"' in html
    assert "Bitte wählen Sie Ihre Fotos noch einmal aus" not in html  # none were chosen


def test_after_an_error_the_page_asks_for_the_photos_again(client, category):
    response = to_details(client, category)

    response = submit_details(
        client,
        details(privacy_consent=None),
        photos=[upload(jpeg())],
        submission_key=submission_key(response),
    )

    assert "Bitte wählen Sie Ihre Fotos noch einmal aus" in text(response)
    assert Report.objects.count() == 0


# --- Twice, and markup ------------------------------------------------------------------------------------------


def test_sending_the_same_form_twice_creates_one_report(client, category, run_tasks):
    response = to_details(client, category)
    key = submission_key(response)

    first = submit_details(client, details(), submission_key=key)
    second = submit_details(client, details(), submission_key=key)

    assert first.status_code == second.status_code == 302
    assert Report.objects.count() == 1
    page = text(client.get(SUBMITTED_URL))
    assert "Diese Meldung hatten Sie bereits abgeschickt" in page
    run_tasks()
    assert len([m for m in mail.outbox if REPORTER_EMAIL in m.to]) == 1


def test_each_new_form_gets_its_own_key(client, category):
    first = submission_key(to_details(client, category))
    second = submission_key(to_details(client, category))

    assert first != second


def test_markup_in_the_description_is_shown_escaped(client, category, run_tasks):
    response = to_details(client, category)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'

    submit_details(client, details(description=evil), submission_key=submission_key(response))

    page = client.get(SUBMITTED_URL).content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    report = Report.objects.get()
    assert report.description == evil


# --- A position in the photo is offered, never used silently -------------------------------------------------


def category_city():
    return Quarter.objects.get(slug="westend").district.city


def gps_jpeg() -> bytes:
    """A JPEG taken at Wolfsburg's town hall, which lies in the west district of the test city (~380 m off)."""
    return camera_jpeg(image=two_colour())


def test_photo_position_is_offered_and_used_only_when_chosen(client, category):
    StreetFactory(
        city=category_city(),
        quarter=Quarter.objects.get(slug="westend"),
        name="Rathausplatz",
        search_name="rathausplatz",
        geom=MultiLineString(
            LineString((GPS_LON - 0.001, GPS_LAT), (GPS_LON + 0.001, GPS_LAT)), srid=STORAGE_SRID
        ),
    )
    response = to_details(client, category)
    key = submission_key(response)

    # the photo has a position far from the pin: the step asks instead of sending
    response = submit_details(client, details(), photos=[upload(gps_jpeg())], submission_key=key)

    assert response.status_code == 200
    assert Report.objects.count() == 0
    html = response.content.decode()
    assert "Position aus dem Foto übernehmen" in html
    assert "Den von mir gewählten Ort behalten" in html
    assert "wählen Sie die Fotos noch einmal aus" in text(response)

    # the person takes it (and chooses the photo again); had anything else been wrong, the page would name
    # the photo's place as the location
    wrong = submit_details(
        client,
        details(
            photo_position="photo", photo_lon=f"{GPS_LON:.6f}", photo_lat=f"{GPS_LAT:.6f}", reporter_email=""
        ),
        submission_key=key,
    )
    assert wrong.context["location_label"] == "Rathausplatz, Westend"
    response = submit_details(
        client,
        details(photo_position="photo", photo_lon=f"{GPS_LON:.6f}", photo_lat=f"{GPS_LAT:.6f}"),
        photos=[upload(gps_jpeg())],
        submission_key=key,
    )

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.location.x, report.location.y) == pytest.approx((GPS_LON, GPS_LAT), abs=1e-6)


def test_photo_position_can_be_declined(client, category):
    response = to_details(client, category)

    response = submit_details(
        client,
        details(photo_position="pin"),
        photos=[upload(gps_jpeg())],
        submission_key=submission_key(response),
    )

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.location.x, report.location.y) == pytest.approx(WEST_POINT)


def test_photo_near_the_pin_is_not_asked_about(client, category):
    to_details(client, category, lon=GPS_LON + 0.0001, lat=GPS_LAT)

    response = submit_details(client, details(), photos=[upload(gps_jpeg())])

    assert response.status_code == 302
    assert Report.objects.count() == 1


def test_the_script_can_ask_for_a_photos_position(client, category):
    to_details(client, category)

    response = client.post(URL, {"photo_probe": "1", "photo": upload(gps_jpeg())})

    assert response.status_code == 200
    data = response.json()
    assert data["found"] is True
    assert (data["lon"], data["lat"]) == pytest.approx((GPS_LON, GPS_LAT), abs=1e-6)
    assert "Westend" in data["label"]
    assert 300 < data["distance_m"] < 500
    assert Report.objects.count() == 0
    no_gps = client.post(URL, {"photo_probe": "1", "photo": upload(jpeg())})
    assert no_gps.json() == {"found": False}


# --- Confirmation links and odd requests ---------------------------------------------------------------------


def test_wrong_confirmation_link_explains_itself(client, category):
    response = to_details(client, category)
    submit_details(client, details(), submission_key=submission_key(response))
    report = Report.objects.get()
    url = reverse("defects:report_confirm", kwargs={"report_id": report.pk, "token": "falsch"})

    for page in (client.get(url), client.post(url)):
        assert page.status_code == 404
        assert "Dieser Link funktioniert nicht (mehr)" in text(page)
    report.refresh_from_db()
    assert report.status == ReportStatus.UNCONFIRMED


def test_confirmation_link_of_a_deleted_report(client, db):
    url = reverse("defects:report_confirm", kwargs={"report_id": 999999, "token": "irgendwas"})

    page = client.get(url)

    assert page.status_code == 404
    assert "nach 7 Tagen" in text(page)


def test_a_post_without_a_started_form_starts_again(client, category):
    response = submit_details(client, details())

    assert response.status_code == 302
    assert response.url == URL
    assert Report.objects.count() == 0


def test_back_from_details_keeps_what_was_typed(client, category):
    response = to_details(client, category)
    key = submission_key(response)

    response = client.post(
        URL,
        {
            f"{PREFIX}-current_step": "details",
            "wizard_goto_step": "category",
            "details-description": "Schon getippt",
            "details-reporter_email": REPORTER_EMAIL,
            "details-submission_key": key,
        },
    )
    assert current_step(response) == "category"
    response = choose_category(client, category)

    assert current_step(response) == "details"
    html = response.content.decode()
    assert "Schon getippt</textarea>" in html
    assert submission_key(response) == key


def test_email_is_masked():
    assert mask_email("erika.mustermann@example.org") == "e…@example.org"
    assert mask_email("kaputt") == ""


# --- The service's errors land on the step they belong to ---------------------------------------------------


def test_a_location_error_from_the_service_leads_back_to_the_location_step(client, category, monkeypatch):
    from defects import services
    from defects.errors import FieldError, ReportValidationError

    def refuse(**kwargs):
        raise ReportValidationError(
            [
                FieldError("location", "outside_area", "Der Ort liegt in keinem Ortsratsbereich."),
                FieldError("privacy_consent", "consent_required", "Bitte stimmen Sie zu."),
            ]
        )

    response = to_details(client, category)
    key = submission_key(response)
    monkeypatch.setattr(services, "report_create", refuse)

    response = submit_details(client, details(description="Schon getippt"), submission_key=key)

    assert current_step(response) == "location"
    assert errors_of(response) == ["Der Ort liegt in keinem Ortsratsbereich."]
    # on the way forward again, the details typed before are still there
    monkeypatch.undo()
    choose_point(client)
    response = choose_category(client, category)
    assert "Schon getippt</textarea>" in response.content.decode()
    assert submission_key(response) == key


def test_a_category_error_from_the_service_leads_back_to_the_category_step(client, category, monkeypatch):
    from defects import services
    from defects.errors import FieldError, ReportValidationError

    def refuse(**kwargs):
        raise ReportValidationError(
            [FieldError("category", "inactive_category", "Die Kategorie wird nicht mehr angeboten.")]
        )

    response = to_details(client, category)
    monkeypatch.setattr(services, "report_create", refuse)

    response = submit_details(client, details(), submission_key=submission_key(response))

    assert current_step(response) == "category"
    assert errors_of(response) == ["Die Kategorie wird nicht mehr angeboten."]


def test_a_category_switched_off_meanwhile_sends_the_person_back_to_choose(client, category):
    response = to_details(client, category)
    category.is_active = False
    category.save()

    response = submit_details(client, details(), submission_key=submission_key(response))

    assert current_step(response) == "category"
    assert Report.objects.count() == 0
