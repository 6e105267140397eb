"""System checks for what the platform cannot run without."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

POSTGIS_ENGINE = "django.contrib.gis.db.backends.postgis"


@register(Tags.database)
def check_postgis(app_configs, **kwargs):
    """Routing and every map layer run in PostGIS; no other backend is supported."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != POSTGIS_ENGINE:
        return [
            Error(
                f"The default database must use {POSTGIS_ENGINE}, not {engine}.",
                hint="Set DATABASE_URL to a postgis:// URL.",
                id="geo_core.E001",
            )
        ]
    return []


@register()
def check_tile_url(app_configs, **kwargs):
    """The base map is the only asset that may come from outside; it must be a complete XYZ template."""
    url = settings.MAP_TILE_URL
    problems = []
    if not all(part in url for part in ("{z}", "{x}", "{y}")):
        problems.append(
            Error(
                "MAP_TILE_URL must contain {z}, {x} and {y}.",
                hint="Use an XYZ tile template such as https://tiles.example.org/{z}/{x}/{y}.png.",
                id="geo_core.E002",
            )
        )
    if url.startswith("http://") and not settings.DEBUG:
        problems.append(
            Warning(
                "MAP_TILE_URL uses plain http; browsers block mixed content on an https site.",
                id="geo_core.W001",
            )
        )
    if not settings.MAP_TILE_ATTRIBUTION.strip():
        problems.append(Error("MAP_TILE_ATTRIBUTION must name the base map's source.", id="geo_core.E003"))
    return problems
