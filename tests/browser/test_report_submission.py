"""Reporting a defect in a real browser (Debian's Chromium) with Wolfsburg's real data, as a citizen would."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Page, expect

from defects.models import Report, ReportStatus
from districts.models import Department, District
from geo_core.srid import STORAGE_SRID
from tests.browser.conftest import run_jobs
from tests.defects.factories import CategoryFactory, CategoryQuestionFactory, ResponsibilityFactory
from tests.defects.images import camera_jpeg, gps_ifd, two_colour
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.browser

EMAIL = "erika.mustermann@example.org"
MOBILE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CONFIRM_PATH = re.compile(r"/maengelmelder/bestaetigen/\d+/[A-Za-z0-9_\-]+/")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def categories(wolfsburg_transactional):
    """Two categories in two groups, routed citywide; the city's triage department from its import."""
    if not Department.objects.filter(kind=Department.Kind.TRIAGE, is_active=True).exists():
        DepartmentFactory(name="Annahmestelle", slug="annahme", kind=Department.Kind.TRIAGE)
    department = DepartmentFactory(name="Straßenbau (Test)", slug="strassenbau-test")
    pothole = CategoryFactory(
        name="Schlagloch (Test)",
        group__name="Straße und Verkehr (Test)",
        icon="road",
        description="Löcher und Risse in der Fahrbahn.",
    )
    CategoryQuestionFactory(category=pothole, key="gefahr", label="Besteht eine Gefahr?", required=True)
    light = CategoryFactory(
        name="Laterne (Test)",
        group__name="Beleuchtung (Test)",
        icon="bulb",
        description="Laterne aus oder kaputt.",
    )
    for category in (pothole, light):
        ResponsibilityFactory(category=category, department=department)
    return {"pothole": pothole, "light": light}


def open_form(page: Page, live_server) -> None:
    page.goto(live_server.url + reverse("defects:report_new"))
    expect(page.locator("[data-report-map] .platform-map")).to_have_attribute(
        "data-layer-districts-count", re.compile(r"^\d+$")
    )


def click_map_at(page: Page, point: Point) -> None:
    """Click the form's map where ``point`` is shown."""
    map_element = page.locator("[data-report-map] .platform-map")
    map_id = map_element.get_attribute("id")
    xy = page.evaluate(
        f"(() => {{ const p = window[{map_id!r}].latLngToContainerPoint([{point.y}, {point.x}]); return [p.x, p.y]; }})()"
    )
    box = map_element.bounding_box()
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])


def confirmation_path() -> str:
    """Run the queued jobs (the confirmation mail) and return the path of the link in the mail."""
    run_jobs()
    [message] = [m for m in mail.outbox if EMAIL in m.to]
    match = CONFIRM_PATH.search(message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


def fill_details_and_send(page: Page, *, photo=None) -> None:
    page.get_by_role("radio", name="Ja").check()
    if photo is not None:
        page.get_by_label("Fotos").set_input_files(str(photo))
    page.get_by_label("E-Mail-Adresse").fill(EMAIL)
    page.get_by_label(re.compile("^Ich bin mit der Verarbeitung")).check()
    page.get_by_role("button", name="Meldung absenden").click()


def test_report_by_clicking_the_map_then_confirm_and_find_it_public(
    page, live_server, categories, tmp_path, screenshot, traffic
):
    # given: a photo from the phone (without a position)
    photo = tmp_path / "schlagloch.jpg"
    photo.write_bytes(camera_jpeg(image=two_colour((640, 480)), with_gps=False))
    target = District.objects.get(slug="stadtmitte").geom.point_on_surface

    # when: the person pins the place on the map
    page.set_viewport_size(MOBILE)
    open_form(page, live_server)
    screenshot(page, "report-form-1-location-mobile.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    open_form(page, live_server)  # laid out for the desktop from the start
    click_map_at(page, target)

    # then: the pin sets the hidden coordinates and the place is named
    expect(page.locator("[data-location-status]")).to_contain_text("Gewählter Ort:")
    expect(page.locator(".report-marker")).to_have_count(1)
    lon = float(page.locator('[name="location-lon"]').input_value())
    lat = float(page.locator('[name="location-lat"]').input_value())
    assert lon == pytest.approx(target.x, abs=1e-3)  # one pixel at city zoom is ~0.0005°
    assert lat == pytest.approx(target.y, abs=1e-3)
    screenshot(page, "report-form-1-location-desktop.png")
    page.get_by_role("button", name="Weiter").click()

    # the category, grouped with legends
    expect(page.get_by_role("group", name="Straße und Verkehr (Test)")).to_be_visible()
    page.set_viewport_size(MOBILE)
    screenshot(page, "report-form-2-category-mobile.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.get_by_role("radio", name="Schlagloch (Test)").check()
    page.get_by_role("button", name="Weiter").click()

    # the details: the required question, a photo, e-mail and consent
    expect(page.get_by_role("heading", level=2)).to_contain_text("Angaben")
    page.get_by_label("Beschreibung").fill("Tiefes Loch")
    expect(page.locator("[data-char-counter]")).to_have_text("Noch 3989 von 4000 Zeichen")
    page.set_viewport_size(MOBILE)
    screenshot(page, "report-form-3-details-mobile.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    fill_details_and_send(page, photo=photo)

    # "almost done": the address is masked
    expect(page.get_by_role("heading", level=1)).to_have_text("Fast geschafft")
    expect(page.locator("main")).to_contain_text("e…@example.org")
    expect(page.locator("main")).not_to_contain_text(EMAIL)
    screenshot(page, "report-form-4-submitted.png", full_page=True)
    report = Report.objects.get()
    assert report.status == ReportStatus.UNCONFIRMED
    assert report.photos.count() == 1
    assert report.district.slug == "stadtmitte"

    # the link from the e-mail shows a button; confirming leads to the public report
    page.goto(live_server.url + confirmation_path())
    expect(page.get_by_role("button", name="Meldung jetzt bestätigen")).to_be_visible()
    screenshot(page, "report-form-5-confirm.png", full_page=True)
    page.get_by_role("button", name="Meldung jetzt bestätigen").click()
    expect(page).to_have_url(live_server.url + reverse("defects:report_detail", kwargs={"pk": report.pk}))
    expect(page.locator(".messages")).to_contain_text("Ihre Meldung ist bestätigt")
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN

    # and it is in the public list of reports and on the public map
    page.goto(live_server.url + reverse("defects:report_list"))
    detail_url = reverse("defects:report_detail", kwargs={"pk": report.pk})
    expect(page.locator(f'a[href="{detail_url}"]')).to_have_count(1)
    page.goto(live_server.url + reverse("defects:report_map"))
    expect(page.locator(".platform-map")).to_have_attribute("data-layer-reports-count", "1")
    assert traffic.foreign == []


def test_report_by_typing_a_street_and_choosing_a_suggestion_with_the_keyboard(
    page, live_server, categories, screenshot
):
    open_form(page, live_server)
    street = page.get_by_role("combobox", name="Straße eingeben")

    street.click()
    page.keyboard.type("Porschestr", delay=30)
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    # one suggestion per street and quarter, even where the city's data has the street in pieces
    expect(listbox.get_by_role("option", name="Porschestraße – Stadtmitte")).to_have_count(1)
    screenshot(page, "report-form-street-suggestions.png")
    page.keyboard.press("ArrowDown")
    expect(street).to_have_attribute("aria-activedescendant", "street-option-0")
    page.keyboard.press("Enter")

    expect(listbox).to_be_hidden()
    expect(street).to_have_value("Porschestraße")
    expect(page.locator("[data-location-status]")).to_contain_text("Porschestraße, Stadtmitte")
    expect(page.locator(".report-marker")).to_have_count(1)
    assert page.locator('[name="location-lon"]').input_value()

    page.get_by_role("button", name="Weiter").click()
    expect(page.locator(".report-summary")).to_contain_text("Porschestraße")
    page.get_by_role("radio", name="Schlagloch (Test)").check()
    page.get_by_role("button", name="Weiter").click()
    fill_details_and_send(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Fast geschafft")
    report = Report.objects.get()
    assert report.address_label == "Porschestraße"
    assert report.quarter.name == "Stadtmitte"


def test_marker_moves_with_the_arrow_keys(page, live_server, categories):
    open_form(page, live_server)
    page.get_by_role("combobox", name="Straße eingeben").fill("Porschestraße")
    page.get_by_role("option", name="Porschestraße – Stadtmitte").click()
    expect(page.locator(".report-marker")).to_have_count(1)
    before = float(page.locator('[name="location-lon"]').input_value())

    page.locator(".report-marker").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")

    after = float(page.locator('[name="location-lon"]').input_value())
    assert after > before


def test_photo_position_is_offered_and_taken_only_on_request(page, live_server, categories, tmp_path):
    # given: a photo taken about 300 m east of the chosen street
    open_form(page, live_server)
    page.get_by_role("combobox", name="Straße eingeben").fill("Porschestraße")
    page.get_by_role("option", name="Porschestraße – Stadtmitte").click()
    expect(page.locator(".report-marker")).to_have_count(1)
    pin = Point(
        float(page.locator('[name="location-lon"]').input_value()),
        float(page.locator('[name="location-lat"]').input_value()),
        srid=STORAGE_SRID,
    )
    page.get_by_role("button", name="Weiter").click()
    page.get_by_role("radio", name="Schlagloch (Test)").check()
    page.get_by_role("button", name="Weiter").click()
    lon, lat = pin.x + 0.004, pin.y
    photo = tmp_path / "mit-position.jpg"
    photo.write_bytes(camera_jpeg(gps=gps_ifd(lat=dms(lat), lon=dms(lon))))

    # when: the photo is chosen, the page offers its position, and the person takes it
    expect(page.locator("[data-report-wizard]")).to_have_attribute("data-enhanced", "true")
    with page.expect_response(lambda response: response.request.method == "POST") as probe:
        page.get_by_label("Fotos").set_input_files(str(photo))
    assert probe.value.json()["found"] is True, probe.value.text()
    offer = page.locator("[data-photo-offer]")
    expect(offer).to_contain_text("Position aus dem Foto übernehmen?")
    page.get_by_role("button", name="Position aus dem Foto übernehmen").click()
    expect(offer).to_contain_text("Wir verwenden die Position aus dem Foto")
    fill_details_and_send(page)

    # then
    expect(page.get_by_role("heading", level=1)).to_have_text("Fast geschafft")
    report = Report.objects.get()
    assert (report.location.x, report.location.y) == pytest.approx((lon, lat), abs=1e-5)


def dms(value: float) -> tuple:
    from PIL.TiffImagePlugin import IFDRational

    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 10000)
    return (degrees, minutes, IFDRational(seconds, 10000))


def test_errors_are_summarised_and_linked(page, live_server, categories, screenshot):
    open_form(page, live_server)
    page.get_by_role("combobox", name="Straße eingeben").fill("Porschestraße")
    page.get_by_role("option", name="Porschestraße – Stadtmitte").click()
    page.get_by_role("button", name="Weiter").click()
    page.get_by_role("radio", name="Laterne (Test)").check()
    page.get_by_role("button", name="Weiter").click()

    page.get_by_role("button", name="Meldung absenden").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Bitte geben Sie Ihre E-Mail-Adresse an.")
    expect(summary).to_contain_text("Bitte stimmen Sie der Verarbeitung Ihrer Angaben zu")
    expect(summary).to_be_focused()
    page.set_viewport_size(MOBILE)
    screenshot(page, "report-form-errors-mobile.png", full_page=True)
    summary.get_by_role("link", name="Bitte geben Sie Ihre E-Mail-Adresse an.").click()
    expect(page.get_by_label("E-Mail-Adresse")).to_be_focused()
    assert Report.objects.count() == 0


@pytest.fixture
def no_script_page(chromium, traffic):
    """A page of a browser with JavaScript switched off."""
    context = chromium.new_context(locale="de-DE", viewport=MOBILE, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_without_javascript_a_typed_street_is_enough(no_script_page, live_server, categories, screenshot):
    page = no_script_page
    page.goto(live_server.url + reverse("defects:report_new"))
    expect(page.locator(".report-map")).to_be_hidden()
    expect(page.get_by_role("button", name="Meinen Standort verwenden")).to_be_hidden()
    screenshot(page, "report-form-1-location-no-script.png", full_page=True)

    page.get_by_label("Straße eingeben").fill("Porschestraße")
    page.get_by_role("button", name="Weiter").click()

    expect(page.locator(".report-summary")).to_contain_text("Porschestraße, Stadtmitte")
    page.get_by_role("radio", name="Schlagloch (Test)").check()
    page.get_by_role("button", name="Weiter").click()
    fill_details_and_send(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Fast geschafft")
    assert Report.objects.get().address_label == "Porschestraße"


def test_without_javascript_a_street_in_several_quarters_is_chosen_from_a_list(
    no_script_page, live_server, categories, screenshot
):
    page = no_script_page
    page.goto(live_server.url + reverse("defects:report_new"))

    page.get_by_label("Straße eingeben").fill("Ladestraße")
    page.get_by_role("button", name="Weiter").click()

    choices = page.get_by_role("group", name="Welche Straße meinen Sie?")
    expect(choices.get_by_role("radio")).to_have_count(2)  # the street's two pieces in one quarter count once
    expect(page.get_by_role("alert")).to_contain_text("Es gibt mehrere passende Straßen")
    screenshot(page, "report-form-1-street-choice-no-script.png", full_page=True)
    choices.get_by_role("radio", name="Ladestraße – Fallersleben").check()
    page.get_by_role("button", name="Weiter").click()

    expect(page.locator(".report-summary")).to_contain_text("Ladestraße, Fallersleben")


def test_similar_report_nearby_can_be_supported_instead(page, live_server, categories, screenshot):
    # given: an open report of the same category on Porschestraße
    from districts.selectors import street_search
    from tests.defects.factories import ReportFactory

    hit = street_search(query="Porschestraße")[0]
    district = District.objects.get(slug="stadtmitte")
    ReportFactory(
        category=categories["pothole"],
        district=district,
        location=hit.point,
        address_label="Porschestraße",
        description="Großes Loch vor dem Eingang",
    )

    # when: the person chooses the same place and category
    open_form(page, live_server)
    page.get_by_role("combobox", name="Straße eingeben").fill("Porschestraße")
    page.get_by_role("option", name="Porschestraße – Stadtmitte").click()
    page.get_by_role("button", name="Weiter").click()
    page.get_by_role("radio", name="Schlagloch (Test)").check()
    page.get_by_role("button", name="Weiter").click()

    # then: the similar report is shown, and supporting it ends the flow
    expect(page.get_by_role("heading", level=2)).to_contain_text("Ähnliche Meldungen")
    expect(page.locator(".similar-report")).to_contain_text("Großes Loch vor dem Eingang")
    page.set_viewport_size(MOBILE)
    screenshot(page, "report-form-similar-mobile.png", full_page=True)
    page.get_by_label("Ihre E-Mail-Adresse").fill("helfer@example.org")
    page.get_by_role("button", name="Diese Meldung unterstützen").click()
    expect(page.locator("main")).to_contain_text("Bitte bestätigen Sie Ihre Unterstützung")
    assert Report.objects.count() == 1


def test_my_location_sets_the_pin(page, live_server, categories):
    from districts.selectors import street_search

    hit = street_search(query="Porschestraße")[0]
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": hit.lat, "longitude": hit.lon, "accuracy": 10})
    open_form(page, live_server)

    page.get_by_role("button", name="Meinen Standort verwenden").click()

    expect(page.locator("[data-location-status]")).to_contain_text("Porschestraße, Stadtmitte")
    expect(page.locator(".report-marker")).to_have_count(1)
    assert float(page.locator('[name="location-lon"]').input_value()) == pytest.approx(hit.lon, abs=1e-6)
    assert float(page.locator('[name="location-lat"]').input_value()) == pytest.approx(hit.lat, abs=1e-6)
