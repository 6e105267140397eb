"""Validated parsing of coordinates and bounding boxes from user input.

Every entry point (web form, API, query string) turns raw text into geometry through these functions, so the
same input always gets the same specific error. Errors carry a stable machine ``code`` (for the API) and a
German, translatable ``message`` (for the UI).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.gis.geos import Point, Polygon
from django.db import models
from django.utils.translation import gettext_lazy as _

from geo_core.srid import STORAGE_SRID

# A bbox larger than this (in degrees on either axis) is refused: map clients never need more, and it keeps
# every bbox query bounded. A whole German city spans well under one degree.
MAX_BBOX_DEGREES = 2.0


class GeoInputErrorCode(models.TextChoices):
    MISSING = "missing", _("Angabe fehlt")
    NOT_A_NUMBER = "not_a_number", _("keine Zahl")
    NOT_FINITE = "not_finite", _("keine endliche Zahl")
    OUT_OF_RANGE = "out_of_range", _("außerhalb des gültigen Bereichs")
    SWAPPED = "swapped", _("Länge und Breite vertauscht")
    OUTSIDE_AREA = "outside_area", _("außerhalb des Stadtgebiets")
    BBOX_MALFORMED = "bbox_malformed", _("Kartenausschnitt fehlerhaft")
    BBOX_INVERTED = "bbox_inverted", _("Kartenausschnitt mit vertauschten Grenzen")
    BBOX_TOO_LARGE = "bbox_too_large", _("Kartenausschnitt zu groß")


class GeoInputError(ValueError):
    """Raised for coordinates or bounding boxes a user got wrong."""

    def __init__(self, code: GeoInputErrorCode, message: str, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Area:
    """A region that user input must fall into, e.g. the city boundary.

    ``contains`` decides membership (typically a PostGIS query); ``extent`` is (xmin, ymin, xmax, ymax)
    and lets a swapped lon/lat pair be recognised cheaply.
    """

    name: str
    contains: Callable[[Point], bool]
    extent: tuple[float, float, float, float]

    def extent_contains(self, lon: float, lat: float) -> bool:
        xmin, ymin, xmax, ymax = self.extent
        return xmin <= lon <= xmax and ymin <= lat <= ymax


def parse_number(raw: object, *, field: str) -> float:
    """Parse one coordinate value; accept a decimal comma as typed on German keyboards."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise GeoInputError(GeoInputErrorCode.MISSING, _("Bitte geben Sie einen Wert an."), field=field)
    if isinstance(raw, bool):
        raise GeoInputError(GeoInputErrorCode.NOT_A_NUMBER, _("Der Wert ist keine Zahl."), field=field)
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip().replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            raise GeoInputError(
                GeoInputErrorCode.NOT_A_NUMBER,
                _("„%(value)s“ ist keine Zahl.") % {"value": str(raw)[:40]},
                field=field,
            ) from None
    if not math.isfinite(value):
        raise GeoInputError(
            GeoInputErrorCode.NOT_FINITE, _("Der Wert muss eine endliche Zahl sein."), field=field
        )
    return value


def parse_lonlat(lon: object, lat: object, *, area: Area | None = None) -> Point:
    """Return a WGS 84 point from longitude and latitude given as text or numbers.

    With ``area``, the point must lie inside it; a pair that only fits the area the other way round is
    reported as swapped, which is the most common mistake with lon/lat order.
    """
    lon_value = parse_number(lon, field="lon")
    lat_value = parse_number(lat, field="lat")
    lon_ok = -180 <= lon_value <= 180
    lat_ok = -90 <= lat_value <= 90
    if not lat_ok and lon_ok and -90 <= lon_value <= 90 and -180 <= lat_value <= 180:
        raise GeoInputError(
            GeoInputErrorCode.SWAPPED,
            _("Länge und Breite scheinen vertauscht: die Breite muss zwischen -90 und 90 liegen."),
            field="lat",
        )
    if not lon_ok:
        raise GeoInputError(
            GeoInputErrorCode.OUT_OF_RANGE,
            _("Die geografische Länge muss zwischen -180 und 180 liegen."),
            field="lon",
        )
    if not lat_ok:
        raise GeoInputError(
            GeoInputErrorCode.OUT_OF_RANGE,
            _("Die geografische Breite muss zwischen -90 und 90 liegen."),
            field="lat",
        )
    point = Point(lon_value, lat_value, srid=STORAGE_SRID)
    if area is not None and not area.contains(point):
        if area.extent_contains(lat_value, lon_value) and area.contains(
            Point(lat_value, lon_value, srid=STORAGE_SRID)
        ):
            raise GeoInputError(
                GeoInputErrorCode.SWAPPED,
                _("Länge und Breite scheinen vertauscht: erst umgekehrt liegt der Ort in %(area)s.")
                % {"area": area.name},
                field="lon",
            )
        raise GeoInputError(
            GeoInputErrorCode.OUTSIDE_AREA,
            _("Der Ort liegt außerhalb von %(area)s.") % {"area": area.name},
            field="lon",
        )
    return point


def parse_bbox(raw: object, *, max_degrees: float = MAX_BBOX_DEGREES) -> Polygon:
    """Return a WGS 84 polygon from ``"min_lon,min_lat,max_lon,max_lat"`` (the order of OGC and GeoJSON)."""
    if raw is None or not str(raw).strip():
        raise GeoInputError(
            GeoInputErrorCode.MISSING, _("Bitte geben Sie einen Kartenausschnitt an."), field="bbox"
        )
    parts = str(raw).split(",")
    if len(parts) != 4:
        raise GeoInputError(
            GeoInputErrorCode.BBOX_MALFORMED,
            _("Der Kartenausschnitt braucht vier durch Kommas getrennte Zahlen: West, Süd, Ost, Nord."),
            field="bbox",
        )
    if any(not part.strip() for part in parts):
        # An empty part ("10.7,,10.9,52.5") is a malformed box, not a missing one.
        raise GeoInputError(
            GeoInputErrorCode.BBOX_MALFORMED,
            _("Der Kartenausschnitt braucht vier durch Kommas getrennte Zahlen: West, Süd, Ost, Nord."),
            field="bbox",
        )
    values = [parse_number(part, field="bbox") for part in parts]
    xmin, ymin, xmax, ymax = values
    for x in (xmin, xmax):
        if not -180 <= x <= 180:
            raise GeoInputError(
                GeoInputErrorCode.OUT_OF_RANGE,
                _("Die geografische Länge muss zwischen -180 und 180 liegen."),
                field="bbox",
            )
    for y in (ymin, ymax):
        if not -90 <= y <= 90:
            raise GeoInputError(
                GeoInputErrorCode.OUT_OF_RANGE,
                _("Die geografische Breite muss zwischen -90 und 90 liegen."),
                field="bbox",
            )
    if xmin >= xmax or ymin >= ymax:
        raise GeoInputError(
            GeoInputErrorCode.BBOX_INVERTED,
            _("Im Kartenausschnitt muss West kleiner als Ost und Süd kleiner als Nord sein."),
            field="bbox",
        )
    if xmax - xmin > max_degrees or ymax - ymin > max_degrees:
        raise GeoInputError(
            GeoInputErrorCode.BBOX_TOO_LARGE,
            _("Der Kartenausschnitt ist zu groß (höchstens %(max)s Grad je Richtung).")
            % {"max": max_degrees},
            field="bbox",
        )
    polygon = Polygon.from_bbox((xmin, ymin, xmax, ymax))
    polygon.srid = STORAGE_SRID
    return polygon
