"""The city map in a real browser (Debian's Chromium) with Wolfsburg's data and generated reports."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, expect

from defects.generator import reports_generate, reports_truncate
from defects.models import Report
from defects.selectors import report_public_queryset
from tests.browser.conftest import REPO_ROOT

pytestmark = pytest.mark.browser

CLUSTERS_PATH = "/api/v1/layers/reports/clusters/"
FEATURES_PATH = "/api/v1/layers/{name}/features/"


@pytest.fixture
def catalogue(wolfsburg_transactional):
    call_command("load_categories", str(REPO_ROOT / "defects/data/categories.json"), verbosity=0)
    call_command(
        "load_responsibilities",
        str(REPO_ROOT / "districts/data/cities/wolfsburg/responsibilities.json"),
        verbosity=0,
    )
    return wolfsburg_transactional


def open_city_map(page: Page, url: str, *, districts: bool = True) -> None:
    page.goto(url)
    expect(page.locator(".platform-map")).to_have_attribute(
        "data-layer-reports-clusters", re.compile(r"^\d+$")
    )
    if districts:
        expect(page.locator(".platform-map")).to_have_attribute("data-layer-districts-count", "17")


def map_id(page: Page) -> str:
    return page.locator(".platform-map").get_attribute("id")


def map_zoom(page: Page) -> float:
    return page.evaluate(f"window[{map_id(page)!r}].getZoom()")


def layer_checkbox(page: Page, title: str):
    """The box of a layer in the map's own layer control (not the form beside the map)."""
    return page.locator(".leaflet-control-layers-overlays label").filter(has_text=title).locator("input")


def test_layers_are_switched_on_the_map_and_the_form_and_embed_code_follow(
    page, live_server, catalogue, screenshot, traffic
):
    reports_generate(count=300, seed=7)
    open_city_map(page, live_server.url + reverse("maps:city_map"))

    # At the city's zoom, reports come as counts per cell that add up to all public reports.
    map_box = page.locator(".platform-map")
    total = report_public_queryset().count()
    expect(map_box).to_have_attribute("data-layer-reports-count", str(total))
    assert page.locator(".map-cluster").count() > 1
    expect(page.locator("path.map-feature--districts")).to_have_count(17)
    expect(page.locator("path.map-feature--quarters")).to_have_count(0)
    assert traffic.paths(CLUSTERS_PATH) and not traffic.paths(FEATURES_PATH.format(name="reports"))
    screenshot(page, "city-map.png")

    # Switch the districts off and the quarters on in the map's layer control.
    layer_checkbox(page, "Ortsratsbereiche").uncheck()
    layer_checkbox(page, "Stadtteile").check()
    expect(page.locator("path.map-feature--districts")).to_have_count(0)
    expect(map_box).to_have_attribute("data-layer-quarters-count", "42")
    expect(page.locator("path.map-feature--quarters")).to_have_count(42)
    # The form beside the map and the embed code follow the map.
    expect(page.locator("#city-map-layer-districts")).not_to_be_checked()
    expect(page.locator("#city-map-layer-quarters")).to_be_checked()
    code = page.locator("#city-map-embed-code").input_value()
    assert "layers=quarters" in code and "layers=districts" not in code and "layers=reports" in code

    # And the map follows the form: the reports go off with their box.
    page.locator("#city-map-layer-reports").uncheck()
    expect(page.locator(".map-cluster")).to_have_count(0)
    page.locator("#city-map-layer-reports").check()
    expect(page.locator(".map-cluster").first).to_be_visible()
    screenshot(page, "city-map-quarters.png")


def test_a_cell_zooms_in_by_keyboard_to_single_reports_with_popups(page, live_server, catalogue, traffic):
    reports_generate(count=300, seed=11)
    open_city_map(page, live_server.url + reverse("maps:city_map") + "?layers=reports", districts=False)

    # The densest cell, chosen with the keyboard, zooms in to its reports; a few steps reach single reports.
    zoom = map_zoom(page)
    while zoom < 15:
        clusters = page.locator(".map-cluster")
        counts = [int(text.replace(".", "")) for text in clusters.all_text_contents()]
        clusters.nth(counts.index(max(counts))).focus()
        # The new view's cells or reports replace the old ones once their answer is in.
        with page.expect_response(lambda response: "/api/v1/layers/reports/" in response.url):
            page.keyboard.press("Enter")
        page.wait_for_function(f"() => window[{map_id(page)!r}].getZoom() > {zoom}")
        zoom = map_zoom(page)
        # The chosen cell is gone with the new view; the keyboard goes on from the map.
        expect(page.locator(".platform-map")).to_be_focused()
        expect(page.locator(".platform-map")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("path.map-feature--reports").first).to_be_visible()
    assert traffic.paths(FEATURES_PATH.format(name="reports"))

    # A report's popup links to its page.
    page.locator("path.map-feature--reports").first.click(force=True)
    link = page.locator(".leaflet-popup-content a")
    expect(link).to_have_attribute("href", re.compile(r"/maengelmelder/meldungen/\d+/"))


def test_filters_narrow_the_reports_on_the_map(page, live_server, catalogue):
    reports_generate(count=300, seed=3)
    status = "resolved"
    expected = report_public_queryset().filter(status=status).count()
    assert 0 < expected < report_public_queryset().count()

    open_city_map(page, live_server.url + reverse("maps:city_map"))
    page.locator("#id_reports-status").select_option(status)
    page.get_by_role("button", name="Karte aktualisieren").click()

    expect(page.locator(".platform-map")).to_have_attribute("data-layer-reports-count", str(expected))
    assert f"reports-status={status}" in page.url


def initial_transfer(context: BrowserContext, url: str) -> tuple[int, dict[str, int]]:
    """Open ``url`` in a fresh page and return the bytes it received until its layers are drawn, and by path."""
    received: dict[str, int] = {}

    def count(request) -> None:
        sizes = request.sizes()
        path = re.sub(r"\?.*", "", request.url)
        received[path] = received.get(path, 0) + sizes["responseBodySize"] + sizes["responseHeadersSize"]

    page = context.new_page()
    page.on("requestfinished", count)
    open_city_map(page, url)
    page.wait_for_load_state("networkidle")
    page.close()
    return sum(received.values()), received


def test_the_initial_transfer_is_the_same_with_100_and_with_100000_reports(
    live_server, catalogue, browser_context, traffic, capsys
):
    # The context routes every request (blank base map tiles, nothing foreign), which also turns off the
    # browser's HTTP cache: each page load below transfers everything again.
    url = live_server.url + reverse("maps:city_map")
    reports_generate(count=100, seed=5)
    assert Report.objects.count() == 100
    small, small_by_path = initial_transfer(browser_context, url)
    reports_truncate()
    reports_generate(count=100_000, seed=5, batch_size=50_000)
    assert Report.objects.count() == 100_000
    large, large_by_path = initial_transfer(browser_context, url)
    assert traffic.foreign == []

    with capsys.disabled():
        print(f"\ncity map, initial transfer: {small:,} bytes with 100 reports, {large:,} with 100,000")
    # Everything but the counts per cell is byte for byte the same size (the page itself included) ...
    clusters = live_server.url + CLUSTERS_PATH
    assert {path: size for path, size in small_by_path.items() if path != clusters} == {
        path: size for path, size in large_by_path.items() if path != clusters
    }
    # ... and the counts are bounded by the screen, not the data: a few kilobytes more at most.
    assert large_by_path[clusters] < 32_000
    assert large < small * 1.1


def test_the_embed_code_shows_the_map_in_a_frame_of_another_page(page, live_server, catalogue, screenshot):
    reports_generate(count=200, seed=13)
    page.goto(live_server.url + reverse("maps:city_map") + "?layers=reports&layers=pois&reports-status=open")
    code = page.locator("#city-map-embed-code").input_value()
    assert "layers=pois" in code and "reports-status=open" in code

    # The code, pasted into another site's page: the frame shows the same layers, filtered the same way.
    page.set_content(f"<!DOCTYPE html><html lang='de'><body><h1>Stadtportal</h1>{code}</body></html>")
    frame = page.frame_locator("iframe")
    expected = report_public_queryset().filter(status="open").count()
    expect(frame.locator(".platform-map")).to_have_attribute("data-layer-reports-count", str(expected))
    expect(frame.locator(".map-cluster").first).to_be_visible()
    expect(frame.locator("path.map-feature--pois")).to_have_count(242)
    expect(frame.locator("path.map-feature--districts")).to_have_count(0)
    expect(frame.get_by_role("link", name=re.compile("Größer ansehen"))).to_have_attribute(
        "href", re.compile(r"^http://[^/]+/karte/\?layers=pois&layers=reports&reports-status=open$")
    )
    screenshot(page, "city-map-embedded.png")
