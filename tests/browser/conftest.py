"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Nothing leaves the machine: every request a page makes must go to the live server. The base map's tile URL
is pointed at a path on the live server and answered with a blank tile, requests to any other host are
aborted, and a test that caused one fails (as does one whose page threw a JavaScript error).

Playwright's sync API is used directly (``playwright.sync_api``), not pytest-playwright's fixtures: they
would download and pick browsers themselves. Its event loop runs in the test thread, so Django's guard
against database access from async code is switched off while the browser runs
(``DJANGO_ALLOW_ASYNC_UNSAFE``); the live server answers from its own thread as usual.
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, sync_playwright

from tests.defects.conftest import run_queued_jobs

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Running as root in a container, without GPU or network: no sandbox, and none of Chrome's own traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
TEST_TILE_PATH = "/__test_tiles__/"
VIEWPORT = {"width": 1280, "height": 900}


def blank_tile_png(size: int = 256) -> bytes:
    """Return a light grey PNG tile with a faint border, so tile edges stay visible in screenshots."""
    background, line = b"\xee\xf0\xf2", b"\xd8\xdc\xe0"
    rows = []
    for y in range(size):
        row = line * size if y == 0 else line + background * (size - 1)
        rows.append(b"\x00" + row)
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


TILE_PNG = blank_tile_png()


@dataclass
class Traffic:
    """What a page asked for, and what went wrong: foreign requests and JavaScript errors."""

    live_host: str
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    @staticmethod
    def tile_host() -> str:
        """The host of the configured base map (read per request: a test may change the setting)."""
        from django.conf import settings

        return urlsplit(settings.MAP_TILE_URL).netloc

    def hosts(self, *, exclude_live: bool = False) -> set[str]:
        """Return the hosts the page contacted."""
        found = {urlsplit(url).netloc for url in self.requests if urlsplit(url).scheme in ("http", "https")}
        return found - {self.live_host} if exclude_live else found

    def paths(self, prefix: str = "") -> list[str]:
        """Return the paths (with query) of the recorded requests that start with ``prefix``."""
        found = []
        for url in self.requests:
            parts = urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith(prefix):
                found.append(path)
        return found


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium (``PLATFORM_CHROMIUM``, default /usr/bin/chromium), headless, one per test package."""
    executable = os.environ.get("PLATFORM_CHROMIUM") or DEFAULT_CHROMIUM
    if not Path(executable).exists():
        pytest.skip(f"Chromium not found at {executable} (set PLATFORM_CHROMIUM)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _browser_settings(settings, live_server) -> None:
    """Serve static files without a collected manifest and take the base map from the live server."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MAP_TILE_URL = f"{live_server.url}{TEST_TILE_PATH}{{z}}/{{x}}/{{y}}.png"
    settings.MAP_TILE_ATTRIBUTION = "Testkacheln"


@pytest.fixture
def traffic(live_server) -> Traffic:
    return Traffic(live_host=urlsplit(live_server.url).netloc)


@pytest.fixture
def browser_context(chromium: Browser, traffic: Traffic) -> Iterator[BrowserContext]:
    """A fresh, German browser context whose requests are recorded and kept on the machine."""
    context = chromium.new_context(locale="de-DE", viewport=VIEWPORT, service_workers="block")

    def route(route: Route) -> None:
        parts = urlsplit(route.request.url)
        tile_host = traffic.tile_host()
        if parts.path.startswith(TEST_TILE_PATH) or (parts.netloc == tile_host != traffic.live_host):
            # the base map, wherever it is configured, is answered here with a blank tile
            route.fulfill(status=200, content_type="image/png", body=TILE_PNG)
        elif parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != traffic.live_host:
            traffic.foreign.append(route.request.url)
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def record(request: Request) -> None:
        traffic.requests.append(request.url)

    context.route("**/*", route)
    context.on("request", record)
    yield context
    context.close()


@pytest.fixture
def page(browser_context: BrowserContext, traffic: Traffic) -> Iterator[Page]:
    """A page of the live server; the test fails if the page contacted another host or threw an error."""
    page = browser_context.new_page()
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda error: traffic.page_errors.append(str(error)))
    yield page
    problems = []
    if traffic.foreign:
        problems.append("requests to other hosts than the live server:\n  " + "\n  ".join(traffic.foreign))
    if traffic.page_errors:
        problems.append("JavaScript errors:\n  " + "\n  ".join(traffic.page_errors))
    if problems:
        pytest.fail("\n".join(problems))


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    """Return a function that saves a screenshot of a page to test-artifacts/ (git-ignored) and returns its path."""

    def save(page: Page, name: str, *, full_page: bool = False) -> Path:
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        path = ARTIFACTS_DIR / name
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save


def run_jobs() -> None:
    """Run the queued jobs (e.g. the confirmation mail) in a thread of their own.

    Playwright's event loop runs in the test's thread, where the worker (async) cannot start. The live-server
    test commits its data, so the worker's own database connection sees the jobs; mails land in mail.outbox.
    """
    failures: list[BaseException] = []

    def work() -> None:
        try:
            run_queued_jobs()
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the queued jobs did not finish"
    if failures:
        raise failures[0]
