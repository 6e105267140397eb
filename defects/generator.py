"""Realistic synthetic reports for benchmarks and load tests, generated set-based inside PostgreSQL.

Nothing here loops over reports in Python: every batch is a handful of ``INSERT … SELECT`` statements over
``generate_series`` and joins, so a million reports with their history take minutes. The model of a report:

- **Place**: a street of the city's gazetteer, picked with a probability proportional to its length (streets
  are dense where people live and drive), a uniformly random point along it (interpolated in metres, in
  ``METRIC_SRID``) and up to ``JITTER_MAX_M`` metres of jitter. Points outside the city boundary or outside
  every district are dropped and drawn again. District and quarter come from a spatial join with the rule of
  ``districts.selectors.district_for_point`` (on a shared edge the lowest ``official_id``, ``slug``, ``pk``
  wins); the address label is the street's name.
- **Category**: weighted by ``CATEGORY_WEIGHTS`` (by slug; unknown slugs get ``DEFAULT_CATEGORY_WEIGHT``).
- **Time**: the span of ``years`` up to now is cut into hours, each weighted by a daily profile
  (``HOUR_WEIGHTS``, local time), the day of the week (``WEEKDAY_WEIGHTS``) and a mild seasonal wave (peak in
  May); creation times are sampled by inverting that distribution. Batches are strata of it, and ids are given
  in creation order, so ids and ``created_at`` grow together as in a real installation.
- **Lifecycle**: each report gets an outcome (mostly resolved; some closed, rejected, duplicate, withdrawn,
  or never finished) and random delays for confirmation, acceptance, work and the final decision; whatever
  would happen after *now* has not happened yet. So old reports are mostly done and recent ones open or in
  progress, and all timestamps agree with the status the way ``defects.services`` would have set them.
  The due date is the confirmation day plus the category's target in working days × 7/5 calendar days
  (an approximation: holidays are ignored). Duplicates point at the nearest earlier public report of their
  category within about a kilometre (if there is none, the report is closed instead).
- **Routing**: set-based and equivalent to ``defects.selectors.route_report`` (the district's rule, else the
  citywide one, skipping inactive departments, else the central triage department, flagged).
- **History**: the events the services would have written: ``created``, ``confirmed``, ``accepted``,
  ``status_changed`` (to in progress and to the final status), ``withdrawn`` and ``reopen_requested``.
- **Privacy**: no person is involved. Name, e-mail and phone are empty, there is no account, no
  subscription and no photo; the link hash is random (no link opens a generated report).

Generated reports are marked: their description and routing reason start with ``GENERATED_MARK``.

The same ``seed`` (PostgreSQL's ``setseed()`` in the same session) and the same ``now`` give the same
reports: places, categories, times and statuses. Ids depend on the database's sequence.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import OperationalError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from defects.models import (
    Category,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
    Responsibility,
    Subscription,
)
from defects.selectors import routing_reason_sql_templates, routing_rules_sql, sql_table_names
from districts.models import City, Department, District
from geo_core.srid import STORAGE_SRID, metric_srid

logger = logging.getLogger(__name__)

# Start of the description and of the routing reason of every generated report.
GENERATED_MARK = "[Testdaten]"

DEFAULT_YEARS = 5.0
DEFAULT_BATCH_SIZE = 100_000
MAX_BATCH_SIZE = 1_000_000
MAX_YEARS = 50.0
MAX_SEED = 2**51
# How long --truncate waits for other connections that use the reports' tables.
TRUNCATE_LOCK_TIMEOUT = "30s"

# How often a category is reported, relative to the others (a typical German city's mix: illegal dumping and
# street lights lead, playgrounds and bus stops are rare). Categories not listed get the default weight.
CATEGORY_WEIGHTS: dict[str, float] = {
    "illegale-muellablagerung": 20,
    "strassenbeleuchtung": 16,
    "strassenschaden": 14,
    "verschmutzung": 10,
    "gruenflaeche-baum": 8,
    "verkehrszeichen-ampel": 6,
    "gully-kanal": 5,
    "graffiti": 5,
    "schrottfahrrad": 4,
    "radweg": 4,
    "sonstiges": 4,
    "spielplatz": 2,
    "bushaltestelle": 2,
}
DEFAULT_CATEGORY_WEIGHT = 3.0

# Reports per hour of the local day (0-23), relative: few at night, most in the morning and late afternoon.
HOUR_WEIGHTS: tuple[float, ...] = (
    0.15, 0.08, 0.05, 0.04, 0.05, 0.15, 0.45, 0.90, 1.30, 1.50, 1.55, 1.50,
    1.45, 1.40, 1.40, 1.45, 1.50, 1.50, 1.45, 1.35, 1.20, 0.95, 0.60, 0.30,
)  # fmt: skip
# Monday (ISO day 1) to Sunday: fewer reports at the weekend.
WEEKDAY_WEIGHTS: tuple[float, ...] = (1.1, 1.0, 1.0, 1.0, 0.95, 0.8, 0.7)
# Mild seasonal wave: ±25 % around the mean, most reports around day 130 of the year (May).
SEASON_AMPLITUDE = 0.25
SEASON_PEAK_DAY = 130

# Points are moved up to this far from the street's centre line (pavements, verges, lamp posts).
JITTER_MAX_M = 8.0

# Outcomes of confirmed reports (shares add up to 1). "stale" reports are never finished (the old backlog).
OUTCOME_SHARES: tuple[tuple[str, float], ...] = (
    ("resolved", 0.78),
    ("closed", 0.04),
    ("rejected", 0.06),
    ("duplicate", 0.06),
    ("withdrawn", 0.03),
    ("stale", 0.03),
)
# Share of reports whose e-mail is never confirmed; they stay unconfirmed only within the retention time
# (older ones would have been deleted by ``reports_expire_unconfirmed``, so they are confirmed instead).
NEVER_CONFIRMED_SHARE = 0.06
# Mean delays (exponential distributions), in seconds.
CONFIRM_MEAN_S = 40 * 60
ACCEPT_MEAN_S = 1.5 * 86_400
PROGRESS_MEAN_S = 2 * 86_400
DECISION_MEAN_S = 2.5 * 86_400
REOPEN_MEAN_S = 10 * 86_400
# Share of resolved/closed/stale reports that are set "in progress" on the way.
VIA_PROGRESS_SHARE = 0.65
# Work time after acceptance: log-normal, median = this × the category's target in calendar days.
WORK_MEDIAN_FACTOR = 0.8
WORK_SIGMA = 0.9
# Share of resolved reports whose reporter asks for them to be reopened.
REOPEN_SHARE = 0.03

# How far (in degrees, about 1.1 km north-south) a duplicate's original is searched.
DUPLICATE_SEARCH_DEGREES = 0.01

# Descriptions: the mark and one of these.
DESCRIPTIONS: tuple[str, ...] = (
    "Bitte prüfen und beheben.",
    "Das besteht schon seit einigen Tagen.",
    "Gefahr für Fußgängerinnen und Fußgänger.",
    "Besonders abends und bei Dunkelheit ein Problem.",
    "Mir ist das heute auf dem Weg zur Arbeit aufgefallen.",
    "Direkt gegenüber der Bushaltestelle.",
    "Vor dem Hauseingang, gut sichtbar.",
    "Es wird immer schlimmer, bitte kümmern Sie sich darum.",
    "Kinder spielen hier oft, bitte schnell beheben.",
    "Am Straßenrand neben dem Parkplatz.",
)

ACTOR_STAFF = _("Fachbereich (Testdaten)")
MESSAGE_RESOLVED = _("Der Mangel wurde behoben. Vielen Dank für Ihre Meldung.")
MESSAGE_CLOSED = _("Die Meldung wurde geschlossen; der Mangel konnte nicht behoben werden.")
MESSAGE_REJECTED = _(
    "Hierfür ist die Stadt nicht zuständig. Bitte wenden Sie sich an die Eigentümerin der Fläche."
)
MESSAGE_DUPLICATE = _("Dieser Mangel wurde bereits gemeldet und wird dort bearbeitet.")
MESSAGE_REOPEN = _("Der Mangel besteht weiterhin.")

# Candidates drawn per report still missing in a batch (some fall outside the city and are drawn again).
_OVERSAMPLING = 1.05
_MAX_ROUNDS = 25
# Larger polygons are cut into pieces of at most this many vertices, so the point-in-polygon tests stay fast.
_SUBDIVIDE_VERTICES = 64
_TEMP_TABLES = (
    "gen_parts",
    "gen_categories",
    "gen_routing",
    "gen_hours",
    "gen_city_parts",
    "gen_district_parts",
    "gen_quarter_parts",
    "gen_draw",
    "gen_cand",
    "gen_batch",
)


class GeneratorErrorCode(models.TextChoices):
    INVALID_COUNT = "invalid_count", _("Anzahl ungültig")
    INVALID_BATCH_SIZE = "invalid_batch_size", _("Stapelgröße ungültig")
    INVALID_YEARS = "invalid_years", _("Zeitraum ungültig")
    INVALID_SEED = "invalid_seed", _("Startwert ungültig")
    NO_CITY = "no_city", _("Keine Stadt importiert")
    NO_DISTRICTS = "no_districts", _("Keine Ortsratsbereiche")
    NO_STREETS = "no_streets", _("Keine Straßen im Stadtgebiet")
    NO_CATEGORIES = "no_categories", _("Keine aktiven Kategorien")
    NO_DEPARTMENTS = "no_departments", _("Keine aktiven Fachbereiche")
    NO_TRIAGE = "no_triage", _("Keine zentrale Annahmestelle")
    NO_PLACE = "no_place", _("Keine Orte im Stadtgebiet gefunden")
    TRUNCATE_BLOCKED = "truncate_blocked", _("Meldungen können nicht gelöscht werden")


class GeneratorError(Exception):
    """The generator cannot run. ``code`` is a ``GeneratorErrorCode``.

    Raised before anything is written, except ``NO_PLACE``, which ends a run in a batch (earlier batches stay).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class BatchProgress:
    """One committed batch, for progress output."""

    batch: int
    batches: int
    reports: int
    events: int
    seconds: float
    reports_done: int
    reports_total: int

    @property
    def reports_per_second(self) -> float:
        return self.reports / self.seconds if self.seconds > 0 else float("inf")

    @property
    def rows_per_second(self) -> float:
        """Reports and events written per second."""
        return (self.reports + self.events) / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True)
class GenerationResult:
    reports: int
    events: int
    batches: int
    seed: int
    seconds: float
    analyze_seconds: float
    # VACUUM (ANALYZE) ran, not only ANALYZE (only possible outside a transaction).
    vacuumed: bool
    # Reports per status, in the lifecycle's order.
    statuses: dict[str, int]

    @property
    def reports_per_second(self) -> float:
        return self.reports / self.seconds if self.seconds > 0 else float("inf")

    @property
    def rows_per_second(self) -> float:
        """Reports and events written per second."""
        return (self.reports + self.events) / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True)
class TruncateResult:
    reports: int
    events: int
    photos: int
    subscriptions: int


def generated_reports_filter() -> Q:
    """Return the filter that finds generated reports (their description starts with ``GENERATED_MARK``)."""
    return Q(description__startswith=GENERATED_MARK)


# --- Checks ----------------------------------------------------------------------------------------------


def _active_triage_id() -> int | None:
    return (
        Department.objects.filter(kind=Department.Kind.TRIAGE, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def _unrouted_pairs(*, city_id: int) -> int:
    """Count (active category, district) pairs without a rule of an active department."""
    usable = Responsibility.objects.filter(department__is_active=True)
    district_rules = usable.filter(district__isnull=False).values_list("category_id", "district_id")
    citywide = set(usable.filter(district__isnull=True).values_list("category_id", flat=True))
    pairs_with_rule = set(district_rules)
    category_ids = Category.objects.filter(is_active=True).values_list("pk", flat=True)
    district_ids = list(District.objects.filter(city_id=city_id).values_list("pk", flat=True))
    # At most categories × districts (a few hundred) pairs: ids only, no geometry and no reports.
    return sum(
        1
        for category_id in category_ids
        if category_id not in citywide
        for district_id in district_ids
        if (category_id, district_id) not in pairs_with_rule
    )


def _streets_in_city(*, city_id: int) -> bool:
    """Return whether any street of the city touches its boundary polygon (decided in PostGIS)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _sql(
                "SELECT EXISTS (SELECT 1 FROM {street} s JOIN {city} c ON c.id = s.city_id "
                "WHERE s.city_id = %s AND ST_Intersects(s.geom, c.geom))"
            ),
            [city_id],
        )
        return bool(cursor.fetchone()[0])


def generation_prerequisites_check() -> City:
    """Return the city reports can be generated for, or raise ``GeneratorError`` saying what is missing."""
    city = City.objects.defer("geom").order_by("pk").first()
    if city is None:
        raise GeneratorError(
            GeneratorErrorCode.NO_CITY,
            gettext("Es ist noch keine Stadt importiert: erst manage.py import_city ausführen."),
        )
    if not District.objects.filter(city_id=city.pk).exists():
        raise GeneratorError(
            GeneratorErrorCode.NO_DISTRICTS,
            gettext("Die Stadt %(city)s hat keine Ortsratsbereiche: Meldungen lassen sich nicht zuordnen.")
            % {"city": city.name},
        )
    if not _streets_in_city(city_id=city.pk):
        raise GeneratorError(
            GeneratorErrorCode.NO_STREETS,
            gettext(
                "Für %(city)s sind keine Straßen im Stadtgebiet importiert: Meldungen werden an Straßen "
                "verteilt. Erst die Straßen mit manage.py import_city importieren."
            )
            % {"city": city.name},
        )
    if not Category.objects.filter(is_active=True).exists():
        raise GeneratorError(
            GeneratorErrorCode.NO_CATEGORIES,
            gettext(
                "Es gibt keine aktiven Kategorien: erst manage.py load_categories "
                "defects/data/categories.json ausführen."
            ),
        )
    if not Department.objects.filter(is_active=True).exists():
        raise GeneratorError(
            GeneratorErrorCode.NO_DEPARTMENTS,
            gettext(
                "Es gibt keine aktiven Fachbereiche: erst die Fachbereiche der Stadt (manage.py import_city) "
                "und die Zuständigkeiten (manage.py load_responsibilities) laden."
            ),
        )
    if _active_triage_id() is None and _unrouted_pairs(city_id=city.pk):
        raise GeneratorError(
            GeneratorErrorCode.NO_TRIAGE,
            gettext(
                "Für manche Kategorien gibt es keine Zuständigkeit und keine aktive zentrale Annahmestelle "
                "(Fachbereich der Art „Zentrale Annahmestelle“): solche Meldungen ließen sich nicht zuordnen."
            ),
        )
    return city


def generation_check(
    *, count: int, batch_size: int = DEFAULT_BATCH_SIZE, years: float = DEFAULT_YEARS, seed: int | None = None
) -> City:
    """Check the arguments and the prerequisites of ``reports_generate``; return the city, or raise."""
    _validate(count=count, batch_size=batch_size, years=years, seed=seed)
    return generation_prerequisites_check()


def _validate(*, count: int, batch_size: int, years: float, seed: int | None) -> None:
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise GeneratorError(
            GeneratorErrorCode.INVALID_COUNT, gettext("Die Anzahl muss eine ganze Zahl ab 1 sein.")
        )
    if (
        not isinstance(batch_size, int)
        or isinstance(batch_size, bool)
        or not 1 <= batch_size <= MAX_BATCH_SIZE
    ):
        raise GeneratorError(
            GeneratorErrorCode.INVALID_BATCH_SIZE,
            gettext("Die Stapelgröße muss zwischen 1 und %(max)s liegen.") % {"max": MAX_BATCH_SIZE},
        )
    if not isinstance(years, int | float) or not math.isfinite(years) or not 0 < years <= MAX_YEARS:
        raise GeneratorError(
            GeneratorErrorCode.INVALID_YEARS,
            gettext("Der Zeitraum muss größer als 0 und höchstens %(max)s Jahre sein.") % {"max": MAX_YEARS},
        )
    if seed is not None and (
        not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED
    ):
        raise GeneratorError(
            GeneratorErrorCode.INVALID_SEED,
            gettext("Der Startwert muss eine ganze Zahl von 0 bis %(max)s sein.") % {"max": MAX_SEED},
        )


# --- Deleting ----------------------------------------------------------------------------------------------


def _cascade_models() -> list[type[models.Model]]:
    """Return the models whose rows are deleted with a report (its events, photos, subscriptions …)."""
    related = []
    for relation in Report._meta.related_objects:
        if relation.related_model is Report:
            continue
        if relation.on_delete is not models.CASCADE:
            raise GeneratorError(
                GeneratorErrorCode.TRUNCATE_BLOCKED,
                gettext("%(model)s verweist auf Meldungen und würde beim Löschen nicht mitgelöscht.")
                % {"model": relation.related_model._meta.label},
            )
        related.append(relation.related_model)
    return related


def reports_truncate() -> TruncateResult:
    """Delete every report (generated or not) with its events, photos and subscriptions, fast (TRUNCATE).

    Meant for benchmark and test databases. Photo files are deleted from storage after the commit. Tables of
    other apps that point at reports stop the deletion (no ``CASCADE``): nothing is deleted silently.
    """
    related = _cascade_models()
    quote = connection.ops.quote_name
    with transaction.atomic():
        counts = TruncateResult(
            reports=Report.objects.count(),
            events=ReportEvent.objects.count(),
            photos=ReportPhoto.objects.count(),
            subscriptions=Subscription.objects.count(),
        )
        storage = ReportPhoto._meta.get_field("image").storage
        names = [name for name in ReportPhoto.objects.values_list("image", flat=True).iterator() if name]
        tables = ", ".join(quote(model._meta.db_table) for model in [*related, Report])
        with connection.cursor() as cursor:
            # Foreign keys are checked at commit: checks still pending (rows written earlier in this
            # transaction) would forbid TRUNCATE, so they run now; afterwards checks wait for the commit again.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # TRUNCATE waits for every open transaction that read the tables: a clear error instead of a hang.
            cursor.execute("SET LOCAL lock_timeout = %s", [TRUNCATE_LOCK_TIMEOUT])
            try:
                with transaction.atomic():
                    cursor.execute(f"TRUNCATE {tables}")
            except OperationalError as error:
                raise GeneratorError(
                    GeneratorErrorCode.TRUNCATE_BLOCKED,
                    gettext(
                        "Die Meldungen sind gerade in Gebrauch (offene Transaktionen anderer Verbindungen), "
                        "nichts gelöscht: %(error)s"
                    )
                    % {"error": error},
                ) from error
            cursor.execute("SET LOCAL lock_timeout = DEFAULT")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(f"ANALYZE {tables}")

        def delete_files() -> None:
            for name in names:
                try:
                    storage.delete(name)
                except OSError:
                    logger.warning("Could not delete photo file %s", name)

        if names:
            transaction.on_commit(delete_files)
    logger.info("All reports deleted: %s", counts)
    return counts


# --- Generating --------------------------------------------------------------------------------------------


def seed_choose() -> int:
    """Return a random seed (for a run without one; printed, so that the run can be repeated)."""
    return secrets.randbelow(2**31)


def _seed_value(seed: int) -> float:
    """Map a seed to PostgreSQL's ``setseed`` range so that PostgreSQL seeds its generator with ``seed`` itself.

    ``setseed(x)`` seeds with the integer part of x × (2**52 - 1); the half keeps rounding from changing it.
    """
    return (seed + 0.5) / (2**52 - 1)


def _texts() -> dict[str, object]:
    from defects.services import ACTOR_REPORTER

    with translation.override(settings.LANGUAGE_CODE):
        return {
            "actor_reporter": str(ACTOR_REPORTER)[:100],
            "actor_staff": str(ACTOR_STAFF)[:100],
            "msg_resolved": str(MESSAGE_RESOLVED),
            "msg_closed": str(MESSAGE_CLOSED),
            "msg_rejected": str(MESSAGE_REJECTED),
            "msg_duplicate": str(MESSAGE_DUPLICATE),
            "msg_reopen": str(MESSAGE_REOPEN),
        }


def _sql(template: str) -> str:
    """Fill the quoted table names of the models (``{report}``, ``{street}`` …) and the storage SRID into SQL."""
    return template.format(
        srid=STORAGE_SRID, routing_rules=routing_rules_sql(category_id="c.category_id"), **sql_table_names()
    )


# Street parts as lines in metres, with their place in the cumulative length (for length-weighted picks).
_PARTS_SQL = """
CREATE TEMP TABLE gen_parts AS
SELECT row_number() OVER w AS idx, p.street_id, p.name, p.geom, p.length_m,
       sum(p.length_m) OVER w - p.length_m AS cum_start
FROM (
    SELECT s.id AS street_id, s.name, d.path, d.geom, ST_Length(d.geom) AS length_m
    FROM {street} s CROSS JOIN LATERAL ST_Dump(ST_Transform(s.geom, %(metric_srid)s)) d
    WHERE s.city_id = %(city_id)s
) p
WHERE p.length_m > 0
WINDOW w AS (ORDER BY p.street_id, p.path)
"""

_CATEGORIES_SQL = """
CREATE TEMP TABLE gen_categories AS
SELECT row_number() OVER w AS idx, c.id AS category_id, c.name, c.target_days, c.weight,
       sum(c.weight) OVER w - c.weight AS cum_start
FROM (
    SELECT c.id, c.name, c.target_days, coalesce(w.weight, %(default_weight)s) AS weight
    FROM {category} c
    LEFT JOIN unnest(%(slugs)s::text[], %(weights)s::float8[]) AS w(slug, weight) ON w.slug = c.slug
    WHERE c.is_active
) c
WINDOW w AS (ORDER BY c.id)
"""

# Routing of every (category, district) pair, like defects.selectors.route_report: the district's rule, else
# the citywide one, rules of inactive departments skipped, else the central triage department (flagged).
_ROUTING_SQL = """
CREATE TEMP TABLE gen_routing AS
SELECT x.category_id, x.district_id, x.department_id, x.needs_triage,
       CASE WHEN char_length(x.reason) <= %(max_length)s THEN x.reason
            ELSE left(x.reason, %(max_length)s - 1) || '…' END AS routing_reason
FROM (
    SELECT c.category_id, d.id AS district_id, dep.id AS department_id,
           (dr.department_id IS NULL AND cr.department_id IS NULL) AS needs_triage,
           %(mark)s || ' ' || format(
               CASE WHEN dr.department_id IS NOT NULL THEN %(tmpl_district)s
                    WHEN cr.department_id IS NOT NULL THEN %(tmpl_citywide)s
                    ELSE %(tmpl_triage)s END,
               c.name, d.name, dep.name) AS reason
    FROM gen_categories c
    CROSS JOIN {district} d
    {routing_rules}
    JOIN {department} dep ON dep.id = coalesce(dr.department_id, cr.department_id, %(triage_id)s)
    WHERE d.city_id = %(city_id)s
) x
"""

# The hours from start to now, each weighted by the daily, weekly and seasonal profile (in local time).
_HOURS_SQL = """
CREATE TEMP TABLE gen_hours AS
SELECT row_number() OVER w AS idx, h.begin_at, h.seconds, h.weight, sum(h.weight) OVER w - h.weight AS cum_start
FROM (
    SELECT b.begin_at, b.seconds,
           (%(hour_weights)s::float8[])[extract(hour FROM b.local_at)::int + 1]
           * (%(weekday_weights)s::float8[])[extract(isodow FROM b.local_at)::int]
           * (1 + %(season_amplitude)s
                  * cos(2 * pi() * (extract(doy FROM b.local_at)::float8 - %(season_peak)s) / 365.25))
           * b.seconds / 3600.0 AS weight
    FROM (
        SELECT greatest(slot, %(start)s) AS begin_at,
               extract(epoch FROM least(slot + interval '1 hour', %(now)s) - greatest(slot, %(start)s))::float8
                   AS seconds,
               slot AT TIME ZONE %(tz)s AS local_at
        FROM generate_series(date_trunc('hour', %(start)s::timestamptz), %(now)s::timestamptz,
                             interval '1 hour') AS slot
    ) b
    WHERE b.seconds > 0
) h
WINDOW w AS (ORDER BY h.begin_at)
"""

# The areas cut into pieces of few vertices, each with a GiST index: a point-in-polygon test then reads a small
# piece, not the whole (possibly TOASTed) polygon. Small polygons stay whole; the pieces of a large one cover it
# exactly, up to floating-point rounding where a cut meets an edge.
_AREAS_SQL = (
    """
CREATE TEMP TABLE gen_city_parts AS
SELECT ST_Subdivide(geom, %(vertices)s) AS geom FROM {city} WHERE id = %(city_id)s
""",
    """
CREATE TEMP TABLE gen_district_parts AS
SELECT id AS district_id, official_id, slug, ST_Subdivide(geom, %(vertices)s) AS geom
FROM {district} WHERE city_id = %(city_id)s
""",
    """
CREATE TEMP TABLE gen_quarter_parts AS
SELECT q.id AS quarter_id, q.district_id, q.official_id, q.slug, ST_Subdivide(q.geom, %(vertices)s) AS geom
FROM {quarter} q JOIN {district} d ON d.id = q.district_id
WHERE d.city_id = %(city_id)s
""",
)

# The random draws of one round, materialised first so that their order never depends on a query plan.
_WORK_TABLES_SQL = (
    """
CREATE TEMP TABLE gen_draw (
    round int, n int, r_street float8, r_along float8, r_angle float8, r_radius float8,
    r_category float8, r_time float8, r_confirm float8, r_never float8, r_accept float8,
    r_outcome float8, r_via_progress float8, r_progress float8, r_work1 float8, r_work2 float8,
    r_decision float8, r_reopen float8, r_reopen_delay float8, r_text float8, r_token1 float8,
    r_token2 float8
)
""",
    """
CREATE TEMP TABLE gen_cand (
    LIKE gen_draw,
    location geometry(Point, {srid}), street_name text, category_id bigint, target_days int,
    district_id bigint, quarter_id bigint, created_at timestamptz
)
""",
    """
CREATE TEMP TABLE gen_batch (
    id bigint PRIMARY KEY, location geometry(Point, {srid}), address_label text,
    category_id bigint, district_id bigint, quarter_id bigint, department_id bigint,
    needs_triage boolean, routing_reason text, description text, token_hash text,
    created_at timestamptz, confirmed_at timestamptz, accepted_at timestamptz,
    progress_at timestamptz, final_at timestamptz, reopened_at timestamptz, outcome text,
    final_status text, status text, resolved_at timestamptz, closed_at timestamptz,
    withdrawn_at timestamptz, due_date date, version int, updated_at timestamptz,
    duplicate_of_id bigint
)
""",
)


def _drop_work_tables(cursor) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {', '.join(_TEMP_TABLES)}")


def _setup(cursor, *, city_id: int, start: datetime, now: datetime) -> None:
    """Create the session's temporary tables: street parts, categories, routing, hours and area pieces."""
    _drop_work_tables(cursor)
    cursor.execute(_sql(_PARTS_SQL), {"metric_srid": metric_srid(), "city_id": city_id})
    cursor.execute(
        _sql(_CATEGORIES_SQL),
        {
            "default_weight": DEFAULT_CATEGORY_WEIGHT,
            "slugs": list(CATEGORY_WEIGHTS),
            "weights": [float(weight) for weight in CATEGORY_WEIGHTS.values()],
        },
    )
    cursor.execute(
        _sql(_ROUTING_SQL),
        {
            "max_length": Report._meta.get_field("routing_reason").max_length,
            "mark": GENERATED_MARK,
            "triage_id": _active_triage_id(),
            "city_id": city_id,
            **routing_reason_sql_templates(),
        },
    )
    cursor.execute(
        _HOURS_SQL,
        {
            "hour_weights": list(HOUR_WEIGHTS),
            "weekday_weights": list(WEEKDAY_WEIGHTS),
            "season_amplitude": SEASON_AMPLITUDE,
            "season_peak": SEASON_PEAK_DAY,
            "start": start,
            "now": now,
            "tz": settings.TIME_ZONE,
        },
    )
    for statement in _AREAS_SQL:
        cursor.execute(_sql(statement), {"vertices": _SUBDIVIDE_VERTICES, "city_id": city_id})
    for statement in _WORK_TABLES_SQL:
        cursor.execute(_sql(statement))
    cursor.execute("CREATE UNIQUE INDEX ON gen_parts (idx)")
    cursor.execute("CREATE UNIQUE INDEX ON gen_categories (idx)")
    cursor.execute("CREATE UNIQUE INDEX ON gen_routing (category_id, district_id)")
    cursor.execute("CREATE UNIQUE INDEX ON gen_hours (idx)")
    for table in ("gen_city_parts", "gen_district_parts", "gen_quarter_parts"):
        cursor.execute(f"CREATE INDEX ON {table} USING gist (geom)")
    # Temporary tables are never analysed automatically.
    for table in _TEMP_TABLES[:7]:
        cursor.execute(f"ANALYZE {table}")


_DRAW_SQL = """
INSERT INTO gen_draw
SELECT %(round)s, n, random(), random(), random(), random(), random(), random(), random(), random(), random(),
       random(), random(), random(), random(), random(), random(), random(), random(), random(), random(),
       random()
FROM generate_series(1, %(draws)s) AS n
"""

# Places the drawn candidates, keeps those inside the city and a district, and gives them category and time.
_CANDIDATES_SQL = """
INSERT INTO gen_cand
WITH placed AS MATERIALIZED (
    SELECT d.*, p.name AS street_name,
           ST_Transform(
               ST_Translate(
                   ST_LineInterpolatePoint(p.geom, d.r_along),
                   %(jitter)s * sqrt(d.r_radius) * cos(2 * pi() * d.r_angle),
                   %(jitter)s * sqrt(d.r_radius) * sin(2 * pi() * d.r_angle)
               ),
               %(storage_srid)s
           ) AS location
    FROM gen_draw d
    JOIN gen_parts p ON p.idx = width_bucket(
        d.r_street * (SELECT sum(length_m) FROM gen_parts),
        (SELECT array_agg(cum_start ORDER BY idx) FROM gen_parts)
    )
    WHERE d.round = %(round)s
),
inside AS MATERIALIZED (
    SELECT pl.* FROM placed pl
    WHERE EXISTS (SELECT 1 FROM gen_city_parts c WHERE ST_Intersects(c.geom, pl.location))
),
districted AS (
    -- On a shared edge the district that sorts first wins, as in districts.selectors.district_for_point.
    SELECT DISTINCT ON (i.n) i.*, dp.district_id
    FROM inside i JOIN gen_district_parts dp ON ST_Intersects(dp.geom, i.location)
    ORDER BY i.n, dp.official_id, dp.slug, dp.district_id
),
quartered AS (
    SELECT DISTINCT ON (x.n) x.*, qp.quarter_id
    FROM districted x
    LEFT JOIN gen_quarter_parts qp ON qp.district_id = x.district_id AND ST_Intersects(qp.geom, x.location)
    ORDER BY x.n, qp.official_id, qp.slug, qp.quarter_id
),
timed AS (
    -- Batches are strata of the time distribution: u runs over [done, done + rows) / total.
    SELECT q.*,
           (%(done)s + q.r_time * %(rows)s) / %(total)s * (SELECT sum(weight) FROM gen_hours) AS w
    FROM quartered q
)
SELECT t.round, t.n, t.r_street, t.r_along, t.r_angle, t.r_radius, t.r_category, t.r_time, t.r_confirm,
       t.r_never, t.r_accept, t.r_outcome, t.r_via_progress, t.r_progress, t.r_work1, t.r_work2, t.r_decision,
       t.r_reopen, t.r_reopen_delay, t.r_text, t.r_token1, t.r_token2,
       t.location, t.street_name, c.category_id, c.target_days, t.district_id, t.quarter_id,
       least(
           h.begin_at + make_interval(secs => h.seconds * least(greatest((t.w - h.cum_start) / h.weight, 0), 1)),
           %(now)s::timestamptz
       )
FROM timed t
JOIN gen_categories c ON c.idx = width_bucket(
    t.r_category * (SELECT sum(weight) FROM gen_categories),
    (SELECT array_agg(cum_start ORDER BY idx) FROM gen_categories)
)
JOIN gen_hours h ON h.idx = width_bucket(t.w, (SELECT array_agg(cum_start ORDER BY idx) FROM gen_hours))
"""

# Ids in creation order, the lifecycle up to now, and the routing. Each step is materialised: inlined, every
# timestamp would be computed again wherever a later step uses it.
_BATCH_SQL = """
INSERT INTO gen_batch
WITH picked AS MATERIALIZED (
    SELECT nextval(%(sequence)s::regclass) AS id, s.*
    FROM (
        SELECT * FROM (SELECT * FROM gen_cand ORDER BY round, n LIMIT %(rows)s) c
        ORDER BY created_at, round, n
    ) s
),
planned AS MATERIALIZED (
    -- The outcome and every delay (in seconds); NULL where the step does not happen to this report.
    SELECT p.*, o.outcome,
           CASE WHEN p.r_never < %(never_share)s AND p.created_at > %(retention_cutoff)s THEN NULL
                ELSE 1 - ln(1 - p.r_confirm) * %(confirm_mean)s END AS d_confirm,
           CASE WHEN o.outcome IN ('resolved', 'closed', 'stale')
                THEN 60 - ln(1 - p.r_accept) * %(accept_mean)s END AS d_accept,
           CASE WHEN o.outcome IN ('resolved', 'closed', 'stale') AND p.r_via_progress < %(via_progress)s
                THEN 60 - ln(1 - p.r_progress) * %(progress_mean)s END AS d_progress,
           CASE WHEN o.outcome IN ('resolved', 'closed')
                THEN greatest(3600, p.target_days * 7 / 5.0 * 86400 * %(work_median)s
                              * exp(%(work_sigma)s * sqrt(-2 * ln(1 - p.r_work1)) * cos(2 * pi() * p.r_work2)))
                WHEN o.outcome IN ('rejected', 'duplicate', 'withdrawn')
                THEN 60 - ln(1 - p.r_decision) * %(decision_mean)s END AS d_final,
           CASE WHEN o.outcome = 'resolved' AND p.r_reopen < %(reopen_share)s
                THEN 3600 - ln(1 - p.r_reopen_delay) * %(reopen_mean)s END AS d_reopen
    FROM picked p
    CROSS JOIN LATERAL (
        SELECT CASE WHEN p.r_outcome < %(o_resolved)s THEN 'resolved'
                    WHEN p.r_outcome < %(o_closed)s THEN 'closed'
                    WHEN p.r_outcome < %(o_rejected)s THEN 'rejected'
                    WHEN p.r_outcome < %(o_duplicate)s THEN 'duplicate'
                    WHEN p.r_outcome < %(o_withdrawn)s THEN 'withdrawn'
                    ELSE 'stale' END AS outcome
    ) o
),
timeline AS MATERIALIZED (
    -- Each step follows the one before; steps after now have not happened yet (NULL).
    SELECT pl.*, t.*
    FROM planned pl
    CROSS JOIN LATERAL (
        SELECT pl.created_at + make_interval(secs => pl.d_confirm) AS confirm_raw,
               pl.created_at + make_interval(secs => pl.d_confirm + pl.d_accept) AS accept_raw,
               pl.created_at + make_interval(secs => pl.d_confirm + pl.d_accept + pl.d_progress) AS progress_raw,
               pl.created_at + make_interval(secs => pl.d_confirm + coalesce(pl.d_accept, 0)
                                                     + coalesce(pl.d_progress, 0) + pl.d_final) AS final_raw,
               pl.created_at + make_interval(secs => pl.d_confirm + coalesce(pl.d_accept, 0)
                                                     + coalesce(pl.d_progress, 0) + pl.d_final + pl.d_reopen)
                   AS reopen_raw
    ) t
),
happened AS MATERIALIZED (
    SELECT tl.*,
           CASE WHEN tl.confirm_raw <= %(now)s THEN tl.confirm_raw END AS confirmed_at,
           CASE WHEN tl.accept_raw <= %(now)s THEN tl.accept_raw END AS accepted_at,
           CASE WHEN tl.progress_raw <= %(now)s THEN tl.progress_raw END AS progress_at,
           CASE WHEN tl.final_raw <= %(now)s THEN tl.final_raw END AS final_at,
           CASE WHEN tl.reopen_raw <= %(now)s THEN tl.reopen_raw END AS reopened_at,
           CASE WHEN tl.outcome = 'withdrawn' THEN 'closed' ELSE tl.outcome END AS final_status
    FROM timeline tl
)
SELECT h.id, h.location, left(h.street_name, 200), h.category_id, h.district_id, h.quarter_id,
       rt.department_id, rt.needs_triage AND h.accepted_at IS NULL, rt.routing_reason,
       %(mark)s || ' ' || (%(descriptions)s::text[])[1 + floor(h.r_text * %(description_count)s)::int],
       md5(h.r_token1::text) || md5(h.r_token2::text),
       h.created_at, h.confirmed_at, h.accepted_at, h.progress_at, h.final_at, h.reopened_at, h.outcome,
       h.final_status,
       CASE WHEN h.reopened_at IS NOT NULL THEN 'reopened'
            WHEN h.final_at IS NOT NULL THEN h.final_status
            WHEN h.progress_at IS NOT NULL THEN 'in_progress'
            WHEN h.confirmed_at IS NOT NULL THEN 'open'
            ELSE 'unconfirmed' END,
       CASE WHEN h.reopened_at IS NULL AND h.outcome = 'resolved' THEN h.final_at END,
       CASE WHEN h.reopened_at IS NULL THEN h.final_at END,
       CASE WHEN h.outcome = 'withdrawn' THEN h.final_at END,
       (h.confirmed_at AT TIME ZONE %(tz)s)::date + ceil(h.target_days * 7 / 5.0)::int,
       1 + (h.accepted_at IS NOT NULL)::int + (h.progress_at IS NOT NULL)::int
         + (h.final_at IS NOT NULL AND h.outcome <> 'withdrawn')::int,
       greatest(h.created_at, h.confirmed_at, h.accepted_at, h.progress_at, h.final_at, h.reopened_at),
       NULL::bigint
FROM happened h
JOIN gen_routing rt ON rt.category_id = h.category_id AND rt.district_id = h.district_id
"""

# Every report but the duplicates first, so that duplicates of the same batch find their originals.
_INSERT_REPORTS_SQL = """
INSERT INTO {report} (
    id, created_at, updated_at, location, address_label, answers, description, status, routing_reason,
    needs_triage, reporter_name, reporter_email, reporter_phone, privacy_consent_at, reporter_token_hash,
    submission_key, confirmed_at, resolved_at, closed_at, withdrawn_at, category_id, department_id,
    district_id, duplicate_of_id, quarter_id, reporter_id, accepted_at, assignee_id, due_date, priority, version
)
SELECT g.id, g.created_at, g.updated_at, g.location, g.address_label, jsonb_build_object(), g.description,
       g.status, g.routing_reason, g.needs_triage, '', '', '', g.created_at, g.token_hash,
       NULL, g.confirmed_at, g.resolved_at, g.closed_at, g.withdrawn_at, g.category_id, g.department_id,
       g.district_id, g.duplicate_of_id, g.quarter_id, NULL, g.accepted_at, NULL, g.due_date, %(priority)s,
       g.version
FROM gen_batch g
WHERE (g.outcome = 'duplicate' AND g.final_at IS NOT NULL) = %(duplicates)s
ORDER BY g.id
"""

# The original of a duplicate: the nearest earlier public report of the same category within about a
# kilometre (GiST: the box bounds the search, KNN orders it). Without one, the report is closed instead.
_DUPLICATE_OF_SQL = (
    """
UPDATE gen_batch g SET duplicate_of_id = (
    SELECT r.id FROM {report} r
    WHERE r.location && ST_Expand(g.location, %(radius)s)
      AND r.category_id = g.category_id AND r.created_at < g.created_at
      AND r.status NOT IN ('unconfirmed', 'duplicate') AND r.withdrawn_at IS NULL
    ORDER BY r.location <-> g.location
    LIMIT 1
)
WHERE g.outcome = 'duplicate' AND g.final_at IS NOT NULL
""",
    """
UPDATE gen_batch g SET final_status = 'closed', status = 'closed'
WHERE g.outcome = 'duplicate' AND g.final_at IS NOT NULL AND g.duplicate_of_id IS NULL
""",
)

_EVENTS_SQL = """
INSERT INTO {event} (report_id, kind, created_at, actor_id, actor_label, from_status, to_status,
                     from_department_id, to_department_id, public_message, internal_note)
SELECT g.id, e.kind, e.at, NULL, e.actor_label, e.from_status, e.to_status, NULL, e.to_department_id,
       e.public_message, ''
FROM gen_batch g
CROSS JOIN LATERAL (VALUES
    (1, 'created', g.created_at, %(actor_reporter)s, '', 'unconfirmed', g.department_id, ''),
    (2, 'confirmed', g.confirmed_at, %(actor_reporter)s, 'unconfirmed', 'open', NULL::bigint, ''),
    (3, 'accepted', g.accepted_at, %(actor_staff)s, '', '', g.department_id, ''),
    (4, 'status_changed', g.progress_at, %(actor_staff)s, 'open', 'in_progress', NULL, ''),
    (5,
     CASE WHEN g.outcome = 'withdrawn' THEN 'withdrawn' ELSE 'status_changed' END,
     g.final_at,
     CASE WHEN g.outcome = 'withdrawn' THEN %(actor_reporter)s ELSE %(actor_staff)s END,
     CASE WHEN g.progress_at IS NULL THEN 'open' ELSE 'in_progress' END,
     g.final_status,
     NULL,
     CASE WHEN g.outcome = 'withdrawn' THEN ''
          WHEN g.final_status = 'resolved' THEN %(msg_resolved)s
          WHEN g.final_status = 'closed' THEN %(msg_closed)s
          WHEN g.final_status = 'rejected' THEN %(msg_rejected)s
          WHEN g.final_status = 'duplicate' THEN %(msg_duplicate)s
          ELSE '' END),
    (6, 'reopen_requested', g.reopened_at, %(actor_reporter)s, g.final_status, 'reopened', NULL, %(msg_reopen)s)
) AS e(seq, kind, at, actor_label, from_status, to_status, to_department_id, public_message)
WHERE e.at IS NOT NULL
ORDER BY g.id, e.seq
"""


def _outcome_bounds() -> dict[str, float]:
    bounds, total = {}, 0.0
    for outcome, share in OUTCOME_SHARES:
        total += share
        bounds[f"o_{outcome}"] = total
    return bounds


def _generate_batch(
    cursor,
    *,
    rows: int,
    done: int,
    total: int,
    now: datetime,
    sequence: str,
    params: dict[str, object],
) -> tuple[int, int, dict[str, int]]:
    """Write one batch of ``rows`` reports with their events; return the counts and the reports per status."""
    # Sorting a batch of points with their geometry needs more than the default work_mem.
    cursor.execute("SET LOCAL work_mem = '128MB'")
    cursor.execute("TRUNCATE gen_draw, gen_cand, gen_batch")
    placed = 0
    for round_number in range(_MAX_ROUNDS):
        missing = rows - placed
        draws = math.ceil(missing * _OVERSAMPLING) + 16 if round_number == 0 else math.ceil(missing * 2) + 16
        cursor.execute(_DRAW_SQL, {"round": round_number, "draws": draws})
        cursor.execute(
            _CANDIDATES_SQL,
            {
                "round": round_number,
                "jitter": JITTER_MAX_M,
                "storage_srid": STORAGE_SRID,
                "done": done,
                "rows": rows,
                "total": total,
                "now": now,
            },
        )
        placed += cursor.rowcount
        if placed >= rows:
            break
    else:
        raise GeneratorError(
            GeneratorErrorCode.NO_PLACE,
            gettext("Zu wenige Orte an Straßen liegen im Stadtgebiet und in einem Ortsratsbereich."),
        )
    cursor.execute(_BATCH_SQL, {**params, "rows": rows, "sequence": sequence, "now": now})
    cursor.execute(_sql(_INSERT_REPORTS_SQL), {**params, "duplicates": False})
    reports = cursor.rowcount
    for statement in _DUPLICATE_OF_SQL:
        cursor.execute(_sql(statement), {"radius": DUPLICATE_SEARCH_DEGREES})
    cursor.execute(_sql(_INSERT_REPORTS_SQL), {**params, "duplicates": True})
    reports += cursor.rowcount
    cursor.execute(_sql(_EVENTS_SQL), params)
    events = cursor.rowcount
    cursor.execute("SELECT status, count(*) FROM gen_batch GROUP BY status")
    return reports, events, dict(cursor.fetchall())


def reports_generate(
    *,
    count: int,
    seed: int | None = None,
    years: float = DEFAULT_YEARS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    now: datetime | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
) -> GenerationResult:
    """Generate ``count`` realistic reports with their history in the current city (see the module's text).

    Each batch of ``batch_size`` reports is written by a few set-based statements in its own transaction, so
    an interrupted run keeps the batches done. ``progress`` is called after each committed batch. Without a
    ``seed`` one is chosen and returned, so the run can be repeated. Afterwards the touched tables are
    analysed (planner statistics). Raises ``GeneratorError`` if arguments or prerequisites are missing.
    """
    city = generation_check(count=count, batch_size=batch_size, years=years, seed=seed)
    now = now or timezone.now()
    start = now - timedelta(days=365.2425 * years)
    seed = seed_choose() if seed is None else seed
    batches = math.ceil(count / batch_size)
    params: dict[str, object] = {
        **_outcome_bounds(),
        **_texts(),
        "never_share": NEVER_CONFIRMED_SHARE,
        "retention_cutoff": now - timedelta(days=settings.REPORT_UNCONFIRMED_RETENTION_DAYS),
        "confirm_mean": CONFIRM_MEAN_S,
        "accept_mean": ACCEPT_MEAN_S,
        "progress_mean": PROGRESS_MEAN_S,
        "via_progress": VIA_PROGRESS_SHARE,
        "work_median": WORK_MEDIAN_FACTOR,
        "work_sigma": WORK_SIGMA,
        "decision_mean": DECISION_MEAN_S,
        "reopen_share": REOPEN_SHARE,
        "reopen_mean": REOPEN_MEAN_S,
        "mark": GENERATED_MARK,
        "descriptions": list(DESCRIPTIONS),
        "description_count": len(DESCRIPTIONS),
        "tz": settings.TIME_ZONE,
        "priority": Report._meta.get_field("priority").default,
    }
    started = time.perf_counter()
    reports_total = events_total = 0
    statuses: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Report._meta.db_table])
        (sequence,) = cursor.fetchone()
        try:
            _setup(cursor, city_id=city.pk, start=start, now=now)
            cursor.execute("SELECT setseed(%s)", [_seed_value(seed)])
            for batch in range(1, batches + 1):
                rows = min(batch_size, count - reports_total)
                batch_started = time.perf_counter()
                with transaction.atomic():
                    reports, events, batch_statuses = _generate_batch(
                        cursor,
                        rows=rows,
                        done=reports_total,
                        total=count,
                        now=now,
                        sequence=sequence,
                        params=params,
                    )
                reports_total += reports
                events_total += events
                for status, number in batch_statuses.items():
                    statuses[status] = statuses.get(status, 0) + number
                if progress is not None:
                    progress(
                        BatchProgress(
                            batch=batch,
                            batches=batches,
                            reports=reports,
                            events=events,
                            seconds=time.perf_counter() - batch_started,
                            reports_done=reports_total,
                            reports_total=count,
                        )
                    )
        finally:
            _drop_work_tables(cursor)
        seconds = time.perf_counter() - started
        analyze_started = time.perf_counter()
        # Planner statistics for the benchmarks. Outside a transaction also VACUUM: it sets the visibility map
        # (index-only scans) and the hint bits, as in a database that has been running for years, so that the
        # first benchmark queries do not pay for that.
        vacuumed = not connection.in_atomic_block
        cursor.execute(
            _sql("VACUUM (ANALYZE) {report}, {event}" if vacuumed else "ANALYZE {report}, {event}")
        )
        analyze_seconds = time.perf_counter() - analyze_started
    logger.info(
        "Generated %s reports with %s events in %.1f s (seed %s)", reports_total, events_total, seconds, seed
    )
    return GenerationResult(
        reports=reports_total,
        events=events_total,
        batches=batches,
        seed=seed,
        seconds=seconds,
        analyze_seconds=analyze_seconds,
        vacuumed=vacuumed,
        statuses={status: statuses[status] for status in ReportStatus.values if status in statuses},
    )
