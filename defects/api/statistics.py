"""The planner dashboard's API: heatmap cells and district figures as GeoJSON, for the dashboard's maps.

Staff only (``defects.view_statistics``: planners, administrators, superusers) through the web session: the
dashboard's maps fetch these URLs with the same filters as the page. Figures only, never a report or a
person. Views parse and authorise; the figures come from ``defects.statistics_selectors``, the cells from
``maps.aggregation`` (one cell per report, computed in PostGIS). Parameters that cannot be used give 400 in
the one error shape with a stable ``code`` per parameter.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from defects.statistics_selectors import (
    DEFAULT_WINDOW_DAYS,
    STATUS_GROUPS,
    StatisticsErrorCode,
    StatisticsQuery,
    districts_geojson,
    heatmap_geojson,
    statistics_query_parse,
)
from maps.aggregation import ALLOWED_CELL_SIZES_M, DEFAULT_CELL_SIZE_M, DEFAULT_SHAPE, GridShape

FILTER_FIELDS = ("created_from", "created_to", "category", "status_group")
GRID_FIELDS = ("cell_size", "shape")
CACHE_CONTROL = "private, no-store"


class CanViewStatistics(BasePermission):
    """The dashboard is for planners, administrators and superusers (``defects.view_statistics``)."""

    message = _("Sie haben keinen Zugang zur Auswertung.")

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("defects.view_statistics")


class StatisticsAPIView(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [CanViewStatistics]
    parser_classes: list = []  # GET only: there is never a body
    http_method_names = ["get", "head", "options"]
    # The parameters this endpoint reads; the others are ignored, not checked.
    fields: tuple[str, ...] = FILTER_FIELDS

    def parsed_query(self, request: Request) -> StatisticsQuery:
        """Return the query of the request, or raise a 400 naming every parameter that cannot be used."""
        parsed = statistics_query_parse(request.query_params, today=timezone.localdate())
        detail: dict[str, list[ErrorDetail]] = {}
        for error in parsed.errors:
            if error.field in self.fields:
                detail.setdefault(error.field, []).append(ErrorDetail(error.message, code=error.code))
        if detail:
            raise ValidationError(detail)
        return parsed.query

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Staff figures: never stored by a shared cache or the browser (errors included).
        response["Cache-Control"] = CACHE_CONTROL
        return response


# --- documentation -------------------------------------------------------------------------------------------

FILTER_PARAMETERS = [
    OpenApiParameter(
        "created_from",
        OpenApiTypes.DATE,
        description=f"First day of the window (`YYYY-MM-DD`; `TT.MM.JJJJ` is accepted too), in the city's time "
        f"zone. Default: {DEFAULT_WINDOW_DAYS} days before today.",
    ),
    OpenApiParameter(
        "created_to", OpenApiTypes.DATE, description="Last day of the window, included. Default: today."
    ),
    OpenApiParameter("category", OpenApiTypes.STR, description="Category slug; default: every category."),
    OpenApiParameter(
        "status_group",
        OpenApiTypes.STR,
        enum=list(STATUS_GROUPS),
        description="Only received reports that are now `open` (open, in progress, reopened) or `closed` (resolved, "
        "rejected, duplicate, closed). Backlog and durations ignore it.",
    ),
]
GRID_PARAMETERS = [
    OpenApiParameter(
        "cell_size",
        OpenApiTypes.INT,
        enum=list(ALLOWED_CELL_SIZES_M),
        description=f"Cell size in metres (hexagon edge or square side). Default: {DEFAULT_CELL_SIZE_M}.",
    ),
    OpenApiParameter(
        "shape",
        OpenApiTypes.STR,
        enum=[shape.value for shape in GridShape],
        description=f"`hex` (flat-topped hexagons) or `square`. Default: `{DEFAULT_SHAPE.value}`.",
    ),
]
FIELD_ERRORS = {
    "created_from": [StatisticsErrorCode.INVALID_DATE.value],
    "created_to": [StatisticsErrorCode.INVALID_DATE.value, StatisticsErrorCode.DATE_RANGE_INVERTED.value],
    "category": [StatisticsErrorCode.UNKNOWN_CATEGORY.value],
    "status_group": [StatisticsErrorCode.INVALID_STATUS_GROUP.value],
    "cell_size": [StatisticsErrorCode.INVALID_CELL_SIZE.value],
    "shape": [StatisticsErrorCode.INVALID_SHAPE.value],
}


def _with_errors(fields: tuple[str, ...]):
    def decorate(view_class):
        for name in fields:
            view_class = extend_validation_errors(FIELD_ERRORS[name], field_name=name, methods=["get"])(
                view_class
            )
        return view_class

    return decorate


class CellPropertiesSerializer(serializers.Serializer):
    i = serializers.IntegerField(help_text="Column of the cell (PostGIS `ST_Hexagon`/`ST_Square` index).")
    j = serializers.IntegerField(help_text="Row of the cell.")
    count = serializers.IntegerField(help_text="Reports received in the window whose point lies in the cell.")


class CellFeatureSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="`Feature`")
    id = serializers.CharField(help_text="`<i>_<j>`")
    geometry = serializers.JSONField(help_text="The cell as a GeoJSON Polygon (WGS 84).")
    properties = CellPropertiesSerializer()


class HeatmapSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="`FeatureCollection`")
    total = serializers.IntegerField(help_text="Sum of the counts: the reports received in the window.")
    cell_size = serializers.IntegerField(help_text="Cell size in metres.")
    shape = serializers.CharField(help_text="`hex` or `square`.")
    features = CellFeatureSerializer(many=True)


class DistrictPropertiesSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    area_km2 = serializers.FloatField()
    reports = serializers.IntegerField(help_text="Reports received in the window.")
    reports_per_km2 = serializers.FloatField(allow_null=True, help_text="`reports` per km² of the district.")
    backlog = serializers.IntegerField(help_text="Reports open today (open, in progress, reopened).")
    resolved = serializers.IntegerField(help_text="Reports resolved in the window.")
    median_days_to_resolve = serializers.FloatField(
        allow_null=True,
        help_text="Median of `resolved_at − created_at` in days over the reports resolved in the window.",
    )
    share_resolved_within_target = serializers.FloatField(
        allow_null=True,
        help_text="Share (0–1) of the reports resolved in the window with a target date that met it; null without any.",
    )


class DistrictFeatureSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="`Feature`")
    id = serializers.CharField(help_text="The district's slug.")
    geometry = serializers.JSONField(
        help_text="The district as a GeoJSON MultiPolygon (WGS 84), simplified by 5 m."
    )
    properties = DistrictPropertiesSerializer()


class DistrictCollectionSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="`FeatureCollection`")
    features = DistrictFeatureSerializer(many=True)


# --- views ---------------------------------------------------------------------------------------------------


@extend_schema(tags=["statistics"])
@_with_errors(FILTER_FIELDS + GRID_FIELDS)
class HeatmapView(StatisticsAPIView):
    fields = FILTER_FIELDS + GRID_FIELDS

    @extend_schema(
        operation_id="statistics_heatmap",
        summary="Reports per grid cell",
        description="The reports received in the window (confirmed, not withdrawn) counted per cell of a grid in "
        "metres (EPSG:25832, origin 0,0): every report in exactly one cell, computed from its coordinates. Only "
        "occupied cells are returned. For planners, administrators and superusers (web session); 403 otherwise.",
        parameters=FILTER_PARAMETERS + GRID_PARAMETERS,
        responses={200: HeatmapSerializer},
    )
    def get(self, request: Request) -> Response:
        query = self.parsed_query(request)
        collection = heatmap_geojson(filters=query.filters, cell_size_m=query.cell_size_m, shape=query.shape)
        return Response(
            {
                "type": collection["type"],
                "total": collection["total"],
                "cell_size": query.cell_size_m,
                "shape": query.shape.value,
                "features": collection["features"],
            }
        )


@extend_schema(tags=["statistics"])
@_with_errors(FILTER_FIELDS)
class DistrictStatisticsView(StatisticsAPIView):
    fields = FILTER_FIELDS

    @extend_schema(
        operation_id="statistics_districts",
        summary="Figures per district",
        description="Every district of the city with its figures under the filters: reports received in the "
        "window, per km², backlog today, resolved in the window, median days to resolve and the share resolved "
        "by the target date. For planners, administrators and superusers (web session); 403 otherwise.",
        parameters=FILTER_PARAMETERS,
        responses={200: DistrictCollectionSerializer},
    )
    def get(self, request: Request) -> Response:
        query = self.parsed_query(request)
        return Response(districts_geojson(filters=query.filters))
