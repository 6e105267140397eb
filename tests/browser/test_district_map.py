"""The district map and the GIS admin in a real browser (Debian's Chromium), with Wolfsburg's real data."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from districts.models import District, Quarter
from tests.browser.conftest import TEST_TILE_PATH
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

FEATURES_PATH = "/api/v1/layers/{name}/features/"


def open_district_map(page: Page, live_server) -> None:
    page.goto(live_server.url + reverse("districts:map"))
    expect(page.locator(".platform-map")).to_have_attribute(
        "data-layer-districts-count", re.compile(r"^\d+$")
    )


def map_call(page: Page, expression: str):
    """Evaluate ``expression`` with ``map`` bound to the page's Leaflet map."""
    map_id = page.locator(".platform-map").get_attribute("id")
    return page.evaluate(f"(() => {{ const map = window[{map_id!r}]; return {expression}; }})()")


def visible_labels_overlap(page: Page) -> list[list[str]]:
    """Return the pairs of visible map labels whose boxes overlap."""
    return page.evaluate(
        """() => {
            const labels = [...document.querySelectorAll('.map-label:not(.map-label--hidden)')];
            const boxes = labels.map((label) => [label.textContent, label.getBoundingClientRect()]);
            const pairs = [];
            boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
                if (p.left < q.right && p.right > q.left && p.top < q.bottom && p.bottom > q.top) pairs.push([a, b]);
            }));
            return pairs;
        }"""
    )


def test_district_map_draws_the_17_districts_with_their_names(
    page, live_server, wolfsburg_transactional, screenshot, traffic
):
    # given
    names = sorted(District.objects.values_list("name", flat=True))
    assert len(names) == 17

    # when
    open_district_map(page, live_server)

    # then: 17 polygons of the districts layer, each labelled with its name, and no quarters yet
    expect(page.locator(".platform-map")).to_have_attribute("data-layer-districts-count", "17")
    expect(page.locator(".leaflet-overlay-pane path.map-feature--districts")).to_have_count(17)
    labels = page.locator(".leaflet-tooltip.map-label.map-label--districts")
    expect(labels).to_have_count(17)
    assert sorted(label.strip() for label in labels.all_text_contents()) == names
    # on a desktop screen every name is readable: shown, and not covered by another label
    expect(page.locator(".map-label--hidden")).to_have_count(0)
    for index in range(17):
        expect(labels.nth(index)).to_be_visible()
    assert visible_labels_overlap(page) == []
    expect(page.locator("path.map-feature--quarters")).to_have_count(0)
    # the features came by bbox from the API, and tiles from the configured (local) tile URL
    feature_requests = traffic.paths(FEATURES_PATH.format(name="districts"))
    assert feature_requests and all("bbox=" in path for path in feature_requests)
    assert traffic.paths(TEST_TILE_PATH)
    screenshot(page, "district-map.png")


def test_district_list_beside_the_map_names_every_district(page, live_server, wolfsburg_transactional):
    open_district_map(page, live_server)

    items = page.locator("#district-list .map-list__title")
    expect(items).to_have_count(17)
    assert sorted(items.all_inner_texts()) == sorted(District.objects.values_list("name", flat=True))


def test_quarters_layer_is_switched_on_by_keyboard(page, live_server, wolfsburg_transactional, screenshot):
    open_district_map(page, live_server)
    checkbox = page.get_by_role("checkbox", name="Stadtteile")
    expect(checkbox).not_to_be_checked()

    checkbox.focus()
    page.keyboard.press("Space")

    expect(page.locator(".platform-map")).to_have_attribute(
        "data-layer-quarters-count", str(Quarter.objects.count())
    )
    expect(page.locator("path.map-feature--quarters")).to_have_count(Quarter.objects.count())
    # labels that would collide are hidden, never drawn on top of each other
    page.wait_for_timeout(100)
    assert visible_labels_overlap(page) == []
    screenshot(page, "district-map-quarters.png")


def test_zooming_in_refetches_only_the_visible_districts(page, live_server, wolfsburg_transactional, traffic):
    open_district_map(page, live_server)
    expect(page.locator(".platform-map")).to_have_attribute("data-layer-districts-count", "17")
    before = len(traffic.paths(FEATURES_PATH.format(name="districts")))
    center = District.objects.get(slug="stadtmitte").geom.point_on_surface

    map_call(page, f"map.setView([{center.y}, {center.x}], 16)")

    expect(page.locator(".platform-map")).not_to_have_attribute("data-layer-districts-count", "17")
    requests = traffic.paths(FEATURES_PATH.format(name="districts"))
    assert len(requests) > before
    drawn = int(page.locator(".platform-map").get_attribute("data-layer-districts-count"))
    assert 1 <= drawn < 17
    expect(page.locator("path.map-feature--districts")).to_have_count(drawn)


def test_map_page_has_skip_link_and_landmarks(page, live_server, wolfsburg_transactional):
    open_district_map(page, live_server)

    page.keyboard.press("Tab")
    skip_link = page.locator(":focus")
    expect(skip_link).to_have_text("Zum Inhalt springen")
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_have_count(1)
    expect(page.get_by_role("region", name=re.compile("^Karte der Ortsratsbereiche"))).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ortsratsbereiche")


def test_tab_reaches_the_map_and_its_controls(page, live_server, wolfsburg_transactional):
    open_district_map(page, live_server)
    wanted = {
        "map": ".platform-map",
        "zoom in": ".leaflet-control-zoom-in",
        "my location": ".map-locate__button",
        "districts layer": ".leaflet-control-layers input",
    }
    reached: set[str] = set()

    for _ in range(60):
        page.keyboard.press("Tab")
        for label, selector in wanted.items():
            if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
                reached.add(label)
        if reached == set(wanted):
            break

    assert reached == set(wanted)


def test_zoom_button_works_from_the_keyboard(page, live_server, wolfsburg_transactional):
    open_district_map(page, live_server)
    zoom = map_call(page, "map.getZoom()")

    page.locator(".leaflet-control-zoom-in").focus()
    page.keyboard.press("Enter")

    page.wait_for_function(
        f"window[{page.locator('.platform-map').get_attribute('id')!r}].getZoom() > {zoom}"
    )


def test_my_location_button_centres_the_map_on_the_browsers_position(
    page, live_server, wolfsburg_transactional
):
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": 52.4227, "longitude": 10.7865, "accuracy": 25})
    open_district_map(page, live_server)

    button = page.get_by_role("button", name="Mein Standort")
    button.focus()
    page.keyboard.press("Enter")

    expect(page.locator(".map-status")).to_contain_text("Ihr Standort ist auf der Karte markiert")
    center = map_call(page, "map.getCenter()")
    assert center["lat"] == pytest.approx(52.4227, abs=1e-4)
    assert center["lng"] == pytest.approx(10.7865, abs=1e-4)


def test_map_page_without_city_explains_itself(page, live_server, transactional_db):
    page.goto(live_server.url + reverse("districts:map"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Ortsratsbereiche")
    expect(page.locator(".notice")).to_contain_text("noch keine Geodaten")


@pytest.fixture
def admin_page(page, live_server):
    """``page``, logged in as a superuser (the session cookie of a test client login)."""
    user = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def test_admin_district_form_loads_without_the_internet(
    admin_page, live_server, wolfsburg_transactional, traffic, screenshot
):
    district = District.objects.get(slug="stadtmitte")
    url = reverse("admin:districts_district_change", args=[district.pk])

    admin_page.goto(live_server.url + url)

    expect(admin_page.locator("#id_geom_map canvas").first).to_be_visible()
    expect(admin_page.locator("#id_geom_map .ol-attribution")).to_contain_text(
        "Testkacheln", use_inner_text=False
    )
    # OpenLayers came from the platform's static files, the tiles from MAP_TILE_URL (the live server here)
    assert traffic.paths("/static/maps/vendor/ol/ol.js")
    assert traffic.paths("/static/gis/js/OLMapWidget.js")
    for _ in range(50):
        if traffic.paths(TEST_TILE_PATH):
            break
        admin_page.wait_for_timeout(100)
    assert traffic.paths(TEST_TILE_PATH), "the widget did not load tiles from MAP_TILE_URL"
    screenshot(admin_page, "admin-district-change.png", full_page=True)


PRODUCTION_TILE_URL = (
    "https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/de_basemapde_web_raster_farbe/default/"
    "GLOBAL_WEBMERCATOR/{z}/{y}/{x}.png"
)


@pytest.mark.parametrize("where", ["district map", "admin district form"])
def test_pages_contact_no_host_but_the_configured_tile_server(
    admin_page, live_server, wolfsburg_transactional, traffic, settings, where
):
    # given: the production base map (its tiles are answered locally by the test, nothing leaves the machine)
    settings.MAP_TILE_URL = PRODUCTION_TILE_URL
    if where == "district map":
        url, ready = reverse("districts:map"), ".leaflet-tile-loaded"
    else:
        district = District.objects.get(slug="stadtmitte")
        url, ready = reverse("admin:districts_district_change", args=[district.pk]), "#id_geom_map canvas"

    # when
    admin_page.goto(live_server.url + url)
    expect(admin_page.locator(ready).first).to_be_visible()
    for _ in range(50):
        if traffic.hosts(exclude_live=True):
            break
        admin_page.wait_for_timeout(100)

    # then: the page, its scripts, styles and data came from the platform; only the tiles from elsewhere
    assert traffic.hosts(exclude_live=True) == {"sgx.geodatenzentrum.de"}
    assert traffic.foreign == []


def test_clicking_a_district_opens_a_popup_with_its_name(page, live_server, wolfsburg_transactional):
    open_district_map(page, live_server)
    expect(page.locator(".platform-map")).to_have_attribute("data-layer-districts-count", "17")
    # labels let clicks through to the polygon beneath them
    box = page.locator(".map-label--districts", has_text="Stadtmitte").bounding_box()

    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Stadtmitte")
    expect(popup).to_contain_text("Ortsratsbereiche")


def test_a_layer_that_cannot_be_loaded_is_reported_on_the_map(page, live_server, wolfsburg_transactional):
    page.route("**/api/v1/layers/districts/features/**", lambda route: route.fulfill(status=500, body="{}"))

    page.goto(live_server.url + reverse("districts:map"))

    status = page.get_by_role("status").filter(has_text="Ortsratsbereiche")
    expect(status).to_have_text("Die Ebene „Ortsratsbereiche“ konnte nicht geladen werden.")
    expect(page.locator("path.map-feature--districts")).to_have_count(0)
