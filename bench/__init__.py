"""The benchmark suite of issue 6: the platform's endpoints over HTTP against the raw SQL doing the same work.

Run it with ``./bench/run`` (a fresh checkout: sets everything up first) or ``.venv/bin/python -m bench`` (an
installed platform); ``docs/benchmarks.md`` explains the method and holds the latest results.
"""

# Every scenario of the results, in the order of the table; the CI test checks that each one is written.
SCENARIO_IDS: tuple[str, ...] = (
    "intake_c1",
    "intake_c8",
    "tiles",
    "features",
    "heatmap",
    "queue_page_1",
    "queue_page_1000",
    "reroute",
)
