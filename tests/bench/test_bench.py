"""The benchmark suite (bench/) runs end to end at a tiny size: the results are written with every scenario.

Only that it works is checked, never a timing: figures on a shared CI machine would make a flaky test.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bench import SCENARIO_IDS
from bench.options import BenchOptions
from bench.runner import run
from defects.models import Report
from defects.seed import categories_load, responsibilities_load, seed_file_read

PROJECT_DIR = Path(__file__).resolve().parents[2]
CATEGORIES_FILE = PROJECT_DIR / "defects/data/categories.json"
RESPONSIBILITIES_FILE = PROJECT_DIR / "districts/data/cities/wolfsburg/responsibilities.json"


@pytest.fixture
def loaded(wolfsburg_transactional):
    """Wolfsburg with the shipped categories and responsibilities, committed: the server is another process."""
    data = seed_file_read(path=CATEGORIES_FILE)
    categories_load(
        entries=data["categories"], groups=data.get("groups", []), status_labels=data.get("status_labels", [])
    )
    responsibilities_load(entries=seed_file_read(path=RESPONSIBILITIES_FILE)["responsibilities"])
    return wolfsburg_transactional


def test_suite_writes_results_with_every_scenario(loaded, tmp_path):
    # given a tiny run: few reports, tiles, requests and one server worker
    options = BenchOptions(
        reports=2000,
        seed=1,
        tiles=8,
        repeat=2,
        intake=5,
        reroute_runs=1,
        workers=1,
        output=tmp_path,
        regenerate=False,
        only=(),
        update_docs=False,
    )

    # when
    run(options=options, stdout=io.StringIO())

    # then both files are written, every scenario is in them, and the intake's reports are gone again
    document = json.loads((tmp_path / "results.json").read_text())
    assert [scenario["id"] for scenario in document["scenarios"]] == list(SCENARIO_IDS)
    assert {target["scenario"] for target in document["targets"]} <= set(SCENARIO_IDS)
    table = (tmp_path / "results.md").read_text()
    for scenario in document["scenarios"]:
        assert scenario["title"] in table
    assert document["data"]["reports"] == 2000
    assert Report.objects.count() == 2000
