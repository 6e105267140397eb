"""Public, read-only API of the city's geography: districts, quarters, places, point lookup and street search.

Views only parse the request and serialise; the queries live in ``districts.selectors``.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import APIView

from districts import selectors
from districts.api.serializers import (
    DistrictDetailSerializer,
    DistrictSerializer,
    LocationSerializer,
    PointOfInterestDetailSerializer,
    QuarterSerializer,
    StreetHitSerializer,
    StreetSearchQuerySerializer,
)
from districts.layers import PoiFilterErrorCode, PoiFilterForm
from districts.models import District, PointOfInterest
from geo_core.api import (
    BBOX_ERROR_CODES,
    BBOX_PARAMETER,
    LONLAT_ERROR_CODES,
    GeoJsonPagination,
    PublicReadOnlyMixin,
    bbox_from_query,
    raise_validation_error,
)
from geo_core.parsing import GeoInputError


@extend_schema(tags=["geography"])
@extend_validation_errors(BBOX_ERROR_CODES, field_name="bbox", methods=["get"])
class DistrictListView(PublicReadOnlyMixin, generics.ListAPIView):
    serializer_class = DistrictSerializer
    pagination_class = GeoJsonPagination

    @extend_schema(
        operation_id="districts_list",
        summary="Districts as GeoJSON",
        description="The city's districts (Ortsratsbereiche / Ortschaften) as a paginated GeoJSON "
        "FeatureCollection, optionally only those overlapping a bounding box.",
        parameters=[BBOX_PARAMETER],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.district_list(bbox=bbox_from_query(self.request))


@extend_schema(tags=["geography"])
class DistrictDetailView(PublicReadOnlyMixin, generics.RetrieveAPIView):
    serializer_class = DistrictDetailSerializer
    lookup_field = "slug"

    @extend_schema(
        operation_id="districts_retrieve",
        summary="One district as GeoJSON",
        description="One district as a GeoJSON Feature, with the names and slugs of its quarters.",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_object(self) -> District:
        district = selectors.district_get(slug=self.kwargs["slug"])
        if district is None:
            raise Http404
        return district


@extend_schema(tags=["geography"])
@extend_validation_errors(BBOX_ERROR_CODES, field_name="bbox", methods=["get"])
class QuarterListView(PublicReadOnlyMixin, generics.ListAPIView):
    serializer_class = QuarterSerializer
    pagination_class = GeoJsonPagination

    @extend_schema(
        operation_id="quarters_list",
        summary="Quarters as GeoJSON",
        description="The city's quarters (Stadtteile / Ortsteile) as a paginated GeoJSON FeatureCollection, "
        "optionally of one district or overlapping a bounding box. An unknown district gives an empty list.",
        parameters=[
            OpenApiParameter(
                name="district",
                type=OpenApiTypes.STR,
                location=OpenApiParameter.QUERY,
                required=False,
                description="Slug of a district: only its quarters.",
            ),
            BBOX_PARAMETER,
        ],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        district_slug = self.request.query_params.get("district") or None
        return selectors.quarter_list(district_slug=district_slug, bbox=bbox_from_query(self.request))


@extend_schema(tags=["geography"])
@extend_validation_errors(BBOX_ERROR_CODES, field_name="bbox", methods=["get"])
@extend_validation_errors([PoiFilterErrorCode.UNKNOWN_CATEGORY], field_name="category", methods=["get"])
class PoiListView(PublicReadOnlyMixin, generics.ListAPIView):
    serializer_class = PointOfInterestDetailSerializer
    pagination_class = GeoJsonPagination

    @extend_schema(
        operation_id="pois_list",
        summary="Places as GeoJSON",
        description="The city's public places from OpenStreetMap (Kitas, schools, sports grounds, community "
        "centres, venues, museums, higher education, libraries, markets) as a paginated GeoJSON "
        "FeatureCollection of points, by category and name; optionally of one category, of one district or "
        "overlapping a bounding box. An unknown category answers 400 with code `unknown_category`; an unknown "
        "district gives an empty list. `url` links the place's entry on the public list page.",
        parameters=[
            OpenApiParameter(
                name="category",
                type=OpenApiTypes.STR,
                location=OpenApiParameter.QUERY,
                required=False,
                enum=PointOfInterest.Category.values,
                description="Only places of this category.",
            ),
            OpenApiParameter(
                name="district",
                type=OpenApiTypes.STR,
                location=OpenApiParameter.QUERY,
                required=False,
                description="Slug of a district: only the places in it.",
            ),
            BBOX_PARAMETER,
        ],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        # The category is checked by the same form as on the map layer and the list page (same code).
        form = PoiFilterForm(self.request.query_params, fields=("category",))
        if not form.is_valid():
            raise ValidationError(as_serializer_error(DjangoValidationError(form.errors.as_data())))
        return selectors.poi_list(
            category=form.cleaned_data["category"] or None,
            district_slug=self.request.query_params.get("district") or None,
            bbox=bbox_from_query(self.request),
        )


@extend_schema(tags=["geography"])
@extend_validation_errors(LONLAT_ERROR_CODES, field_name="lon", methods=["get"])
@extend_validation_errors(LONLAT_ERROR_CODES, field_name="lat", methods=["get"])
class LocateView(PublicReadOnlyMixin, APIView):
    @extend_schema(
        operation_id="locate",
        summary="What is at a point",
        description="The district, the quarter and the nearest street (within 250 m) of a WGS 84 point in "
        "the city. A point on the edge between two districts always gets the same one of them. Errors carry a "
        "stable `code` (`missing`, `not_a_number`, `not_finite`, `out_of_range`, `swapped`, `outside_area`) "
        "and the offending parameter in `attr`.",
        parameters=[
            OpenApiParameter(
                name="lon",
                type=OpenApiTypes.DOUBLE,
                location=OpenApiParameter.QUERY,
                required=True,
                description="Longitude (WGS 84); a decimal comma is accepted.",
            ),
            OpenApiParameter(
                name="lat",
                type=OpenApiTypes.DOUBLE,
                location=OpenApiParameter.QUERY,
                required=True,
                description="Latitude (WGS 84); a decimal comma is accepted.",
            ),
        ],
        responses={200: LocationSerializer},
        examples=[
            OpenApiExample(
                "Point in a district",
                value={
                    "district": {"name": "Stadtmitte", "slug": "stadtmitte"},
                    "quarter": {"name": "Stadtmitte", "slug": "stadtmitte"},
                    "street": {"name": "Porschestraße", "distance_m": 12.4},
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        try:
            point = selectors.parse_city_point(
                lon=request.query_params.get("lon"), lat=request.query_params.get("lat")
            )
        except GeoInputError as exc:
            raise_validation_error(exc)
        location = selectors.locate_point(point=point)
        return Response(LocationSerializer(location).data)


@extend_schema(tags=["geography"])
@extend_validation_errors(["max_length", "null_characters_not_allowed"], field_name="q", methods=["get"])
@extend_validation_errors(
    ["invalid", "min_value", "max_value", "max_string_length"], field_name="limit", methods=["get"]
)
class StreetSearchView(PublicReadOnlyMixin, APIView):
    @extend_schema(
        operation_id="streets_search",
        summary="Search streets by name",
        description="Streets of the city whose name matches `q`: names starting with it first, then names "
        "with a word starting with it, then names containing it; within each group by name. The same name may "
        "occur in several quarters; every hit names its quarter and district and gives a point on the street. "
        "Not paginated: at most `limit` hits.",
        parameters=[StreetSearchQuerySerializer],
        responses={200: StreetHitSerializer(many=True)},
        examples=[
            OpenApiExample(
                "Hits for “porschestr”",
                value=[
                    {
                        "name": "Porschestraße",
                        "quarter": "Stadtmitte",
                        "district": "Stadtmitte",
                        "lon": 10.786,
                        "lat": 52.421,
                    }
                ],
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        params = StreetSearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        hits = selectors.street_search(
            query=params.validated_data.get("q", ""), limit=params.validated_data["limit"]
        )
        return Response(StreetHitSerializer(hits, many=True).data)
