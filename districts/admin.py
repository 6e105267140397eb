"""Admin of the city's geography and organisation, with map widgets that need no internet."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from districts import selectors
from districts.boundaries import boundary_change_handlers_run
from districts.models import (
    City,
    Department,
    DepartmentMembership,
    District,
    GeoDataSource,
    PointOfInterest,
    Quarter,
    Street,
)
from districts.services import poi_areas_assign
from maps.widgets import PlatformMapWidget

# An empty geometry field opens on the city at this zoom level.
CITY_ZOOM = 11
# The fields that decide which area a point lies in (the outline; on a shared edge the tie rule).
LOCATING_FIELDS = frozenset({"geom", "official_id", "slug"})


class CityMapAdmin(GISModelAdmin):
    """GIS admin with the platform's map widget, opening on the city when a geometry is still empty."""

    gis_widget = PlatformMapWidget

    @property
    def gis_widget_kwargs(self) -> dict:
        bounds = selectors.city_bounds()
        if bounds is None:
            return {}
        west, south, east, north = bounds
        return {
            "attrs": {
                "default_lon": (west + east) / 2,
                "default_lat": (south + north) / 2,
                "default_zoom": CITY_ZOOM,
            }
        }


@admin.register(City)
class CityAdmin(CityMapAdmin):
    list_display = ("name", "slug", "official_id", "updated_at")
    search_fields = ("name", "slug", "official_id")
    prepopulated_fields = {"slug": ("name",)}


class QuarterInline(admin.TabularInline):
    model = Quarter
    fields = ("name", "slug", "kind", "area_km2")
    readonly_fields = ("area_km2",)
    extra = 0
    show_change_link = True


@admin.register(District)
class DistrictAdmin(CityMapAdmin):
    list_display = ("name", "kind", "area_km2", "city")
    list_filter = ("kind", "city")
    search_fields = ("name", "slug", "official_id")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("city",)
    inlines = [QuarterInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("city__geom")

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # After the inline quarters too, in the admin's transaction: the same path as the city import, so the
        # reports this outline now covers (or no longer does) are re-routed as they would be there.
        quarters_moved = any(
            LOCATING_FIELDS & set(inline.changed_data) or inline in formset.deleted_forms
            for formset in formsets
            for inline in formset.forms
        )
        if not change or LOCATING_FIELDS & set(form.changed_data) or quarters_moved:
            boundary_change_handlers_run(district_ids=[form.instance.pk])


@admin.register(Quarter)
class QuarterAdmin(CityMapAdmin):
    list_display = ("name", "district", "kind", "area_km2")
    list_filter = ("district",)
    search_fields = ("name", "slug", "official_id", "district__name")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("district",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("district__geom")

    def save_model(self, request, obj: Quarter, form, change: bool) -> None:
        old_district_id = form.initial.get("district") if change else None
        super().save_model(request, obj, form, change)
        if not change or (LOCATING_FIELDS | {"district"}) & set(form.changed_data):
            # Reports in the district it left and in the one it lies in may get another quarter.
            boundary_change_handlers_run(district_ids=[pk for pk in (old_district_id, obj.district_id) if pk])

    def delete_model(self, request, obj: Quarter) -> None:
        district_id = obj.district_id
        super().delete_model(request, obj)
        boundary_change_handlers_run(district_ids=[district_id])


@admin.register(Street)
class StreetAdmin(CityMapAdmin):
    list_display = ("name", "quarter", "district_name")
    list_filter = (("quarter__district", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "search_name")
    raw_id_fields = ("quarter",)
    list_select_related = ("quarter__district",)

    def get_queryset(self, request):
        # The list shows names only: the quarters' and districts' outlines stay in the database.
        return super().get_queryset(request).defer("quarter__geom", "quarter__district__geom")

    @admin.display(
        description=Quarter._meta.get_field("district").verbose_name, ordering="quarter__district__name"
    )
    def district_name(self, street: Street) -> str:
        return street.quarter.district.name if street.quarter else "–"


@admin.register(PointOfInterest)
class PointOfInterestAdmin(CityMapAdmin):
    """Places are imported from OSM (``manage.py import_city``); edits here are overwritten by the next import.

    District and quarter follow from the location: they are shown, not edited, and found again on every save.
    """

    list_display = ("name", "category", "district", "quarter", "wheelchair")
    list_filter = ("category", ("district", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "address", "operator")
    list_select_related = ("district", "quarter")
    fields = (
        "city",
        "name",
        "category",
        "address",
        "operator",
        "website",
        "wheelchair",
        "location",
        "osm_type",
        "osm_id",
        "osm_link",
        "district",
        "quarter",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("osm_link", "district", "quarter", "created_at", "updated_at")
    # Like the import: an address typed without scheme is read as https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        # The list shows names only: the districts' and quarters' outlines stay in the database.
        return super().get_queryset(request).defer("district__geom", "quarter__geom")

    @admin.display(description=_("auf OpenStreetMap"))
    def osm_link(self, poi: PointOfInterest) -> str:
        if poi.pk is None:
            return "–"
        return format_html('<a href="{}" rel="nofollow noopener external">{}</a>', poi.osm_url, poi.osm_url)

    def save_model(self, request, obj: PointOfInterest, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # The same rule as the import, so a moved place lands in the district a report there would.
        poi_areas_assign(city=obj.city, poi_ids=[obj.pk])


class DepartmentMembershipInline(admin.TabularInline):
    """The department's staff: case workers and leads."""

    model = DepartmentMembership
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    extra = 0


@admin.register(Department)
class DepartmentAdmin(CityMapAdmin):
    list_display = ("name", "kind", "is_active", "is_sample", "email")
    list_filter = ("kind", "is_active", "is_sample")
    search_fields = ("name", "slug", "email")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [DepartmentMembershipInline]


@admin.register(DepartmentMembership)
class DepartmentMembershipAdmin(admin.ModelAdmin):
    """Who works in which department, in what role (also editable on the department's page)."""

    list_display = ("user", "department", "role")
    list_filter = ("role", "department")
    search_fields = ("user__email", "user__first_name", "user__last_name", "department__name")
    autocomplete_fields = ("user", "department")
    list_select_related = ("user", "department")


@admin.register(GeoDataSource)
class GeoDataSourceAdmin(CityMapAdmin):
    """Read-only: sources are written by the import (``manage.py import_city``), never by hand."""

    list_display = ("layer", "city", "attribution", "license", "feature_count", "updated_at")
    list_filter = ("layer", "city")
    search_fields = ("attribution", "license", "file_name")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
