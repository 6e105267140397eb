"""A plain HTTP client over the standard library, one connection per thread, timing each request.

No third-party client is declared in the project's dependencies, so ``http.client`` it is: it keeps the
connection open where the server allows it. gunicorn's sync workers (the platform's deployment) close it after
every response; ``http.client`` then reconnects for the next request, which costs a local TCP handshake
(tens of microseconds) and is part of what a client of the platform pays, too.
"""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass

DEFAULT_HEADERS = {"Accept": "application/json", "User-Agent": "platform-bench"}


class UnexpectedResponse(RuntimeError):
    """The endpoint answered with a status the scenario does not expect: its figures would be meaningless."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    seconds: float


class HttpClient:
    """One keep-alive connection to the benchmark server; not shared between threads."""

    def __init__(self, *, host: str, port: int, timeout_s: float = 120.0) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=timeout_s)

    def request(
        self,
        *,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> Response:
        """Send one request and read the whole body; the time runs from sending to the body's last byte."""
        all_headers = {**DEFAULT_HEADERS, **(headers or {})}
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
            content = response.read()
        except (http.client.HTTPException, OSError):
            # A connection the server closed between requests: a read is sent once more on a fresh one (the
            # time starts again); a write is not repeated, it might have been done.
            self.connection.close()
            if method not in ("GET", "HEAD"):
                raise
            started = time.perf_counter()
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
            content = response.read()
        seconds = time.perf_counter() - started
        if response.status not in expect:
            raise UnexpectedResponse(f"{method} {path} answered {response.status}: {content[:500]!r}")
        return Response(status=response.status, body=content, seconds=seconds)

    def close(self) -> None:
        self.connection.close()
