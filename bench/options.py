"""The options of a benchmark run (parsed by ``bench.cli``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from bench.machine import PROJECT_DIR

DEFAULT_OUTPUT = PROJECT_DIR / "bench" / "results"
DOCS_FILE = PROJECT_DIR / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class BenchOptions:
    reports: int
    seed: int
    tiles: int
    repeat: int
    intake: int
    reroute_runs: int
    workers: int
    output: Path
    regenerate: bool
    only: tuple[str, ...]
    update_docs: bool
    docs_file: Path = DOCS_FILE

    def as_dict(self) -> dict:
        data = asdict(self)
        data["output"] = str(self.output)
        data["docs_file"] = str(self.docs_file)
        data["only"] = list(self.only)
        return data
