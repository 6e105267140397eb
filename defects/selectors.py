"""Reads of the Mängelmelder: categories, routing, public reports and their history, the reporter's link."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.contrib.gis.measure import D
from django.core.cache import cache
from django.db import connection
from django.db.models import CharField, F, Func, IntegerField, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import BaseExpression, RawSQL
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from defects import lifecycle, tokens
from defects.errors import RoutingNotConfigured
from defects.models import (
    Category,
    CategoryQuestion,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
    Responsibility,
    StatusLabel,
    Subscription,
)
from districts.models import City, Department, District, Quarter, Street
from geo_core.srid import STORAGE_SRID
from maps.geojson import IsoDateTime

# The fields a public page, the public API and the map layer may show. Reporter data, routing internals and
# triage flags are left out on purpose: see docs and tests/defects/test_public_selectors.py.
PUBLIC_REPORT_FIELDS: tuple[str, ...] = (
    "id",
    "location",
    "address_label",
    "answers",
    "description",
    "status",
    "created_at",
    "updated_at",
    "confirmed_at",
    "resolved_at",
    "closed_at",
    "duplicate_of",
    "category",
    "category__name",
    "category__slug",
    "category__icon",
    "category__group",
    "category__group__name",
    "category__group__slug",
    "district",
    "district__name",
    "district__slug",
    "quarter",
    "quarter__name",
    "quarter__slug",
    "department",
    "department__name",
    "department__slug",
)

# History entries that stay internal: they are about the reporter, not the defect.
_INTERNAL_EVENT_KINDS = frozenset(
    {ReportEvent.Kind.CONFIRMED, ReportEvent.Kind.WITHDRAWN, ReportEvent.Kind.ANONYMISED}
)

_STATUS_LABELS_CACHE_KEY = "defects:status_labels:{language}"
_STATUS_LABELS_CACHE_SECONDS = 60

# Metres per degree of latitude are at least this anywhere on the WGS 84 ellipsoid; metres per degree of
# longitude are about this times cos(latitude). The margin covers the spherical approximation.
_MIN_METRES_PER_DEGREE_LAT = 110_574.0
_METRES_PER_DEGREE_LON_EQUATOR = 111_320.0
_METRIC_MARGIN = 1.01


# --- Categories ------------------------------------------------------------------------------------------


def category_list_active() -> QuerySet[Category]:
    """Return the active categories in form order, with their group and their questions prefetched."""
    questions = CategoryQuestion.objects.order_by("position", "pk")
    return (
        Category.objects.filter(is_active=True)
        .select_related("group")
        .prefetch_related(Prefetch("questions", queryset=questions))
        .order_by("group__position", "group__name", "position", "name", "pk")
    )


# --- Routing ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoutingDecision:
    department: Department
    reason: str
    needs_triage: bool


def _routing_reason(text: str) -> str:
    max_length = Report._meta.get_field("routing_reason").max_length
    return text if len(text) <= max_length else text[: max_length - 1] + "…"


def route_report(*, category: Category, district: District) -> RoutingDecision:
    """Return the department responsible for a report of ``category`` in ``district``, with the reason.

    The most specific rule wins: one for the district, else the citywide one (district empty). Rules of
    inactive departments are skipped. Without a usable rule the report goes to the central triage department,
    flagged for review. Both rule levels are answered by one indexed query. The reason is stored with the
    report, so it is written in the platform's language, whatever the request's language is.
    """
    rule = (
        Responsibility.objects.filter(category=category, department__is_active=True)
        .filter(Q(district=district) | Q(district__isnull=True))
        .select_related("department")
        # NULLs last: the district's own rule comes before the citywide one.
        .order_by(F("district").asc(nulls_last=True))
        .first()
    )
    with translation.override(settings.LANGUAGE_CODE):
        names = {"category": category.name, "district": district.name}
        if rule is not None:
            names["department"] = rule.department.name
            if rule.district_id is not None:
                reason = _("%(category)s in %(district)s → %(department)s (Regel für %(district)s)") % names
            else:
                reason = _("%(category)s in %(district)s → %(department)s (stadtweite Regel)") % names
            return RoutingDecision(
                department=rule.department, reason=_routing_reason(reason), needs_triage=False
            )

        triage = Department.objects.filter(kind=Department.Kind.TRIAGE, is_active=True).order_by("pk").first()
        if triage is None:
            raise RoutingNotConfigured(
                "No active department of kind 'triage' exists: reports without a responsibility cannot be "
                "routed. Create the central triage department (Zentrale Annahmestelle)."
            )
        names["department"] = triage.name
        reason = (
            _(
                "%(category)s in %(district)s → %(department)s "
                "(keine Zuständigkeit hinterlegt: Zentrale Annahmestelle prüft)"
            )
            % names
        )
        return RoutingDecision(department=triage, reason=_routing_reason(reason), needs_triage=True)


def routing_reason_sql_templates() -> dict[str, str]:
    """Return the three reasons of ``route_report`` as templates of SQL's ``format()``, in the platform's language.

    ``%1$s`` is the category, ``%2$s`` the district, ``%3$s`` the department: for the writers that route many
    reports in one statement (the generator, re-routing, the benchmark), with the same msgids.
    """

    def sql_template(text: str) -> str:
        return (
            text.replace("%(category)s", "%1$s")
            .replace("%(district)s", "%2$s")
            .replace("%(department)s", "%3$s")
        )

    with translation.override(settings.LANGUAGE_CODE):
        return {
            "tmpl_district": sql_template(
                _("%(category)s in %(district)s → %(department)s (Regel für %(district)s)")
            ),
            "tmpl_citywide": sql_template(
                _("%(category)s in %(district)s → %(department)s (stadtweite Regel)")
            ),
            "tmpl_triage": sql_template(
                _(
                    "%(category)s in %(district)s → %(department)s "
                    "(keine Zuständigkeit hinterlegt: Zentrale Annahmestelle prüft)"
                )
            ),
        }


def sql_table_names() -> dict[str, str]:
    """Return the quoted table names that set-based SQL uses, by short name (``{report}``, ``{street}`` …)."""
    quote = connection.ops.quote_name
    models_by_name = {
        "report": Report,
        "event": ReportEvent,
        "subscription": Subscription,
        "category": Category,
        "responsibility": Responsibility,
        "department": Department,
        "city": City,
        "district": District,
        "quarter": Quarter,
        "street": Street,
    }
    return {name: quote(model._meta.db_table) for name, model in models_by_name.items()}


def routing_rules_sql(*, category_id: str) -> str:
    """Return the joins of ``route_report``'s two rule levels, as SQL, for the writers that route in sets.

    For each row with the category id ``category_id`` (an SQL expression) and a district ``d``: ``dr`` is the
    district's own rule and ``cr`` the citywide one, each only with an active department (NULL where none).
    """
    names = sql_table_names()
    responsibility, department = names["responsibility"], names["department"]
    return f"""LEFT JOIN LATERAL (
        SELECT r.department_id FROM {responsibility} r
        JOIN {department} rd ON rd.id = r.department_id AND rd.is_active
        WHERE r.category_id = {category_id} AND r.district_id = d.id
    ) dr ON true
    LEFT JOIN LATERAL (
        SELECT r.department_id FROM {responsibility} r
        JOIN {department} rd ON rd.id = r.department_id AND rd.is_active
        WHERE r.category_id = {category_id} AND r.district_id IS NULL
    ) cr ON true"""  # noqa: S608  (table names from the models' metadata and an expression from code)


# --- Public reports --------------------------------------------------------------------------------------


def report_public_queryset() -> QuerySet[Report]:
    """Return the reports the public may see (confirmed, not withdrawn), with only their public fields."""
    return (
        Report.objects.exclude(status=ReportStatus.UNCONFIRMED)
        .filter(withdrawn_at__isnull=True)
        .select_related("category__group", "district", "quarter", "department")
        .only(*PUBLIC_REPORT_FIELDS)
        .order_by("-created_at", "-pk")
    )


def report_public_feature_properties(request: HttpRequest | None = None) -> dict[str, BaseExpression]:
    """Return the properties of ``ReportFeatureSerializer`` as expressions over ``report_public_queryset``.

    For the "reports" map layer, whose GeoJSON PostGIS builds: the same names, order and values as the
    serializer gives (tests/defects/test_layer_features.py compares the two), public fields only. Status
    labels are read in the same statement, counts are correlated subqueries.
    """
    # The serializer links each report absolutely, like the request it answers.
    link = reverse("defects:report_detail", kwargs={"pk": _LINK_PLACEHOLDER})
    link = request.build_absolute_uri(link) if request is not None else link
    language = get_language() or settings.LANGUAGE_CODE
    return _report_feature_properties(
        link=link, language=language, tz_name=timezone.get_current_timezone_name()
    )


_LINK_PLACEHOLDER = 999999999


@functools.lru_cache(maxsize=64)
def _report_feature_properties(*, link: str, language: str, tz_name: str) -> dict[str, BaseExpression]:
    # Kept between requests (annotate() resolves copies): building them anew would cost as much as the query.
    # Nothing here is data, so nothing goes stale; the labels are read by the statement itself.
    link_start, link_end = link.split(str(_LINK_PLACEHOLDER))
    report = f'"{Report._meta.db_table}"'
    photos = f'"{ReportPhoto._meta.db_table}"'
    subscriptions = f'"{Subscription._meta.db_table}"'
    # As status_labels(): a StatusLabel row's wording (English where asked and given), else the built-in one.
    wording = (
        'COALESCE(NULLIF(label."label_en", \'\'), label."label")'
        if language.split("-")[0] == "en"
        else 'label."label"'
    )
    built_in = {value: str(label) for value, label in ReportStatus.choices}
    # Raw SQL: only table names from the models' metadata are interpolated, values are parameters.
    status_label = RawSQL(  # noqa: S611
        f"COALESCE((SELECT NULLIF({wording}, '') FROM \"{StatusLabel._meta.db_table}\" AS label "  # noqa: S608
        f'WHERE label."status" = {report}."status"), %s::json ->> {report}."status", {report}."status")',
        (json.dumps(built_in),),
        output_field=CharField(),
    )
    return {
        "category": F("category__slug"),
        "category_name": F("category__name"),
        "status": F("status"),
        "status_label": status_label,
        "district": F("district__slug"),
        "district_name": F("district__name"),
        "quarter_name": F("quarter__name"),
        "address_label": F("address_label"),
        "description": F("description"),
        **{
            name: IsoDateTime(F(name), tz_name=tz_name)
            for name in ("created_at", "updated_at", "confirmed_at", "resolved_at")
        },
        # Correlated counts: a Subquery() of each would cost more to build per request than to run.
        "photo_count": RawSQL(  # noqa: S611
            f'SELECT count(*) FROM {photos} AS photo WHERE photo."report_id" = {report}."id" AND photo."is_public"',  # noqa: S608
            (),
            output_field=IntegerField(),
        ),
        "supporters_count": RawSQL(  # noqa: S611
            f'SELECT count(*) FROM {subscriptions} AS supporter WHERE supporter."report_id" = {report}."id" '  # noqa: S608
            'AND supporter."role" = %s AND supporter."confirmed_at" IS NOT NULL',
            (Subscription.Role.SUPPORTER.value,),
            output_field=IntegerField(),
        ),
        # Plain ||: the id and the two literals are never NULL, Concat() would wrap each in COALESCE.
        "url": Func(
            Value(link_start),
            F("pk"),
            Value(link_end),
            template="(%(expressions)s)",
            arg_joiner=" || ",
            output_field=CharField(),
        ),
    }


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def report_public_list(
    *,
    category_ids: Iterable[int] | None = None,
    statuses: Iterable[str] | None = None,
    district_slug: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    bbox: Polygon | None = None,
) -> QuerySet[Report]:
    """Return public reports, newest first, filtered by categories, statuses, district, days and map area.

    Days are calendar days in the platform's time zone, both ends included. ``bbox`` is a WGS 84 polygon as
    made by ``geo_core.parsing.parse_bbox``; the test ``&&`` is answered by the GiST index.
    """
    reports = report_public_queryset()
    if category_ids is not None:
        reports = reports.filter(category_id__in=list(category_ids))
    if statuses is not None:
        reports = reports.filter(status__in=list(statuses))
    if district_slug:
        reports = reports.filter(district__slug=district_slug)
    # A range on the column (not __date) keeps the (status, created_at) index usable.
    if date_from is not None:
        reports = reports.filter(created_at__gte=_start_of_day(date_from))
    if date_to is not None:
        reports = reports.filter(created_at__lt=_start_of_day(date_to + timedelta(days=1)))
    if bbox is not None:
        reports = reports.filter(location__bboverlaps=bbox)
    return reports


def report_get_public(*, report_id: int) -> Report | None:
    """Return one public report by id, or None (also for ids that are no number)."""
    try:
        report_id = int(report_id)
    except (TypeError, ValueError):
        return None
    return report_public_queryset().filter(pk=report_id).first()


@dataclass(frozen=True)
class PublicEvent:
    created_at: datetime
    kind: str
    kind_label: str
    status_label: str
    public_message: str


def report_public_history(*, report: Report) -> list[PublicEvent]:
    """Return a report's history as the public sees it: no internal notes, no actors, nothing about the reporter.

    Confirmation, withdrawal and anonymisation are about the reporter and stay internal, as do notes without a
    public message.
    """
    labels = status_labels()
    kind_labels = dict(ReportEvent.Kind.choices)
    rows = (
        ReportEvent.objects.filter(report_id=report.pk)
        .exclude(kind__in=_INTERNAL_EVENT_KINDS)
        .exclude(kind=ReportEvent.Kind.NOTE, public_message="")
        .order_by("created_at", "pk")
        .values("created_at", "kind", "from_status", "to_status", "public_message")
    )
    history = []
    for row in rows:
        changed = row["to_status"] and row["to_status"] != row["from_status"]
        history.append(
            PublicEvent(
                created_at=row["created_at"],
                kind=row["kind"],
                kind_label=str(kind_labels.get(row["kind"], row["kind"])),
                status_label=labels.get(row["to_status"], "") if changed else "",
                public_message=row["public_message"],
            )
        )
    return history


def report_public_photos(*, report: Report) -> QuerySet[ReportPhoto]:
    """Return the public photos of a report in their order."""
    return (
        ReportPhoto.objects.filter(report_id=report.pk, is_public=True)
        .only("id", "report_id", "image", "width", "height", "kind", "position", "created_at")
        .order_by("position", "pk")
    )


def report_supporter_count(*, report: Report) -> int:
    """Return how many people confirmed their support of a report."""
    return Subscription.objects.filter(
        report_id=report.pk, role=Subscription.Role.SUPPORTER, confirmed_at__isnull=False
    ).count()


# --- Nearby reports (possible duplicates) ----------------------------------------------------------------


@dataclass(frozen=True)
class NearbyReport:
    report: Report
    distance_m: float


def _degrees_covering(*, metres: float, lat: float) -> float:
    """Return a distance in degrees that covers ``metres`` in every direction around latitude ``lat``."""
    poleward = min(abs(lat) + metres / _MIN_METRES_PER_DEGREE_LAT, 89.9)
    shortest = min(
        _MIN_METRES_PER_DEGREE_LAT, _METRES_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(poleward))
    )
    return metres * _METRIC_MARGIN / shortest


def _storage_point(point: Point) -> Point:
    if point.srid is None:
        return Point(point.x, point.y, srid=STORAGE_SRID)
    if point.srid != STORAGE_SRID:
        return point.transform(STORAGE_SRID, clone=True)
    return point


def reports_nearby_open(*, category: Category, point: Point, limit: int = 10) -> list[NearbyReport]:
    """Return public, open reports of ``category`` within its duplicate radius of ``point``, nearest first.

    Distances are metres on the ellipsoid. ``ST_DWithin`` with a radius in degrees that covers the metric one
    lets the GiST index pick the candidates; the exact spheroidal distance then decides.
    """
    point = _storage_point(point)
    radius_m = float(category.duplicate_radius_m)
    rows = (
        report_public_queryset()
        .filter(
            category_id=category.pk,
            status__in=lifecycle.OPEN_STATUSES,
            location__dwithin=(point, _degrees_covering(metres=radius_m, lat=point.y)),
        )
        .annotate(distance=Distance("location", point, spheroid=True))
        .filter(distance__lte=D(m=radius_m))
        .order_by("distance", "pk")[: max(0, int(limit))]
    )
    return [NearbyReport(report=report, distance_m=report.distance.m) for report in rows]


# --- The reporter's link ---------------------------------------------------------------------------------


def report_for_token(*, report_id: int, token: str) -> Report | None:
    """Return the report behind a reporter's link, or None if the link is wrong (compared in constant time)."""
    try:
        report_id = int(report_id)
    except (TypeError, ValueError):
        return None
    report = (
        Report.objects.select_related("category", "district", "quarter", "department")
        .filter(pk=report_id)
        .first()
    )
    if report is None or not tokens.token_matches(token=token, stored_hash=report.reporter_token_hash):
        return None
    return report


# --- Status wording --------------------------------------------------------------------------------------


def status_labels() -> dict[str, str]:
    """Return the public label of every status in the active language (editable, cached briefly).

    A StatusLabel row overrides the built-in label; its English wording is used on English pages if given.
    """
    language = get_language() or settings.LANGUAGE_CODE
    key = _STATUS_LABELS_CACHE_KEY.format(language=language)
    labels = cache.get(key)
    if labels is None:
        labels = {value: str(label) for value, label in ReportStatus.choices}
        english = language.split("-")[0] == "en"
        for row in StatusLabel.objects.only("status", "label", "label_en"):
            labels[row.status] = row.label_en if english and row.label_en else row.label
        cache.set(key, labels, _STATUS_LABELS_CACHE_SECONDS)
    return dict(labels)


def forget_status_labels() -> None:
    """Drop the cached labels (after a StatusLabel was edited)."""
    cache.delete_many([_STATUS_LABELS_CACHE_KEY.format(language=code) for code, _name in settings.LANGUAGES])


def open311_status(status: str) -> str:
    """Return the Open311 GeoReport v2 status of a report status: ``open`` or ``closed``."""
    return lifecycle.open311_status(status)
