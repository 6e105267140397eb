"""Reads of the city's geography: the city, point lookup, gazetteer."""

from django.core.cache import cache
from django.db.models import QuerySet

from districts.models import City, District, Quarter

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


def district_layer_queryset() -> QuerySet[District]:
    """Districts with their public fields only, for the map layer."""
    return District.objects.only("id", "name", "slug", "kind", "area_km2", "geom").order_by("name")


def quarter_layer_queryset() -> QuerySet[Quarter]:
    """Quarters with their public fields only, for the map layer."""
    return (
        Quarter.objects.select_related("district")
        .only("id", "name", "slug", "kind", "area_km2", "geom", "district__name", "district__slug")
        .order_by("name")
    )
