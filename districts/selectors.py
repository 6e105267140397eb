"""Reads of the city's geography: the city, point lookup, gazetteer."""

from django.core.cache import cache

from districts.models import City

_CITY_CACHE_KEY = "districts:current_city"


def current_city() -> City | None:
    """Return the city this installation serves, without its boundary geometry (cached briefly)."""
    city = cache.get(_CITY_CACHE_KEY)
    if city is None:
        city = City.objects.defer("geom").order_by("pk").first()
        if city is not None:
            cache.set(_CITY_CACHE_KEY, city, 300)
    return city


def forget_current_city() -> None:
    cache.delete(_CITY_CACHE_KEY)
