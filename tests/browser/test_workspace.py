"""The department workspace in a real browser: a case worker works a report; the citizen sees the message."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from defects.models import Report, ReportStatus, ResponseTemplate, Subscription
from districts.models import Department, DepartmentMembership, District
from tests.browser.conftest import run_jobs
from tests.defects.factories import CategoryFactory, ReportFactory, ResponsibilityFactory, SubscriptionFactory
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
REPORTER = "erika.mustermann@example.org"
TEMPLATE_TEXT = "Wir haben den Schaden aufgenommen und die Reparatur beauftragt."


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def desk(wolfsburg_transactional):
    """A department with a case worker, two reports in two districts, and a template for "in Bearbeitung"."""
    if not Department.objects.filter(kind=Department.Kind.TRIAGE, is_active=True).exists():
        DepartmentFactory(name="Annahmestelle", slug="annahme", kind=Department.Kind.TRIAGE)
    department = DepartmentFactory(name="Straßenbau (Test)", slug="strassenbau-test")
    category = CategoryFactory(name="Schlagloch (Test)", group__name="Straße und Verkehr (Test)")
    ResponsibilityFactory(category=category, department=department)
    centre, other = District.objects.order_by("name")[:2]
    report = ReportFactory(
        category=category,
        department=department,
        district=centre,
        location=centre.geom.point_on_surface,
        address_label="Porschestraße 1",
        description="Tiefes Schlagloch",
        reporter_email=REPORTER,
    )
    SubscriptionFactory(report=report, email=REPORTER, role=Subscription.Role.REPORTER)
    elsewhere = ReportFactory(
        category=category,
        department=department,
        district=other,
        location=other.geom.point_on_surface,
        address_label="Anderswo 9",
    )
    ResponseTemplate.objects.create(
        department=department,
        status=ReportStatus.IN_PROGRESS,
        title="Reparatur beauftragt",
        text=TEMPLATE_TEXT,
    )
    worker = UserFactory(
        email="sam.sachbearbeitung@example.org", first_name="Sam", last_name="Sachbearbeitung"
    )
    EmailAddress.objects.create(user=worker, email=worker.email, verified=True, primary=True)
    DepartmentMembership.objects.create(department=department, user=worker)
    return {"report": report, "elsewhere": elsewhere, "district": centre, "worker": worker}


def test_case_worker_sets_a_report_in_progress_with_a_template(page, live_server, desk, screenshot):
    report, district = desk["report"], desk["district"]

    # the case worker logs in through the login form
    page.goto(live_server.url + reverse("account_login"))
    page.locator('input[name="login"]').fill(desk["worker"].email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('form[action*="login"] button[type="submit"]').click()
    page.wait_for_url("**/mein-bereich/**")

    # filters the queue to one district
    page.goto(live_server.url + reverse("workspace:queue"))
    page.get_by_label("Ortsratsbereich").select_option(label=district.name)
    page.get_by_role("button", name="Filtern").click()
    table = page.locator("table.ws-table")
    expect(table).to_contain_text("Porschestraße 1")
    expect(table).not_to_contain_text("Anderswo 9")
    screenshot(page, "workspace-queue.png", full_page=True)

    # the "Karte" tab shows the same filtered set, loaded from the staff-only endpoint
    tabs = page.get_by_role("navigation", name="Arbeitsbereich")
    tabs.get_by_role("link", name="Karte").click()
    expect(page.locator(".ws-map .platform-map")).to_have_attribute("data-layer-queue-count", "1")
    screenshot(page, "workspace-map.png")
    tabs.get_by_role("link", name="Liste").click()
    expect(page.locator("table.ws-table")).not_to_contain_text("Anderswo 9")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "workspace-queue-mobile.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # opens the report and sets it in progress with the template
    page.get_by_role("link", name=f"#{report.pk}").click()
    page.wait_for_load_state()  # the template picker's script is attached
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{report.pk}")
    status_form = page.locator("#action-status")
    status_form.get_by_label("Neuer Status").select_option("in_progress")
    status_form.get_by_label("Antwortvorlage").select_option(label="Reparatur beauftragt (in Bearbeitung)")
    expect(status_form.get_by_label("Öffentliche Nachricht")).to_have_value(TEMPLATE_TEXT)
    status_form.get_by_label("Interne Notiz").fill("Firma Müller, Auftrag 4711")
    screenshot(page, "workspace-report-form.png", full_page=True)
    status_form.get_by_role("button", name="Status speichern").click()
    expect(page.locator("#report-status")).to_have_text("in Bearbeitung")
    screenshot(page, "workspace-report-done.png", full_page=True)

    # the citizen's page shows the message, never the internal note
    assert Report.objects.get(pk=report.pk).status == ReportStatus.IN_PROGRESS
    page.goto(live_server.url + reverse("defects:report_detail", kwargs={"pk": report.pk}))
    expect(page.locator("main")).to_contain_text(TEMPLATE_TEXT)
    expect(page.locator("main")).not_to_contain_text("Auftrag 4711")

    # and the reporter has an e-mail with it
    run_jobs()
    [message] = [m for m in mail.outbox if REPORTER in m.to]
    assert TEMPLATE_TEXT in message.body
    assert "Auftrag 4711" not in message.body
