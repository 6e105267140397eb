"""What the results were measured on: machine, database server, software, data and code version."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import django
import psycopg

PROJECT_DIR = Path(__file__).resolve().parent.parent
# PostgreSQL settings that decide how fast the queries can be; recorded so that runs can be compared.
PG_SETTINGS = ("shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather", "jit")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError):
        pass
    return None


def _version(*, distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def load_average() -> list[float] | None:
    """Return the 1, 5 and 15 minute load averages: other work on the machine skews every figure."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def _git(*args: str) -> str | None:
    # Read-only git commands only; --no-optional-locks keeps ``status`` from refreshing the index.
    try:
        result = subprocess.run(  # noqa: S603
            ["git", "--no-optional-locks", *args],  # noqa: S607
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip()


def git_description() -> dict:
    """Return the commit and whether the working tree differs from it (results of uncommitted code say so)."""
    # Untracked files count: the benchmark's own code may be among them.
    status = _git("status", "--porcelain")
    return {"commit": _git("rev-parse", "HEAD"), "dirty": bool(status) if status is not None else None}


def database_description(*, conn: psycopg.Connection) -> dict:
    """Return the server's PostgreSQL and PostGIS versions and the settings that matter for speed.

    ``jit`` is read on the benchmark's own connection, which sets it like the platform does (off).
    """
    with conn.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
        cursor.execute("SELECT postgis_lib_version(), postgis_geos_version(), postgis_proj_version()")
        postgis, geos, proj = cursor.fetchone()
        settings = {}
        for name in PG_SETTINGS:
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return {
        "postgresql": server_version,
        "postgis": postgis,
        "geos": geos,
        "proj": proj,
        "settings": settings,
    }


def machine_description() -> dict:
    """Return CPU, memory, operating system and the Python side's versions."""
    return {
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "psycopg": psycopg.__version__,
        "gunicorn": _version(distribution="gunicorn"),
        "load_average_start": load_average(),
    }


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
