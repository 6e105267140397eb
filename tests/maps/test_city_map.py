"""The city map page and its embeddable twin: layers, filters, legend, lists, embed code, frame headers."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from django.http import QueryDict
from django.urls import reverse

from defects.models import ReportStatus
from defects.selectors import status_labels
from maps.city_map import city_map_choice, city_map_layers, map_extent
from tests.defects.factories import CategoryFactory, ReportFactory


def page(client, query: str = "") -> str:
    response = client.get(reverse("maps:city_map") + (f"?{query}" if query else ""))
    assert response.status_code == 200
    return response.content.decode()


def layer_options(content: str) -> dict[str, dict]:
    """Return the options each map layer was created with, by layer name."""
    import json

    found = {}
    for raw in re.findall(r"PlatformMaps\.bboxLayer\((\{.*?\})\);", content):
        options = json.loads(raw)
        found[options["name"]] = options
    return found


def embed_src(content: str) -> str:
    code = html.unescape(
        re.search(r'<textarea id="city-map-embed-code"[^>]*>(.*?)</textarea>', content, re.S)[1]
    )
    return html.unescape(re.search(r'src="([^"]+)"', code)[1])


def test_the_city_map_draws_every_registered_layer_in_its_order(client, city):
    content = page(client)

    options = layer_options(content)
    assert set(options) == {layer.name for layer in city_map_layers()}
    order = list(layer_options(content))
    assert order == [layer.name for layer in city_map_layers()]
    assert order.index("districts") < order.index("reports")


def test_without_a_choice_the_layers_defaults_are_shown_and_each_can_be_switched(client, city):
    content = page(client)

    shown = {layer.name for layer in city_map_layers() if layer.city_map_visible}
    hidden = {layer.name for layer in city_map_layers()} - shown
    assert "quarters" in hidden and {"districts", "reports"} <= shown
    for name in shown:
        assert f'value="{name}" id="city-map-layer-{name}" checked' in content
    for name in hidden:
        assert f'value="{name}" id="city-map-layer-{name}">' in content
    # Every layer is in the map's layer control; the hidden ones are simply not added at first.
    assert content.count("L.control.layers") == 1


def test_a_layer_choice_switches_layers_on_and_off(client, city):
    content = page(client, "layers=&layers=quarters")

    assert 'value="quarters" id="city-map-layer-quarters" checked' in content
    assert 'value="reports" id="city-map-layer-reports">' in content
    assert 'data-map-layers="quarters"' in content


def test_choosing_no_layer_is_a_choice_too(client, city):
    content = page(client, "layers=")

    assert 'data-map-layers=""' in content
    assert " checked" not in content


def test_an_unknown_layer_is_named_and_the_others_still_shown(client, city):
    content = page(client, "layers=reports&layers=hochwasser")

    assert "Die Kartenebene „hochwasser“ gibt es nicht." in content
    assert 'data-map-layers="reports"' in content


def test_report_filters_reach_the_reports_layer_and_its_clusters(client, city):
    category = CategoryFactory(name="Straßenbeleuchtung")

    content = page(
        client, f"reports-category={category.slug}&reports-status=open&reports-created_from=2026-01-01"
    )

    options = layer_options(content)["reports"]
    for url in (options["url"], options["clusterUrl"]):
        params = parse_qs(urlsplit(url).query)
        assert params == {"category": [category.slug], "status": ["open"], "created_from": ["2026-01-01"]}
    assert options["clusterBelowZoom"] == 15
    # Layers without filters get none.
    assert "?" not in layer_options(content)["districts"]["url"]


def test_a_bad_filter_is_named_and_left_out(client, city):
    content = page(client, "reports-status=verschwunden&reports-category=gibt-es-nicht")

    assert "Den Status „verschwunden“ gibt es nicht" in content
    assert "Die Kategorie „gibt-es-nicht“ gibt es nicht" in content
    assert "?" not in layer_options(content)["reports"]["url"]


def test_only_clustered_layers_get_a_cluster_url(client, city):
    options = layer_options(page(client))

    assert options["reports"]["clusterUrl"].startswith(
        reverse("api:map-layer-clusters", kwargs={"name": "reports"})
    )
    assert options["districts"]["clusterUrl"] is None


def test_the_legend_names_every_layer_and_the_report_statuses(client, city):
    content = page(client)

    legend = re.search(r'<section class="map-legend".*?</section>', content, re.S)[0]
    for layer in city_map_layers():
        assert str(layer.title) in legend
    labels = status_labels()
    assert labels[ReportStatus.OPEN] in legend and labels[ReportStatus.IN_PROGRESS] in legend
    assert "Anzahl an dieser Stelle" in legend


def test_each_layer_with_a_list_page_is_linked_as_the_way_without_a_map(client, city):
    content = page(client)

    lists = re.search(r'<section id="city-map-lists".*?</section>', content, re.S)[0]
    assert f'href="{reverse("defects:report_list")}"' in lists
    assert f'href="{reverse("districts:map")}"' in lists


def test_the_map_is_framed_by_the_layers_that_define_the_extent(city):
    west, south, east, north = map_extent(layers=city_map_layers())

    assert (round(west, 2), round(east, 2)) == (10.78, 10.82)
    assert south < north


def test_without_city_data_the_map_still_renders(client, db):
    content = page(client)

    assert "PlatformMaps.bboxLayer" in content


def test_the_embed_code_carries_the_layers_and_accepted_filters(client, city):
    content = page(client, "layers=reports&reports-status=in_progress&reports-status_x=1")

    src = embed_src(content)
    assert src.startswith("http://testserver" + reverse("maps:embed") + "?")
    assert parse_qs(urlsplit(src).query, keep_blank_values=True) == {
        "layers": ["reports"],
        "reports-status": ["in_progress"],
    }


def test_the_embed_page_shows_the_same_map_and_may_be_framed(client, city, settings):
    settings.MAP_EMBED_FRAME_ANCESTORS = "https://www.wolfsburg.de"

    response = client.get(reverse("maps:embed") + "?layers=reports&reports-status=open")

    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Content-Security-Policy"] == "frame-ancestors https://www.wolfsburg.de"
    content = response.content.decode()
    options = layer_options(content)
    assert parse_qs(urlsplit(options["reports"]["url"]).query) == {"status": ["open"]}
    assert 'data-map-layers="reports"' not in content  # no page furniture, only the map
    assert "site-header" not in content
    full = re.search(r'class="map-embed__footer">\s*<a href="([^"]+)"', content)[1]
    assert (
        html.unescape(full)
        == "http://testserver" + reverse("maps:city_map") + "?layers=reports&reports-status=open"
    )


def test_other_pages_still_refuse_to_be_framed(client, city):
    response = client.get(reverse("maps:city_map"))

    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_page_does_not_grow_with_the_number_of_reports(client, city):
    def size() -> int:
        return len(re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", page(client)))

    west, category = city.districts.get(slug="west"), CategoryFactory()
    ReportFactory(district=west, category=category, status=ReportStatus.OPEN)
    with_one = size()
    ReportFactory.create_batch(60, district=west, category=category, status=ReportStatus.OPEN)

    assert size() == with_one
    assert "Schlagloch" not in page(client)


def test_the_choice_reads_a_query_dict(city):
    choice = city_map_choice(query=QueryDict("layers=districts&reports-status=open"))

    assert choice.shown_names == ["districts"]
    assert choice.layer_filters == {"reports": {"status": "open"}}
    assert choice.query_string() == "layers=districts&reports-status=open"


def test_the_city_map_is_the_map_area_of_the_navigation(client, city):
    content = client.get(reverse("geo_core:home")).content.decode()

    assert f'href="{reverse("maps:city_map")}"' in content
