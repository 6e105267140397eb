"""Output shapes of the public geography API. Read-only: no input is validated here except query parameters."""

from django.http import HttpRequest
from django.urls import reverse
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from districts.models import District, PointOfInterest, Quarter
from districts.selectors import STREET_SEARCH_MAX_LIMIT

# Six decimals of a degree are about 0.1 m: finer digits only make the responses bigger.
COORDINATE_PRECISION = 6


class DistrictSerializer(GeoFeatureModelSerializer):
    geom = GeometryField(precision=COORDINATE_PRECISION, read_only=True)

    class Meta:
        model = District
        geo_field = "geom"
        fields = ("id", "name", "slug", "kind", "area_km2", "geom")
        read_only_fields = fields


class QuarterNameSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)


class DistrictDetailSerializer(DistrictSerializer):
    quarters = QuarterNameSerializer(many=True, read_only=True)

    class Meta(DistrictSerializer.Meta):
        fields = (*DistrictSerializer.Meta.fields, "quarters")
        read_only_fields = fields


class QuarterSerializer(GeoFeatureModelSerializer):
    geom = GeometryField(precision=COORDINATE_PRECISION, read_only=True)
    district = serializers.CharField(source="district.slug", read_only=True)
    district_name = serializers.CharField(source="district.name", read_only=True)

    class Meta:
        model = Quarter
        geo_field = "geom"
        fields = ("id", "name", "slug", "kind", "area_km2", "district", "district_name", "geom")
        read_only_fields = fields


class PlaceSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)


class StreetMatchSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    distance_m = serializers.SerializerMethodField()

    def get_distance_m(self, match) -> float:
        # Decimetres are more than a pin on a phone map can promise.
        return round(match.distance_m, 1)


class LocationSerializer(serializers.Serializer):
    district = PlaceSerializer(read_only=True, allow_null=True)
    quarter = PlaceSerializer(read_only=True, allow_null=True)
    street = StreetMatchSerializer(read_only=True, allow_null=True)


class StreetHitSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    quarter = serializers.CharField(read_only=True, allow_null=True)
    district = serializers.CharField(read_only=True, allow_null=True)
    lon = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()

    def get_lon(self, hit) -> float:
        return round(hit.lon, COORDINATE_PRECISION)

    def get_lat(self, hit) -> float:
        return round(hit.lat, COORDINATE_PRECISION)


class StreetSearchQuerySerializer(serializers.Serializer):
    """The query parameters of the street search."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        trim_whitespace=True,
        help_text="Part of a street name; case, umlauts (ü/ue/u) and ß/ss do not matter. Fewer than two "
        "letters find nothing.",
    )
    limit = serializers.IntegerField(
        required=False,
        default=10,
        min_value=1,
        max_value=STREET_SEARCH_MAX_LIMIT,
        help_text=f"Maximum number of hits (1 to {STREET_SEARCH_MAX_LIMIT}).",
    )


def poi_list_url(poi: PointOfInterest, *, request: HttpRequest | None = None) -> str:
    """Return the link to the place's entry on the list page, filtered to its category so the page stays short."""
    url = f"{reverse('districts:pois')}?category={poi.category}#poi-{poi.pk}"
    return request.build_absolute_uri(url) if request is not None else url


class PointOfInterestSerializer(GeoFeatureModelSerializer):
    """A place as a GeoJSON Feature for the "pois" map layer: what a popup and the legend need.

    Expects the place with ``district`` selected (``selectors.poi_layer_queryset`` does that).
    """

    location = GeometryField(precision=COORDINATE_PRECISION, read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    district_name = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = PointOfInterest
        geo_field = "location"
        fields = (
            "id",
            "name",
            "category",
            "category_label",
            "address",
            "website",
            "wheelchair",
            "district_name",
            "url",
            "location",
        )
        read_only_fields = fields

    def get_district_name(self, poi: PointOfInterest) -> str | None:
        return poi.district.name if poi.district_id else None

    def get_url(self, poi: PointOfInterest) -> str:
        return poi_list_url(poi, request=self.context.get("request"))


class PointOfInterestDetailSerializer(PointOfInterestSerializer):
    """A place as a GeoJSON Feature for the API: the layer's properties and its operator, areas and OSM reference."""

    wheelchair_label = serializers.CharField(source="get_wheelchair_display", read_only=True)
    district = serializers.SerializerMethodField()
    quarter_name = serializers.SerializerMethodField()
    osm_url = serializers.CharField(read_only=True)

    class Meta(PointOfInterestSerializer.Meta):
        fields = (
            "id",
            "name",
            "category",
            "category_label",
            "address",
            "operator",
            "website",
            "wheelchair",
            "wheelchair_label",
            "district",
            "district_name",
            "quarter_name",
            "osm_type",
            "osm_id",
            "osm_url",
            "url",
            "location",
        )
        read_only_fields = fields

    def get_district(self, poi: PointOfInterest) -> str | None:
        return poi.district.slug if poi.district_id else None

    def get_quarter_name(self, poi: PointOfInterest) -> str | None:
        return poi.quarter.name if poi.quarter_id else None
