"""The Mängelmelder's public pages in a real browser (Debian's Chromium): map, list, a report's page."""

from __future__ import annotations

import re

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from playwright.sync_api import Page, expect

from defects.models import ReportStatus
from geo_core.srid import STORAGE_SRID
from tests.defects.factories import CategoryFactory, ReportEventFactory, ReportFactory

pytestmark = pytest.mark.browser

FEATURES_PATH = "/api/v1/layers/reports/features/"
CLUSTERS_PATH = "/api/v1/layers/reports/clusters/"
MOBILE = {"width": 390, "height": 844}

WEST_POINTS = [(10.785, 52.415), (10.79, 52.42), (10.795, 52.425)]
EAST_POINTS = [(10.805, 52.418), (10.815, 52.422)]


@pytest.fixture
def reports(city):
    """Three reports in West (potholes, one resolved) and two in Ost (graffiti)."""
    west = city.districts.get(slug="west")
    east = city.districts.get(slug="ost")
    pothole = CategoryFactory(name="Schlagloch", slug="schlagloch", icon="road")
    graffiti = CategoryFactory(name="Graffiti", slug="graffiti", icon="spray")
    created = []
    for index, (lon, lat) in enumerate(WEST_POINTS):
        created.append(
            ReportFactory(
                category=pothole,
                district=west,
                quarter=west.quarters.get(),
                location=Point(lon, lat, srid=STORAGE_SRID),
                address_label=f"Porschestraße {index + 1}",
                status=ReportStatus.RESOLVED if index == 2 else ReportStatus.OPEN,
            )
        )
    for index, (lon, lat) in enumerate(EAST_POINTS):
        created.append(
            ReportFactory(
                category=graffiti,
                district=east,
                quarter=east.quarters.get(),
                location=Point(lon, lat, srid=STORAGE_SRID),
                address_label=f"Heßlinger Straße {index + 1}",
                description="Schmierereien an der Unterführung, etwa drei Meter breit.",
            )
        )
    ReportEventFactory(
        report=created[2],
        kind="status_changed",
        from_status=ReportStatus.OPEN,
        to_status=ReportStatus.RESOLVED,
        public_message="Das Schlagloch wurde am Dienstag verfüllt.",
    )
    return created


def open_map(page: Page, live_server, query: str = "") -> None:
    page.goto(live_server.url + reverse("defects:report_map") + query)
    expect(page.locator(".platform-map")).to_have_attribute("data-layer-reports-count", re.compile(r"^\d+$"))


def map_call(page: Page, expression: str):
    map_id = page.locator(".platform-map").get_attribute("id")
    return page.evaluate(f"(() => {{ const map = window[{map_id!r}]; return {expression}; }})()")


def test_report_map_draws_the_reports_in_view_loaded_by_bbox(page, live_server, reports, traffic, screenshot):
    open_map(page, live_server)

    # then: at the city's zoom, the reports are counted per cell, fetched for the visible bbox
    expect(page.locator(".platform-map")).to_have_attribute("data-layer-reports-count", "5")
    counts = [int(text) for text in page.locator(".map-cluster").all_text_contents()]
    assert sum(counts) == 5
    clusters = traffic.paths(CLUSTERS_PATH)
    assert clusters and all("bbox=" in path and "zoom=" in path for path in clusters)
    assert not traffic.paths(FEATURES_PATH)

    # when: zooming in to street level, every report of the city is a circle marker, fetched by bbox
    map_call(page, "map.setView([52.42, 10.80], 15, {animate: false})")
    expect(page.locator("path.map-feature--reports")).to_have_count(5)
    expect(page.locator(".map-cluster")).to_have_count(0)
    requests = traffic.paths(FEATURES_PATH)
    assert requests and all("bbox=" in path for path in requests)
    # coloured by status: four open, one resolved
    expect(page.locator("path.map-feature--reports--open")).to_have_count(4)
    expect(page.locator("path.map-feature--reports--resolved")).to_have_count(1)
    screenshot(page, "report-map.png")

    # when: zooming into West
    map_call(page, "map.setView([52.42, 10.79], 16, {animate: false})")

    # then: only the reports in view, fetched again for the smaller bbox
    expect(page.locator(".platform-map")).not_to_have_attribute("data-layer-reports-count", "5")
    bounds = map_call(page, "map.getBounds().toBBoxString()")
    west, south, east, north = (float(value) for value in bounds.split(","))
    in_view = [r for r in reports if west <= r.location.x <= east and south <= r.location.y <= north]
    assert 1 <= len(in_view) < 5
    expect(page.locator(".platform-map")).to_have_attribute("data-layer-reports-count", str(len(in_view)))
    expect(page.locator("path.map-feature--reports")).to_have_count(len(in_view))
    assert len(traffic.paths(FEATURES_PATH)) > len(requests)


def test_clicking_a_report_opens_a_popup_that_links_to_its_page(page, live_server, reports):
    open_map(page, live_server)
    report = reports[3]
    map_call(page, f"map.setView([{report.location.y}, {report.location.x}], 16, {{animate: false}})")
    expect(page.locator("path.map-feature--reports").first).to_be_visible()
    point = map_call(page, f"map.latLngToContainerPoint([{report.location.y}, {report.location.x}])")
    box = page.locator(".platform-map").bounding_box()

    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])

    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Graffiti")
    expect(popup).to_contain_text("offen")
    expect(popup).to_contain_text("Heßlinger Straße 1")
    link = popup.get_by_role("link", name="Graffiti")
    expect(link).to_have_attribute("href", re.compile(rf"/maengelmelder/meldungen/{report.pk}/$"))
    link.click()
    expect(page).to_have_url(re.compile(rf"/maengelmelder/meldungen/{report.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Graffiti")


def test_map_filter_narrows_the_layer(page, live_server, reports, traffic):
    open_map(page, live_server)
    expect(page.locator(".platform-map")).to_have_attribute("data-layer-reports-count", "5")

    page.get_by_label("Kategorie").select_option(label="Schlagloch")
    page.get_by_role("button", name="Filter anwenden").click()

    expect(page.locator(".platform-map")).to_have_attribute("data-layer-reports-count", "3")
    expect(page).to_have_url(re.compile(r"category=schlagloch"))
    assert any("category=schlagloch" in path for path in traffic.paths(CLUSTERS_PATH))
    # the list of the same reports is one link away
    expect(page.get_by_role("link", name=re.compile("als Liste"))).to_have_attribute(
        "href", re.compile(r"category=schlagloch")
    )


def test_list_filter_by_category_narrows_the_list(page, live_server, reports, screenshot):
    page.goto(live_server.url + reverse("defects:report_list"))
    expect(page.locator(".report-item")).to_have_count(5)

    page.get_by_label("Kategorie").select_option(label="Graffiti")
    page.get_by_role("button", name="Filter anwenden").click()

    expect(page.locator(".report-item")).to_have_count(2)
    expect(page.locator(".report-item__title")).to_have_text(["Graffiti", "Graffiti"])
    expect(page.get_by_role("heading", level=2, name=re.compile("2 Meldungen"))).to_be_visible()
    screenshot(page, "report-list-filtered.png", full_page=True)


def test_list_shows_a_message_for_a_bad_filter_link(page, live_server, reports):
    page.goto(live_server.url + reverse("defects:report_list") + "?category=gibtsnicht&created_from=gestern")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Die Kategorie „gibtsnicht“ gibt es nicht")
    expect(alert).to_contain_text("„gestern“ ist kein gültiges Datum")
    expect(page.locator(".report-item")).to_have_count(5)


def test_report_page_shows_its_map_history_and_support_form(page, live_server, reports, screenshot):
    report = reports[2]

    page.goto(live_server.url + reverse("defects:report_detail", kwargs={"pk": report.pk}))

    expect(page.get_by_role("heading", level=1)).to_have_text("Schlagloch")
    expect(page.locator(".history")).to_contain_text("Das Schlagloch wurde am Dienstag verfüllt.")
    expect(page.locator("#report-map .platform-map")).to_have_attribute(
        "data-layer-reports-count", re.compile(r"^[1-9]\d*$")
    )
    # a resolved report cannot be supported any more
    expect(page.get_by_label("Ihre E-Mail-Adresse")).to_have_count(0)
    screenshot(page, "report-detail.png", full_page=True)


def test_support_from_the_report_page(page, live_server, reports):
    report = reports[0]
    page.goto(live_server.url + reverse("defects:report_detail", kwargs={"pk": report.pk}))

    page.get_by_label("Ihre E-Mail-Adresse").fill("nachbar@example.org")
    page.get_by_role("button", name="Unterstützen").click()

    expect(page.get_by_role("status")).to_contain_text("Danke! Wir haben Ihnen eine E-Mail geschickt.")


@pytest.mark.parametrize(
    ("name", "url_name"),
    [
        ("index", "defects:index"),
        ("list", "defects:report_list"),
        ("map", "defects:report_map"),
        ("detail", "defects:report_detail"),
        ("manage", "defects:report_manage"),
    ],
)
@pytest.mark.parametrize("device", ["desktop", "mobile"])
def test_pages_fit_the_screen(page, live_server, reports, screenshot, name, url_name, device):
    if device == "mobile":
        page.set_viewport_size(MOBILE)
    kwargs = {"detail": {"pk": reports[3].pk}, "manage": {"pk": reports[2].pk, "token": "test-token"}}.get(
        name, {}
    )

    page.goto(live_server.url + reverse(url_name, kwargs=kwargs))
    if name in ("map", "detail"):
        expect(page.locator(".platform-map")).to_have_attribute(
            "data-layer-reports-count", re.compile(r"^\d+$")
        )

    # nothing is wider than the screen
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    expect(page.get_by_role("link", name="Mangel melden").first).to_be_visible()
    screenshot(page, f"defects-{name}-{device}.png", full_page=name != "map")
