"""Spatial reference systems used across the platform.

Storage and every API speak WGS 84 (EPSG:4326, lon/lat). Anything measured in metres (distances, areas, grid
cells) is computed in ETRS89 / UTM zone 32N (EPSG:25832), the official metric CRS of Lower Saxony and most of
Germany. A city elsewhere sets ``METRIC_SRID`` to its own projected CRS.
"""

import math

STORAGE_SRID = 4326
WEB_MERCATOR_SRID = 3857
# Half the width (and height) of the EPSG:3857 world in metres (π × the sphere's radius): tile envelopes and
# the cluster grid are computed from it exactly as PostGIS' ST_TileEnvelope does.
WEB_MERCATOR_HALF_WORLD = math.pi * 6378137
DEFAULT_METRIC_SRID = 25832


def metric_srid() -> int:
    """Return the projected CRS used for metre-based computations."""
    from django.conf import settings

    return getattr(settings, "METRIC_SRID", DEFAULT_METRIC_SRID)
