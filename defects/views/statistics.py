"""The planner dashboard ("Auswertung"): where reports cluster and how fast they are resolved.

For planners, administrators and superusers (``defects.view_statistics``; others get 403, anonymous visitors
the login page). One GET form (works without JavaScript) sets the window, category, status group and the
heatmap's grid; the map fetches its cells and districts from the statistics API with the same parameters, and
the tables (districts, departments, the fullest cells) give the same figures without a map. Each table can
be downloaded as CSV with the same filters.

CSV format, for German spreadsheets: UTF-8 with BOM (so Excel detects the encoding), ";" between fields,
decimal comma, one header row; the window (and category, grid) are in the file name.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from defects.filters import category_filter_choices
from defects.statistics_selectors import (
    DEFAULT_WINDOW_DAYS,
    TOP_CELLS,
    DistrictFigures,
    StatisticsQuery,
    cells_with_districts,
    department_statistics,
    district_statistics,
    heatmap_cells,
    statistics_query_parse,
)
from districts.layers import DISTRICTS_LAYER
from districts.selectors import city_bounds
from maps.aggregate_maps import AggregateLayer, build_aggregate_map
from maps.aggregation import ALLOWED_CELL_SIZES_M, GridShape
from maps.folium_maps import MapParts, layer_element

CACHE_CONTROL = "private, no-store"
FILTER_NAMES = ("created_from", "created_to", "category", "status_group")


def _require_statistics(request: HttpRequest) -> None:
    if not request.user.has_perm("defects.view_statistics"):
        raise PermissionDenied


def _parsed(request: HttpRequest):
    return statistics_query_parse(request.GET, today=timezone.localdate())


def _url(name: str, params: dict[str, str]) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(params)}" if params else url


def _filter_params(query: StatisticsQuery) -> dict[str, str]:
    return {name: value for name, value in query.params().items() if name in FILTER_NAMES}


def _statistics_map(
    query: StatisticsQuery, *, cell_counts: list[int], districts: list[DistrictFigures]
) -> MapParts:
    """Build the map: heatmap cells, or districts by reports per km² or by median days (one at a time)."""
    heatmap_url = _url("api:statistics-heatmap", query.params())
    districts_url = _url("api:statistics-districts", _filter_params(query))
    shape_label = gettext("Sechsecke") if query.shape == GridShape.HEX else gettext("Quadrate")
    layers = [
        AggregateLayer(
            name="heatmap",
            title=gettext("Meldungen je Rasterzelle"),
            url=heatmap_url,
            value_property="count",
            values=cell_counts,
            legend_title=gettext("Meldungen je Zelle (%(shape)s, %(size)s m)")
            % {"shape": shape_label, "size": query.cell_size_m},
            value_label=gettext("Meldungen"),
            palette="YlOrRd",
        ),
        AggregateLayer(
            name="density",
            title=gettext("Meldungen je km² (Ortsratsbereiche)"),
            url=districts_url,
            value_property="reports_per_km2",
            values=[figures.reports_per_km2 for figures in districts],
            legend_title=gettext("Meldungen je km²"),
            value_label=gettext("Meldungen je km²"),
            palette="YlOrRd",
            decimals=1,
            popup_title_property="name",
            popup_details=(("reports", gettext("Meldungen"), 0), ("backlog", gettext("offen heute"), 0)),
            show=False,
        ),
        AggregateLayer(
            name="duration",
            title=gettext("Median Tage bis erledigt (Ortsratsbereiche)"),
            url=districts_url,
            value_property="median_days_to_resolve",
            values=[figures.median_days_to_resolve for figures in districts],
            legend_title=gettext("Median Tage bis erledigt"),
            value_label=gettext("Median Tage bis erledigt"),
            palette="PuBu",
            decimals=1,
            popup_title_property="name",
            popup_details=(("resolved", gettext("erledigt im Zeitraum"), 0),),
            show=False,
        ),
    ]
    return build_aggregate_map(
        layers=layers,
        bounds=city_bounds(),
        aria_label=gettext("Karte der Auswertung: Meldungen je Rasterzelle und je Ortsratsbereich"),
        overlays=[layer_element(DISTRICTS_LAYER, show=False)],
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard: filter form, map, tables and CSV links, all for the same filters."""
    _require_statistics(request)
    parsed = _parsed(request)
    query = parsed.query
    today = timezone.localdate()
    districts = district_statistics(filters=query.filters)
    departments = department_statistics(filters=query.filters, today=today)
    cells = heatmap_cells(filters=query.filters, cell_size_m=query.cell_size_m, shape=query.shape)
    params = query.params()
    filter_params = _filter_params(query)
    area = sum(figures.area_km2 for figures in districts)
    total_reports = sum(figures.reports for figures in districts)
    response = render(
        request,
        "defects/statistics/dashboard.html",
        {
            "query": query,
            "filters": query.filters,
            "errors": {error.field: error.message for error in parsed.errors},
            "category_choices": category_filter_choices(),
            "cell_sizes": ALLOWED_CELL_SIZES_M,
            "default_window_days": DEFAULT_WINDOW_DAYS,
            "districts": districts,
            "district_totals": {
                "reports": total_reports,
                "reports_per_km2": total_reports / area if area > 0 else None,
                "backlog": sum(figures.backlog for figures in districts),
                "resolved": sum(figures.resolved for figures in districts),
            },
            "departments": departments,
            "top_cells": cells_with_districts(cells=cells[:TOP_CELLS]),
            "cell_total": sum(cell.count for cell in cells),
            "cell_count": len(cells),
            "map": _statistics_map(query, cell_counts=[cell.count for cell in cells], districts=districts),
            "districts_csv_url": _url("statistics:districts_csv", filter_params),
            "departments_csv_url": _url("statistics:departments_csv", filter_params),
            "cells_csv_url": _url("statistics:cells_csv", params),
        },
    )
    response["Cache-Control"] = CACHE_CONTROL
    return response


# --- CSV -------------------------------------------------------------------------------------------------

# A cell starting with one of these would run as a formula in a spreadsheet.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _decimal(value: float | None, places: int) -> str:
    """Return a number with a decimal comma (German spreadsheets), or "" for no value."""
    return "" if value is None else f"{value:.{places}f}".replace(".", ",")


def _csv_response(
    *, rows: list[list[object]], name: str, query: StatisticsQuery, grid: bool = False
) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filters = query.filters
    parts = [name, filters.created_from.isoformat(), "bis", filters.created_to.isoformat()]
    if filters.category_slug:
        parts.append(filters.category_slug)
    if filters.status_group:
        parts.append(filters.status_group)
    if grid:
        parts.extend([query.shape.value, f"{query.cell_size_m}m"])
    response["Content-Disposition"] = f'attachment; filename="{"_".join(parts)}.csv"'
    response["Cache-Control"] = CACHE_CONTROL
    return response


def _csv_query(request: HttpRequest) -> StatisticsQuery | HttpResponse:
    """Return the request's query, or a 400 answer naming the parameters that cannot be used."""
    parsed = _parsed(request)
    if parsed.errors:
        text = "\n".join(f"{error.field}: {error.code}: {error.message}" for error in parsed.errors)
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    return parsed.query


@login_required
@require_GET
def districts_csv(request: HttpRequest) -> HttpResponse:
    """The districts table as CSV."""
    _require_statistics(request)
    query = _csv_query(request)
    if isinstance(query, HttpResponse):
        return query
    rows: list[list[object]] = [
        [
            "Ortsratsbereich",
            "Kurzname",
            "Fläche (km²)",
            "Meldungen",
            "Meldungen je km²",
            "offen heute",
            "erledigt im Zeitraum",
            "Median Tage bis erledigt",
            "erledigt mit Zieldatum",
            "davon bis zum Zieldatum",
            "Anteil bis zum Zieldatum (%)",
        ]
    ]
    for figures in district_statistics(filters=query.filters):
        share = figures.share_within_target
        rows.append(
            [
                _text(figures.name),
                figures.slug,
                _decimal(figures.area_km2, 2),
                figures.reports,
                _decimal(figures.reports_per_km2, 2),
                figures.backlog,
                figures.resolved,
                _decimal(figures.median_days_to_resolve, 1),
                figures.resolved_with_target,
                figures.resolved_within_target,
                _decimal(None if share is None else share * 100, 1),
            ]
        )
    return _csv_response(rows=rows, name="auswertung-ortsratsbereiche", query=query)


@login_required
@require_GET
def departments_csv(request: HttpRequest) -> HttpResponse:
    """The departments table as CSV."""
    _require_statistics(request)
    query = _csv_query(request)
    if isinstance(query, HttpResponse):
        return query
    rows: list[list[object]] = [
        [
            "Fachbereich",
            "offen heute",
            "davon überfällig",
            "eingegangen im Zeitraum",
            "erledigt im Zeitraum",
            "Median Tage bis erledigt",
            "90-%-Perzentil Tage bis erledigt",
        ]
    ]
    for figures in department_statistics(filters=query.filters, today=timezone.localdate()):
        rows.append(
            [
                _text(figures.name),
                figures.backlog,
                figures.overdue,
                figures.received,
                figures.resolved,
                _decimal(figures.median_days_to_resolve, 1),
                _decimal(figures.p90_days_to_resolve, 1),
            ]
        )
    return _csv_response(rows=rows, name="auswertung-fachbereiche", query=query)


@login_required
@require_GET
def cells_csv(request: HttpRequest) -> HttpResponse:
    """The heatmap's occupied cells as CSV, the fullest first: index, centre (WGS 84) and count."""
    _require_statistics(request)
    query = _csv_query(request)
    if isinstance(query, HttpResponse):
        return query
    rows: list[list[object]] = [
        ["Zelle i", "Zelle j", "Mittelpunkt Länge", "Mittelpunkt Breite", "Meldungen"]
    ]
    for cell in heatmap_cells(filters=query.filters, cell_size_m=query.cell_size_m, shape=query.shape):
        rows.append([cell.i, cell.j, _decimal(cell.centre_lon, 6), _decimal(cell.centre_lat, 6), cell.count])
    return _csv_response(rows=rows, name="auswertung-rasterzellen", query=query, grid=True)
