"""The results of a run as JSON (every figure) and markdown (the table of the issue, with the targets)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from bench import SCENARIO_IDS
from bench.scenarios import ScenarioResult
from bench.stats import Timing
from bench.targets import TARGET_REPORTS, TargetResult

JSON_NAME = "results.json"
MARKDOWN_NAME = "results.md"
# docs/benchmarks.md holds the latest results between these lines (``--update-docs`` replaces them).
DOCS_START = "<!-- bench:results:start -->"
DOCS_END = "<!-- bench:results:end -->"
SCHEMA_VERSION = 1


def results_document(
    *,
    meta: dict,
    scenarios: Sequence[ScenarioResult],
    targets: Sequence[TargetResult],
    skipped: Sequence[str],
) -> dict:
    return {
        "schema": SCHEMA_VERSION,
        **meta,
        "target_reports": TARGET_REPORTS,
        "scenarios": [scenario.as_dict() for scenario in scenarios]
        + [{"id": scenario_id, "http_status": "not run"} for scenario_id in skipped],
        "targets": [target.as_dict() for target in targets],
    }


def _duration(*, ms: float | None) -> str:
    if ms is None:
        return "–"
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    if ms >= 100:
        return f"{ms:.0f} ms"
    if ms >= 10:
        return f"{ms:.1f} ms"
    return f"{ms:.2f} ms"


def _times(*, value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _target_value(*, target: TargetResult) -> str:
    if target.value is None:
        return "–"
    if target.unit == "×":
        return _times(value=target.value)
    if target.unit == "ms":
        return _duration(ms=target.value)
    if target.unit == "s":
        return f"{target.value:.1f} s"
    return f"{target.value:.0f} {target.unit}"


def _target_cell(*, targets: Sequence[TargetResult]) -> tuple[str, str]:
    if not targets:
        return "–", "–"
    labels = "; ".join(target.label for target in targets)
    results = []
    for target in targets:
        verdict = "not measured" if target.met is None else ("met" if target.met else "**missed**")
        results.append(f"{_target_value(target=target)} {verdict}")
    return labels, "; ".join(results)


def _timing_cells(*, timing: Timing | None, missing: str = "–") -> tuple[str, str]:
    if timing is None:
        return missing, missing
    return _duration(ms=timing.p50_ms), _duration(ms=timing.p95_ms)


def _machine_line(*, document: dict) -> str:
    machine, database, git = document["machine"], document["database"], document["git"]
    settings = database["settings"]
    commit = (git.get("commit") or "unknown")[:12]
    dirty = " with uncommitted changes" if git.get("dirty") else ""
    load_start = machine.get("load_average_start") or ["?"]
    load_end = machine.get("load_average_end") or ["?"]
    data = document["data"]
    return (
        f"Measured {document['finished_at']} at commit `{commit}`{dirty}, on {machine['cpu_count']} × "
        f"{machine['cpu_model']}, {machine['memory_gib']} GiB RAM ({machine['os']}); PostgreSQL "
        f"{database['postgresql']} with PostGIS {database['postgis']} (GEOS {database['geos']}), shared_buffers "
        f"{settings.get('shared_buffers')}, work_mem {settings.get('work_mem')}, JIT {settings.get('jit')} on both "
        f"sides. Data: {data['reports']:,} reports ({data['public_reports']:,} public) with {data['events']:,} "
        f"events. Server: gunicorn, {document['server']['workers']} sync workers, DEBUG off. Load average "
        f"(1 min) {load_start[0]} at the start, {load_end[0]} at the end."
    )


def markdown(
    *,
    document: dict,
    scenarios: Sequence[ScenarioResult],
    targets: Sequence[TargetResult],
    skipped: Sequence[str],
    heading_level: int = 2,
) -> str:
    """Return the results as markdown: what was measured on what, the table, and what each SQL side is."""
    h = "#" * heading_level
    reports = document["data"]["reports"]
    lines = [
        f"{h} Results at {reports:,} reports",
        "",
        _machine_line(document=document),
        "",
    ]
    if reports != TARGET_REPORTS:
        lines += [
            f"The targets are set for {TARGET_REPORTS:,} reports; at {reports:,} they are checked all the same, "
            "as a first reading, not as the verdict of the issue.",
            "",
        ]
    lines += [
        "| Scenario | HTTP p50 | HTTP p95 | SQL p50 | SQL p95 | HTTP/SQL p50 | HTTP/SQL p95 | Throughput HTTP / SQL "
        "| Endpoint: statements, all its reads p50 | Target (issue 6) | Result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    targets_by_scenario: dict[str, list[TargetResult]] = {}
    for target in targets:
        targets_by_scenario.setdefault(target.scenario, []).append(target)
    for scenario in scenarios:
        missing = scenario.http_status if scenario.http is None else "–"
        http_p50, http_p95 = _timing_cells(timing=scenario.http, missing=missing)
        sql_p50, sql_p95 = _timing_cells(timing=scenario.sql)
        throughput = "–"
        if scenario.http_throughput_per_s is not None:
            throughput = f"{scenario.http_throughput_per_s:.0f} / {scenario.sql_throughput_per_s:.0f} per s"
        endpoint = "–"
        if scenario.endpoint_reads is not None:
            endpoint = (
                f"{scenario.statements_per_request:.0f}, {_duration(ms=scenario.endpoint_reads.p50_ms)}"
            )
        label, result = _target_cell(targets=targets_by_scenario.get(scenario.id, []))
        lines.append(
            f"| {scenario.title} | {http_p50} | {http_p95} | {sql_p50} | {sql_p95} | {_times(value=scenario.ratio_p50)} "
            f"| {_times(value=scenario.ratio_p95)} | {throughput} | {endpoint} | {label} | {result} |"
        )
    for scenario_id in skipped:
        lines.append(f"| {scenario_id} | not run | | | | | | | | | |")
    lines += ["", f"{h}# What each row compares", ""]
    for scenario in scenarios:
        samples = scenario.http.n if scenario.http else scenario.sql.n if scenario.sql else 0
        note = scenario.details.get("note")
        lines.append(
            f"- **{scenario.title}** (n = {samples} per side): SQL side = {scenario.sql_compares}."
            + (f" Note: {note}." if note else "")
        )
    lines.append("")
    return "\n".join(lines)


def results_write(
    *,
    output: Path,
    meta: dict,
    scenarios: Sequence[ScenarioResult],
    targets: Sequence[TargetResult],
    skipped: Sequence[str],
) -> tuple[Path, Path, str]:
    """Write results.json and results.md to ``output``; return their paths and the markdown's body."""
    output.mkdir(parents=True, exist_ok=True)
    document = results_document(meta=meta, scenarios=scenarios, targets=targets, skipped=skipped)
    json_path = output / JSON_NAME
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    body = markdown(document=document, scenarios=scenarios, targets=targets, skipped=skipped)
    markdown_path = output / MARKDOWN_NAME
    markdown_path.write_text(
        "# Benchmark results\n\nWritten by `bench` (see docs/benchmarks.md); the same figures are in "
        f"`{JSON_NAME}`.\n\n{body}"
    )
    return json_path, markdown_path, body


def docs_update(*, docs_file: Path, body: str) -> None:
    """Replace the results between the markers of ``docs_file`` with ``body`` (one level deeper)."""
    text = docs_file.read_text()
    start, end = text.find(DOCS_START), text.find(DOCS_END)
    if start < 0 or end < start:
        raise ValueError(f"{docs_file} has no {DOCS_START} … {DOCS_END} block")
    deeper = "\n".join("#" + line if line.startswith("#") else line for line in body.splitlines())
    docs_file.write_text(text[: start + len(DOCS_START)] + "\n\n" + deeper + "\n\n" + text[end:])


def all_scenarios_present(*, document: dict) -> bool:
    return {scenario["id"] for scenario in document["scenarios"]} >= set(SCENARIO_IDS)
