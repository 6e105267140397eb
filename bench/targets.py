"""The targets of issue 6, checked against the figures of a run.

The issue sets them for 1,000,000 reports on the 2-core development machine; a run at another size checks
them all the same, and the results say at which size they were measured.
Ratios are judged on the medians (p50): the typical request. Absolute times ("under 1 second") on p95.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.scenarios import ScenarioResult
from bench.stats import ratio

TARGET_REPORTS = 1_000_000


@dataclass(frozen=True)
class TargetSpec:
    scenario: str
    label: str
    limit: float
    # "max": the value must not exceed the limit; "min": it must reach it.
    kind: str
    unit: str
    value: Callable[[dict[str, ScenarioResult]], float | None]


@dataclass(frozen=True)
class TargetResult:
    scenario: str
    label: str
    limit: float
    kind: str
    unit: str
    value: float | None
    met: bool | None

    def as_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "label": self.label,
            "limit": self.limit,
            "kind": self.kind,
            "unit": self.unit,
            "value": None if self.value is None else round(self.value, 3),
            "met": self.met,
        }


def _ratio_p50(*, scenario: str) -> Callable[[dict[str, ScenarioResult]], float | None]:
    return lambda results: results[scenario].ratio_p50 if scenario in results else None


def _http_p95(*, scenario: str) -> Callable[[dict[str, ScenarioResult]], float | None]:
    def value(results: dict[str, ScenarioResult]) -> float | None:
        result = results.get(scenario)
        return result.http.p95_ms if result and result.http else None

    return value


def _deep_page_ratio(results: dict[str, ScenarioResult]) -> float | None:
    first, deep = results.get("queue_page_1"), results.get("queue_page_1000")
    if not (first and deep and first.http and deep.http):
        return None
    return ratio(numerator=deep.http.p50_ms, denominator=first.http.p50_ms)


def _throughput(*, scenario: str) -> Callable[[dict[str, ScenarioResult]], float | None]:
    return lambda results: results[scenario].http_throughput_per_s if scenario in results else None


def _reroute_seconds(results: dict[str, ScenarioResult]) -> float | None:
    # The service's slowest run (in-process, on the "HTTP" side: re-routing has no endpoint).
    result = results.get("reroute")
    return result.http.max_ms / 1000 if result and result.http else None


TARGETS: tuple[TargetSpec, ...] = (
    TargetSpec(
        "intake_c8", "≥ 150 reports/s over HTTP", 150, "min", "reports/s", _throughput(scenario="intake_c8")
    ),
    TargetSpec("tiles", "HTTP/SQL ≤ 1.25×", 1.25, "max", "×", _ratio_p50(scenario="tiles")),
    TargetSpec("features", "HTTP/SQL ≤ 1.5×", 1.5, "max", "×", _ratio_p50(scenario="features")),
    TargetSpec("heatmap", "HTTP/SQL ≤ 1.25×", 1.25, "max", "×", _ratio_p50(scenario="heatmap")),
    TargetSpec("heatmap", "HTTP p95 < 1 s", 1000, "max", "ms", _http_p95(scenario="heatmap")),
    TargetSpec("queue_page_1", "HTTP/SQL ≤ 1.5×", 1.5, "max", "×", _ratio_p50(scenario="queue_page_1")),
    TargetSpec("queue_page_1000", "HTTP/SQL ≤ 1.5×", 1.5, "max", "×", _ratio_p50(scenario="queue_page_1000")),
    TargetSpec("queue_page_1000", "HTTP ≤ 1.2× page 1", 1.2, "max", "×", _deep_page_ratio),
    TargetSpec("reroute", "< 60 s (service, slowest run)", 60, "max", "s", _reroute_seconds),
)


def targets_check(*, results: dict[str, ScenarioResult]) -> list[TargetResult]:
    """Return every target with its value and whether it is met (None where the scenario did not run)."""
    checked = []
    for spec in TARGETS:
        value = spec.value(results)
        met = None if value is None else (value <= spec.limit if spec.kind == "max" else value >= spec.limit)
        checked.append(
            TargetResult(
                scenario=spec.scenario,
                label=spec.label,
                limit=spec.limit,
                kind=spec.kind,
                unit=spec.unit,
                value=value,
                met=met,
            )
        )
    return checked
