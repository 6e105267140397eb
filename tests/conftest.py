"""Fixtures shared by all tests. The database is real PostGIS (see scripts/test)."""

from pathlib import Path

import pytest
from django.db import connection
from django.utils import translation

from districts.models import City
from districts.services import city_import, city_spec_from_manifest
from tests.factories import EAST_BBOX, WEST_BBOX, CityFactory, DistrictFactory, QuarterFactory, multipolygon


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Pages render without a collected manifest (settings use the manifest storage unless DEBUG)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _default_language(settings):
    """Start every test in German: a request to an /en/ page leaves English active in the thread."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Each test starts with an empty cache, so cached lookups never leak between tests."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def city(db):
    """A synthetic two-district city; the districts share the edge at longitude 10.80."""
    test_city = CityFactory()
    west = DistrictFactory(city=test_city, name="West", slug="west", geom=multipolygon(WEST_BBOX))
    east = DistrictFactory(city=test_city, name="Ost", slug="ost", geom=multipolygon(EAST_BBOX))
    QuarterFactory(district=west, name="Westend", slug="westend", geom=west.geom)
    QuarterFactory(district=east, name="Ostend", slug="ostend", geom=east.geom)
    return test_city


WOLFSBURG_MANIFEST = Path(__file__).resolve().parent.parent / "districts/data/cities/wolfsburg/city.json"


def _wolfsburg_import() -> City:
    return city_import(spec=city_spec_from_manifest(path=WOLFSBURG_MANIFEST)).city


@pytest.fixture
def wolfsburg(db) -> City:
    """Wolfsburg as shipped: boundary, 17 districts, 42 quarters, 1,372 streets, sample departments.

    An installation serves one city, so this cannot be combined with the synthetic ``city`` fixture.
    """
    return _wolfsburg_import()


@pytest.fixture
def wolfsburg_transactional(transactional_db) -> City:
    """Like ``wolfsburg``, committed for real (live server and browser tests)."""
    return _wolfsburg_import()


# Procrastinate's tables, which Django's flush after a committing test does not empty.
_QUEUE_TABLES = (
    "procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, procrastinate_workers"
)


@pytest.fixture(autouse=True)
def _empty_queue_after_committed_tests(request, django_db_blocker):
    """Empty the job queue after a test that committed: Django's flush leaves Procrastinate's tables alone.

    Otherwise jobs a live-server or transactional test queued would be run by a later test's ``run_tasks``.
    """
    yield
    marker = request.node.get_closest_marker("django_db")
    committed = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if committed:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {_QUEUE_TABLES} CASCADE")
