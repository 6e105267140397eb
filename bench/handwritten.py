"""Hand-written SQL for the two scenarios whose raw side cannot be taken from an endpoint's queries.

- **Intake**: the service ``report_create`` runs about 30 statements (lookups, validation, inserts, token
  updates, the mail job); replaying them would insert with stale ids. The raw side is one statement that does
  the same database work: the city and district tests of the point (same tie rule), quarter, nearest street
  within 250 m, the responsibility (district rule, else citywide, else the triage department, flagged), the
  report, its "created" event, the reporter's subscription and the confirmation mail's job (Procrastinate's
  own defer function), in one transaction. Validation of the input in Python is not part of it.
- **Re-routing**: the platform side is the service ``defects.services.reports_reroute`` called in-process.
  The raw side is one statement doing the same database work with the service's decisions: every report
  gets its district by ``ST_Intersects`` with the tie rule of ``district_for_point`` and the quarter within
  it; the reports whose district or quarter changes are updated (version and ``updated_at`` too); those
  still being worked (unconfirmed or open) whose district changes get the department of the
  responsibilities (as ``route_report``), and a "forwarded" event where the department changes. No temporary
  tables, no indexes on the pieces of the areas, no check of the version for concurrent changes.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.utils import translation

from defects.models import Report
from defects.selectors import routing_reason_sql_templates, routing_rules_sql, sql_table_names
from defects.services import ACTOR_REPORTER, ACTOR_SYSTEM, REROUTE_STATUSES
from geo_core.srid import STORAGE_SRID, metric_srid

# Degrees of latitude per metre are about 1/111,000 everywhere; a box of this many metres bounds the street
# search as ``nearest_street`` does (at Wolfsburg's latitude a degree of longitude is 68 km: the box is wider).
STREET_SEARCH_M = 250
# A district is cut into pieces of at most this many vertices (as the generator does): the point-in-polygon
# test of a million points then reads small pieces, not the whole polygon each time.
SUBDIVIDE_VERTICES = 64
# How far the simulated boundary change moves the border between two districts.
BOUNDARY_SHIFT_M = 300


def _sql(*, template: str) -> str:
    return template.format(
        storage_srid=STORAGE_SRID,
        metric_srid=metric_srid(),
        routing_rules=routing_rules_sql(category_id="c.id"),
        **sql_table_names(),
    )


def reason_max_length() -> int:
    return Report._meta.get_field("routing_reason").max_length


_INTAKE = """
WITH point AS (
    SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), {storage_srid}) AS geom
),
inside AS (
    SELECT p.geom FROM point p
    WHERE EXISTS (SELECT 1 FROM {city} c WHERE c.id = %(city_id)s AND ST_Intersects(c.geom, p.geom))
),
district AS (
    SELECT d.id, d.name FROM {district} d, inside i
    WHERE d.city_id = %(city_id)s AND ST_Intersects(d.geom, i.geom)
    ORDER BY d.official_id, d.slug, d.id LIMIT 1
),
quarter AS (
    SELECT q.id FROM {quarter} q, district d, inside i
    WHERE q.district_id = d.id AND ST_Intersects(q.geom, i.geom)
    ORDER BY q.official_id, q.slug, q.id LIMIT 1
),
street AS (
    SELECT s.name,
           ST_DistanceSpheroid(s.geom, i.geom, 'SPHEROID["WGS 84",6378137,298.257223563]') AS metres
    FROM {street} s, inside i
    WHERE s.city_id = %(city_id)s
      AND s.geom && ST_Expand(i.geom, %(search_deg_lon)s::float8, %(search_deg_lat)s::float8)
    ORDER BY metres, s.id LIMIT 1
),
rule AS (
    SELECT r.department_id, r.district_id FROM {responsibility} r
    JOIN {department} dep ON dep.id = r.department_id AND dep.is_active, district d
    WHERE r.category_id = %(category_id)s AND (r.district_id = d.id OR r.district_id IS NULL)
    ORDER BY r.district_id NULLS LAST LIMIT 1
),
route AS (
    SELECT dep.id AS department_id, rule.department_id IS NULL AS needs_triage,
           format(CASE WHEN rule.district_id IS NOT NULL THEN %(tmpl_district)s
                       WHEN rule.department_id IS NOT NULL THEN %(tmpl_citywide)s
                       ELSE %(tmpl_triage)s END, c.name, d.name, dep.name) AS reason
    FROM district d
    JOIN {category} c ON c.id = %(category_id)s
    LEFT JOIN rule ON true
    JOIN {department} dep ON dep.id = coalesce(
        rule.department_id,
        (SELECT t.id FROM {department} t WHERE t.kind = 'triage' AND t.is_active ORDER BY t.id LIMIT 1)
    )
),
report AS (
    INSERT INTO {report} (
        created_at, updated_at, category_id, location, district_id, quarter_id, address_label, answers,
        description, status, department_id, routing_reason, needs_triage, reporter_name, reporter_email,
        reporter_phone, privacy_consent_at, reporter_token_hash, submission_key, priority, version
    )
    SELECT now(), now(), %(category_id)s, i.geom, d.id, (SELECT id FROM quarter),
           coalesce((SELECT name FROM street WHERE metres <= %(street_m)s), ''), %(answers)s::jsonb,
           %(description)s, 'unconfirmed', rt.department_id, left(rt.reason, %(reason_max)s), rt.needs_triage,
           '', %(email)s, '', now(), encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'),
           gen_random_uuid(), 'normal', 1
    FROM inside i, district d, route rt
    RETURNING id, department_id
),
event AS (
    INSERT INTO {event} (
        report_id, kind, created_at, actor_label, from_status, to_status, to_department_id, public_message,
        internal_note
    )
    SELECT id, 'created', now(), %(actor)s, '', 'unconfirmed', department_id, '', '' FROM report
),
subscription AS (
    INSERT INTO {subscription} (report_id, email, role, token_hash, created_at)
    SELECT id, %(email)s, 'reporter', encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'), now()
    FROM report
),
job AS (
    SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(
        'default', 'defects.send_report_email', 0, NULL, NULL,
        jsonb_build_object('kind', 'report_confirmation', 'report_id', id, 'subscription_id', NULL,
                           'event_id', NULL),
        NULL
    )::procrastinate_job_to_defer_v1]) AS ids
    FROM report
)
SELECT report.id, job.ids FROM report, job
"""


def intake_sql() -> str:
    return _sql(template=_INTAKE)


def intake_constants(*, city_id: int, lat: float) -> dict:
    """Return the parameters of the intake statement that are the same for every new report."""
    with translation.override(settings.LANGUAGE_CODE):
        actor = str(ACTOR_REPORTER)[:100]
    # A box a little larger than the search radius, in degrees (as ``nearest_street`` bounds its search).
    deg_lat = STREET_SEARCH_M * 1.01 / 110_574
    deg_lon = STREET_SEARCH_M * 1.01 / (111_320 * math.cos(math.radians(min(abs(lat) + 0.01, 89.9))))
    return {
        "city_id": city_id,
        "street_m": STREET_SEARCH_M,
        "search_deg_lat": deg_lat,
        "search_deg_lon": deg_lon,
        "reason_max": reason_max_length(),
        "actor": actor,
        **routing_reason_sql_templates(),
    }


# The simulated boundary change (not timed): the district with the most reports takes a strip of
# BOUNDARY_SHIFT_M metres from the neighbour it shares the longest border with.
_BOUNDARY_PAIR = """
WITH a AS (
    SELECT d.id, d.geom FROM {district} d
    JOIN (SELECT district_id, count(*) AS n FROM {report} GROUP BY district_id) c ON c.district_id = d.id
    WHERE d.city_id = %(city_id)s ORDER BY c.n DESC, d.id LIMIT 1
)
SELECT a.id, b.id FROM a JOIN {district} b
    ON b.city_id = %(city_id)s AND b.id <> a.id AND ST_Intersects(a.geom, b.geom)
ORDER BY ST_Length(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom))::geography) DESC, b.id
LIMIT 1
"""

_BOUNDARY_MOVE = (
    """
CREATE TEMP TABLE bench_moved ON COMMIT DROP AS
SELECT ST_Intersection(
    b.geom,
    ST_Transform(ST_Buffer(ST_Transform(a.geom, {metric_srid}), %(shift_m)s), {storage_srid})
) AS geom
FROM {district} a, {district} b WHERE a.id = %(grows)s AND b.id = %(shrinks)s
""",
    """
UPDATE {district} SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom, (SELECT geom FROM bench_moved))), 3))
WHERE id = %(grows)s
""",
    """
UPDATE {district} SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Difference(geom, (SELECT geom FROM bench_moved))), 3))
WHERE id = %(shrinks)s
""",
)

_REROUTE = """
WITH parts AS MATERIALIZED (
    SELECT d.id AS district_id, d.official_id, d.slug, ST_Subdivide(d.geom, %(vertices)s) AS geom
    FROM {district} d WHERE d.city_id = %(city_id)s
),
quarter_parts AS MATERIALIZED (
    SELECT q.id AS quarter_id, q.district_id, q.official_id, q.slug, ST_Subdivide(q.geom, %(vertices)s) AS geom
    FROM {quarter} q JOIN {district} d ON d.id = q.district_id WHERE d.city_id = %(city_id)s
),
located AS (
    -- On a shared edge the district that sorts first wins, as in districts.selectors.district_for_point.
    SELECT DISTINCT ON (r.id) r.id, r.status, r.category_id, r.location, r.district_id, r.quarter_id,
           r.department_id, p.district_id AS new_district_id
    FROM {report} r JOIN parts p ON ST_Intersects(p.geom, r.location)
    ORDER BY r.id, p.official_id, p.slug, p.district_id
),
quartered AS (
    SELECT DISTINCT ON (l.id) l.*, qp.quarter_id AS new_quarter_id
    FROM located l
    LEFT JOIN quarter_parts qp ON qp.district_id = l.new_district_id AND ST_Intersects(qp.geom, l.location)
    ORDER BY l.id, qp.official_id, qp.slug, qp.quarter_id
),
routing AS (
    SELECT c.id AS category_id, d.id AS district_id, dep.id AS department_id,
           (dr.department_id IS NULL AND cr.department_id IS NULL) AS needs_triage,
           left(format(CASE WHEN dr.department_id IS NOT NULL THEN %(tmpl_district)s
                            WHEN cr.department_id IS NOT NULL THEN %(tmpl_citywide)s
                            ELSE %(tmpl_triage)s END, c.name, d.name, dep.name), %(reason_max)s) AS reason
    FROM {category} c
    CROSS JOIN {district} d
    {routing_rules}
    JOIN {department} dep ON dep.id = coalesce(
        dr.department_id, cr.department_id,
        (SELECT t.id FROM {department} t WHERE t.kind = 'triage' AND t.is_active ORDER BY t.id LIMIT 1)
    )
    WHERE d.city_id = %(city_id)s
),
changed AS (
    -- Only reports whose district or quarter changes; only open ones (and unconfirmed) change department.
    SELECT q.id, q.new_district_id, q.new_quarter_id, q.department_id AS old_department_id,
           q.new_district_id <> q.district_id AS district_changed,
           q.new_district_id <> q.district_id AND q.status = ANY(%(reroute_statuses)s) AS rerouted,
           rt.department_id, rt.needs_triage, rt.reason
    FROM quartered q
    JOIN routing rt ON rt.category_id = q.category_id AND rt.district_id = q.new_district_id
    WHERE q.new_district_id <> q.district_id OR q.new_quarter_id IS DISTINCT FROM q.quarter_id
),
updated AS (
    UPDATE {report} r
    SET district_id = ch.new_district_id, quarter_id = ch.new_quarter_id,
        department_id = CASE WHEN ch.rerouted THEN ch.department_id ELSE r.department_id END,
        routing_reason = CASE WHEN ch.rerouted THEN ch.reason ELSE r.routing_reason END,
        needs_triage = CASE WHEN ch.rerouted AND ch.department_id <> r.department_id THEN ch.needs_triage
                            ELSE r.needs_triage END,
        accepted_at = CASE WHEN ch.rerouted AND ch.department_id <> r.department_id THEN NULL
                           ELSE r.accepted_at END,
        assignee_id = CASE WHEN ch.rerouted AND ch.department_id <> r.department_id THEN NULL
                           ELSE r.assignee_id END,
        version = r.version + 1, updated_at = now()
    FROM changed ch WHERE r.id = ch.id
    RETURNING r.id, ch.old_department_id, ch.department_id, ch.rerouted, ch.reason
),
events AS (
    INSERT INTO {event} (
        report_id, kind, created_at, actor_label, from_status, to_status, from_department_id,
        to_department_id, public_message, internal_note
    )
    SELECT u.id, 'forwarded', now(), %(actor)s, '', '', u.old_department_id, u.department_id, '',
           format(%(tmpl_note)s, u.reason)
    FROM updated u WHERE u.rerouted AND u.department_id <> u.old_department_id
    RETURNING report_id
)
SELECT (SELECT count(*) FROM updated), (SELECT count(*) FROM events)
"""


def boundary_pair_sql() -> str:
    return _sql(template=_BOUNDARY_PAIR)


def boundary_move_sql() -> tuple[str, ...]:
    return tuple(_sql(template=statement) for statement in _BOUNDARY_MOVE)


def reroute_sql() -> str:
    return _sql(template=_REROUTE)


def reroute_params(*, city_id: int) -> dict:
    with translation.override(settings.LANGUAGE_CODE):
        actor = str(ACTOR_SYSTEM)[:100]
        note_template = translation.gettext(
            "Nach einer Änderung der Gebietsgrenzen neu zugeordnet: %(reason)s"
        ).replace("%(reason)s", "%1$s")
    return {
        "city_id": city_id,
        "vertices": SUBDIVIDE_VERTICES,
        "reason_max": reason_max_length(),
        "actor": actor,
        "reroute_statuses": sorted(REROUTE_STATUSES),
        "tmpl_note": note_template,
        **routing_reason_sql_templates(),
    }
