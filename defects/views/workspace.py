"""The department workspace: the queue (list, map, export, bulk actions), saved filters and a report's work page.

Every page needs a signed-in person with ``defects.view_queue``; a report's internal history needs
``defects.view_report_internal`` and every action ``defects.act_on_report`` (planners see, never act). Views
parse, check and call one service of ``defects.workspace_services``; the services check the permission again
and the report's ``version`` (a stale version is a conflict, shown with the current state).
"""

from __future__ import annotations

import csv
from urllib.parse import urlencode

import folium
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from defects import lifecycle, rules, selectors
from defects.errors import ReportActionError, ReportValidationError
from defects.forms_workspace import (
    AcceptForm,
    AfterPhotoForm,
    AssignForm,
    BulkForm,
    ForwardForm,
    HandBackForm,
    NoteForm,
    PriorityForm,
    QueueFilterForm,
    SavedFilterForm,
    StatusForm,
    user_label,
)
from defects.layers import REPORT_STATUS_STYLES, REPORT_STYLE
from defects.models import Report, ReportPhoto, ReportStatus, SavedQueueFilter
from defects.workspace_selectors import (
    queue_filtered,
    queue_for_user,
    queue_report,
    report_internal_history,
    report_is_overdue,
    response_templates_for,
    saved_filters_for,
)
from districts.layers import DISTRICTS_LAYER
from districts.selectors import city_bounds, current_city
from geo_core.parsing import MAX_BBOX_DEGREES, GeoInputError, parse_bbox
from maps.elements import BboxGeoJsonLayer
from maps.folium_maps import PlatformMap, base_tile_layer, layer_element, locate_control, render_map

QUEUE_PAGE_SIZE = 50
MAP_PAGE_SIZE = 500
CONFLICT_MESSAGE = "Die Meldung wurde inzwischen geändert."


def _require_queue(request: HttpRequest) -> None:
    if not request.user.has_perm("defects.view_queue"):
        raise PermissionDenied


def _filter_form(request: HttpRequest, data: QueryDict | None = None) -> QueueFilterForm:
    return QueueFilterForm(data if data is not None else request.GET, user=request.user)


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def _status_tabs(counts: dict[str, int], query: QueryDict) -> list[dict]:
    base = query.copy()
    base.pop("status", None)
    base.pop("cursor", None)
    tabs = []
    labels = dict(ReportStatus.choices)
    selected = set(query.getlist("status"))
    for status, count in counts.items():
        params = base.copy()
        params.setlist("status", [status])
        tabs.append(
            {
                "status": status,
                "label": labels[status],
                "count": count,
                "url": "?" + params.urlencode(),
                "current": selected == {status},
            }
        )
    return tabs


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The list of the filtered queue, one keyset page at a time."""
    _require_queue(request)
    form = _filter_form(request)
    filters = form.filters()
    page = queue_for_user(
        user=request.user, filters=filters, cursor=request.GET.get("cursor") or None, limit=QUEUE_PAGE_SIZE
    )
    query = form.query_string()
    next_url = None
    if page.next_cursor:
        params = QueryDict(query, mutable=True)
        params["cursor"] = page.next_cursor
        next_url = "?" + params.urlencode()
    return render(
        request,
        "defects/workspace/queue.html",
        {
            "form": form,
            "page": page,
            "tabs": _status_tabs(page.counts_by_status, request.GET),
            "total": sum(page.counts_by_status.values()),
            "query": query,
            "next_url": next_url,
            "is_first_page": not request.GET.get("cursor"),
            "first_url": _with_query(reverse("workspace:queue"), query),
            "map_url": _with_query(reverse("workspace:queue_map"), query),
            "export_url": _with_query(reverse("workspace:queue_export"), query),
            "saved_filters": saved_filters_for(user=request.user),
            "save_form": SavedFilterForm(initial={"query": query}),
            "bulk_form": BulkForm(user=request.user),
            "can_act": _can_act_somewhere(request.user),
            "active_tab": "list",
        },
    )


def _can_act_somewhere(user) -> bool:
    """Whether to offer row selection and bulk actions (each report is still checked by the service)."""
    return user.is_superuser or (rules.is_department_member | rules.is_administrator).test(user)


@login_required
@require_GET
def queue_map(request: HttpRequest) -> HttpResponse:
    """The same filtered queue on a map: the points come from the staff-only GeoJSON endpoint by bbox."""
    _require_queue(request)
    form = _filter_form(request)
    query = form.query_string()
    city = current_city()
    features_url = _with_query(reverse("workspace:queue_geojson"), query)
    m = PlatformMap(
        location=(52.42, 10.79),
        zoom_start=12,
        bounds=city_bounds(city=city) if city else None,
        tiles=None,
        height="100%",
        aria_label=gettext("Karte der gefilterten Meldungen"),
        zoom_snap=0.25,
        zoom_delta=1,
    )
    base_tile_layer().add_to(m)
    layer_element(DISTRICTS_LAYER).add_to(m)
    BboxGeoJsonLayer(
        name="queue",
        title=gettext("Meldungen im Arbeitsbereich"),
        url=features_url,
        style=REPORT_STYLE,
        style_property="status",
        feature_styles=REPORT_STATUS_STYLES,
        popup_property="title",
        popup_url_property="url",
        popup_detail_properties=("status_label", "address_label"),
        label_property=None,
        attribution="",
        max_bbox_degrees=MAX_BBOX_DEGREES,
        page_size=MAP_PAGE_SIZE,
        show=True,
        messages={
            "error": gettext("Die Meldungen konnten nicht geladen werden."),
            "truncated": gettext("Die Karte zeigt nicht alle Meldungen; bitte hineinzoomen."),
        },
    ).add_to(m)
    locate_control().add_to(m)
    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    return render(
        request,
        "defects/workspace/queue_map.html",
        {
            "form": form,
            "map": render_map(m),
            "query": query,
            "list_url": _with_query(reverse("workspace:queue"), query),
            "map_url": _with_query(reverse("workspace:queue_map"), query),
            "active_tab": "map",
        },
    )


@login_required
@require_GET
def queue_geojson(request: HttpRequest) -> JsonResponse:
    """The filtered queue's points inside ``bbox`` as GeoJSON, for staff only (paginated like the maps API)."""
    _require_queue(request)
    try:
        bbox = parse_bbox(request.GET.get("bbox"))
    except GeoInputError as error:
        return JsonResponse(
            {"type": "validation_error", "errors": [{"code": error.code, "attr": "bbox"}]}, status=400
        )
    try:
        page_number = max(1, int(request.GET.get("page", 1)))
        page_size = max(1, min(int(request.GET.get("page_size", MAP_PAGE_SIZE)), MAP_PAGE_SIZE))
    except ValueError:
        page_number, page_size = 1, MAP_PAGE_SIZE
    form = _filter_form(request)
    reports = queue_filtered(user=request.user, filters=form.filters()).filter(location__bboverlaps=bbox)
    start = (page_number - 1) * page_size
    rows = list(
        reports.only("id", "location", "status", "address_label", "created_at", "category__name")
        .select_related(None)
        .select_related("category")[start : start + page_size + 1]
    )
    labels = selectors.status_labels()
    features = [
        {
            "type": "Feature",
            "id": report.pk,
            "geometry": {"type": "Point", "coordinates": [report.location.x, report.location.y]},
            "properties": {
                "id": report.pk,
                "title": f"#{report.pk} {report.category.name}",
                "status": report.status,
                "status_label": labels.get(report.status, report.status),
                "address_label": report.address_label,
                "url": reverse("workspace:report", kwargs={"pk": report.pk}),
            },
        }
        for report in rows[:page_size]
    ]
    next_url = None
    if len(rows) > page_size:
        params = request.GET.copy()
        params["page"] = str(page_number + 1)
        next_url = request.path + "?" + params.urlencode()
    response = JsonResponse({"type": "FeatureCollection", "features": features, "next": next_url})
    response["Cache-Control"] = "private, no-store"
    return response


CSV_HEADERS = (
    "Nummer",
    "Kategorie",
    "Adresse",
    "Stadtteil",
    "Ortsratsbereich",
    "Status",
    "Priorität",
    "Fachbereich",
    "Bearbeitet von",
    "Gemeldet am",
    "Zieldatum",
    "Überfällig",
    "Beschreibung",
)


# Citizens write the descriptions: a cell starting with one of these would run as a formula in Excel.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def queue_export(request: HttpRequest) -> HttpResponse:
    """The filtered queue as CSV for German Excel: UTF-8 with BOM, ";" between fields, German headers."""
    _require_queue(request)
    form = _filter_form(request)
    reports = queue_filtered(user=request.user, filters=form.filters())
    today = timezone.localdate()
    writer = csv.writer(_Echo(), delimiter=";", quoting=csv.QUOTE_MINIMAL)
    labels = dict(ReportStatus.choices)

    def rows():
        yield "\ufeff" + writer.writerow(CSV_HEADERS)
        for report in reports.iterator(chunk_size=500):  # streamed: the export may be long
            yield writer.writerow(
                _cell(value)
                for value in (
                    report.pk,
                    report.category.name,
                    report.address_label,
                    report.quarter.name if report.quarter else "",
                    report.district.name,
                    labels.get(report.status, report.status),
                    report.get_priority_display(),
                    report.department.name,
                    user_label(report.assignee) if report.assignee else "",
                    timezone.localtime(report.created_at).strftime("%d.%m.%Y %H:%M"),
                    report.due_date.strftime("%d.%m.%Y") if report.due_date else "",
                    "ja" if report_is_overdue(report, today=today) else "nein",
                    report.description,
                )
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="meldungen-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    """Assign or change the status of the selected reports; each one is checked and versioned on its own."""
    _require_queue(request)
    form = BulkForm(request.POST, user=request.user)
    back = _with_query(reverse("workspace:queue"), request.POST.get("query", ""))
    if not form.is_valid():
        messages.error(request, gettext("Bitte wählen Sie Meldungen und eine Aktion aus."))
        return redirect(back)
    from defects import workspace_services

    ids = form.cleaned_data["ids"]
    if form.cleaned_data["action"] == "assign":
        value = form.cleaned_data["assignee"]
        from django.contrib.auth import get_user_model

        assignee = (
            request.user
            if value == "me"
            else (get_user_model().objects.filter(pk=int(value)).first() if value else None)
        )
        results = workspace_services.reports_bulk_assign(
            actor=request.user, report_ids=ids, assignee=assignee
        )
    else:
        if not form.cleaned_data["to_status"]:
            messages.error(request, gettext("Bitte wählen Sie den neuen Status."))
            return redirect(back)
        results = workspace_services.reports_bulk_change_status(
            actor=request.user,
            report_ids=ids,
            to_status=form.cleaned_data["to_status"],
            public_message=form.cleaned_data["public_message"],
        )
    ok = [result for result in results if _result_ok(result)]
    failed = [result for result in results if not _result_ok(result)]
    if ok:
        messages.success(request, gettext("%(count)d Meldungen geändert.") % {"count": len(ok)})
    if failed:
        messages.error(
            request,
            gettext("%(count)d Meldungen nicht geändert: %(ids)s")
            % {"count": len(failed), "ids": ", ".join(f"#{_result_id(result)}" for result in failed)},
        )
    return redirect(back)


def _result_ok(result) -> bool:
    if isinstance(result, dict):
        return bool(result.get("ok"))
    return bool(getattr(result, "ok", False))


def _result_id(result) -> object:
    if isinstance(result, dict):
        return result.get("report_id")
    return getattr(result, "report_id", "?")


# --- Saved filters ---------------------------------------------------------------------------------------


@login_required
@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    """Save the current filters under a name (a name used before is overwritten: it is the person's own)."""
    _require_queue(request)
    form = SavedFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Bitte geben Sie dem Filter einen Namen."))
        return redirect(_with_query(reverse("workspace:queue"), request.POST.get("query", "")))
    query = form.cleaned_data["query"].lstrip("?")
    SavedQueueFilter.objects.update_or_create(
        user=request.user, name=form.cleaned_data["name"], defaults={"query": query}
    )
    messages.success(request, gettext("Filter „%(name)s“ gespeichert.") % {"name": form.cleaned_data["name"]})
    return redirect(_with_query(reverse("workspace:queue"), query))


@login_required
@require_GET
def saved_filter_apply(request: HttpRequest, pk: int) -> HttpResponse:
    _require_queue(request)
    saved = get_object_or_404(saved_filters_for(user=request.user), pk=pk)
    return redirect(_with_query(reverse("workspace:queue"), saved.query))


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_queue(request)
    saved = get_object_or_404(saved_filters_for(user=request.user), pk=pk)
    saved.delete()
    messages.success(request, gettext("Filter „%(name)s“ gelöscht.") % {"name": saved.name})
    return redirect("workspace:queue")


# --- A report's work page --------------------------------------------------------------------------------

ACTIONS = ("accept", "hand_back", "forward", "assign", "priority", "status", "note", "photo")


def _report_or_404(request: HttpRequest, pk: int) -> Report:
    _require_queue(request)
    report = queue_report(user=request.user, report_id=pk)
    if report is None:
        raise Http404
    return report


def _action_forms(report: Report, user, data=None, files=None, action: str | None = None) -> dict:
    """Return the page's action forms; the one named ``action`` is bound to ``data``."""
    initial = {"version": report.version}
    statuses = lifecycle.next_statuses(report.status)
    templates = list(response_templates_for(report=report))

    # The forms start at the report's current values, so saving one unchanged changes nothing by accident.
    current = {
        "assign": {
            "assignee": ""
            if report.assignee_id is None
            else ("me" if report.assignee_id == user.pk else str(report.assignee_id))
        },
        "priority": {"priority": report.priority},
    }

    def make(name, form_class, **kwargs):
        if name == action and data is not None:
            return form_class(data, files, prefix=name, **kwargs)
        return form_class(initial={**initial, **current.get(name, {})}, prefix=name, **kwargs)

    return {
        "accept": make("accept", AcceptForm),
        "hand_back": make("hand_back", HandBackForm),
        "forward": make("forward", ForwardForm),
        "assign": make("assign", AssignForm, report=report, user=user),
        "priority": make("priority", PriorityForm),
        "status": make("status", StatusForm, statuses=statuses, templates=templates),
        "note": make("note", NoteForm),
        "photo": make("photo", AfterPhotoForm),
    }


def _render_report(request: HttpRequest, report: Report, *, forms=None, status: int = 200) -> HttpResponse:
    user = request.user
    can_act = user.has_perm("defects.act_on_report", report)
    sees_internal = user.has_perm("defects.view_report_internal", report)
    if forms is None:
        forms = _action_forms(report, user)
    templates = list(response_templates_for(report=report))
    photos = ReportPhoto.objects.filter(report_id=report.pk).order_by("kind", "position", "pk")
    return render(
        request,
        "defects/workspace/report.html",
        {
            "report": report,
            "is_overdue": report_is_overdue(report),
            "can_act": can_act,
            "sees_internal": sees_internal,
            "history": report_internal_history(report=report) if sees_internal else None,
            "public_history": None if sees_internal else selectors.report_public_history(report=report),
            "photos": photos if sees_internal else photos.filter(is_public=True),
            "forms": forms if can_act else None,
            "next_statuses": lifecycle.next_statuses(report.status),
            "template_texts": {
                str(template.pk): {"text": template.text, "status": template.status} for template in templates
            },
            "public_url": reverse("defects:report_detail", kwargs={"pk": report.pk}),
        },
        status=status,
    )


@login_required
@require_GET
def report_work(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    return _render_report(request, report)


@login_required
@require_POST
def report_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one action on a report: one service call; a stale version shows the current state and says so."""
    report = _report_or_404(request, pk)
    if action not in ACTIONS:
        raise Http404
    if not request.user.has_perm("defects.act_on_report", report):
        raise PermissionDenied
    forms = _action_forms(report, request.user, request.POST, request.FILES, action)
    form = forms[action]
    if not form.is_valid():
        return _render_report(request, report, forms=forms, status=400)
    try:
        _run(action, form, report=report, user=request.user)
    except ReportActionError as error:
        current = queue_report(user=request.user, report_id=pk) or report
        if error.code == "conflict":
            messages.error(
                request,
                gettext(
                    "Die Meldung wurde inzwischen geändert. Sie sehen jetzt den aktuellen Stand; bitte prüfen "
                    "Sie Ihre Eingabe und senden Sie sie erneut."
                ),
            )
            return _render_report(request, current, forms=_refilled(current, request, action), status=409)
        if error.code == "forbidden":
            raise PermissionDenied from error
        form.add_error(
            getattr(error, "field", None) if getattr(error, "field", None) in form.fields else None,
            error.message,
        )
        return _render_report(request, current, forms=forms, status=400)
    except ReportValidationError as error:
        for problem in error.errors:
            form.add_error(problem.field if problem.field in form.fields else None, problem.message)
        return _render_report(request, report, forms=forms, status=400)
    messages.success(request, gettext("Gespeichert."))
    return redirect("workspace:report", pk=report.pk)


def _refilled(report: Report, request: HttpRequest, action: str) -> dict:
    """Fresh forms of the current version; the submitted texts are kept so nothing typed is lost."""
    forms = _action_forms(report, request.user)
    form = forms[action]
    for name in form.fields:
        if name != "version" and f"{action}-{name}" in request.POST:
            form.initial[name] = request.POST.get(f"{action}-{name}")
    return forms


def _run(action: str, form, *, report: Report, user) -> Report:
    from defects import workspace_services

    data = form.cleaned_data
    common = {"report": report, "actor": user, "expected_version": data["version"]}
    if action == "accept":
        return workspace_services.report_accept(**common)
    if action == "hand_back":
        return workspace_services.report_hand_back(**common, reason=data["reason"])
    if action == "forward":
        return workspace_services.report_forward(
            **common, department=data["department"], reason=data["reason"]
        )
    if action == "assign":
        return workspace_services.report_assign(**common, assignee=form.assignee_user(user))
    if action == "priority":
        return workspace_services.report_set_priority(**common, priority=data["priority"])
    if action == "status":
        duplicate_of = None
        if data.get("duplicate_of"):
            duplicate_of = Report.objects.filter(pk=data["duplicate_of"]).first()
        return workspace_services.report_change_status(
            **common,
            to_status=data["to_status"],
            public_message=form.message(),
            internal_note=data.get("internal_note", ""),
            duplicate_of=duplicate_of,
        )
    if action == "note":
        return workspace_services.report_add_note(**common, internal_note=data["internal_note"])
    return workspace_services.report_add_after_photo(**common, photo=data["photo"])


def queue_url(**filters) -> str:
    """Return the queue's URL with ``filters`` (for links from other pages, e.g. "Mein Bereich")."""
    return _with_query(reverse("workspace:queue"), urlencode(filters, doseq=True))
