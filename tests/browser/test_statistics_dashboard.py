"""The planner dashboard in a real browser: heatmap cells drawn from the API, the grid changed with the form,
the district choropleth, and the tables that say the same without a map."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.urls import reverse
from playwright.sync_api import Page, expect

from districts.models import Department, District
from geo_core.accounts.roles import PLANNERS
from tests.defects.factories import CategoryFactory, ReportFactory, ResponsibilityFactory
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
HEATMAP_PATHS = ".leaflet-overlay-pane path.aggregate-feature--heatmap"


@pytest.fixture
def planning(wolfsburg_transactional):
    """Reports spread over four districts (a few cells each) and a planner who may see the dashboard."""
    if not Department.objects.filter(kind=Department.Kind.TRIAGE, is_active=True).exists():
        DepartmentFactory(name="Annahmestelle", slug="annahme", kind=Department.Kind.TRIAGE)
    department = DepartmentFactory(name="Straßenbau (Test)", slug="strassenbau-test")
    category = CategoryFactory(name="Schlagloch (Test)", group__name="Straße und Verkehr (Test)")
    ResponsibilityFactory(category=category, department=department)
    districts = list(District.objects.order_by("name")[:4])
    for index, district in enumerate(districts):
        centre = district.geom.point_on_surface
        for step in range(index + 2):
            # a few hundred metres apart: several cells at 250 m, fewer at 1 km
            location = Point(centre.x + 0.003 * step, centre.y + 0.002 * (step % 2), srid=4326)
            if not district.geom.contains(location):
                location = centre
            ReportFactory(category=category, department=department, district=district, location=location)
    planner = UserFactory(email="paula.planung@example.org", first_name="Paula", last_name="Planung")
    planner.groups.add(Group.objects.get_or_create(name=PLANNERS)[0])
    EmailAddress.objects.create(user=planner, email=planner.email, verified=True, primary=True)
    return {"planner": planner, "districts": districts}


def log_in(page: Page, live_server, email: str) -> None:
    page.goto(live_server.url + reverse("account_login"))
    page.locator('input[name="login"]').fill(email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('form[action*="login"] button[type="submit"]').click()
    page.wait_for_url("**/mein-bereich/**")


def test_planner_sees_heatmap_changes_the_grid_and_reads_the_tables(page, live_server, planning, screenshot):
    # the planner logs in and finds the dashboard in "Mein Bereich"
    log_in(page, live_server, planning["planner"].email)
    page.get_by_role("link", name="Zur Auswertung").click()
    page.wait_for_url("**/auswertung/**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Auswertung der Meldungen")

    # the heatmap cells are fetched from the API and drawn, with a legend of the classes
    container = page.locator(".stats-map .platform-map")
    expect(container).to_have_attribute("data-layer-heatmap-count", re.compile(r"^[1-9]\d*$"))
    cells_250 = page.locator(HEATMAP_PATHS).count()
    assert cells_250 > 0
    assert cells_250 == int(container.get_attribute("data-layer-heatmap-count"))
    expect(page.locator(".map-aggregate-legend")).to_contain_text("Meldungen je Zelle (Sechsecke, 250 m)")
    screenshot(page, "statistics-dashboard.png")

    # the tables say the same without the map
    districts_table = page.locator("#districts-table")
    for district in planning["districts"]:
        expect(districts_table.get_by_role("rowheader", name=district.name, exact=True)).to_be_visible()
    expect(districts_table.locator("tfoot")).to_contain_text("14")  # 2 + 3 + 4 + 5 reports
    expect(page.locator("#departments-table")).to_contain_text("Straßenbau (Test)")
    expect(page.locator("#cells-table tbody tr").first).to_be_visible()

    # the form changes the grid (no script involved): 1 km squares
    page.get_by_label("Zellgröße").select_option("1000")
    page.get_by_label("Quadrate").check()
    page.get_by_role("button", name="Anwenden").click()
    page.wait_for_url(re.compile(r".*cell_size=1000.*shape=square.*"))
    expect(container).to_have_attribute("data-layer-heatmap-count", re.compile(r"^[1-9]\d*$"))
    expect(page.locator(".map-aggregate-legend")).to_contain_text("Quadrate, 1000 m")
    cells_1000 = page.locator(HEATMAP_PATHS).count()
    assert 0 < cells_1000 <= cells_250
    expect(page.locator("#cells-caption")).to_contain_text("1000 m")
    screenshot(page, "statistics-dashboard-1km.png")

    # the layer switch shows the districts by reports per km², with their legend instead of the cells'
    page.locator(".leaflet-control-layers").get_by_label("Meldungen je km² (Ortsratsbereiche)").check()
    expect(container).to_have_attribute("data-layer-density-count", "17")
    expect(page.locator(".leaflet-overlay-pane path.aggregate-feature--density")).to_have_count(17)
    expect(page.locator(HEATMAP_PATHS)).to_have_count(0)
    expect(page.locator(".map-aggregate-legend")).to_have_count(1)
    expect(page.locator(".map-aggregate-legend")).to_contain_text("Meldungen je km²")
    screenshot(page, "statistics-dashboard-districts.png")
    screenshot(page, "statistics-dashboard-full.png", full_page=True)


def test_case_worker_gets_no_dashboard(page, live_server, planning):
    worker = UserFactory(email="sam.sachbearbeitung@example.org")
    EmailAddress.objects.create(user=worker, email=worker.email, verified=True, primary=True)
    Department.objects.get(slug="strassenbau-test").memberships.create(user=worker)
    log_in(page, live_server, worker.email)
    expect(page.get_by_role("link", name="Zur Auswertung")).to_have_count(0)

    response = page.goto(live_server.url + reverse("statistics:dashboard"))

    assert response is not None and response.status == 403
