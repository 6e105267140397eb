"""The platform behind gunicorn on a free local port, as ``scripts/run`` serves it, for the HTTP side."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from bench.machine import PROJECT_DIR

# The throttle of POST /api/v1/reports/ (30 per hour and client address by default) would refuse the intake
# scenario after 30 requests. The settings read the rate from the environment, so only the benchmark's server
# gets a rate it never reaches; the throttle itself still runs (and costs what it costs) on every request.
BENCH_THROTTLE_RATE = "1000000/s"
# A cheap public endpoint that answers once the workers have loaded the application.
READY_PATH = "/api/v1/layers/"
START_TIMEOUT_S = 90.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now (the kernel picks it; gunicorn binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerError(RuntimeError):
    """The server did not start or stopped on its own; the message ends with the tail of its log."""


class PlatformServer:
    """gunicorn serving ``geo_core.wsgi`` with the platform's own settings, DEBUG off; a context manager.

    The options are those of ``scripts/run`` (sync workers, ``WEB_CONCURRENCY`` of them, 3 by default), so the
    figures are those of the platform as it is deployed. The access log goes to a file, not a terminal.
    """

    def __init__(self, *, database_url: str, workers: int, extra_env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.workers = workers
        self.extra_env = extra_env or {}
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log_dir = Path(tempfile.mkdtemp(prefix="bench-server-"))
        self.log_path = self.log_dir / "gunicorn.log"

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "DJANGO_DEBUG": "false",
                "REPORT_CREATE_THROTTLE_RATE": BENCH_THROTTLE_RATE,
                # The settings module, whatever the calling process uses (pytest sets its own).
                "DJANGO_SETTINGS_MODULE": "geo_core.settings",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_DIR), env.get("PYTHONPATH", "")])),
            }
        )
        env.update(self.extra_env)
        return env

    def log_tail(self, *, lines: int = 40) -> str:
        try:
            tail = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return "(no log)"
        return "\n".join([*tail, f"(whole log: {self.log_path})"])

    def start(self) -> None:
        self.port = free_port()
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 (fixed arguments, the venv's own interpreter)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "geo_core.wsgi:application",
                "--bind",
                f"{self.host}:{self.port}",
                "--workers",
                str(self.workers),
                "--access-logfile",
                str(self.log_path),
                "--error-logfile",
                str(self.log_path),
                "--forwarded-allow-ips",
                "127.0.0.1",
            ],
            cwd=PROJECT_DIR,
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ServerError(
                    f"gunicorn stopped with status {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
                conn.request("GET", READY_PATH, headers={"Accept": "application/json"})
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        self.stop()
        raise ServerError(
            f"gunicorn did not answer {READY_PATH} within {START_TIMEOUT_S:.0f} s:\n{self.log_tail()}"
        )

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            raise ServerError(f"gunicorn is not running:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the master we started (it stops its workers); only this process id is ever signalled."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> PlatformServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        # The log is only worth keeping when something went wrong (its path is then in the error).
        if exc_type is None:
            shutil.rmtree(self.log_dir, ignore_errors=True)
