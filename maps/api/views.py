"""Public, read-only API of the map layers: the registered layers, and a layer's features by bounding box.

Views only parse the request and serialise; the queries live in ``maps.selectors``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from geo_core.api import (
    BBOX_ERROR_CODES,
    BBOX_PARAMETER,
    GeoJsonPagination,
    PublicReadOnlyMixin,
    bbox_from_query,
)
from maps import selectors
from maps.api.serializers import MapLayerSerializer
from maps.registry import MapLayer, UnknownLayer

# Layer features change only when data is imported or edited: a minute of caching costs little freshness.
FEATURES_MAX_AGE = 60

BBOX_REQUIRED_PARAMETER = OpenApiParameter(
    name=BBOX_PARAMETER.name,
    type=BBOX_PARAMETER.type,
    location=BBOX_PARAMETER.location,
    required=True,
    description=BBOX_PARAMETER.description,
)


class LayerPagination(GeoJsonPagination):
    """GeoJSON pages of at most the layer's ``max_features_per_request`` features (also the default)."""

    def __init__(self, layer: MapLayer) -> None:
        self.page_size = self.max_page_size = layer.max_features_per_request


def layer_or_404(name: str) -> MapLayer:
    try:
        return selectors.layer_get(name=name)
    except UnknownLayer:
        raise NotFound(_("Es gibt keine Kartenebene „%(name)s“.") % {"name": name[:50]}) from None


@extend_schema(tags=["maps"])
class LayerListView(PublicReadOnlyMixin, generics.ListAPIView):
    serializer_class = MapLayerSerializer

    @extend_schema(
        operation_id="map_layers_list",
        summary="Map layers",
        description="The public map layers: name, title, the URL of their features by bounding box, the "
        "Leaflet style they are drawn with and the attribution their data requires.",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.layer_list()


@extend_schema(tags=["maps"])
@extend_validation_errors(BBOX_ERROR_CODES, field_name="bbox", methods=["get"])
class LayerFeaturesView(PublicReadOnlyMixin, generics.GenericAPIView):
    """A layer's features in a bbox as a GeoJSON FeatureCollection, cacheable, with an ETag."""

    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="map_layer_features",
        summary="Features of a map layer",
        description="The features of one map layer whose bounding box overlaps `bbox`, as a paginated GeoJSON "
        "FeatureCollection (`count`, `next`, `previous`, `features`); a page holds at most the layer's "
        "`max_features_per_request`. Responses may be cached for a minute and carry an `ETag`; send it back "
        "in `If-None-Match` to get `304 Not Modified` if nothing changed. Some layers take further filter "
        "parameters of their own; values such a layer cannot use answer 400 with the parameter's name in `attr`.",
        parameters=[
            OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, description="Layer name."),
            BBOX_REQUIRED_PARAMETER,
            OpenApiParameter("page", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Page number."),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                description="Features per page, at most the layer's `max_features_per_request` (the default).",
            ),
        ],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="A GeoJSON FeatureCollection with `count`, `next` and `previous` of the pages; each "
                "feature has the layer's public properties.",
            ),
            304: OpenApiResponse(description="Not modified: the `ETag` sent in `If-None-Match` still holds."),
        },
    )
    def get(self, request: Request, name: str) -> Response:
        layer = layer_or_404(name)
        bbox = bbox_from_query(request, required=True)
        paginator = LayerPagination(layer)
        try:
            features = selectors.layer_features(layer, bbox=bbox, params=request.query_params)
        except DjangoValidationError as error:
            # The layer's own filters refused a parameter: the standard 400 with the field and its code.
            raise ValidationError(as_serializer_error(error)) from None
        page = paginator.paginate_queryset(features, request, view=self)
        serializer = layer.serializer_class(page, many=True, context=self.get_serializer_context())
        return paginator.get_paginated_response(serializer.data)

    def finalize_response(self, request: Request, response, *args, **kwargs) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        # Like ConditionalGetMiddleware, for this view only: the ETag is a hash of the rendered payload.
        response.render()
        patch_cache_control(response, public=True, max_age=FEATURES_MAX_AGE)
        set_response_etag(response)
        return get_conditional_response(request, etag=response.headers["ETag"], response=response)
