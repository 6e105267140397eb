"""Shared pieces of the platform's REST API: geo input errors in the one error shape, bbox parameters, paging.

Every API error leaves through drf-standardized-errors as
``{"type": "validation_error", "errors": [{"code": "swapped", "detail": "…", "attr": "lat"}]}``; the codes of
``GeoInputErrorCode`` are part of the public API and stay stable.
"""

from __future__ import annotations

from typing import NoReturn

from django.contrib.gis.geos import Polygon
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework_gis.pagination import GeoJsonPagination as BaseGeoJsonPagination

from geo_core.parsing import MAX_BBOX_DEGREES, GeoInputError, GeoInputErrorCode, parse_bbox

# The codes each kind of geo parameter can fail with, for the OpenAPI schema.
LONLAT_ERROR_CODES = [
    GeoInputErrorCode.MISSING.value,
    GeoInputErrorCode.NOT_A_NUMBER.value,
    GeoInputErrorCode.NOT_FINITE.value,
    GeoInputErrorCode.OUT_OF_RANGE.value,
    GeoInputErrorCode.SWAPPED.value,
    GeoInputErrorCode.OUTSIDE_AREA.value,
]
BBOX_ERROR_CODES = [
    GeoInputErrorCode.MISSING.value,
    GeoInputErrorCode.NOT_A_NUMBER.value,
    GeoInputErrorCode.NOT_FINITE.value,
    GeoInputErrorCode.OUT_OF_RANGE.value,
    GeoInputErrorCode.BBOX_MALFORMED.value,
    GeoInputErrorCode.BBOX_INVERTED.value,
    GeoInputErrorCode.BBOX_TOO_LARGE.value,
]

BBOX_PARAMETER = OpenApiParameter(
    name="bbox",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.QUERY,
    required=False,
    description=(
        "Only features whose bounding box overlaps this WGS 84 box, given as `min_lon,min_lat,max_lon,max_lat` "
        f"(west, south, east, north), e.g. `10.70,52.38,10.86,52.47`; at most {MAX_BBOX_DEGREES:g} degrees "
        "on either axis."
    ),
)


def geo_validation_error(exc: GeoInputError) -> ValidationError:
    """Return the DRF validation error for a geo input error, keeping its code and field."""
    field = exc.field or api_settings.NON_FIELD_ERRORS_KEY
    return ValidationError({field: [ErrorDetail(str(exc.message), code=str(exc.code))]})


def raise_validation_error(exc: GeoInputError) -> NoReturn:
    """Raise ``exc`` as a DRF validation error, so the API answers 400 in its one error shape."""
    raise geo_validation_error(exc) from exc


def bbox_from_query(request: Request, *, name: str = "bbox", required: bool = False) -> Polygon | None:
    """Return the bounding box in query parameter ``name``, or None if it is absent and not required."""
    raw = request.query_params.get(name)
    if (raw is None or not raw.strip()) and not required:
        return None
    try:
        return parse_bbox(raw)
    except GeoInputError as exc:
        if exc.field == "bbox" and name != "bbox":
            exc.field = name
        raise_validation_error(exc)


class GeoJsonPagination(BaseGeoJsonPagination):
    """GeoJSON pages with a bounded page size: a client cannot ask for the whole table in one response."""

    page_size = 100
    max_page_size = 100


class PublicReadOnlyMixin:
    """Public data: anyone may read, nobody writes, no session or CSRF involved."""

    authentication_classes: list = []
    # GET only: there is never a request body to parse.
    parser_classes: list = []
    permission_classes = [AllowAny]
    http_method_names = ["get", "head", "options"]
