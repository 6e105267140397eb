"""The public pages of the Mängelmelder: start page, list, map, a report's page, the reporter's page, subscriptions.

Views only parse the request, call ``defects.selectors`` / ``defects.services`` and render. Every write is one
service call, the same as the API's. Nothing here shows who reported or supports a report: the pages read
public fields only (the selectors' querysets) and the public history (no internal notes, no actors).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from defects import lifecycle, selectors, services
from defects.errors import ReportActionError, ReportErrorCode, ReportValidationError
from defects.filters import MAP_FILTER_FIELDS, ReportFilterForm
from defects.layers import REPORTS_LAYER
from defects.models import Report, ReportStatus, Subscription
from districts.layers import DISTRICTS_LAYER
from districts.selectors import city_bounds, current_city
from maps.folium_maps import build_map

REPORTS_PER_PAGE = 25
LATEST_REPORTS = 10
# The report page's small map: close enough to see the street, far enough to see the neighbourhood.
DETAIL_MAP_ZOOM = 17


def _labelled(reports, labels: dict[str, str]) -> list[Report]:
    """Attach the editable public status label to each report (``status_label``) for the templates."""
    reports = list(reports)
    for report in reports:
        report.status_label = labels.get(report.status) or report.get_status_display()
    return reports


def _with_supporter_counts(reports: QuerySet[Report]) -> QuerySet[Report]:
    """Annotate ``supporters_count``: confirmed supporters, counted by a subquery per report (no GROUP BY)."""
    supporters = (
        Subscription.objects.filter(
            report_id=OuterRef("pk"), role=Subscription.Role.SUPPORTER, confirmed_at__isnull=False
        )
        .order_by()
        .values("report_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return reports.annotate(supporters_count=Coalesce(Subquery(supporters), 0))


def _status_counts(labels: dict[str, str]) -> list[dict]:
    """Return the number of public reports per status, in lifecycle order, leaving out statuses with none."""
    counts = dict(
        selectors.report_public_queryset()
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    return [
        {"status": status, "label": labels.get(status) or ReportStatus(status).label, "count": counts[status]}
        for status in ReportStatus.values
        if counts.get(status)
    ]


def _friendly_404(request: HttpRequest, *, title: str, text: str) -> HttpResponse:
    response = render(request, "defects/public/not_found.html", {"title": title, "text": text}, status=404)
    add_never_cache_headers(response)
    return response


def _report_not_found(request: HttpRequest) -> HttpResponse:
    return _friendly_404(
        request,
        title=gettext("Meldung nicht gefunden"),
        text=gettext(
            "Diese Meldung gibt es nicht oder sie ist nicht öffentlich: Sie wurde noch nicht bestätigt "
            "oder von der meldenden Person zurückgezogen."
        ),
    )


def _bad_link(request: HttpRequest) -> HttpResponse:
    return _friendly_404(
        request,
        title=gettext("Dieser Link ist ungültig"),
        text=gettext(
            "Der Link ist nicht (mehr) gültig oder unvollständig. Bitte kopieren Sie ihn vollständig aus der "
            "E-Mail in die Adresszeile Ihres Browsers."
        ),
    )


# --- start page, list and map -----------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    """Explain the Mängelmelder, lead to "Mangel melden", and show the latest reports and the counts per status."""
    labels = selectors.status_labels()
    latest = _labelled(_with_supporter_counts(selectors.report_public_list())[:LATEST_REPORTS], labels)
    status_counts = _status_counts(labels)
    return render(
        request,
        "defects/public/index.html",
        {
            "latest": latest,
            "status_counts": status_counts,
            "total": sum(entry["count"] for entry in status_counts),
        },
    )


def report_list(request: HttpRequest) -> HttpResponse:
    """List the public reports, filtered by the GET form and paginated; bad filter values give a message."""
    form = ReportFilterForm(request.GET)
    reports = _with_supporter_counts(selectors.report_public_list(**form.selector_kwargs()))
    paginator = Paginator(reports, REPORTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    query = form.query()
    return render(
        request,
        "defects/public/list.html",
        {
            "form": form,
            "filter_errors": form.error_messages(),
            "page": page,
            "reports": _labelled(page.object_list, selectors.status_labels()),
            "query": query,
            "map_url": _with_query(reverse("defects:report_map"), _map_query(query)),
        },
    )


def _with_query(url: str, query: dict[str, str]) -> str:
    return f"{url}?{urlencode(query)}" if query else url


def _map_query(query: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in query.items() if name in MAP_FILTER_FIELDS}


def report_map(request: HttpRequest) -> HttpResponse:
    """Show the public reports on a map (loaded by bbox, filtered like the list), with the list as the other way."""
    city = current_city()
    form = ReportFilterForm(request.GET, fields=MAP_FILTER_FIELDS)
    query = form.query()
    map_parts = None
    if city is not None:
        map_parts = build_map(
            layers=[DISTRICTS_LAYER, REPORTS_LAYER],
            bounds=city_bounds(city=city),
            layer_filters={REPORTS_LAYER.name: query},
            aria_label=gettext("Karte der Meldungen im Mängelmelder"),
        )
    return render(
        request,
        "defects/public/map.html",
        {
            "city": city,
            "map": map_parts,
            "form": form,
            "filter_errors": form.error_messages(),
            "query": query,
            "list_url": _with_query(reverse("defects:report_list"), query),
            "status_legend": _status_legend(),
        },
    )


def _status_legend() -> list[dict]:
    labels = selectors.status_labels()
    styles = REPORTS_LAYER.feature_styles
    return [
        {
            "status": status,
            "label": labels.get(status) or ReportStatus(status).label,
            "color": styles[status]["fillColor"],
        }
        for status in ReportStatus.values
        if status in styles
    ]


# --- a report's page and support ----------------------------------------------------------------------------


def _detail_context(request: HttpRequest, report: Report) -> dict:
    labels = selectors.status_labels()
    report.status_label = labels.get(report.status) or report.get_status_display()
    report.supporters_count = selectors.report_supporter_count(report=report)
    report.is_supportable = report.status in lifecycle.OPEN_STATUSES
    lon, lat = report.location.x, report.location.y
    return {
        "report": report,
        "photos": list(selectors.report_public_photos(report=report)),
        "history": selectors.report_public_history(report=report),
        "lon": lon,
        "lat": lat,
        "map": build_map(
            layers=[REPORTS_LAYER],
            center=(lat, lon),
            zoom=DETAIL_MAP_ZOOM,
            height="18rem",
            aria_label=gettext("Lage der Meldung auf der Karte"),
            locate=False,
        ),
    }


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one public report: what, where, its public history and photos, and how to support it."""
    report = selectors.report_get_public(report_id=pk)
    if report is None:
        return _report_not_found(request)
    return render(request, "defects/public/detail.html", _detail_context(request, report))


@require_POST
def report_support(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an e-mail address as a supporter (unconfirmed until the link in the e-mail is followed)."""
    report = selectors.report_get_public(report_id=pk)
    if report is None:
        return _report_not_found(request)
    email = (request.POST.get("email") or "").strip()
    try:
        services.report_support(report=report, email=email)
    except ReportValidationError as error:
        context = _detail_context(request, report)
        context["support_email"] = email
        context["support_errors"] = [str(field_error.message) for field_error in error.errors]
        return render(request, "defects/public/detail.html", context, status=400)
    except ReportActionError as error:
        if error.code != ReportErrorCode.ALREADY_SUBSCRIBED:
            messages.error(request, str(error.message))
            return redirect(reverse("defects:report_detail", kwargs={"pk": report.pk}) + "#unterstuetzen")
        # Already supported: the same answer as a success, so that the page does not tell whether an address
        # already supports the report.
    messages.success(
        request,
        gettext(
            "Danke! Wir haben Ihnen eine E-Mail geschickt. Bitte bestätigen Sie Ihre Unterstützung mit dem Link "
            "darin. Wenn Sie diese Meldung schon unterstützen, bekommen Sie keine weitere E-Mail."
        ),
    )
    return redirect(reverse("defects:report_detail", kwargs={"pk": report.pk}) + "#unterstuetzen")


# --- the reporter's page ------------------------------------------------------------------------------------


MANAGE_ACTIONS = ("withdraw", "anonymise", "reopen")


@require_http_methods(["GET", "POST"])
def report_manage(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The reporter's page (linked from the e-mails): withdraw, remove the name, ask to reopen."""
    report = selectors.report_for_token(report_id=pk, token=token)
    if report is None:
        return _bad_link(request)
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        reason = (request.POST.get("reason") or "").strip()
        values = {action: reason}
        message = None
        try:
            if action == "withdraw":
                services.report_withdraw(report_id=report.pk, token=token, reason=reason)
                message = gettext(
                    "Ihre Meldung ist zurückgezogen. Sie erscheint nicht mehr in Listen und Karten."
                )
            elif action == "anonymise":
                services.report_anonymise(report_id=report.pk, token=token)
                message = gettext("Ihr Name und Ihre Telefonnummer sind aus der Meldung entfernt.")
            elif action == "reopen":
                services.report_request_reopen(report_id=report.pk, token=token, reason=reason)
                message = gettext(
                    "Danke! Die Meldung ist wieder geöffnet, und die zuständige Stelle ist informiert."
                )
            else:
                errors["action"] = [gettext("Diese Aktion gibt es nicht.")]
        except ReportValidationError as error:
            errors[action] = [str(field_error.message) for field_error in error.errors]
        except ReportActionError as error:
            errors[action] = [str(error.message)]
        if message and not errors:
            messages.success(request, message)
            return redirect(request.path)
        report = selectors.report_for_token(report_id=pk, token=token) or report
    labels = selectors.status_labels()
    report.status_label = labels.get(report.status) or report.get_status_display()
    response = render(
        request,
        "defects/public/manage.html",
        {
            "report": report,
            "errors": errors,
            "values": values,
            "is_public": report.status != ReportStatus.UNCONFIRMED and report.withdrawn_at is None,
            "can_withdraw": report.withdrawn_at is None,
            "can_anonymise": bool(report.reporter_name or report.reporter_phone),
            "can_reopen": report.withdrawn_at is None and report.status in lifecycle.REOPENABLE_STATUSES,
            "history": selectors.report_public_history(report=report),
        },
        status=400 if errors else 200,
    )
    # The page's address holds the reporter's secret: no shared cache may keep it.
    add_never_cache_headers(response)
    return response


# --- subscriptions --------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def subscription_confirm(request: HttpRequest, subscription_id: int, token: str) -> HttpResponse:
    """Confirm a subscription: the page shows a button (link scanners in mail filters only GET)."""
    if request.method == "POST":
        try:
            subscription = services.subscription_confirm(subscription_id=subscription_id, token=token)
        except ReportActionError:
            return _bad_link(request)
        messages.success(
            request,
            gettext(
                "Danke! Ihre E-Mail-Adresse ist bestätigt. Wir informieren Sie über jede Änderung der Meldung."
            ),
        )
        if selectors.report_get_public(report_id=subscription.report_id) is not None:
            return redirect("defects:report_detail", pk=subscription.report_id)
        return redirect("defects:index")
    response = render(request, "defects/public/subscription.html", {"action": "confirm"})
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
def subscription_cancel(request: HttpRequest, subscription_id: int, token: str) -> HttpResponse:
    """Cancel a subscription: the page shows a button, the POST ends the e-mails."""
    if request.method == "POST":
        try:
            services.subscription_cancel(subscription_id=subscription_id, token=token)
        except ReportActionError:
            return _bad_link(request)
        messages.success(request, gettext("Sie erhalten keine E-Mails mehr zu dieser Meldung."))
        return redirect("defects:index")
    response = render(request, "defects/public/subscription.html", {"action": "cancel"})
    add_never_cache_headers(response)
    return response
