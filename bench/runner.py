"""One benchmark run: prepare the data, start the server, run the scenarios, write the results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.db import connection

from bench import SCENARIO_IDS, scenarios
from bench.data import (
    POINTS_PER_TILE,
    BenchError,
    benchmark_reports_delete,
    data_description,
    new_reports,
    planner_session_cookie,
    reports_prepare,
    sample_points,
    tile_set,
)
from bench.machine import database_description, git_description, load_average, machine_description, now_iso
from bench.options import BenchOptions
from bench.rawsql import database_url, raw_connect
from bench.report import docs_update, results_write
from bench.server import BENCH_THROTTLE_RATE, PlatformServer
from bench.targets import targets_check
from districts.models import City


@dataclass(frozen=True)
class RunOutput:
    json_path: Path
    markdown_path: Path
    markdown: str


def _wanted(*, options: BenchOptions, scenario_ids: tuple[str, ...]) -> bool:
    return not options.only or any(scenario_id in options.only for scenario_id in scenario_ids)


def run(*, options: BenchOptions, stdout: TextIO) -> RunOutput:
    """Run the suite as ``options`` say and write the results; return where they are."""

    def log(message: str) -> None:
        stdout.write(f"[bench] {message}\n")
        stdout.flush()

    started_at = now_iso()
    machine = machine_description()
    preparation = reports_prepare(
        count=options.reports, seed=options.seed, regenerate=options.regenerate, stdout=stdout
    )
    city = City.objects.defer("geom").order_by("pk").first()
    if city is None:
        raise BenchError("No city is imported.")
    settings_dict = connection.settings_dict
    raw = raw_connect(settings_dict=settings_dict)
    results: dict[str, scenarios.ScenarioResult] = {}
    try:
        database = database_description(conn=raw)
        data = data_description()
        points = sample_points(count=max(options.tiles * POINTS_PER_TILE, 100), seed=options.seed)
        tiles = tile_set(points=points, count=options.tiles)
        log(
            f"{data['reports']:,} reports; {len(tiles)} tiles; starting gunicorn with {options.workers} workers …"
        )
        with PlatformServer(
            database_url=database_url(settings_dict=settings_dict), workers=options.workers
        ) as server:
            ctx = scenarios.BenchContext(
                options=options,
                server=server,
                settings_dict=settings_dict,
                raw=raw,
                city_id=city.pk,
                tiles=tiles,
                new_reports=new_reports(count=options.intake, seed=options.seed, points=points),
                log=log,
            )
            # Reads first, then the writes (intake adds and deletes reports; re-routing is rolled back and
            # vacuumed), so that no read runs on data a write scenario has just churned.
            steps: list[tuple[tuple[str, ...], Callable[[], list[scenarios.ScenarioResult]]]] = [
                (("tiles",), lambda: [scenarios.tiles_scenario(ctx=ctx)]),
                (("features",), lambda: [scenarios.features_scenario(ctx=ctx)]),
                (
                    ("heatmap",),
                    lambda: [scenarios.heatmap_scenario(ctx=ctx, cookie=planner_session_cookie())],
                ),
                (("queue_page_1", "queue_page_1000"), lambda: scenarios.queue_scenarios(ctx=ctx)),
                (("intake_c1",), lambda: [scenarios.intake_scenario(ctx=ctx, concurrency=1)]),
                (("intake_c8",), lambda: [scenarios.intake_scenario(ctx=ctx, concurrency=8)]),
                (("reroute",), lambda: [scenarios.reroute_scenario(ctx=ctx)]),
            ]
            for scenario_ids, step in steps:
                if _wanted(options=options, scenario_ids=scenario_ids):
                    for result in step():
                        results[result.id] = result
    finally:
        raw.close()
        benchmark_reports_delete()
    machine["load_average_end"] = load_average()
    ordered = [results[scenario_id] for scenario_id in SCENARIO_IDS if scenario_id in results]
    skipped = [scenario_id for scenario_id in SCENARIO_IDS if scenario_id not in results]
    meta = {
        "started_at": started_at,
        "finished_at": now_iso(),
        "machine": machine,
        "database": database,
        "git": git_description(),
        "data": {**data, "seed": options.seed, "generated_in_this_run": preparation.generated_now},
        "server": {
            "program": "gunicorn (sync workers)",
            "workers": options.workers,
            "debug": False,
            "report_create_throttle_rate": BENCH_THROTTLE_RATE,
        },
        "options": options.as_dict(),
    }
    json_path, markdown_path, body = results_write(
        output=options.output,
        meta=meta,
        scenarios=ordered,
        targets=targets_check(results=results),
        skipped=skipped,
    )
    if options.update_docs:
        docs_update(docs_file=options.docs_file, body=body)
    stdout.write("\n" + body + "\n")
    log(f"written: {json_path} and {markdown_path}")
    return RunOutput(json_path=json_path, markdown_path=markdown_path, markdown=body)
