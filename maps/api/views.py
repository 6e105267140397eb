"""Public, read-only API of the map layers: the registered layers, and a layer's features, tiles and clusters.

Views only parse the request and serialise; the queries live in ``maps.selectors`` and ``maps.tiles``.
"""

from __future__ import annotations

import json
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi import AutoSchema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.utils.urls import remove_query_param, replace_query_param
from vectortiles.rest_framework.renderers import MVTRenderer as VectorTilesMVTRenderer

from geo_core.api import (
    BBOX_ERROR_CODES,
    BBOX_PARAMETER,
    GeoJsonPagination,
    PublicReadOnlyMixin,
    bbox_from_query,
)
from geo_core.parsing import GeoInputErrorCode
from maps import selectors, tiles
from maps.api.serializers import ClusterCollectionSerializer, MapLayerSerializer
from maps.registry import MapLayer, UnknownLayer

# Layer data change only when data is imported or edited: a minute of caching costs little freshness.
PUBLIC_MAX_AGE = 60
# Set on a tile that holds only the first ``tile_feature_limit`` of the features in its envelope.
TILE_TRUNCATED_HEADER = "X-Tile-Truncated"
# A cluster answer has at most one cluster per grid cell of the bbox: more cells than a large screen shows
# at that zoom (a 4K display shows about 2,000) answer 400, so no request makes the answer unbounded.
MAX_CLUSTER_CELLS = 10_000


class MapLayerErrorCode:
    """Stable codes of the map layer API's own parameters (the bbox has ``GeoInputErrorCode``)."""

    TILE_OUT_OF_RANGE = "tile_out_of_range"
    ZOOM_MISSING = "zoom_missing"
    ZOOM_INVALID = "zoom_invalid"


ZOOM_ERROR_CODES = [MapLayerErrorCode.ZOOM_MISSING, MapLayerErrorCode.ZOOM_INVALID]

BBOX_REQUIRED_PARAMETER = OpenApiParameter(
    name=BBOX_PARAMETER.name,
    type=BBOX_PARAMETER.type,
    location=BBOX_PARAMETER.location,
    required=True,
    description=BBOX_PARAMETER.description,
)
LAYER_NAME_PARAMETER = OpenApiParameter(
    "name", OpenApiTypes.STR, OpenApiParameter.PATH, description="Layer name."
)
NOT_MODIFIED_RESPONSE = OpenApiResponse(
    description="Not modified: the `ETag` sent in `If-None-Match` still holds."
)
FILTERS_DESCRIPTION = (
    "Some layers take further filter parameters of their own (those of their features); values such a layer "
    "cannot use answer 400 with the parameter's name in `attr`."
)
CACHE_DESCRIPTION = (
    "Responses may be cached for a minute and carry an `ETag`; send it back in `If-None-Match` to get "
    "`304 Not Modified` if nothing changed."
)


def validation_error(field: str, message, code: str) -> ValidationError:
    return ValidationError({field: [ErrorDetail(str(message), code=code)]})


def layer_or_404(name: str) -> MapLayer:
    try:
        return selectors.layer_get(name=name)
    except UnknownLayer:
        raise NotFound(_("Es gibt keine Kartenebene „%(name)s“.") % {"name": name[:50]}) from None


def filter_errors_as_400(error: DjangoValidationError) -> ValidationError:
    """Return the standard 400 for values the layer's own filters refused, with each field and its code."""
    return ValidationError(as_serializer_error(error))


def zoom_from_query(request: Request) -> int:
    """Return the integer zoom level 0..22 in query parameter ``zoom``."""
    raw = (request.query_params.get("zoom") or "").strip()
    if not raw:
        raise validation_error(
            "zoom", _("Bitte geben Sie eine Zoomstufe an."), MapLayerErrorCode.ZOOM_MISSING
        )
    # ASCII digits only: int() would also take "+5", "1_0" or "٣".
    if not re.fullmatch(r"[0-9]{1,2}", raw) or int(raw) > tiles.MAX_ZOOM:
        raise validation_error(
            "zoom",
            _("Die Zoomstufe muss eine ganze Zahl von 0 bis %(max)s sein.") % {"max": tiles.MAX_ZOOM},
            MapLayerErrorCode.ZOOM_INVALID,
        )
    return int(raw)


class PublicCacheMixin:
    """Mark successful answers publicly cacheable for a minute, with an ETag of the body; answer 304 to it.

    Like ConditionalGetMiddleware, but for these views only. Empty answers (204) get no ETag (there is nothing
    to hash), only the caching headers.
    """

    public_max_age = PUBLIC_MAX_AGE

    def finalize_response(self, request: Request, response, *args, **kwargs) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code not in (200, 204):
            return response
        if hasattr(response, "render"):  # a GeoJSON page built in PostGIS is a plain, finished HttpResponse
            response.render()
        patch_cache_control(response, public=True, max_age=self.public_max_age)
        set_response_etag(response)
        if not response.has_header("ETag"):
            return response
        return get_conditional_response(request, etag=response.headers["ETag"], response=response)


class LayerPagination(GeoJsonPagination):
    """GeoJSON pages of at most the layer's ``max_features_per_request`` features (also the default), uncounted.

    ``next`` comes from the one feature after the page (see ``selectors.layer_features_page``): a COUNT of all
    features in a bbox as large as the city would cost more than the page. ``window`` parses ``page`` and
    ``page_size``; ``found`` takes what the page query found.
    """

    def __init__(self, layer: MapLayer) -> None:
        self.page_size = self.max_page_size = layer.max_features_per_request
        self.number = 1
        self.has_next = False

    def window(self, request: Request) -> tuple[int, int]:
        """Return the offset and the number of features of the page asked for; 404 for a page that is no number."""
        self.request = request
        limit = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param) or "1"
        if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < 1:
            raise NotFound(self.invalid_page_message.format(page_number=raw[:20], message=""))
        self.number = int(raw)
        return (self.number - 1) * limit, limit

    def found(self, *, empty: bool, has_next: bool) -> None:
        if empty and self.number > 1:
            # As before, a page after the last one is not found (page 1 is the empty collection).
            raise NotFound(self.invalid_page_message.format(page_number=self.number, message=""))
        self.has_next = has_next

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self.number + 1)

    def get_previous_link(self) -> str | None:
        if self.number == 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data) -> Response:
        return Response(self._envelope() | {"features": data["features"]})

    def get_geojson_response(self, features: str) -> HttpResponse:
        """Answer the page with its features as the GeoJSON text PostGIS built, without parsing it again."""
        head = json.dumps(self._envelope(), ensure_ascii=False, separators=(",", ":"))
        body = f'{head[:-1]},"features":{features}}}'
        return HttpResponse(body.encode(), content_type=JSONRenderer.media_type)

    def _envelope(self) -> dict:
        return {
            "type": "FeatureCollection",
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
        }


@extend_schema(tags=["maps"])
class LayerListView(PublicReadOnlyMixin, generics.ListAPIView):
    serializer_class = MapLayerSerializer

    @extend_schema(
        operation_id="map_layers_list",
        summary="Map layers",
        description="The public map layers: name, title, the URLs of their features by bounding box, of their "
        "vector tiles and (for clustered point layers) of their clusters, the tiles' properties and minimum "
        "zoom, the Leaflet style they are drawn with and the attribution their data requires.",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.layer_list()


@extend_schema(tags=["maps"])
@extend_validation_errors(BBOX_ERROR_CODES, field_name="bbox", methods=["get"])
class LayerFeaturesView(PublicCacheMixin, PublicReadOnlyMixin, generics.GenericAPIView):
    """A layer's features in a bbox as a GeoJSON FeatureCollection, cacheable, with an ETag."""

    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="map_layer_features",
        summary="Features of a map layer",
        description="The features of one map layer whose bounding box overlaps `bbox`, as a paginated GeoJSON "
        "FeatureCollection (`next`, `previous`, `features`; not counted: follow `next` until it is null); a "
        f"page holds at most the layer's `max_features_per_request`. {CACHE_DESCRIPTION} {FILTERS_DESCRIPTION}",
        parameters=[
            LAYER_NAME_PARAMETER,
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
                description="A GeoJSON FeatureCollection with `next` and `previous` of the pages; each feature "
                "has the layer's public properties.",
            ),
            304: NOT_MODIFIED_RESPONSE,
        },
    )
    def get(self, request: Request, name: str) -> Response:
        layer = layer_or_404(name)
        bbox = bbox_from_query(request, required=True)
        paginator = LayerPagination(layer)
        try:
            features = selectors.layer_features(layer, bbox=bbox, params=request.query_params)
        except DjangoValidationError as error:
            raise filter_errors_as_400(error) from None
        offset, limit = paginator.window(request)
        if layer.feature_properties is not None:
            geojson, has_next = selectors.layer_features_geojson(
                layer, features, offset=offset, limit=limit, request=request
            )
            paginator.found(empty=geojson == "[]", has_next=has_next)
            return paginator.get_geojson_response(geojson)
        page, has_next = selectors.layer_features_page(features, offset=offset, limit=limit)
        paginator.found(empty=not page, has_next=has_next)
        serializer = layer.serializer_class(page, many=True, context=self.get_serializer_context())
        return paginator.get_paginated_response(serializer.data)


class MVTRenderer(VectorTilesMVTRenderer):
    """Pass the tile's bytes through, without a charset: the body is binary."""

    media_type = tiles.TILE_CONTENT_TYPE
    charset = None


class TileContentNegotiation(BaseContentNegotiation):
    """Always answer a tile as a tile: map clients send all kinds of ``Accept`` headers for them."""

    def select_parser(self, request, parsers):
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class TileSchema(AutoSchema):
    """Document a tile's errors as what they are: JSON in the standard error shape."""

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        if str(status_code)[0] in "45":
            media_types = [JSONRenderer.media_type]
        return super()._get_response_for_code(serializer, status_code, media_types, direction)


@extend_schema(tags=["maps"])
@extend_validation_errors([MapLayerErrorCode.TILE_OUT_OF_RANGE], field_name="z", methods=["get"])
@extend_validation_errors([MapLayerErrorCode.TILE_OUT_OF_RANGE], field_name="x", methods=["get"])
@extend_validation_errors([MapLayerErrorCode.TILE_OUT_OF_RANGE], field_name="y", methods=["get"])
class LayerTileView(PublicCacheMixin, PublicReadOnlyMixin, generics.GenericAPIView):
    """One Mapbox Vector Tile of a layer, cacheable, with an ETag."""

    renderer_classes = [MVTRenderer]
    content_negotiation_class = TileContentNegotiation
    schema = TileSchema()

    @extend_schema(
        operation_id="map_layer_tile",
        summary="Vector tile of a map layer",
        description="One Mapbox Vector Tile (`application/vnd.mapbox-vector-tile`) of a map layer, in the usual "
        "XYZ scheme (Web Mercator, y counted from the north). It holds one layer named like the map layer with "
        "the features whose geometry intersects the tile, at most the layer's `tile_feature_limit` of them in "
        "the layer's order, each with the layer's `tile_fields` as properties. When more features intersect "
        f"the tile, the answer carries `{TILE_TRUNCATED_HEADER}: 1`. A tile without features, or below the "
        "layer's `tile_min_zoom`, answers `204 No Content` with an empty body. `z` is 0 to 22, `x` and `y` 0 "
        f"to 2^z − 1; other tiles answer 400 `tile_out_of_range`. {CACHE_DESCRIPTION} {FILTERS_DESCRIPTION}",
        parameters=[
            LAYER_NAME_PARAMETER,
            OpenApiParameter(
                "z", OpenApiTypes.INT, OpenApiParameter.PATH, description="Zoom level, 0 to 22."
            ),
            OpenApiParameter(
                "x", OpenApiTypes.INT, OpenApiParameter.PATH, description="Column, 0 to 2^z − 1."
            ),
            OpenApiParameter(
                "y", OpenApiTypes.INT, OpenApiParameter.PATH, description="Row from the north, 0 to 2^z − 1."
            ),
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.BINARY, description="The tile (Mapbox Vector Tile 2.1)."),
            204: OpenApiResponse(description="No features in the tile, or a zoom below `tile_min_zoom`."),
            304: NOT_MODIFIED_RESPONSE,
        },
    )
    def get(self, request: Request, name: str, z: int, x: int, y: int) -> Response:
        layer = layer_or_404(name)
        field = tiles.tile_coordinate_out_of_range(z=z, x=x, y=y)
        if field is not None:
            raise validation_error(
                field,
                _(
                    "Die Kachel %(z)s/%(x)s/%(y)s gibt es nicht: z geht von 0 bis %(max)s, x und y von 0 bis 2^z − 1."
                )
                % {"z": z, "x": x, "y": y, "max": tiles.MAX_ZOOM},
                MapLayerErrorCode.TILE_OUT_OF_RANGE,
            )
        try:
            tile = tiles.layer_tile_with_truncation(layer, z=z, x=x, y=y, params=request.query_params)
        except DjangoValidationError as error:
            raise filter_errors_as_400(error) from None
        if not tile.content:
            return Response(b"", status=204)
        headers = {TILE_TRUNCATED_HEADER: "1"} if tile.truncated else None
        return Response(tile.content, headers=headers)

    def finalize_response(self, request: Request, response, *args, **kwargs) -> HttpResponseBase:
        if getattr(response, "exception", False):
            # Errors keep the API's one JSON shape; only a tile is binary.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


@extend_schema(tags=["maps"])
@extend_validation_errors(BBOX_ERROR_CODES, field_name="bbox", methods=["get"])
@extend_validation_errors(ZOOM_ERROR_CODES, field_name="zoom", methods=["get"])
class LayerClustersView(PublicCacheMixin, PublicReadOnlyMixin, generics.GenericAPIView):
    """A clustered point layer's features in a bbox, counted per grid cell, cacheable, with an ETag."""

    renderer_classes = [JSONRenderer]
    serializer_class = ClusterCollectionSerializer

    @extend_schema(
        operation_id="map_layer_clusters",
        summary="Clusters of a map layer",
        description="The features of a clustered point layer (one with `cluster_below_zoom`) in `bbox`, counted "
        f"per cell of a global Web Mercator grid whose cells are {selectors.CLUSTER_CELL_PX} screen pixels "
        "wide at `zoom`: a GeoJSON FeatureCollection of Points, one per cell with features, at their mean "
        "position, with `count` and `bounds` (`[west, south, east, north]` of the cell's features); the "
        "top-level `count` is the number of features in the bbox. A cell stays the same cell when the map is "
        f"panned. A bbox spanning more than {MAX_CLUSTER_CELLS:,} cells at `zoom` answers 400 `bbox_too_large`; "
        f"a layer that is not clustered answers 404. {CACHE_DESCRIPTION} {FILTERS_DESCRIPTION}",
        parameters=[
            LAYER_NAME_PARAMETER,
            BBOX_REQUIRED_PARAMETER,
            OpenApiParameter(
                "zoom",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                required=True,
                description="The map's zoom level, an integer from 0 to 22.",
            ),
        ],
        responses={200: ClusterCollectionSerializer, 304: NOT_MODIFIED_RESPONSE},
    )
    def get(self, request: Request, name: str) -> Response:
        layer = layer_or_404(name)
        if layer.cluster_below_zoom is None:
            raise NotFound(
                _("Die Kartenebene „%(name)s“ wird nicht zu Gruppen zusammengefasst.") % {"name": layer.name}
            )
        bbox = bbox_from_query(request, required=True)
        zoom = zoom_from_query(request)
        if selectors.cluster_cell_count(bbox=bbox, zoom=zoom) > MAX_CLUSTER_CELLS:
            raise validation_error(
                "bbox",
                _("Der Kartenausschnitt ist für diese Zoomstufe zu groß."),
                GeoInputErrorCode.BBOX_TOO_LARGE.value,
            )
        try:
            clusters = selectors.layer_clusters(layer, bbox=bbox, zoom=zoom, params=request.query_params)
        except DjangoValidationError as error:
            raise filter_errors_as_400(error) from None
        collection = {"count": sum(cluster.count for cluster in clusters), "features": clusters}
        return Response(ClusterCollectionSerializer(collection).data)
