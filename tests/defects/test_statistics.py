"""The planner dashboard: figures per district and department against hand-computed values, the filters, the
API and its error codes, the page, the CSV files and who may see them (role by role).

The world (January 2025, synthetic city with the districts West and Ost of 2 km² each):

| report | district | dept | created          | resolved         | status      | due        | note               |
| ------ | -------- | ---- | ---------------- | ---------------- | ----------- | ---------- | ------------------ |
| w1     | West     | A    | 05.01. 10:00     | 07.01. 10:00 (2) | resolved    | 08.01.     | in time            |
| w2     | West     | A    | 10.01. 08:00     | 14.01. 08:00 (4) | resolved    | 12.01.     | late               |
| w3     | West     | A    | 20.01. 09:00     |                  | open        | 25.01.     | overdue on 01.02.  |
| w4     | West     | A    | 20.12.2024       |                  | in_progress | 10.02.     | before the window  |
| w7     | West     | A    | 28.12.2024       | 03.01. (6)       | resolved    | 01.01.     | resolved in window |
| wu     | West     | A    | 12.01.           |                  | unconfirmed |            | never counted      |
| ww     | West     | A    | 13.01.           |                  | closed      |            | withdrawn          |
| e1     | Ost      | B    | 15.01. 00:00     | 16.01. 12:00 (1.5)| resolved   |            | no target date     |
| e2     | Ost      | B    | 31.01. 23:30     |                  | open        |            | other category     |
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from defects.models import Report, ReportStatus
from defects.statistics_selectors import (
    StatisticsErrorCode,
    StatisticsFilters,
    cells_with_districts,
    department_statistics,
    district_statistics,
    heatmap_cells,
    reports_received,
    statistics_query_parse,
)
from geo_core.accounts.roles import ADMINISTRATORS, MODERATORS, PLANNERS
from maps.aggregation import GridShape
from tests.defects.factories import CategoryFactory, ReportFactory
from tests.defects.workspace_factories import in_group, lead, staff
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

JANUARY = StatisticsFilters(created_from=datetime.date(2025, 1, 1), created_to=datetime.date(2025, 1, 31))
FEBRUARY_FIRST = datetime.date(2025, 2, 1)
WEST_LOCATION = (10.79, 52.42)
EAST_LOCATION = (10.81, 52.42)
JANUARY_QUERY = {"created_from": "2025-01-01", "created_to": "2025-01-31"}


def at(day: str, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """Return an aware moment in the city's time zone from "YYYY-MM-DD"."""
    return timezone.make_aware(
        datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour, minute))
    )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(category, west, east):
    from django.contrib.gis.geos import Point

    dept_a = DepartmentFactory(name="A Straßen", slug="a-strassen")
    dept_b = DepartmentFactory(name="B Grün", slug="b-gruen")
    other = CategoryFactory(name="Grünfläche", slug="gruenflaeche")

    def report(
        name, *, district, department, created, resolved=None, status=ReportStatus.OPEN, due=None, **extra
    ):
        location = Point(*(WEST_LOCATION if district == west else EAST_LOCATION), srid=4326)
        made = ReportFactory(
            category=extra.pop("category", category),
            district=district,
            department=department,
            location=location,
            status=status,
            due_date=datetime.date.fromisoformat(due) if due else None,
            description=name,
            **extra,
        )
        # created_at is set on insert: rewrite it (and resolved_at) as the scenario needs.
        Report.objects.filter(pk=made.pk).update(created_at=created, resolved_at=resolved)
        return Report.objects.get(pk=made.pk)

    reports = {
        "w1": report(
            "w1",
            district=west,
            department=dept_a,
            created=at("2025-01-05", 10),
            resolved=at("2025-01-07", 10),
            status=ReportStatus.RESOLVED,
            due="2025-01-08",
        ),
        "w2": report(
            "w2",
            district=west,
            department=dept_a,
            created=at("2025-01-10", 8),
            resolved=at("2025-01-14", 8),
            status=ReportStatus.RESOLVED,
            due="2025-01-12",
        ),
        "w3": report("w3", district=west, department=dept_a, created=at("2025-01-20", 9), due="2025-01-25"),
        "w4": report(
            "w4",
            district=west,
            department=dept_a,
            created=at("2024-12-20"),
            status=ReportStatus.IN_PROGRESS,
            due="2025-02-10",
        ),
        "w7": report(
            "w7",
            district=west,
            department=dept_a,
            created=at("2024-12-28", 12),
            resolved=at("2025-01-03", 12),
            status=ReportStatus.RESOLVED,
            due="2025-01-01",
        ),
        "wu": report(
            "wu", district=west, department=dept_a, created=at("2025-01-12"), status=ReportStatus.UNCONFIRMED
        ),
        "ww": report(
            "ww",
            district=west,
            department=dept_a,
            created=at("2025-01-13"),
            status=ReportStatus.CLOSED,
            withdrawn_at=at("2025-01-14"),
        ),
        "e1": report(
            "e1",
            district=east,
            department=dept_b,
            created=at("2025-01-15", 0),
            resolved=at("2025-01-16", 12),
            status=ReportStatus.RESOLVED,
        ),
        "e2": report(
            "e2", district=east, department=dept_b, created=at("2025-01-31", 23, 30), category=other
        ),
    }
    return {"reports": reports, "a": dept_a, "b": dept_b, "category": category, "other": other}


def by_name(figures):
    return {item.name: item for item in figures}


# --- districts ---------------------------------------------------------------------------------------------


def test_district_figures_match_hand_computed_values(world):
    # when
    figures = by_name(district_statistics(filters=JANUARY))

    # then
    west, east = figures["West"], figures["Ost"]
    assert (west.reports, west.reports_per_km2, west.backlog, west.resolved) == (3, 1.5, 2, 3)
    assert west.median_days_to_resolve == 4.0  # 2, 4, 6 days
    assert (west.resolved_with_target, west.resolved_within_target) == (3, 1)
    assert west.share_within_target == pytest.approx(1 / 3)
    assert (east.reports, east.reports_per_km2, east.backlog, east.resolved) == (2, 1.0, 1, 1)
    assert east.median_days_to_resolve == 1.5
    assert east.share_within_target is None


def test_district_figures_list_every_district_by_name_even_without_reports(world):
    # when: a window without any report
    quiet = StatisticsFilters(created_from=datetime.date(2020, 1, 1), created_to=datetime.date(2020, 1, 31))
    figures = district_statistics(filters=quiet)

    # then: backlog is today's, the rest is empty
    assert [item.name for item in figures] == ["Ost", "West"]
    assert [(item.reports, item.resolved, item.median_days_to_resolve) for item in figures] == [
        (0, 0, None),
        (0, 0, None),
    ]
    assert [item.backlog for item in figures] == [1, 2]


def test_category_filter_narrows_every_district_figure(world):
    # when
    filters = StatisticsFilters(
        created_from=JANUARY.created_from,
        created_to=JANUARY.created_to,
        category_id=world["other"].pk,
        category_slug="gruenflaeche",
    )
    figures = by_name(district_statistics(filters=filters))

    # then
    assert (figures["Ost"].reports, figures["Ost"].backlog, figures["Ost"].resolved) == (1, 1, 0)
    assert (figures["West"].reports, figures["West"].backlog, figures["West"].resolved) == (0, 0, 0)


def test_status_group_narrows_received_reports_only(world):
    # when
    filters = StatisticsFilters(
        created_from=JANUARY.created_from, created_to=JANUARY.created_to, status_group="open"
    )
    figures = by_name(district_statistics(filters=filters))

    # then: received and still open: w3, e2; backlog and durations unchanged
    assert (figures["West"].reports, figures["Ost"].reports) == (1, 1)
    assert (figures["West"].backlog, figures["West"].median_days_to_resolve) == (2, 4.0)


def test_window_includes_the_whole_last_day_in_the_city_time_zone(world):
    # given: e2 came in on 31.01. at 23:30 (local)
    until_30th = StatisticsFilters(created_from=JANUARY.created_from, created_to=datetime.date(2025, 1, 30))

    # then
    assert by_name(district_statistics(filters=JANUARY))["Ost"].reports == 2
    assert by_name(district_statistics(filters=until_30th))["Ost"].reports == 1


def test_unconfirmed_and_withdrawn_reports_are_never_counted(world):
    received = set(reports_received(filters=JANUARY).values_list("description", flat=True))

    assert received == {"w1", "w2", "w3", "e1", "e2"}


# --- departments -------------------------------------------------------------------------------------------


def test_department_figures_match_hand_computed_values(world):
    # when
    figures = by_name(department_statistics(filters=JANUARY, today=FEBRUARY_FIRST))

    # then
    a, b = figures["A Straßen"], figures["B Grün"]
    assert (a.backlog, a.overdue, a.received, a.resolved) == (2, 1, 3, 3)
    assert a.median_days_to_resolve == 4.0
    assert a.p90_days_to_resolve == 5.6  # interpolated between 4 and 6
    assert (b.backlog, b.overdue, b.received, b.resolved) == (1, 0, 2, 1)
    assert (b.median_days_to_resolve, b.p90_days_to_resolve) == (1.5, 1.5)


def test_overdue_depends_on_today(world):
    later = by_name(department_statistics(filters=JANUARY, today=datetime.date(2025, 2, 11)))
    earlier = by_name(department_statistics(filters=JANUARY, today=datetime.date(2025, 1, 20)))

    assert later["A Straßen"].overdue == 2  # w3 and w4
    assert earlier["A Straßen"].overdue == 0


def test_departments_include_active_ones_without_reports_and_inactive_ones_with(world):
    DepartmentFactory(name="C Ruhig", slug="c-ruhig")
    DepartmentFactory(name="D Aufgelöst", slug="d-aufgeloest", is_active=False)
    world["b"].is_active = False
    world["b"].save()

    names = [item.name for item in department_statistics(filters=JANUARY, today=FEBRUARY_FIRST)]

    assert "C Ruhig" in names
    assert "B Grün" in names  # inactive, but with reports
    assert "D Aufgelöst" not in names
    assert names == sorted(names)


# --- heatmap -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [GridShape.HEX, GridShape.SQUARE])
@pytest.mark.parametrize("size", [100, 1000])
@pytest.mark.parametrize("status_group", ["", "open", "closed"])
def test_heatmap_counts_add_up_to_the_received_reports(world, shape, size, status_group):
    filters = StatisticsFilters(
        created_from=JANUARY.created_from, created_to=JANUARY.created_to, status_group=status_group
    )

    cells = heatmap_cells(filters=filters, cell_size_m=size, shape=shape)

    assert sum(cell.count for cell in cells) == reports_received(filters=filters).count()


def test_fullest_cells_get_the_district_of_their_centre(world):
    cells = heatmap_cells(filters=JANUARY, cell_size_m=250, shape="hex")

    [first, second] = cells_with_districts(cells=cells[:10])

    assert (first.cell.count, first.district_name, first.centre_in_district) == (3, "West", True)
    assert (second.cell.count, second.district_name) == (2, "Ost")


def test_a_cell_centre_outside_the_city_gets_the_nearest_district(world):
    from maps.aggregation import GridCell

    outside = GridCell(i=0, j=0, count=1, centre_lon=10.70, centre_lat=52.42)  # west of the city

    [item] = cells_with_districts(cells=[outside])

    assert (item.district_name, item.centre_in_district) == ("West", False)


# --- parameters --------------------------------------------------------------------------------------------


def test_parameters_default_to_the_last_365_days_and_the_default_grid(db):
    parsed = statistics_query_parse({}, today=datetime.date(2025, 6, 30))

    assert parsed.errors == []
    assert parsed.query.filters.created_from == datetime.date(2024, 7, 1)  # 365 days with today
    assert parsed.query.filters.created_to == datetime.date(2025, 6, 30)
    assert (parsed.query.cell_size_m, parsed.query.shape) == (250, "hex")


def test_german_dates_are_accepted(db):
    parsed = statistics_query_parse(
        {"created_from": "01.03.2025", "created_to": "2025-03-31"}, today=FEBRUARY_FIRST
    )

    assert parsed.errors == []
    assert parsed.query.filters.created_from == datetime.date(2025, 3, 1)


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"created_from": "gestern"}, "created_from", "invalid_date"),
        ({"created_to": "2025-02-30"}, "created_to", "invalid_date"),
        ({"created_from": "2025-02-01", "created_to": "2025-01-01"}, "created_to", "date_range_inverted"),
        ({"category": "gibt-es-nicht"}, "category", "unknown_category"),
        ({"status_group": "alle"}, "status_group", "invalid_status_group"),
        ({"cell_size": "42"}, "cell_size", "invalid_cell_size"),
        ({"shape": "circle"}, "shape", "invalid_shape"),
    ],
)
def test_unusable_parameters_are_named_with_a_stable_code_and_replaced_by_defaults(db, params, field, code):
    parsed = statistics_query_parse(params, today=FEBRUARY_FIRST)

    assert [(error.field, error.code) for error in parsed.errors] == [(field, code)]
    assert parsed.errors[0].message
    defaults = statistics_query_parse({}, today=FEBRUARY_FIRST).query
    assert parsed.query == defaults


def test_error_codes_are_the_documented_ones():
    assert {code.value for code in StatisticsErrorCode} == {
        "invalid_date",
        "date_range_inverted",
        "unknown_category",
        "invalid_status_group",
        "invalid_cell_size",
        "invalid_shape",
    }


# --- permissions, role by role ---------------------------------------------------------------------------

ROLES = ("anonymous", "citizen", "case_worker", "lead", "moderator", "planner", "administrator", "superuser")
ALLOWED = {"planner", "administrator", "superuser"}


@pytest.fixture
def people(db):
    department = DepartmentFactory(name="Rollen", slug="rollen")
    return {
        "anonymous": AnonymousUser(),
        "citizen": UserFactory(),
        "case_worker": staff(department),
        "lead": lead(department),
        "moderator": in_group(MODERATORS),
        "planner": in_group(PLANNERS),
        "administrator": in_group(ADMINISTRATORS),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }


@pytest.mark.parametrize("role", ROLES)
def test_view_statistics_permission_matrix(people, role):
    assert people[role].has_perm("defects.view_statistics") is (role in ALLOWED)


def test_inactive_planner_loses_the_permission(people):
    planner = people["planner"]
    planner.is_active = False
    planner.save()

    assert not planner.has_perm("defects.view_statistics")


def _client_for(client, people, role):
    if role != "anonymous":
        client.force_login(people[role])
    return client


PAGES = (
    "statistics:dashboard",
    "statistics:districts_csv",
    "statistics:departments_csv",
    "statistics:cells_csv",
)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", PAGES)
def test_page_and_csvs_role_by_role(client, city, people, role, name):
    response = _client_for(client, people, role).get(reverse(name))

    if role == "anonymous":
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    elif role in ALLOWED:
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ("api:statistics-heatmap", "api:statistics-districts"))
def test_api_role_by_role(client, city, people, role, name):
    response = _client_for(client, people, role).get(reverse(name))

    if role in ALLOWED:
        assert response.status_code == 200
        assert response.json()["type"] == "FeatureCollection"
    else:
        assert response.status_code == 403
        assert response.json()["type"] == "client_error"
    assert response["Cache-Control"] == "private, no-store"


# --- API -------------------------------------------------------------------------------------------------


@pytest.fixture
def planner_client(client, db):
    client.force_login(in_group(PLANNERS))
    return client


def test_heatmap_api_answers_cells_with_counts_and_total(planner_client, world):
    response = planner_client.get(
        reverse("api:statistics-heatmap"), {**JANUARY_QUERY, "cell_size": "500", "shape": "square"}
    )

    data = response.json()
    assert response.status_code == 200
    assert (data["total"], data["cell_size"], data["shape"]) == (5, 500, "square")
    assert sorted(feature["properties"]["count"] for feature in data["features"]) == [2, 3]
    feature = data["features"][0]
    assert feature["geometry"]["type"] == "Polygon"
    assert set(feature["properties"]) == {"i", "j", "count"}
    assert feature["id"] == f"{feature['properties']['i']}_{feature['properties']['j']}"


def test_heatmap_api_applies_category_and_status_group(planner_client, world):
    response = planner_client.get(
        reverse("api:statistics-heatmap"),
        {**JANUARY_QUERY, "category": "schlagloch", "status_group": "closed"},
    )

    assert response.json()["total"] == 3  # w1, w2, e1


def test_districts_api_answers_figures_and_simplified_outlines(planner_client, world):
    response = planner_client.get(reverse("api:statistics-districts"), JANUARY_QUERY)

    data = response.json()
    assert response.status_code == 200
    west = next(feature for feature in data["features"] if feature["id"] == "west")
    assert west["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert west["properties"] == {
        "name": "West",
        "slug": "west",
        "area_km2": 2.0,
        "reports": 3,
        "reports_per_km2": 1.5,
        "backlog": 2,
        "resolved": 3,
        "median_days_to_resolve": 4.0,
        "share_resolved_within_target": 0.333,
    }


def test_districts_api_ignores_grid_parameters(planner_client, world):
    response = planner_client.get(reverse("api:statistics-districts"), {"cell_size": "42", "shape": "circle"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "attr", "code"),
    [
        ({"cell_size": "42"}, "cell_size", "invalid_cell_size"),
        ({"cell_size": "abc"}, "cell_size", "invalid_cell_size"),
        ({"shape": "circle"}, "shape", "invalid_shape"),
        ({"created_from": "morgen"}, "created_from", "invalid_date"),
        ({"created_from": "2025-02-01", "created_to": "2025-01-01"}, "created_to", "date_range_inverted"),
        ({"category": "gibt-es-nicht"}, "category", "unknown_category"),
        ({"status_group": "alle"}, "status_group", "invalid_status_group"),
    ],
)
def test_heatmap_api_refuses_bad_parameters_with_stable_codes(planner_client, world, params, attr, code):
    response = planner_client.get(reverse("api:statistics-heatmap"), params)

    assert response.status_code == 400
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert body["type"] == "validation_error"
    assert [(error["attr"], error["code"]) for error in body["errors"]] == [(attr, code)]
    assert body["errors"][0]["detail"]


def test_districts_api_refuses_bad_filters(planner_client, world):
    response = planner_client.get(reverse("api:statistics-districts"), {"category": "gibt-es-nicht"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "unknown_category"


# --- the page --------------------------------------------------------------------------------------------


def test_dashboard_shows_the_tables_in_german_number_format(planner_client, world):
    response = planner_client.get(reverse("statistics:dashboard"), JANUARY_QUERY)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<table id="districts-table">' in html
    assert '<table id="departments-table">' in html
    assert '<table id="cells-table">' in html
    assert '<th scope="row">West</th>' in html
    assert '<td class="num">1,5</td>' in html  # West: reports per km²
    assert '<td class="num">4,0</td>' in html  # median days
    assert '<td class="num">5,6</td>' in html  # 90th percentile of department A
    assert "33 %" in html  # share by the target date in West


def test_dashboard_map_loads_its_features_from_the_api(planner_client, world):
    response = planner_client.get(reverse("statistics:dashboard"), {**JANUARY_QUERY, "cell_size": "500"})

    html = response.content.decode()
    assert "PlatformAggregate.layer(" in html
    assert "/api/v1/statistics/heatmap/?created_from=2025-01-01" in html
    assert "cell_size=500" in html
    assert "/api/v1/statistics/districts/?created_from=2025-01-01" in html
    # no feature is inlined: the page's weight does not grow with the data
    assert "FeatureCollection" not in html
    assert '"coordinates"' not in html


def test_dashboard_shows_unusable_parameters_and_uses_the_defaults(planner_client, world):
    response = planner_client.get(reverse("statistics:dashboard"), {"cell_size": "42", "category": "nope"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert "Die Kategorie „nope“ gibt es nicht" in html
    assert '<option value="250" selected>' in html


def test_dashboard_csv_links_carry_the_filters(planner_client, world):
    response = planner_client.get(
        reverse("statistics:dashboard"), {**JANUARY_QUERY, "category": "schlagloch", "shape": "square"}
    )

    html = response.content.decode()
    assert (
        "/auswertung/ortsratsbereiche.csv?created_from=2025-01-01&amp;created_to=2025-01-31&amp;category=schlagloch"
        in html
    )
    assert (
        "/auswertung/rasterzellen.csv?created_from=2025-01-01&amp;created_to=2025-01-31&amp;category=schlagloch&amp;cell_size=250&amp;shape=square"
        in html
    )


def test_my_area_links_the_dashboard_for_planners_only(client, db, people):
    client.force_login(people["planner"])
    planner_page = client.get(reverse("accounts:my_area")).content.decode()
    client.force_login(people["case_worker"])
    worker_page = client.get(reverse("accounts:my_area")).content.decode()

    assert reverse("statistics:dashboard") in planner_page
    assert reverse("statistics:dashboard") not in worker_page


# --- CSV -------------------------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_districts_csv(planner_client, world):
    response = planner_client.get(reverse("statistics:districts_csv"), JANUARY_QUERY)

    rows = read_csv(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="auswertung-ortsratsbereiche_2025-01-01_bis_2025-01-31.csv"'
    )
    assert rows[0][:4] == ["Ortsratsbereich", "Kurzname", "Fläche (km²)", "Meldungen"]
    assert rows[1:] == [
        ["Ost", "ost", "2,00", "2", "1,00", "1", "1", "1,5", "0", "0", ""],
        ["West", "west", "2,00", "3", "1,50", "2", "3", "4,0", "3", "1", "33,3"],
    ]


def test_departments_csv(planner_client, world):
    response = planner_client.get(
        reverse("statistics:departments_csv"), {**JANUARY_QUERY, "status_group": "open"}
    )

    rows = read_csv(response)
    assert (
        'filename="auswertung-fachbereiche_2025-01-01_bis_2025-01-31_open.csv"'
        in response["Content-Disposition"]
    )
    assert rows[0] == [
        "Fachbereich",
        "offen heute",
        "davon überfällig",
        "eingegangen im Zeitraum",
        "erledigt im Zeitraum",
        "Median Tage bis erledigt",
        "90-%-Perzentil Tage bis erledigt",
    ]
    by_department = {row[0]: row for row in rows[1:]}
    # received and still open: w3 (A), e2 (B); overdue as of today (w3's target date has passed)
    assert by_department["A Straßen"] == ["A Straßen", "2", "2", "1", "3", "4,0", "5,6"]
    assert by_department["B Grün"] == ["B Grün", "1", "0", "1", "1", "1,5", "1,5"]


def test_cells_csv(planner_client, world):
    response = planner_client.get(reverse("statistics:cells_csv"), {**JANUARY_QUERY, "cell_size": "1000"})

    rows = read_csv(response)
    assert (
        'filename="auswertung-rasterzellen_2025-01-01_bis_2025-01-31_hex_1000m.csv"'
        in response["Content-Disposition"]
    )
    assert rows[0] == ["Zelle i", "Zelle j", "Mittelpunkt Länge", "Mittelpunkt Breite", "Meldungen"]
    assert sum(int(row[4]) for row in rows[1:]) == 5
    lon, lat = (float(value.replace(",", ".")) for value in rows[1][2:4])
    assert 10.7 < lon < 10.9 and 52.3 < lat < 52.5


def test_csv_refuses_unusable_parameters(planner_client, world):
    response = planner_client.get(reverse("statistics:cells_csv"), {"shape": "circle"})

    assert response.status_code == 400
    assert "invalid_shape" in response.content.decode()


def test_csv_guards_against_formulas_in_names(planner_client, world):
    world["a"].name = "=HYPERLINK(1)"
    world["a"].save()

    rows = read_csv(planner_client.get(reverse("statistics:departments_csv"), JANUARY_QUERY))

    assert [row[0] for row in rows if "HYPERLINK" in row[0]] == ["'=HYPERLINK(1)"]
