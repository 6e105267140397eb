"""The benchmark's data: the generated reports, the accounts it measures with, and its fixed request sets.

Everything is derived deterministically from the generated data and the seed, so two runs over the same data
send the same requests: the tiles and areas from a seeded sample of public report locations (a sample of
reports is dense where reports are dense), the new reports of the intake scenario from the same sample.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from rest_framework.authtoken.models import Token

from defects.generator import GeneratorError, generated_reports_filter, generation_prerequisites_check
from defects.models import Category, Report, ReportStatus
from defects.workspace_selectors import QueueFilters, encode_cursor, queue_filtered
from districts.models import Department, DepartmentMembership
from geo_core.accounts.models import User
from geo_core.accounts.roles import PLANNERS

# Description prefix of the reports the intake scenario creates: they are deleted afterwards (and at the start
# of a run, should an earlier run have been interrupted), so the generated data stay as generated.
BENCH_MARK = "[Benchmark]"
# The accounts the benchmark measures with; example.org never receives mail.
PLANNER_EMAIL = "bench-planner@example.org"
CASE_WORKER_EMAIL = "bench-case-worker@example.org"
REPORTER_EMAIL = "benchmark@example.org"
# Zoom levels of the tile set: from the whole city (10) to street level (16).
TILE_ZOOMS: tuple[int, ...] = tuple(range(10, 17))
# Points sampled per tile wanted: enough distinct street-level tiles even where a zoom's tiles are few.
POINTS_PER_TILE = 4
# The session backend a forced login is recorded with (the first configured backend cannot load users).
SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


class BenchError(RuntimeError):
    """The benchmark cannot run as asked (missing city data, foreign reports in the database …)."""


# --- reports ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataPreparation:
    reports: int
    generated_now: bool
    seconds: float | None


def benchmark_reports_delete() -> int:
    """Delete the reports the intake scenario created, with their history and queued e-mail jobs."""
    ids = list(Report.objects.filter(description__startswith=BENCH_MARK).values_list("pk", flat=True))
    if not ids:
        return 0
    with connection.cursor() as cursor:
        # Their confirmation mails were queued but never sent (no worker runs against this database).
        cursor.execute(
            "DELETE FROM procrastinate_jobs WHERE task_name = 'defects.send_report_email' "
            "AND (args->>'report_id')::bigint = ANY(%s)",
            [ids],
        )
    Report.objects.filter(pk__in=ids).delete()
    return len(ids)


def reports_prepare(*, count: int, seed: int, regenerate: bool, stdout: TextIO) -> DataPreparation:
    """Make the database hold exactly ``count`` generated reports; generate them (seeded) if it does not.

    ``generate_reports --truncate`` deletes every report, so a database that holds reports which were not
    generated (real ones, or a developer's) is refused instead.
    """
    benchmark_reports_delete()
    try:
        generation_prerequisites_check()
    except GeneratorError as error:
        raise BenchError(
            f"{error.message} (./bench/run prepares a fresh database: migrations, city, categories, "
            "responsibilities)"
        ) from error
    total = Report.objects.count()
    generated = Report.objects.filter(generated_reports_filter()).count()
    if total != generated:
        raise BenchError(
            f"The database {connection.settings_dict['NAME']} holds {total - generated:,} reports that were not "
            "generated; the benchmark replaces all reports and refuses to delete those. Use a database of its "
            "own (./bench/run uses platform_bench)."
        )
    if generated == count and not regenerate:
        return DataPreparation(reports=count, generated_now=False, seconds=None)
    stdout.write(f"Generating {count:,} reports (seed {seed}); the database holds {generated:,} …\n")
    started = time.perf_counter()
    call_command(
        "generate_reports",
        "--count",
        str(count),
        "--seed",
        str(seed),
        "--truncate",
        "--no-input",
        stdout=stdout,
    )
    return DataPreparation(reports=count, generated_now=True, seconds=time.perf_counter() - started)


def data_description() -> dict:
    """Return how many reports, public reports and events the measured database holds."""
    public = Report.objects.exclude(status=ReportStatus.UNCONFIRMED).filter(withdrawn_at__isnull=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM defects_reportevent")
        events = cursor.fetchone()[0]
    return {"reports": Report.objects.count(), "public_reports": public.count(), "events": events}


# --- accounts --------------------------------------------------------------------------------------------


def _bench_user(*, email: str) -> User:
    user, _created = User.objects.get_or_create(email=email, defaults={"is_active": True})
    if user.has_usable_password():
        # Nobody logs in as these accounts; the benchmark makes their sessions and tokens itself.
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def planner_session_cookie() -> tuple[str, str]:
    """Return the name and value of a session cookie of a planner (the heatmap is for planners only).

    The session is stored like a real login's (database sessions), so the server loads it on every request.
    """
    user = _bench_user(email=PLANNER_EMAIL)
    # get_or_create: a test database flushed by an earlier test has lost the groups of the data migration.
    user.groups.add(Group.objects.get_or_create(name=PLANNERS)[0])
    client = Client()
    client.force_login(user, backend=SESSION_BACKEND)
    name = settings.SESSION_COOKIE_NAME
    return name, client.cookies[name].value


@dataclass(frozen=True)
class QueueFixture:
    department_id: int
    department_name: str
    token: str
    queue_size: int
    page_size: int
    deep_page: int
    deep_cursor: str | None


def queue_fixture(*, page_size: int, deep_page: int) -> QueueFixture:
    """Return a case worker's token for the department with the longest queue, and the cursor of a deep page.

    The cursor of page ``deep_page`` is that of the last report of the page before it (keyset pagination:
    the server never skips rows, the client follows ``next_cursor``); it is read with the queue's own
    queryset. A queue shorter than ``deep_page`` pages gives its last full page instead, said in the results.
    """
    busiest = (
        Report.objects.exclude(status=ReportStatus.UNCONFIRMED)
        .values("department")
        .annotate(n=Count("pk"))
        .order_by("-n", "department")
        .first()
    )
    if busiest is None:
        raise BenchError("No report is in any department's queue.")
    department = Department.objects.get(pk=busiest["department"])
    user = _bench_user(email=CASE_WORKER_EMAIL)
    # Exactly one membership: the queue is then exactly this department's.
    DepartmentMembership.objects.filter(user=user).exclude(department=department).delete()
    DepartmentMembership.objects.get_or_create(
        user=user, department=department, defaults={"role": DepartmentMembership.Role.CASE_WORKER}
    )
    token, _created = Token.objects.get_or_create(user=user)
    reports = queue_filtered(user=user, filters=QueueFilters())
    size = reports.count()
    # The deepest full page if the queue is shorter: a last page with fewer rows would flatter the comparison.
    page = max(1, min(deep_page, size // page_size))
    cursor = encode_cursor(reports[(page - 1) * page_size - 1]) if page > 1 else None
    return QueueFixture(
        department_id=department.pk,
        department_name=department.name,
        token=token.key,
        queue_size=size,
        page_size=page_size,
        deep_page=page,
        deep_cursor=cursor,
    )


# --- places ----------------------------------------------------------------------------------------------


def sample_points(*, count: int, seed: int) -> list[tuple[float, float]]:
    """Return ``count`` locations of public reports, a seeded sample that is the same for the same data.

    Ordered by a hash of the location and the seed, not by id: the generator gives the same places for the
    same seed, but ids come from the database's sequence.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ST_X(location), ST_Y(location) FROM defects_report
            WHERE status <> %s AND withdrawn_at IS NULL
            ORDER BY md5(ST_AsText(location) || %s), ST_X(location), ST_Y(location)
            LIMIT %s
            """,
            [ReportStatus.UNCONFIRMED, str(seed), count],
        )
        return [(float(lon), float(lat)) for lon, lat in cursor.fetchall()]


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int

    @property
    def path(self) -> str:
        return f"{self.z}/{self.x}/{self.y}"

    def bounds(self) -> tuple[float, float, float, float]:
        """Return the tile's (west, south, east, north) in degrees (WGS 84)."""
        n = 2**self.z

        def lat(y: int) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))

        return (self.x / n * 360 - 180, lat(self.y + 1), (self.x + 1) / n * 360 - 180, lat(self.y))

    def bbox_param(self) -> str:
        return ",".join(f"{value:.6f}" for value in self.bounds())


def tile_of(*, lon: float, lat: float, z: int) -> Tile:
    """Return the XYZ tile (Web Mercator, y from the north) that holds the point at zoom ``z``."""
    n = 2**z
    x = min(n - 1, max(0, int((lon + 180) / 360 * n)))
    y = min(n - 1, max(0, int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)))
    return Tile(z=z, x=x, y=y)


def tile_set(
    *, points: Sequence[tuple[float, float]], count: int, zooms: Sequence[int] = TILE_ZOOMS
) -> list[Tile]:
    """Return about ``count`` distinct tiles over ``zooms``, weighted to where the points are dense.

    Each zoom gets an equal share. A zoom takes the tiles of the points in sample order, each tile once, so a
    dense area's tiles come first; the few tiles that cover the whole city at low zoom are all taken and
    their unused share passes on to the higher zooms.
    """
    tiles: list[Tile] = []
    remaining = count
    for position, z in enumerate(zooms):
        share = round(remaining / (len(zooms) - position))
        seen: dict[Tile, None] = {}
        for lon, lat in points:
            if len(seen) >= share:
                break
            seen.setdefault(tile_of(lon=lon, lat=lat, z=z), None)
        tiles.extend(seen)
        remaining -= len(seen)
    return tiles


# --- new reports -----------------------------------------------------------------------------------------


_ANSWER_BY_KIND = {
    "yes_no": lambda question: True,
    "number": lambda question: 1,
    "text": lambda question: "Benchmark",
    "single_choice": lambda question: question.choices[0],
    "multiple_choice": lambda question: question.choices[:1],
}


@dataclass(frozen=True)
class NewReport:
    """One report of the intake scenario, as the API's JSON body and as the raw SQL's parameters."""

    category_id: int
    category_slug: str
    lon: float
    lat: float
    answers: dict
    description: str

    def json_body(self, *, submission_key: str) -> dict:
        return {
            "category": self.category_slug,
            "lon": self.lon,
            "lat": self.lat,
            "description": self.description,
            "answers": self.answers,
            "reporter": {"name": "", "email": REPORTER_EMAIL, "phone": ""},
            "privacy_consent": True,
            "submission_key": submission_key,
        }


def new_reports(*, count: int, seed: int, points: Sequence[tuple[float, float]]) -> list[NewReport]:
    """Return ``count`` valid new reports: sampled places, seeded categories, every question answered."""
    if not points:
        raise BenchError("No public report to take places from.")
    categories = list(Category.objects.filter(is_active=True).prefetch_related("questions").order_by("pk"))
    rng = random.Random(seed)  # noqa: S311 (reproducible choices, no secret)
    reports = []
    for index in range(count):
        category = rng.choice(categories)
        lon, lat = points[index % len(points)]
        answers = {
            question.key: _ANSWER_BY_KIND[question.kind](question) for question in category.questions.all()
        }
        reports.append(
            NewReport(
                category_id=category.pk,
                category_slug=category.slug,
                # Unrounded: a place on the city's edge stays inside it.
                lon=lon,
                lat=lat,
                answers=answers,
                description=f"{BENCH_MARK} Neue Meldung {index + 1}.",
            )
        )
    return reports
