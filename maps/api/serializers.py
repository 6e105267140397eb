"""Output shapes of the map layer API."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from maps.registry import MapLayer


class MapLayerSerializer(serializers.Serializer):
    """A registered layer: what it is called, where its features are, how to draw and credit it."""

    name = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    features_url = serializers.SerializerMethodField()
    label_property = serializers.CharField(read_only=True, allow_null=True)
    style = serializers.DictField(read_only=True, help_text="Leaflet path options.")
    attribution = serializers.SerializerMethodField()
    max_features_per_request = serializers.IntegerField(read_only=True)

    def get_features_url(self, layer: MapLayer) -> str:
        url = reverse("api:map-layer-features", kwargs={"name": layer.name})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_attribution(self, layer: MapLayer) -> list[str]:
        return [str(line) for line in layer.attribution()]
