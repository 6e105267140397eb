"""Fixtures shared by all tests. The database is real PostGIS (see scripts/test)."""

import pytest

from tests.factories import EAST_BBOX, WEST_BBOX, CityFactory, DistrictFactory, QuarterFactory, multipolygon


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
