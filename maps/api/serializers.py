"""Output shapes of the map layer API."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from maps.registry import MapLayer

TILE_URL_TEMPLATE = "{z}/{x}/{y}.pbf"


class MapLayerSerializer(serializers.Serializer):
    """A registered layer: what it is called, where its features, tiles and clusters are, how to draw and credit it."""

    name = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    features_url = serializers.SerializerMethodField()
    tiles_url = serializers.SerializerMethodField(
        help_text="URL template of the layer's Mapbox Vector Tiles, ending in `{z}/{x}/{y}.pbf`."
    )
    clusters_url = serializers.SerializerMethodField(
        help_text="URL of the layer's clusters by bbox and zoom; null if the layer is not clustered."
    )
    cluster_below_zoom = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Below this zoom, the city map shows the layer's clusters instead of its features.",
    )
    tile_fields = serializers.SerializerMethodField(
        help_text="The property names of the layer's tile features."
    )
    tile_min_zoom = serializers.IntegerField(
        read_only=True, help_text="Tiles below this zoom are empty (204 No Content)."
    )
    label_property = serializers.CharField(read_only=True, allow_null=True)
    style = serializers.DictField(read_only=True, help_text="Leaflet path options.")
    attribution = serializers.SerializerMethodField()
    max_features_per_request = serializers.IntegerField(read_only=True)

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_features_url(self, layer: MapLayer) -> str:
        return self._absolute(reverse("api:map-layer-features", kwargs={"name": layer.name}))

    def get_tiles_url(self, layer: MapLayer) -> str:
        # Reversed with zeros and cut there: the braces must not be percent-encoded by build_absolute_uri.
        tile = reverse("api:map-layer-tile", kwargs={"name": layer.name, "z": 0, "x": 0, "y": 0})
        prefix = tile.removesuffix("0/0/0.pbf")
        return self._absolute(prefix) + TILE_URL_TEMPLATE

    def get_clusters_url(self, layer: MapLayer) -> str | None:
        if layer.cluster_below_zoom is None:
            return None
        return self._absolute(reverse("api:map-layer-clusters", kwargs={"name": layer.name}))

    def get_tile_fields(self, layer: MapLayer) -> list[str]:
        return list(layer.tile_fields)

    def get_attribution(self, layer: MapLayer) -> list[str]:
        return [str(line) for line in layer.attribution()]


class ClusterGeometrySerializer(serializers.Serializer):
    """A GeoJSON Point at the mean position of the cell's features."""

    type = serializers.SerializerMethodField()
    coordinates = serializers.SerializerMethodField(help_text="`[lon, lat]`, WGS 84, 6 decimals.")

    def get_type(self, cluster) -> str:
        return "Point"

    def get_coordinates(self, cluster) -> list[float]:
        return [cluster.lon, cluster.lat]


class ClusterPropertiesSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="The number of features in the cell.")
    bounds = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        help_text="`[west, south, east, north]` of the cell's features (WGS 84), e.g. to zoom to them.",
    )


class ClusterFeatureSerializer(serializers.Serializer):
    """One cell of the cluster grid as a GeoJSON Feature."""

    type = serializers.SerializerMethodField()
    geometry = ClusterGeometrySerializer(source="*")
    properties = ClusterPropertiesSerializer(source="*")

    def get_type(self, cluster) -> str:
        return "Feature"


class ClusterCollectionSerializer(serializers.Serializer):
    """The clusters of a bbox as a GeoJSON FeatureCollection, with the number of features they stand for."""

    type = serializers.SerializerMethodField()
    count = serializers.IntegerField(help_text="The number of features in the bbox (the sum of the counts).")
    features = ClusterFeatureSerializer(many=True)

    def get_type(self, collection) -> str:
        return "FeatureCollection"
