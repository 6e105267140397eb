"""Map layers of the city's geography, registered with the maps registry."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from districts import selectors
from districts.api.serializers import DistrictSerializer, PointOfInterestSerializer, QuarterSerializer
from districts.models import GeoDataSource, PointOfInterest
from districts.selectors import district_layer_queryset, poi_layer_queryset, quarter_layer_queryset
from geo_core.forms import QueryFilterForm
from maps.registry import LegendEntry, MapLayer, register


def source_attribution(layer: str) -> list[str]:
    """Return the attribution lines of the imported sources of ``layer`` as HTML-safe text."""
    lines = []
    for attribution, license_ in selectors.layer_attribution(layer=layer):
        if license_:
            lines.append(format_html("{} ({})", attribution, license_))
        else:
            lines.append(format_html("{}", attribution))
    return lines


# Dark outlines stay visible on colour and grey base maps (contrast > 7:1 against white); fills stay light so
# the base map remains readable underneath.
DISTRICT_STYLE = {
    "color": "#00508c",
    "weight": 3,
    "opacity": 0.9,
    "fillColor": "#00508c",
    "fillOpacity": 0.08,
}
QUARTER_STYLE = {"color": "#7a1f5c", "weight": 2, "opacity": 0.9, "dashArray": "6 4", "fillOpacity": 0}

DISTRICTS_LAYER = register(
    MapLayer(
        name="districts",
        title=_("Ortsratsbereiche"),
        queryset=district_layer_queryset,
        serializer_class=DistrictSerializer,
        geometry_field="geom",
        style=DISTRICT_STYLE,
        label_property="name",
        attribution=lambda: source_attribution(GeoDataSource.Layer.DISTRICTS),
        max_features_per_request=200,
        tile_fields={"id": "id", "name": "name", "slug": "slug"},
        list_url=lambda: reverse("districts:map"),
        city_map_order=10,
        defines_map_extent=True,
    )
)

QUARTERS_LAYER = register(
    MapLayer(
        name="quarters",
        title=_("Stadtteile"),
        queryset=quarter_layer_queryset,
        serializer_class=QuarterSerializer,
        geometry_field="geom",
        style=QUARTER_STYLE,
        label_property="name",
        attribution=lambda: source_attribution(GeoDataSource.Layer.QUARTERS),
        max_features_per_request=200,
        tile_fields={"id": "id", "name": "name", "slug": "slug", "district_slug": "district__slug"},
        list_url=lambda: reverse("districts:map"),
        city_map_order=20,
        city_map_visible=False,
    )
)


# --- Places (points of interest) ---------------------------------------------------------------------------

Category = PointOfInterest.Category


class PoiFilterErrorCode:
    """Stable codes of filter values the places cannot be filtered by (layer, list page and API)."""

    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_DISTRICT = "unknown_district"


class PoiFilterForm(QueryFilterForm):
    """The filters of the places: ``category`` (a ``Category`` value) and ``district`` (a district's slug).

    A value it cannot use becomes a field error with a stable code and a German message: the list page shows
    the message and applies the other filters, the map layer and the API answer 400. ``fields`` limits the form
    to some filters (the map layer filters by category only: it shows the districts itself).
    """

    category = forms.CharField(label=_("Kategorie"), required=False)
    district = forms.CharField(label=_("Ortsratsbereich"), required=False)

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        fields: tuple[str, ...] | None = None,
        prefix: str | None = None,
    ) -> None:
        super().__init__(data, fields=fields, prefix=prefix)
        self._district_choices: list[tuple[str, str]] = []
        if "category" in self.fields:
            self.fields["category"].widget = forms.Select(
                choices=[("", _("Alle Kategorien")), *Category.choices]
            )
        if "district" in self.fields:
            self._district_choices = selectors.district_choices()
            self.fields["district"].widget = forms.Select(
                choices=[("", _("Alle Ortsratsbereiche")), *self._district_choices]
            )

    def clean_category(self) -> str:
        category = self.cleaned_data["category"].strip()
        if category and category not in Category.values:
            raise ValidationError(
                _("Die Kategorie „%(value)s“ gibt es nicht; es werden alle Kategorien gezeigt."),
                code=PoiFilterErrorCode.UNKNOWN_CATEGORY,
                params={"value": category[:50]},
            )
        return category

    def clean_district(self) -> str:
        slug = self.cleaned_data["district"].strip()
        if slug and slug not in {choice for choice, _name in self._district_choices}:
            raise ValidationError(
                _("Den Ortsratsbereich „%(value)s“ gibt es nicht; es werden alle Ortsratsbereiche gezeigt."),
                code=PoiFilterErrorCode.UNKNOWN_DISTRICT,
                params={"value": slug[:50]},
            )
        return slug

    def query(self) -> dict[str, str]:
        """Return the accepted filters as query parameters (bad ones left out)."""
        self.is_valid()  # validates once; fields that failed are not in cleaned_data
        return {name: self.cleaned_data[name] for name in self.fields if self.cleaned_data.get(name)}

    def selector_kwargs(self) -> dict[str, str]:
        """Return the accepted filters as keyword arguments of ``selectors.poi_list``."""
        query = self.query()
        kwargs = {}
        if "category" in query:
            kwargs["category"] = query["category"]
        if "district" in query:
            kwargs["district_slug"] = query["district"]
        return kwargs

    def error_messages(self) -> list[str]:
        """Return the German messages of the filters that were not applied, in field order."""
        self.is_valid()
        return [
            str(message) for field in self.fields if field in self.errors for message in self.errors[field]
        ]


def poi_layer_filter_form(data: QueryDict, prefix: str) -> PoiFilterForm:
    """Return the filter form of the "pois" layer on map pages (its field named ``<prefix>-category``)."""
    return PoiFilterForm(data, fields=("category",), prefix=prefix)


def poi_layer_filter(queryset: QuerySet[PointOfInterest], params: QueryDict) -> QuerySet[PointOfInterest]:
    """Narrow the "pois" layer to one ``category``; raise ``ValidationError`` for a category that does not exist."""
    form = PoiFilterForm(params, fields=("category",))
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    category = form.cleaned_data["category"]
    return queryset.filter(category=category) if category else queryset


# Smaller than the reports' markers (radius 8, white ring) and drawn with a dark outline, so places and reports
# never look alike; the fills are dark enough for 4.5:1 against light base maps and differ in hue by group.
POI_STYLE = {
    "radius": 6,
    "color": "#1a1033",
    "weight": 2,
    "opacity": 1,
    "fillColor": "#3949ab",
    "fillOpacity": 0.95,
}
POI_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        _("Bildung und Betreuung"),
        "#3949ab",
        (Category.KINDERGARTEN, Category.SCHOOL, Category.HIGHER_EDUCATION),
    ),
    (_("Sport"), "#0262a0", (Category.SPORTS_CENTRE,)),
    (
        _("Kultur und Begegnung"),
        "#8e24aa",
        (
            Category.COMMUNITY_CENTRE,
            Category.EVENT_VENUE,
            Category.MUSEUM,
            Category.LIBRARY,
            Category.MARKETPLACE,
        ),
    ),
)
POI_CATEGORY_STYLES = {
    str(category): {"fillColor": colour}
    for _group, colour, categories in POI_GROUPS
    for category in categories
}


def poi_legend() -> list[LegendEntry]:
    """Return one legend line per colour: the group and the categories drawn in it."""
    return [
        LegendEntry(
            label=gettext("%(group)s: %(categories)s")
            % {
                "group": group,
                "categories": ", ".join(str(Category(category).label) for category in categories),
            },
            style={**POI_STYLE, "fillColor": colour},
        )
        for group, colour, categories in POI_GROUPS
    ]


POIS_LAYER = register(
    MapLayer(
        name="pois",
        title=_("Öffentliche Einrichtungen"),
        queryset=poi_layer_queryset,
        serializer_class=PointOfInterestSerializer,
        geometry_field="location",
        style=POI_STYLE,
        style_property="category",
        feature_styles=POI_CATEGORY_STYLES,
        label_property=None,
        popup_property="name",
        popup_url_property="url",
        popup_detail_properties=("category_label", "address"),
        attribution=lambda: source_attribution(GeoDataSource.Layer.POIS),
        max_features_per_request=500,
        filter_queryset=poi_layer_filter,
        filter_form=poi_layer_filter_form,
        tile_fields={"id": "id", "name": "name", "category": "category"},
        legend=poi_legend,
        list_url=lambda: reverse("districts:pois"),
        city_map_order=40,
        city_map_visible=False,
    )
)
