"""Reads of the planner dashboard ("Auswertung"): heatmap cells, figures per district and per department.

Which reports count: confirmed ones (never ``unconfirmed``: nobody has confirmed them to be real) that were not
withdrawn by their reporter (a withdrawn report is one the reporter took back, often a mistake; counting it
would put problems on the map that nobody claims to exist). This is the set the public sees; the workspace's
queue additionally lists withdrawn reports because their history is still work.

The filters:

- the time window ``created_from``–``created_to`` (whole days in the city's time zone, both included; by
  default the last 365 days up to today) selects reports *received* in it, and for durations the reports
  *resolved* in it (whenever they were received: how fast the city finished its work in that time);
- ``category`` narrows every figure to one category;
- ``status_group`` ("open" or "closed", as Open311 maps the statuses) narrows the received reports only
  (heatmap, reports per district, received per department). Backlog, overdue and durations are about a
  status by definition and ignore it.

"Backlog" and "overdue" are snapshots of today: reports open (``open``, ``in_progress``, ``reopened``) now,
whenever they came in. Days to resolve are ``resolved_at − created_at`` in days (fractions included).

Everything is aggregated in PostgreSQL (``GROUP BY`` with filtered aggregates, ``percentile_cont``); no report
is loaded into Python.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from defects import lifecycle
from defects.filters import DATE_INPUT_FORMATS
from defects.models import Category, Report, ReportStatus
from districts.models import Department, District
from districts.selectors import current_city
from geo_core.srid import STORAGE_SRID, metric_srid
from maps.aggregation import (
    DEFAULT_CELL_SIZE_M,
    DEFAULT_SHAPE,
    GridCell,
    GridError,
    GridShape,
    grid_cells,
    grid_cells_geojson,
    parse_cell_size,
    parse_shape,
)

DEFAULT_WINDOW_DAYS = 365
STATUS_GROUPS: dict[str, frozenset[str]] = {
    "open": lifecycle.OPEN_STATUSES,
    "closed": lifecycle.CLOSED_STATUSES,
}
# District outlines for the choropleth are simplified in metres: invisible at city zoom, a fraction of the bytes.
DISTRICT_SIMPLIFY_TOLERANCE_M = 5.0
TOP_CELLS = 10


class StatisticsErrorCode(StrEnum):
    """Stable codes of dashboard parameters that cannot be used (the API's, asserted in tests)."""

    INVALID_DATE = "invalid_date"
    DATE_RANGE_INVERTED = "date_range_inverted"
    UNKNOWN_CATEGORY = "unknown_category"
    INVALID_STATUS_GROUP = "invalid_status_group"
    INVALID_CELL_SIZE = "invalid_cell_size"
    INVALID_SHAPE = "invalid_shape"


# --- parameters ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatisticsFilters:
    """What the figures count. ``category_id`` and ``status_group`` empty: every category, every status."""

    created_from: datetime.date
    created_to: datetime.date
    category_id: int | None = None
    category_slug: str = ""
    status_group: str = ""


@dataclass(frozen=True)
class StatisticsQuery:
    """The filters and the heatmap's grid, as parsed from a query string."""

    filters: StatisticsFilters
    cell_size_m: int = DEFAULT_CELL_SIZE_M
    shape: GridShape = DEFAULT_SHAPE

    def params(self) -> dict[str, str]:
        """Return the query as query-string parameters, the way the form sends them (for links and CSVs)."""
        params = {
            "created_from": self.filters.created_from.isoformat(),
            "created_to": self.filters.created_to.isoformat(),
            "category": self.filters.category_slug,
            "status_group": self.filters.status_group,
            "cell_size": str(self.cell_size_m),
            "shape": self.shape.value,
        }
        return {name: value for name, value in params.items() if value}


@dataclass(frozen=True)
class StatisticsInputError:
    """A parameter that could not be used: ``field`` as in the query string, a stable ``code``, a message."""

    field: str
    code: str
    message: str


@dataclass(frozen=True)
class ParsedStatisticsQuery:
    """The query, with the defaults in place of what could not be used, and what that was."""

    query: StatisticsQuery
    errors: list[StatisticsInputError] = field(default_factory=list)


def default_filters(*, today: datetime.date) -> StatisticsFilters:
    """Return the filters of the dashboard's first view: every report of the last 365 days, today included."""
    return StatisticsFilters(
        created_from=today - datetime.timedelta(days=DEFAULT_WINDOW_DAYS - 1), created_to=today
    )


def _parse_date(raw: str) -> datetime.date | None:
    for pattern in DATE_INPUT_FORMATS:
        try:
            return datetime.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    return None


def statistics_query_parse(params: Mapping[str, str], *, today: datetime.date) -> ParsedStatisticsQuery:
    """Parse the dashboard's parameters; every value that cannot be used is named and replaced by its default.

    Parameters: ``created_from``, ``created_to`` (``YYYY-MM-DD`` or ``TT.MM.JJJJ``), ``category`` (slug),
    ``status_group`` (``open``/``closed``), ``cell_size`` (metres, one of the allowed sizes) and ``shape``
    (``hex``/``square``). The page shows the errors and the figures for the defaults; the API answers 400.
    """
    defaults = default_filters(today=today)
    errors: list[StatisticsInputError] = []

    dates: dict[str, datetime.date] = {}
    for name, default in (("created_from", defaults.created_from), ("created_to", defaults.created_to)):
        raw = (params.get(name) or "").strip()
        value = _parse_date(raw) if raw else default
        if value is None:
            errors.append(
                StatisticsInputError(
                    name,
                    StatisticsErrorCode.INVALID_DATE,
                    str(
                        _("„%(value)s“ ist kein gültiges Datum. Bitte geben Sie es als TT.MM.JJJJ an.")
                        % {"value": raw[:40]}
                    ),
                )
            )
            value = default
        dates[name] = value
    if dates["created_from"] > dates["created_to"]:
        errors.append(
            StatisticsInputError(
                "created_to",
                StatisticsErrorCode.DATE_RANGE_INVERTED,
                str(_("„Gemeldet bis“ liegt vor „Gemeldet ab“; es gilt der Zeitraum der letzten 365 Tage.")),
            )
        )
        dates = {"created_from": defaults.created_from, "created_to": defaults.created_to}

    category_slug = (params.get("category") or "").strip()
    category_id = None
    if category_slug:
        category_id = Category.objects.filter(slug=category_slug).values_list("pk", flat=True).first()
        if category_id is None:
            errors.append(
                StatisticsInputError(
                    "category",
                    StatisticsErrorCode.UNKNOWN_CATEGORY,
                    str(
                        _("Die Kategorie „%(value)s“ gibt es nicht; es werden alle Kategorien gezählt.")
                        % {"value": category_slug[:50]}
                    ),
                )
            )
            category_slug = ""

    status_group = (params.get("status_group") or "").strip()
    if status_group and status_group not in STATUS_GROUPS:
        errors.append(
            StatisticsInputError(
                "status_group",
                StatisticsErrorCode.INVALID_STATUS_GROUP,
                str(_("Die Statusgruppe muss „open“ (offen) oder „closed“ (abgeschlossen) sein.")),
            )
        )
        status_group = ""

    grid: dict[str, object] = {"cell_size_m": DEFAULT_CELL_SIZE_M, "shape": DEFAULT_SHAPE}
    raw_size, raw_shape = params.get("cell_size"), params.get("shape")
    try:
        if raw_size not in (None, ""):
            grid["cell_size_m"] = parse_cell_size(raw_size)
    except GridError as error:
        errors.append(StatisticsInputError(error.field, error.code.value, str(error.message)))
    try:
        if raw_shape not in (None, ""):
            grid["shape"] = parse_shape(raw_shape)
    except GridError as error:
        errors.append(StatisticsInputError(error.field, error.code.value, str(error.message)))

    filters = StatisticsFilters(
        created_from=dates["created_from"],
        created_to=dates["created_to"],
        category_id=category_id,
        category_slug=category_slug,
        status_group=status_group,
    )
    return ParsedStatisticsQuery(query=StatisticsQuery(filters=filters, **grid), errors=errors)


# --- the counted reports ---------------------------------------------------------------------------------


def statistics_reports() -> QuerySet[Report]:
    """Return every report the dashboard counts: confirmed and not withdrawn (see the module's docstring)."""
    return Report.objects.exclude(status=ReportStatus.UNCONFIRMED).filter(withdrawn_at__isnull=True)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _window(filters: StatisticsFilters) -> tuple[datetime.datetime, datetime.datetime]:
    """Return the window as [start, end): the first moment of the first day, the first of the day after."""
    return _day_start(filters.created_from), _day_start(filters.created_to + datetime.timedelta(days=1))


def _conditions(filters: StatisticsFilters) -> dict[str, Q]:
    """Return the row conditions of the figures: received, open now and resolved, under ``filters``."""
    start, end = _window(filters)
    received = Q(created_at__gte=start, created_at__lt=end)
    if filters.status_group:
        received &= Q(status__in=STATUS_GROUPS[filters.status_group])
    return {
        "received": received,
        "open": Q(status__in=lifecycle.OPEN_STATUSES),
        "resolved": Q(resolved_at__gte=start, resolved_at__lt=end),
    }


def _in_category(reports: QuerySet[Report], filters: StatisticsFilters) -> QuerySet[Report]:
    return reports.filter(category_id=filters.category_id) if filters.category_id else reports


def reports_received(*, filters: StatisticsFilters) -> QuerySet[Report]:
    """Return the counted reports received in the window (category and status group applied)."""
    return _in_category(statistics_reports(), filters).filter(_conditions(filters)["received"])


# --- aggregates ------------------------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``: interpolated percentile."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, *, fraction: float, **extra) -> None:
        fraction = float(fraction)
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must lie between 0 and 1")
        super().__init__(expression, fraction=repr(fraction), **extra)


class _DaysBetween(Func):
    """Days from the first to the second timestamp, fractions included."""

    template = "(EXTRACT(EPOCH FROM (%(expressions)s))::float8 / 86400.0)"
    arg_joiner = " - "
    output_field = FloatField()

    def __init__(self, start: str, end: str) -> None:
        super().__init__(F(end), F(start))


DAYS_TO_RESOLVE = _DaysBetween("created_at", "resolved_at")


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


# --- heatmap ---------------------------------------------------------------------------------------------


def heatmap_cells(
    *, filters: StatisticsFilters, cell_size_m: int, shape: GridShape | str, limit: int | None = None
) -> list[GridCell]:
    """Return the occupied grid cells of the reports received in the window, the fullest first."""
    return grid_cells(
        reports_received(filters=filters),
        geometry_field="location",
        cell_size_m=cell_size_m,
        shape=shape,
        limit=limit,
    )


def heatmap_geojson(*, filters: StatisticsFilters, cell_size_m: int, shape: GridShape | str) -> dict:
    """Return the heatmap cells as a GeoJSON FeatureCollection with ``count`` per cell and ``total``."""
    return grid_cells_geojson(
        reports_received(filters=filters), geometry_field="location", cell_size_m=cell_size_m, shape=shape
    )


@dataclass(frozen=True)
class CellWithDistrict:
    """A heatmap cell and the district its centre lies in (or, at the city's edge, the nearest one)."""

    cell: GridCell
    district_name: str
    centre_in_district: bool


def cells_with_districts(*, cells: Sequence[GridCell]) -> list[CellWithDistrict]:
    """Return ``cells`` with the district of each cell's centre, looked up by PostGIS in one query.

    A centre on a shared edge belongs to the district that sorts first by ``official_id``, ``slug``, ``pk``
    (as in routing); a centre outside every district (cells at the city's edge) gets the nearest district.
    """
    if not cells:
        return []
    city = current_city()
    city_condition = "d.city_id = %s" if city is not None else "TRUE"
    sql = f"""
        SELECT t.n, d.name, d.inside
        FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(lon, lat, n)
        CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(t.lon, t.lat), %s) AS pt) AS p
        LEFT JOIN LATERAL (
            SELECT d.name, ST_Intersects(d.geom, p.pt) AS inside
            FROM {District._meta.db_table} AS d
            WHERE {city_condition}
            ORDER BY NOT ST_Intersects(d.geom, p.pt), ST_Distance(d.geom, p.pt), d.official_id, d.slug, d.id
            LIMIT 1
        ) AS d ON TRUE
        ORDER BY t.n
    """  # noqa: S608  (only a table name from model metadata is interpolated)
    params: list[object] = [
        [cell.centre_lon for cell in cells],
        [cell.centre_lat for cell in cells],
        STORAGE_SRID,
    ]
    if city is not None:
        params.append(city.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        CellWithDistrict(cell=cell, district_name=name or "", centre_in_district=bool(inside))
        for cell, (_n, name, inside) in zip(cells, rows, strict=True)
    ]


# --- districts -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictFigures:
    """The figures of one district under the filters (``None`` where there is nothing to compute from)."""

    id: int
    name: str
    slug: str
    area_km2: float
    reports: int
    reports_per_km2: float | None
    backlog: int
    resolved: int
    median_days_to_resolve: float | None
    resolved_with_target: int
    resolved_within_target: int

    @property
    def share_within_target(self) -> float | None:
        """The share (0–1) of the reports resolved in the window that met their target date, if any had one."""
        if not self.resolved_with_target:
            return None
        return self.resolved_within_target / self.resolved_with_target

    @property
    def share_within_target_percent(self) -> float | None:
        share = self.share_within_target
        return None if share is None else share * 100


def _city_districts() -> QuerySet[District]:
    city = current_city()
    districts = District.objects.all() if city is None else District.objects.filter(city_id=city.pk)
    return districts.order_by("name", "pk")


def district_statistics(*, filters: StatisticsFilters) -> list[DistrictFigures]:
    """Return the figures of every district of the city, by name (districts without reports with zeros)."""
    conditions = _conditions(filters)
    received, open_now, resolved = conditions["received"], conditions["open"], conditions["resolved"]
    with_target = resolved & Q(due_date__isnull=False)
    rows = (
        _in_category(statistics_reports(), filters)
        .filter(received | open_now | resolved)
        .order_by()
        .values("district_id")
        .annotate(
            reports=Count("pk", filter=received),
            backlog=Count("pk", filter=open_now),
            resolved=Count("pk", filter=resolved),
            median_days=PercentileCont(DAYS_TO_RESOLVE, fraction=0.5, filter=resolved),
            with_target=Count("pk", filter=with_target),
            # The target date is a calendar day in the city's time zone: met if resolved on it or before.
            within_target=Count("pk", filter=with_target & Q(resolved_at__date__lte=F("due_date"))),
        )
    )
    by_district = {row["district_id"]: row for row in rows}
    figures = []
    for district in _city_districts().only("id", "name", "slug", "area_km2"):
        row = by_district.get(district.pk, {})
        reports = row.get("reports", 0)
        figures.append(
            DistrictFigures(
                id=district.pk,
                name=district.name,
                slug=district.slug,
                area_km2=district.area_km2,
                reports=reports,
                reports_per_km2=_round(reports / district.area_km2, 2) if district.area_km2 > 0 else None,
                backlog=row.get("backlog", 0),
                resolved=row.get("resolved", 0),
                median_days_to_resolve=_round(row.get("median_days")),
                resolved_with_target=row.get("with_target", 0),
                resolved_within_target=row.get("within_target", 0),
            )
        )
    return figures


class _SimplifyPreserveTopology(Func):
    function = "ST_SimplifyPreserveTopology"


def districts_geojson(*, filters: StatisticsFilters) -> dict:
    """Return the districts as a GeoJSON FeatureCollection with their figures as properties.

    Outlines are simplified by PostGIS in metres (``DISTRICT_SIMPLIFY_TOLERANCE_M``, keeping the topology).
    """
    srid = metric_srid()
    simplified = Transform(
        _SimplifyPreserveTopology(
            Transform("geom", srid),
            Value(DISTRICT_SIMPLIFY_TOLERANCE_M),
            output_field=GeometryField(srid=srid),
        ),
        STORAGE_SRID,
    )
    outlines = dict(
        _city_districts().annotate(outline=AsGeoJSON(simplified, precision=6)).values_list("pk", "outline")
    )
    features = []
    for figures in district_statistics(filters=filters):
        outline = outlines.get(figures.id)
        share = figures.share_within_target
        features.append(
            {
                "type": "Feature",
                "id": figures.slug,
                "geometry": json.loads(outline) if outline else None,
                "properties": {
                    "name": figures.name,
                    "slug": figures.slug,
                    "area_km2": figures.area_km2,
                    "reports": figures.reports,
                    "reports_per_km2": figures.reports_per_km2,
                    "backlog": figures.backlog,
                    "resolved": figures.resolved,
                    "median_days_to_resolve": figures.median_days_to_resolve,
                    "share_resolved_within_target": None if share is None else round(share, 3),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --- departments -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentFigures:
    """The figures of one department: backlog and overdue today; received, resolved and durations in the window."""

    id: int
    name: str
    backlog: int
    overdue: int
    received: int
    resolved: int
    median_days_to_resolve: float | None
    p90_days_to_resolve: float | None


def department_statistics(
    *, filters: StatisticsFilters, today: datetime.date | None = None
) -> list[DepartmentFigures]:
    """Return the figures of every active department and of any other that has reports under ``filters``."""
    today = today or timezone.localdate()
    conditions = _conditions(filters)
    received, open_now, resolved = conditions["received"], conditions["open"], conditions["resolved"]
    rows = (
        _in_category(statistics_reports(), filters)
        .filter(received | open_now | resolved)
        .order_by()
        .values("department_id")
        .annotate(
            backlog=Count("pk", filter=open_now),
            overdue=Count("pk", filter=open_now & Q(due_date__lt=today)),
            received=Count("pk", filter=received),
            resolved=Count("pk", filter=resolved),
            median_days=PercentileCont(DAYS_TO_RESOLVE, fraction=0.5, filter=resolved),
            p90_days=PercentileCont(DAYS_TO_RESOLVE, fraction=0.9, filter=resolved),
        )
    )
    by_department = {row["department_id"]: row for row in rows}
    departments = Department.objects.filter(Q(is_active=True) | Q(pk__in=list(by_department))).only(
        "id", "name"
    )
    figures = []
    for department in departments.order_by("name", "pk"):
        row = by_department.get(department.pk, {})
        figures.append(
            DepartmentFigures(
                id=department.pk,
                name=department.name,
                backlog=row.get("backlog", 0),
                overdue=row.get("overdue", 0),
                received=row.get("received", 0),
                resolved=row.get("resolved", 0),
                median_days_to_resolve=_round(row.get("median_days")),
                p90_days_to_resolve=_round(row.get("p90_days")),
            )
        )
    return figures
