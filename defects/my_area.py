"""The section "Meine Meldungen" on a signed-in person's page "Mein Bereich".

A person's reports are those filed while signed in (``Report.reporter``) and those filed without an account
under one of their verified e-mail addresses: an address someone merely typed in proves nothing, a verified
one does.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from defects.models import Report, ReportStatus
from geo_core.accounts.my_area import MyAreaSection, register_section

# The section runs on every visit of the page: the newest reports only, with a count of all.
MY_REPORTS_LIMIT = 20


def report_list_for_person(*, user) -> QuerySet[Report]:
    """Return the reports of ``user``: filed by the account or under one of its verified addresses, newest first."""
    condition = Q(reporter=user)
    emails = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    for email in emails:
        condition |= Q(reporter_email__iexact=email)
    return (
        Report.objects.filter(condition)
        .select_related("category", "district")
        .only(
            "id",
            "status",
            "address_label",
            "created_at",
            "withdrawn_at",
            "category__name",
            "category__icon",
            "district__name",
        )
        .order_by("-created_at", "-pk")
    )


def section_context(user) -> dict:
    from defects.selectors import status_labels

    reports = report_list_for_person(user=user)
    latest = list(reports[:MY_REPORTS_LIMIT])
    labels = status_labels()
    for report in latest:
        report.status_label = labels.get(report.status) or report.get_status_display()
        report.is_public = report.status != ReportStatus.UNCONFIRMED and report.withdrawn_at is None
    total = len(latest) if len(latest) < MY_REPORTS_LIMIT else reports.count()
    return {"reports": latest, "total": total, "limit": MY_REPORTS_LIMIT}


MY_REPORTS_SECTION = MyAreaSection(
    key="reports",
    title=_("Meine Meldungen"),
    template_name="defects/public/my_area_reports.html",
    get_context=section_context,
    order=10,
)
register_section(MY_REPORTS_SECTION)
