"""The scenarios of issue 6: each measures the platform over HTTP and the raw SQL of the same work.

Read scenarios (tiles, GeoJSON, heatmap, queue) take their raw SQL from the endpoint itself (see
``bench.rawsql``) and measure the two sides interleaved, request by request, with the order rotating, so
that both see the same cache state and the same load from elsewhere on the machine. Three figures per
request: the HTTP request (client to last byte), the payload statement alone through a plain psycopg cursor,
and all reading statements the endpoint ran, replayed one after the other (where the rest of the time goes:
extra queries, or Python).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

import psycopg
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from psycopg.types.json import Jsonb

from bench import handwritten
from bench.data import (
    REPORTER_EMAIL,
    BenchError,
    NewReport,
    QueueFixture,
    Tile,
    benchmark_reports_delete,
    queue_fixture,
)
from bench.httpclient import HttpClient
from bench.options import BenchOptions
from bench.rawsql import EndpointSQL, capture_endpoint_sql, raw_connect, run_sql
from bench.server import PlatformServer
from bench.stats import Timing, ratio, timing_from_seconds
from defects.services import RerouteResult, reports_reroute

T = TypeVar("T")

# The workspace API's default page size; page 1,000 is the deep page.
QUEUE_PAGE_SIZE = 50
QUEUE_DEEP_PAGE = 1000
FEATURES_PAGE_SIZE = 100


@dataclass
class ScenarioResult:
    """The figures of one scenario; ``http`` None with ``http_status`` saying why (e.g. not built yet)."""

    id: str
    title: str
    sql_compares: str
    http: Timing | None = None
    sql: Timing | None = None
    endpoint_reads: Timing | None = None
    statements_per_request: float | None = None
    http_throughput_per_s: float | None = None
    sql_throughput_per_s: float | None = None
    http_status: str = "measured"
    details: dict = field(default_factory=dict)

    @property
    def ratio_p50(self) -> float | None:
        return ratio(
            numerator=self.http.p50_ms if self.http else None,
            denominator=self.sql.p50_ms if self.sql else None,
        )

    @property
    def ratio_p95(self) -> float | None:
        return ratio(
            numerator=self.http.p95_ms if self.http else None,
            denominator=self.sql.p95_ms if self.sql else None,
        )

    def as_dict(self) -> dict:
        def rounded(value: float | None, digits: int = 3) -> float | None:
            return None if value is None else round(value, digits)

        return {
            "id": self.id,
            "title": self.title,
            "http_status": self.http_status,
            "http": self.http.as_dict() if self.http else None,
            "sql": self.sql.as_dict() if self.sql else None,
            "endpoint_reads": self.endpoint_reads.as_dict() if self.endpoint_reads else None,
            "statements_per_request": rounded(self.statements_per_request, 1),
            "ratio_p50": rounded(self.ratio_p50),
            "ratio_p95": rounded(self.ratio_p95),
            "http_throughput_per_s": rounded(self.http_throughput_per_s, 1),
            "sql_throughput_per_s": rounded(self.sql_throughput_per_s, 1),
            "sql_compares": self.sql_compares,
            "details": self.details,
        }


@dataclass
class BenchContext:
    """What every scenario needs: options, the running server, a raw connection, the request sets."""

    options: BenchOptions
    server: PlatformServer
    settings_dict: dict
    raw: psycopg.Connection
    city_id: int
    tiles: list[Tile]
    new_reports: list[NewReport]
    log: Callable[[str], None]

    def in_process_client(self) -> Client:
        # The host the server is reached by: it is in ALLOWED_HOSTS, as the HTTP side's is.
        return Client(HTTP_HOST=self.server.host)


# --- reads -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadRequest:
    path: str
    sql: EndpointSQL
    headers: dict[str, str] = field(default_factory=dict)
    expect: tuple[int, ...] = (200,)


@dataclass
class ReadSamples:
    """Seconds per measured request of one ``ReadRequest``, and what the server answered."""

    http: list[float] = field(default_factory=list)
    payload: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    body_bytes: list[int] = field(default_factory=list)


def _warm_up(*, ctx: BenchContext, client: HttpClient, requests: Sequence[ReadRequest]) -> None:
    """Send requests that are not measured: each worker process loads code and opens its connection once."""
    rounds = max(3 * ctx.options.workers, 6)
    for index in range(rounds):
        request = requests[index % len(requests)]
        client.request(method="GET", path=request.path, headers=request.headers, expect=request.expect)
        run_sql(conn=ctx.raw, sql=request.sql.payload)


def measure_reads(*, ctx: BenchContext, requests: Sequence[ReadRequest], rounds: int) -> list[ReadSamples]:
    """Measure every request ``rounds`` times over HTTP, as payload SQL and as all its reads, interleaved."""
    client = HttpClient(host=ctx.server.host, port=ctx.server.port)
    samples = [ReadSamples() for _request in requests]
    try:
        _warm_up(ctx=ctx, client=client, requests=requests)
        for round_number in range(rounds):
            for index, request in enumerate(requests):
                sample = samples[index]

                def over_http(request: ReadRequest = request, sample: ReadSamples = sample) -> None:
                    response = client.request(
                        method="GET", path=request.path, headers=request.headers, expect=request.expect
                    )
                    sample.http.append(response.seconds)
                    sample.statuses[response.status] += 1
                    sample.body_bytes.append(len(response.body))

                def payload(request: ReadRequest = request, sample: ReadSamples = sample) -> None:
                    sample.payload.append(run_sql(conn=ctx.raw, sql=request.sql.payload))

                def all_reads(request: ReadRequest = request, sample: ReadSamples = sample) -> None:
                    sample.reads.append(sum(run_sql(conn=ctx.raw, sql=sql) for sql in request.sql.reads))

                # The order rotates, so no side always runs first (on colder caches) or last.
                steps = [over_http, payload, all_reads]
                shift = (index + round_number) % len(steps)
                for step in steps[shift:] + steps[:shift]:
                    step()
    finally:
        client.close()
    ctx.server.check_alive()
    return samples


def _merged(*, samples: Sequence[ReadSamples]) -> ReadSamples:
    merged = ReadSamples()
    for sample in samples:
        merged.http += sample.http
        merged.payload += sample.payload
        merged.reads += sample.reads
        merged.statuses.update(sample.statuses)
        merged.body_bytes += sample.body_bytes
    return merged


def _read_result(
    *,
    scenario_id: str,
    title: str,
    compares: str,
    requests: Sequence[ReadRequest],
    samples: ReadSamples,
    details: dict,
) -> ScenarioResult:
    body_sizes = sorted(samples.body_bytes)
    return ScenarioResult(
        id=scenario_id,
        title=title,
        sql_compares=compares,
        http=timing_from_seconds(seconds=samples.http),
        sql=timing_from_seconds(seconds=samples.payload),
        endpoint_reads=timing_from_seconds(seconds=samples.reads),
        statements_per_request=sum(request.sql.statements for request in requests) / len(requests),
        details={
            "requests": len(requests),
            "statuses": {str(status): count for status, count in sorted(samples.statuses.items())},
            "median_body_bytes": body_sizes[len(body_sizes) // 2] if body_sizes else None,
            "reads_per_request": round(
                sum(len(request.sql.reads) for request in requests) / len(requests), 1
            ),
            **details,
        },
    )


def _is_tile_payload(sql: str) -> bool:
    return sql.lstrip().upper().startswith("SELECT ST_ASMVT(")


def _is_report_page(sql: str) -> bool:
    # The page of reports itself: from the reports table, limited, and not the paginator's count.
    return 'FROM "defects_report"' in sql and " LIMIT " in sql and "COUNT(" not in sql.upper()


def _is_layer_page(sql: str) -> bool:
    # The layer's page of reports, built as GeoJSON in PostGIS (its per-report counts of photos and
    # supporters included); the endpoint counts no pages.
    return 'FROM "defects_report"' in sql and " LIMIT " in sql and "json_agg(" in sql


def _is_heatmap_payload(sql: str) -> bool:
    return "'FeatureCollection'" in sql and "json_build_object" in sql


def tiles_scenario(*, ctx: BenchContext) -> ScenarioResult:
    client = ctx.in_process_client()
    ctx.log(f"tiles: capturing the SQL of {len(ctx.tiles)} tiles in-process …")
    requests = []
    for tile in ctx.tiles:
        path = f"/api/v1/layers/reports/tiles/{tile.path}.pbf"
        sql = capture_endpoint_sql(client=client, path=path, is_payload=_is_tile_payload, expect=(200, 204))
        requests.append(ReadRequest(path=path, sql=sql, expect=(200, 204)))
    ctx.log("tiles: measuring …")
    samples = _merged(samples=measure_reads(ctx=ctx, requests=requests, rounds=1))
    zooms = Counter(tile.z for tile in ctx.tiles)
    return _read_result(
        scenario_id="tiles",
        title="Vector tiles of the report layer, z10–z16",
        compares="the ST_AsMVT statement the endpoint runs (captured from it), fetched whole",
        requests=requests,
        samples=samples,
        details={"tiles_per_zoom": {str(z): zooms[z] for z in sorted(zooms)}},
    )


def features_scenario(*, ctx: BenchContext) -> ScenarioResult:
    client = ctx.in_process_client()
    ctx.log(f"features: capturing the SQL of {len(ctx.tiles)} areas in-process …")
    requests = []
    for tile in ctx.tiles:
        path = f"/api/v1/layers/reports/features/?bbox={tile.bbox_param()}&page_size={FEATURES_PAGE_SIZE}"
        sql = capture_endpoint_sql(client=client, path=path, is_payload=_is_layer_page)
        requests.append(ReadRequest(path=path, sql=sql))
    ctx.log("features: measuring …")
    samples = _merged(samples=measure_reads(ctx=ctx, requests=requests, rounds=1))
    return _read_result(
        scenario_id="features",
        title=f"GeoJSON by bbox, first page of {FEATURES_PAGE_SIZE} features (the tiles' areas)",
        compares="the statement the endpoint runs that builds the page's GeoJSON in PostGIS (captured), "
        "photo and supporter counts included",
        requests=requests,
        samples=samples,
        details={"page_size": FEATURES_PAGE_SIZE},
    )


def heatmap_scenario(*, ctx: BenchContext, cookie: tuple[str, str]) -> ScenarioResult:
    name, value = cookie
    client = ctx.in_process_client()
    client.cookies[name] = value
    today = timezone.localdate()
    first = today - timedelta(days=364)
    path = f"/api/v1/statistics/heatmap/?created_from={first.isoformat()}&created_to={today.isoformat()}"
    ctx.log("heatmap: capturing and measuring …")
    request = ReadRequest(
        path=path,
        sql=capture_endpoint_sql(client=client, path=path, is_payload=_is_heatmap_payload),
        headers={"Cookie": f"{name}={value}"},
    )
    samples = _merged(samples=measure_reads(ctx=ctx, requests=[request], rounds=ctx.options.repeat))
    return _read_result(
        scenario_id="heatmap",
        title="Planner heatmap, one year, city-wide (default grid)",
        compares="the one statement that builds the cells' GeoJSON in PostGIS (captured)",
        requests=[request],
        samples=samples,
        details={"created_from": first.isoformat(), "created_to": today.isoformat()},
    )


def queue_scenarios(*, ctx: BenchContext) -> list[ScenarioResult]:
    fixture: QueueFixture = queue_fixture(page_size=QUEUE_PAGE_SIZE, deep_page=QUEUE_DEEP_PAGE)
    headers = {"Authorization": f"Token {fixture.token}"}
    client = ctx.in_process_client()
    first_path = f"/api/v1/workspace/queue/?limit={fixture.page_size}"
    deep_path = first_path + (f"&cursor={fixture.deep_cursor}" if fixture.deep_cursor else "")
    ctx.log(f"queue: page 1 and page {fixture.deep_page} of {fixture.department_name} …")
    requests = [
        ReadRequest(
            path=path,
            sql=capture_endpoint_sql(client=client, path=path, is_payload=_is_report_page, headers=headers),
            headers=headers,
        )
        for path in (first_path, deep_path)
    ]
    # Both pages in one loop, alternating: the ratio of page 1,000 to page 1 sees the same conditions.
    first, deep = measure_reads(ctx=ctx, requests=requests, rounds=ctx.options.repeat)
    common = {
        "department": fixture.department_name,
        "queue_size": fixture.queue_size,
        "page_size": fixture.page_size,
        "auth": "token",
    }
    compares = (
        "the keyset SELECT of the page the endpoint runs (captured); the counts per status are in the "
        "endpoint's other reads"
    )
    results = [
        _read_result(
            scenario_id="queue_page_1",
            title="Department queue, page 1",
            compares=compares,
            requests=[requests[0]],
            samples=first,
            details={**common, "page": 1},
        ),
        _read_result(
            scenario_id="queue_page_1000",
            title=f"Department queue, page {fixture.deep_page:,} (keyset)",
            compares=compares,
            requests=[requests[1]],
            samples=deep,
            details={**common, "page": fixture.deep_page, "page_requested": QUEUE_DEEP_PAGE},
        ),
    ]
    if fixture.deep_page < QUEUE_DEEP_PAGE:
        results[1].details["note"] = (
            f"the queue has only {fixture.queue_size:,} reports: its last full page, {fixture.deep_page:,}, stands in "
            f"for page {QUEUE_DEEP_PAGE:,}"
        )
    return results


# --- intake ----------------------------------------------------------------------------------------------


def run_concurrently(
    *, jobs: Sequence[T], concurrency: int, make_worker: Callable[[], Callable[[T], float]]
) -> tuple[list[float], float]:
    """Run ``jobs`` on ``concurrency`` threads; return each job's seconds and the wall time of all.

    Every thread makes its worker (its own connection) before the clock starts; a failed job stops the run.
    """
    lock = threading.Lock()
    pending = iter(jobs)
    latencies: list[float] = []
    errors: list[BaseException] = []
    ready = threading.Barrier(concurrency + 1)

    def thread_main() -> None:
        try:
            work = make_worker()
        except BaseException as error:  # the barrier must still be passed, or the run would hang
            errors.append(error)
            ready.wait()
            return
        ready.wait()
        while not errors:
            with lock:
                job = next(pending, None)
            if job is None:
                return
            try:
                seconds = work(job)
            except BaseException as error:
                errors.append(error)
                return
            with lock:
                latencies.append(seconds)

    threads = [threading.Thread(target=thread_main, daemon=True) for _index in range(concurrency)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise errors[0]
    return latencies, wall


def intake_scenario(*, ctx: BenchContext, concurrency: int) -> ScenarioResult:
    """POST new reports at ``concurrency`` (HTTP), then the same reports as the intake statement (SQL)."""
    count = ctx.options.intake
    reports = ctx.new_reports[:count]
    server = ctx.server
    sql = handwritten.intake_sql()
    constants = handwritten.intake_constants(city_id=ctx.city_id, lat=reports[0].lat)

    def http_worker() -> Callable[[NewReport], float]:
        client = HttpClient(host=server.host, port=server.port)

        def post(report: NewReport) -> float:
            body = json.dumps(report.json_body(submission_key=str(uuid.uuid4()))).encode()
            return client.request(
                method="POST",
                path="/api/v1/reports/",
                body=body,
                headers={"Content-Type": "application/json"},
                expect=(201,),
            ).seconds

        return post

    def sql_worker() -> Callable[[NewReport], float]:
        conn = raw_connect(settings_dict=ctx.settings_dict)

        def insert(report: NewReport) -> float:
            params = {
                **constants,
                "lon": report.lon,
                "lat": report.lat,
                "category_id": report.category_id,
                "answers": Jsonb(report.answers),
                "description": report.description,
                "email": REPORTER_EMAIL,
            }
            started = time.perf_counter()
            row = conn.execute(sql, params).fetchone()
            seconds = time.perf_counter() - started
            if row is None:
                raise BenchError(f"The intake statement created no report at {report.lon}, {report.lat}.")
            return seconds

        return insert

    ctx.log(f"intake at concurrency {concurrency}: {count} reports over HTTP, then as SQL …")
    warm = reports[: max(concurrency, 3 * ctx.options.workers)]
    run_concurrently(jobs=warm, concurrency=concurrency, make_worker=http_worker)
    http_latencies, http_wall = run_concurrently(
        jobs=reports, concurrency=concurrency, make_worker=http_worker
    )
    server.check_alive()
    run_concurrently(jobs=warm, concurrency=concurrency, make_worker=sql_worker)
    sql_latencies, sql_wall = run_concurrently(jobs=reports, concurrency=concurrency, make_worker=sql_worker)
    deleted = benchmark_reports_delete()
    return ScenarioResult(
        id=f"intake_c{concurrency}",
        title=f"Report intake with routing, concurrency {concurrency}",
        sql_compares="one hand-written statement doing the service's database work (routing lookups, report, "
        "event, subscription, mail job) in one transaction; no input validation in Python",
        http=timing_from_seconds(seconds=http_latencies),
        sql=timing_from_seconds(seconds=sql_latencies),
        http_throughput_per_s=len(http_latencies) / http_wall,
        sql_throughput_per_s=len(sql_latencies) / sql_wall,
        details={
            "reports_per_side": count,
            "concurrency": concurrency,
            "reports_deleted_afterwards": deleted,
        },
    )


# --- re-routing ------------------------------------------------------------------------------------------


def _boundary_move(*, execute: Callable[[str, dict], object], city_id: int) -> tuple[int, int]:
    """Move a 300 m strip from one district to its neighbour (not timed); return (grows, shrinks)."""
    pair = execute(handwritten.boundary_pair_sql(), {"city_id": city_id})
    if pair is None:
        raise BenchError("No two neighbouring districts to move a boundary between.")
    for statement in handwritten.boundary_move_sql():
        execute(statement, {"grows": pair[0], "shrinks": pair[1], "shift_m": handwritten.BOUNDARY_SHIFT_M})
    return pair[0], pair[1]


def _reroute_raw(*, ctx: BenchContext, params: dict) -> tuple[float, tuple[int, int], tuple[int, int]]:
    """Run the hand-written statement after the boundary move, rolled back; return seconds, counts, pair."""
    conn = raw_connect(settings_dict=ctx.settings_dict)
    try:
        with conn.transaction(force_rollback=True):
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")

            def execute(sql: str, values: dict):
                cursor = conn.execute(sql, values)
                return cursor.fetchone() if cursor.description else None

            pair = _boundary_move(execute=execute, city_id=ctx.city_id)
            started = time.perf_counter()
            counts = conn.execute(handwritten.reroute_sql(), params).fetchone()
            return time.perf_counter() - started, counts, pair
    finally:
        conn.close()


def _reroute_service(
    *, ctx: BenchContext, district_ids: Callable[[tuple[int, int]], list[int] | None]
) -> tuple[float, RerouteResult]:
    """Call ``reports_reroute`` in-process after the same boundary move, rolled back; return seconds, result."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

            def execute(sql: str, values: dict):
                cursor.execute(sql, values)
                return cursor.fetchone() if cursor.description else None

            pair = _boundary_move(execute=execute, city_id=ctx.city_id)
        started = time.perf_counter()
        result = reports_reroute(district_ids=district_ids(pair))
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, result


def reroute_scenario(*, ctx: BenchContext) -> ScenarioResult:
    """Time the re-routing after a simulated boundary change: the service and the raw statement, rolled back.

    The change (one district takes a strip from its neighbour) and the re-routing run in a transaction that
    is rolled back, so the data stay as generated. Foreign keys are checked immediately, so their checks are
    timed as a commit would pay them. The service (``defects.services.reports_reroute``) is called in-process,
    as the command and the import call it, over all reports as the raw statement does; the call the import
    makes (only the two changed districts) is timed as well, for the details. Afterwards the dead row
    versions are vacuumed (not timed).
    """
    service_runs: list[float] = []
    targeted_runs: list[float] = []
    raw_runs: list[float] = []
    counts: tuple[int, int] = (0, 0)
    result = None
    pair: tuple[int, int] | None = None
    params = handwritten.reroute_params(city_id=ctx.city_id)
    for run in range(ctx.options.reroute_runs):
        ctx.log(
            f"re-routing: run {run + 1} of {ctx.options.reroute_runs} (service, raw SQL, import's call) …"
        )
        seconds, result = _reroute_service(ctx=ctx, district_ids=lambda pair: None)
        service_runs.append(seconds)
        seconds, counts, pair = _reroute_raw(ctx=ctx, params=params)
        raw_runs.append(seconds)
        seconds, _targeted = _reroute_service(ctx=ctx, district_ids=lambda pair: list(pair))
        targeted_runs.append(seconds)
    started = time.perf_counter()
    ctx.raw.execute("VACUUM (ANALYZE) defects_report")
    ctx.raw.execute("VACUUM (ANALYZE) defects_reportevent")
    vacuum_seconds = time.perf_counter() - started
    service_counts = (result.reports_updated, result.departments_changed) if result else (0, 0)
    return ScenarioResult(
        id="reroute",
        title="Re-routing all reports after a district boundary change (service in-process)",
        sql_compares="one hand-written statement with the service's decisions: district by ST_Intersects (tie "
        "rule) and quarter, changed rows updated, open ones by responsibility with a 'forwarded' event per new "
        "department; HTTP side = the service reports_reroute called in-process (no endpoint)",
        http=timing_from_seconds(seconds=service_runs),
        sql=timing_from_seconds(seconds=raw_runs),
        http_status="in-process service",
        details={
            "runs": len(raw_runs),
            "districts_changed": {"grows": pair[0], "shrinks": pair[1]} if pair else None,
            "boundary_shift_m": handwritten.BOUNDARY_SHIFT_M,
            "reports_rerouted": counts[0],
            "forwarded_events": counts[1],
            "service_reports_updated": service_counts[0],
            "service_forwarded_events": service_counts[1],
            "service_districts_changed": result.districts_changed if result else 0,
            "service_two_districts_p50_ms": round(timing_from_seconds(seconds=targeted_runs).p50_ms, 1),
            "vacuum_afterwards_s": round(vacuum_seconds, 1),
            "note": f"{counts[0]:,} reports changed district or quarter, {counts[1]:,} of them department "
            f"(service: {service_counts[0]:,} and {service_counts[1]:,}); the import's call for the two changed "
            f"districts only took {timing_from_seconds(seconds=targeted_runs).p50_ms / 1000:.2f} s",
        },
    )
