"""Command line of the benchmark suite: ``.venv/bin/python -m bench --reports 1000000`` (or ``./bench/run``)."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from bench import SCENARIO_IDS
from bench.options import DEFAULT_OUTPUT, DOCS_FILE, BenchOptions


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _scenarios(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in SCENARIO_IDS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIO_IDS)}"
        )
    return names


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure the platform's endpoints over HTTP against the raw SQL of the same work (issue 6). "
        "Generates the reports first if the database does not hold exactly --reports generated ones.",
    )
    p.add_argument(
        "--reports", type=_positive, default=1_000_000, help="generated reports (default 1,000,000)"
    )
    p.add_argument(
        "--seed", type=int, default=1, help="seed of the generator and of the request sets (default 1)"
    )
    p.add_argument(
        "--tiles", type=_positive, default=500, help="tiles (and GeoJSON areas), z10-z16 (default 500)"
    )
    p.add_argument(
        "--repeat",
        type=_positive,
        default=20,
        help="requests per side for the heatmap and each queue page (20)",
    )
    p.add_argument(
        "--intake",
        type=_positive,
        default=500,
        help="new reports per side and concurrency level (default 500)",
    )
    p.add_argument(
        "--reroute-runs",
        type=_positive,
        default=1,
        help="runs of the re-routing: service, raw statement, the import's call (default 1)",
    )
    p.add_argument(
        "--workers",
        type=_positive,
        default=int(os.environ.get("WEB_CONCURRENCY") or 3),
        help="gunicorn workers, as scripts/run (WEB_CONCURRENCY, default 3)",
    )
    p.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"folder of results.json and results.md ({DEFAULT_OUTPUT})",
    )
    p.add_argument(
        "--regenerate", action="store_true", help="generate the reports even if the count is right"
    )
    p.add_argument(
        "--only",
        type=_scenarios,
        default=(),
        help=f"comma-separated scenarios to run ({', '.join(SCENARIO_IDS)})",
    )
    p.add_argument(
        "--update-docs",
        action="store_true",
        help=f"write the results into {DOCS_FILE.name} as the latest ones",
    )
    return p


def parse_options(*, argv: Sequence[str] | None) -> BenchOptions:
    args = parser().parse_args(argv)
    return BenchOptions(
        reports=args.reports,
        seed=args.seed,
        tiles=args.tiles,
        repeat=args.repeat,
        intake=args.intake,
        reroute_runs=args.reroute_runs,
        workers=args.workers,
        output=args.output.resolve(),
        regenerate=args.regenerate,
        only=args.only,
        update_docs=args.update_docs,
    )


def _django_setup() -> None:
    # The benchmark reads the platform's own settings (its database, its connection options); DEBUG stays off
    # as in production: with DEBUG on, Django would keep every query of the in-process captures in memory.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_core.settings")
    os.environ["DJANGO_DEBUG"] = "false"
    # WhiteNoise warns once per process that collectstatic has not run; the API needs no static files.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv=argv)
    _django_setup()
    # Imported after the set-up: these modules import the platform's models.
    from bench.data import BenchError
    from bench.runner import run
    from bench.server import ServerError

    try:
        run(options=options, stdout=sys.stdout)
    except (BenchError, ServerError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    return 0
