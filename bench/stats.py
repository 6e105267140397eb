"""Summaries of timings: percentiles by linear interpolation (as numpy's default), in milliseconds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass


def percentile(*, values: Sequence[float], q: float) -> float:
    """Return the ``q``-th percentile (0-100) of ``values``, interpolated between the two nearest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Timing:
    """Latencies of one side of a scenario (HTTP or SQL), in milliseconds."""

    n: int
    p50_ms: float
    p95_ms: float
    mean_ms: float
    min_ms: float
    max_ms: float

    def as_dict(self) -> dict:
        return {
            key: round(value, 3) if isinstance(value, float) else value for key, value in asdict(self).items()
        }


def timing_from_seconds(*, seconds: Sequence[float]) -> Timing:
    """Return the summary of latencies measured in seconds (``time.perf_counter`` differences)."""
    ms = [value * 1000 for value in seconds]
    return Timing(
        n=len(ms),
        p50_ms=percentile(values=ms, q=50),
        p95_ms=percentile(values=ms, q=95),
        mean_ms=sum(ms) / len(ms),
        min_ms=min(ms),
        max_ms=max(ms),
    )


def ratio(*, numerator: float | None, denominator: float | None) -> float | None:
    """Return numerator / denominator, or None where either is missing or the denominator is zero."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator
