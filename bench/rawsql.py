"""The SQL side: a plain psycopg connection, and the SQL an endpoint runs, taken from the endpoint itself.

To compare like with like, the raw side runs the very statements the platform sends. They are captured by
running the endpoint once in-process (Django's test client, the whole middleware and view stack) with an
``execute_wrapper`` on the connection, and turned into literal SQL with the backend's own ``compose_sql``:
Django's psycopg 3 backend binds parameters on the client, so the literal text is what the server receives
from the platform, too (``str(queryset.query)`` is not: it does not quote like the backend does).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import psycopg
from django.db import connection
from django.test import Client

from bench.httpclient import UnexpectedResponse


def database_url(*, settings_dict: dict) -> str:
    """Return a ``DATABASE_URL`` for the database Django is connected to (the server process gets the same)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if user or password else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgis://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def raw_connect(*, settings_dict: dict) -> psycopg.Connection:
    """Return an autocommit connection to the platform's database, set up like the platform's own.

    The platform turns JIT off per connection (see ``geo_core/settings.py``): the raw side must run under the
    same server settings, or the ratio would measure JIT, not the platform. Time zone UTC, as Django sets it.
    """
    options = (settings_dict.get("OPTIONS") or {}).get("options") or "-c jit=off"
    conn = psycopg.connect(
        host=settings_dict.get("HOST") or "127.0.0.1",
        port=settings_dict.get("PORT") or "5432",
        dbname=settings_dict["NAME"],
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        options=options,
        autocommit=True,
    )
    conn.execute("SET TimeZone = 'UTC'")
    return conn


def run_sql(*, conn: psycopg.Connection, sql: str, params: dict | None = None) -> float:
    """Execute ``sql`` and fetch every row (the platform reads them all, too); return the seconds it took."""
    started = time.perf_counter()
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.description is not None:
            cursor.fetchall()
    return time.perf_counter() - started


@dataclass(frozen=True)
class EndpointSQL:
    """The SQL one request to an endpoint runs, as literal statements in the order they ran.

    ``payload`` is the one statement that yields the answer's content (the ST_AsMVT query of a tile, the page
    of a GeoJSON list …): the "raw SQL" of the issue. ``reads`` are all reading statements of the request
    (payload included; writes such as cache updates are left out so that replaying them changes nothing),
    ``statements`` counts every statement, writes included.
    """

    payload: str
    reads: tuple[str, ...]
    statements: int


def _is_read(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    # The type lookups psycopg's adapters make once per new connection are not the endpoint's work.
    return head in ("SELECT", "WITH") and "FROM pg_type" not in sql


def capture_endpoint_sql(
    *,
    client: Client,
    path: str,
    is_payload: Callable[[str], bool],
    headers: dict[str, str] | None = None,
    expect: tuple[int, ...] = (200,),
) -> EndpointSQL:
    """Run GET ``path`` in-process and return the SQL it ran; exactly one statement must be the payload.

    ``is_payload`` picks the payload statement; finding none or several is an error, so a change of the
    endpoint's queries cannot silently make the benchmark compare the wrong things.
    """
    executed: list[str] = []

    def record(execute, sql, params, many, context):
        if not many:
            executed.append(sql if params is None else connection.ops.compose_sql(sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(path, headers=headers or {})
    if response.status_code not in expect:
        raise UnexpectedResponse(
            f"in-process GET {path} answered {response.status_code}: {response.content[:300]!r}"
        )
    payloads = [sql for sql in executed if is_payload(sql)]
    if len(payloads) != 1:
        raise RuntimeError(
            f"GET {path}: expected one payload statement, found {len(payloads)} among {len(executed)}:\n"
            + "\n".join(sql[:200] for sql in executed)
        )
    return EndpointSQL(
        payload=payloads[0],
        reads=tuple(sql for sql in executed if _is_read(sql)),
        statements=len(executed),
    )
