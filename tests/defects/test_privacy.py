"""No public page, public API response or map layer shows who reported or supports a report, or internal notes.

Every page and endpoint is found from the URL configuration: every named route of the ``defects`` pages and
of the ``api`` namespace is fetched (in German and English where it is a page), for every registered map
layer in several bounding boxes, vector tiles and cluster zooms (tiles are decoded before they are searched).
A new route whose arguments this test cannot fill makes it fail, so that it
is added here instead of being skipped silently; routes that are not public reads are listed with a reason.
"""

from __future__ import annotations

import json
import uuid

import mapbox_vector_tile
import mercantile
import pytest
from django.contrib.gis.geos import Point
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from defects.models import Report, ReportEvent, ReportStatus, Subscription
from defects.selectors import PUBLIC_REPORT_FIELDS
from geo_core.srid import STORAGE_SRID
from maps.registry import all_layers
from tests.defects.factories import CategoryFactory, ReportEventFactory, ReportFactory, SubscriptionFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "test-token"  # the factories store its hash

REPORTER_NAME = "Quirinius Zwackelmann"
REPORTER_EMAIL = "zwackelmann.geheim@example.org"
REPORTER_PHONE = "0531 987654321"
SUPPORTER_EMAIL = "stille.unterstuetzerin@example.org"
INTERNAL_NOTE = "Schlüssel liegt bei Frau Geheimrat Oberndorfer"
ACTOR_EMAIL = "sachbearbeitung.intern@example.org"
ACTOR_NAME = "Sachbearbeiterin Hildegunde Pröll"
ACTOR_LABEL = "Bauhof Schicht Kowalczyk"
SUBMISSION_KEY = uuid.UUID("7d4c1a52-1b1e-4c55-9d55-0b7a3c1f2e9d")
UNCONFIRMED_TEXT = "Noch-nicht-bestätigte Beschreibung Xylophon"
WITHDRAWN_TEXT = "Zurückgezogene Beschreibung Zeppelin"

SECRETS = [
    REPORTER_NAME,
    "Zwackelmann",
    REPORTER_EMAIL,
    "zwackelmann.geheim",
    REPORTER_PHONE,
    "987654321",
    SUPPORTER_EMAIL,
    "stille.unterstuetzerin",
    INTERNAL_NOTE,
    "Oberndorfer",
    ACTOR_EMAIL,
    ACTOR_NAME,
    "Pröll",
    ACTOR_LABEL,
    "Kowalczyk",
    str(SUBMISSION_KEY),
    SUBMISSION_KEY.hex,
    UNCONFIRMED_TEXT,
    WITHDRAWN_TEXT,
]

# Routes that are no public read, and why they are not fetched.
NOT_PUBLIC_READS = {
    "defects:report_new": "a form for new input; shows no reports",
    "defects:report_submitted": "a thank-you page; shows no reports",
    "defects:report_confirm": "the reporter's confirmation link (a one-time action)",
    "api:schema": "the OpenAPI schema (no data)",
    "api:docs": "the API documentation (no data)",
    "api:redoc": "the API documentation (no data)",
}

# The parts of the URL configuration checked here.
NAMESPACES = ("defects", "api")

CITY_BBOXES = [
    "10.77,52.40,10.83,52.44",  # the whole synthetic city
    "10.78,52.41,10.80,52.43",  # West
    "10.80,52.41,10.82,52.43",  # Ost
    "10.789,52.419,10.791,52.421",  # around the reports
]
# Tiles over the synthetic city: the city in few tiles, and single streets around the two public reports.
CITY_TILES = sorted(
    {(tile.z, tile.x, tile.y) for tile in mercantile.tiles(10.77, 52.40, 10.83, 52.44, zooms=[12, 14])}
    | {(tile.z, tile.x, tile.y) for lon in (10.79, 10.81) for tile in [mercantile.tile(lon, 52.42, 17)]}
)
CLUSTER_ZOOMS = [10, 14, 16]

MVT = "application/vnd.mapbox-vector-tile"

# Parts of a field path that lead to personal data or internal work, on any model.
PRIVATE_FIELD_PARTS = (
    "reporter",
    "token",
    "submission_key",
    "assignee",
    "internal",
    "email",
    "phone",
    "privacy",
    "subscription",
    "actor",
    "routing_reason",
)


@pytest.fixture
def private_data(city):
    """Public and non-public reports full of personal data, supporters, internal notes and named actors."""
    west = city.districts.get(slug="west")
    east = city.districts.get(slug="ost")
    category = CategoryFactory(name="Schlagloch", slug="schlagloch")
    personal = {
        "reporter_name": REPORTER_NAME,
        "reporter_email": REPORTER_EMAIL,
        "reporter_phone": REPORTER_PHONE,
    }
    actor = UserFactory(email=ACTOR_EMAIL, is_staff=True)
    if hasattr(actor, "display_name"):
        actor.display_name = ACTOR_NAME
        actor.save()
    reporter_account = UserFactory(email="konto." + REPORTER_EMAIL)

    open_report = ReportFactory(
        category=category,
        district=west,
        quarter=west.quarters.get(),
        submission_key=SUBMISSION_KEY,
        **personal,
    )
    resolved = ReportFactory(
        category=category,
        district=east,
        location=Point(10.81, 52.42, srid=STORAGE_SRID),
        status=ReportStatus.RESOLVED,
        reporter=reporter_account,
        **personal,
    )
    ReportFactory(
        category=category,
        district=west,
        status=ReportStatus.UNCONFIRMED,
        confirmed_at=None,
        description=UNCONFIRMED_TEXT,
        **personal,
    )
    ReportFactory(
        category=category, district=west, withdrawn_at=timezone.now(), description=WITHDRAWN_TEXT, **personal
    )

    for report in (open_report, resolved):
        SubscriptionFactory(report=report, email=SUPPORTER_EMAIL)
        SubscriptionFactory(report=report, email=REPORTER_EMAIL, role=Subscription.Role.REPORTER)
        ReportEventFactory(
            report=report,
            kind=ReportEvent.Kind.STATUS_CHANGED,
            from_status=ReportStatus.OPEN,
            to_status=ReportStatus.IN_PROGRESS,
            public_message="Wir kümmern uns.",
            internal_note=INTERNAL_NOTE,
            actor=actor,
            actor_label=ACTOR_LABEL,
        )
        ReportEventFactory(
            report=report, kind=ReportEvent.Kind.NOTE, internal_note=INTERNAL_NOTE, actor=actor
        )
    return {"reports": [open_report, resolved], "subscription": open_report.subscriptions.first()}


def named_routes() -> list[tuple[str, list[str]]]:
    """Return every named route of NAMESPACES as (``namespace:name``, its URL arguments)."""
    found: list[tuple[str, list[str]]] = []

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace in NAMESPACES:
                found.append((f"{namespace}:{pattern.name}", list(pattern.pattern.converters)))

    walk(get_resolver().url_patterns, "")
    return sorted({(name, tuple(args)) for name, args in found})


def urls_for(name: str, arguments, data) -> list[str]:
    """Return the URLs to fetch for a route, with its arguments filled from ``data``."""
    report_ids = [report.pk for report in data["reports"]]
    values: dict[str, list] = {
        "pk": report_ids,
        "id": report_ids,
        "report_id": report_ids,
        "token": [TOKEN],
        "subscription_id": [data["subscription"].pk],
        "name": [layer.name for layer in all_layers()],
        # districts and quarters of the synthetic city (the geography API)
        "slug": ["west", "ost", "westend", "ostend"],
    }
    if name == "api:map-layer-tile":
        # z, x and y only make sense together.
        return [
            reverse(name, kwargs={"name": layer.name, "z": z, "x": x, "y": y})
            for layer in all_layers()
            for z, x, y in CITY_TILES
        ]
    missing = [argument for argument in arguments if argument not in values]
    assert not missing, f"test_privacy cannot fill {missing} of {name}: add values for it in urls_for()"
    combinations: list[dict] = [{}]
    for argument in arguments:
        combinations = [{**combo, argument: value} for combo in combinations for value in values[argument]]
    urls = [reverse(name, kwargs=combo) for combo in combinations]
    if name == "api:map-layer-features":
        urls = [f"{url}?bbox={bbox}" for url in urls for bbox in CITY_BBOXES]
    if name == "api:map-layer-clusters":
        urls = [
            f"{url}?bbox={bbox}&zoom={zoom}" for url in urls for bbox in CITY_BBOXES for zoom in CLUSTER_ZOOMS
        ]
    return urls


def public_urls(data) -> list[str]:
    urls = []
    for name, arguments in named_routes():
        if name in NOT_PUBLIC_READS:
            continue
        for url in urls_for(name, arguments, data):
            urls.append(url)
            if not url.startswith("/api/"):
                urls.append("/en" + url)
    return urls


def response_text(response) -> str:
    """Return the response body as text; a vector tile decoded, with its raw strings as well."""
    if response.get("Content-Type") == MVT:
        decoded = json.dumps(mapbox_vector_tile.decode(response.content), ensure_ascii=False)
        return decoded + response.content.decode(errors="replace")
    return response.content.decode()


def assert_no_secret(url: str, body: str) -> None:
    lowered = body.lower()
    for secret in SECRETS:
        assert secret.lower() not in lowered, f"{url} shows {secret!r}"


def test_the_routes_checked_include_every_public_page_and_endpoint(db):
    names = {name for name, _arguments in named_routes()}

    for expected in (
        "defects:index",
        "defects:report_list",
        "defects:report_map",
        "defects:report_detail",
        "defects:report_manage",
        "api:map-layer-list",
        "api:map-layer-features",
        "api:map-layer-tile",
        "api:map-layer-clusters",
        "api:report-list",
        "api:report-detail",
    ):
        assert expected in names
    assert "reports" in {layer.name for layer in all_layers()}


def test_no_public_page_or_endpoint_shows_personal_data_or_internal_notes(client, private_data):
    urls = public_urls(private_data)
    answered = 0

    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        answered += response.status_code == 200
        assert_no_secret(url, response_text(response))

    assert answered >= 20


def test_the_public_pages_do_show_the_public_reports(client, private_data):
    # A page that shows nothing would pass the test above: these must show the reports' public content.
    for report in private_data["reports"]:
        detail = client.get(reverse("defects:report_detail", kwargs={"pk": report.pk}))
        assert "Wir kümmern uns." in detail.text
        features = client.get(
            reverse("api:map-layer-features", kwargs={"name": "reports"}), {"bbox": CITY_BBOXES[0]}
        ).json()
        assert report.pk in {feature["id"] for feature in features["features"]}


def test_the_tiles_and_clusters_checked_do_show_the_public_reports(client, private_data):
    # The walk above must reach the reports in tiles and clusters, or it proves nothing about them.
    public_ids = {report.pk for report in private_data["reports"]}
    in_tiles = set()
    for z, x, y in CITY_TILES:
        response = client.get(
            reverse("api:map-layer-tile", kwargs={"name": "reports", "z": z, "x": x, "y": y})
        )
        if response.status_code == 200:
            tile = mapbox_vector_tile.decode(response.content)
            in_tiles |= {feature["properties"]["id"] for feature in tile["reports"]["features"]}
    clusters = client.get(
        reverse("api:map-layer-clusters", kwargs={"name": "reports"}), {"bbox": CITY_BBOXES[0], "zoom": 14}
    ).json()

    assert in_tiles == public_ids
    assert clusters["count"] == len(public_ids)


def test_no_layers_tile_fields_reach_personal_data_or_internal_work(db):
    for layer in all_layers():
        model = layer.queryset().model
        for name, path in layer.tile_fields.items():
            for part in path.split("__"):
                assert not any(private in part for private in PRIVATE_FIELD_PARTS), (layer.name, name, path)
            if model is Report:
                assert path in PUBLIC_REPORT_FIELDS, (layer.name, name, path)


def test_a_support_refused_for_a_bad_address_shows_no_personal_data(client, private_data):
    report = private_data["reports"][0]

    response = client.post(reverse("defects:report_support", kwargs={"pk": report.pk}), {"email": "kaputt"})

    assert response.status_code == 400
    assert_no_secret("report_support", response.content.decode())
