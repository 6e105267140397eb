"""Pages of the city's geography: the map of the districts, the list of places and the sources of the geodata."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from districts import selectors
from districts.layers import DISTRICTS_LAYER, QUARTERS_LAYER, PoiFilterForm, source_attribution
from districts.models import GeoDataSource
from districts.selectors import current_city
from maps.folium_maps import build_map


def district_map(request: HttpRequest) -> HttpResponse:
    """Show the districts on a map fitted to the city, and the same content as a list beside it."""
    city = current_city()
    context: dict[str, object] = {"city": city, "map": None, "districts": []}
    if city is not None:
        context["districts"] = selectors.districts_with_quarters(city=city)
        context["map"] = build_map(
            layers=[DISTRICTS_LAYER, QUARTERS_LAYER],
            hidden_layers={QUARTERS_LAYER.name},
            bounds=selectors.city_bounds(city=city),
            aria_label=gettext("Karte der Ortsratsbereiche von %(city)s") % {"city": city.name},
        )
    return render(request, "districts/map.html", context)


def data_sources(request: HttpRequest) -> HttpResponse:
    """List where the geodata came from, under which licence, and the base map's attribution."""
    city = current_city()
    return render(
        request,
        "districts/data_sources.html",
        {
            "city": city,
            "sources": selectors.data_sources(city=city),
            # Configured by the operator in settings, HTML by design (links to the tile provider).
            "base_map_attribution": mark_safe(settings.MAP_TILE_ATTRIBUTION),  # noqa: S308
        },
    )


def poi_list(request: HttpRequest) -> HttpResponse:
    """List the city's places by category, filtered by category and district through a plain GET form.

    Each place is an anchor (``#poi-<id>``) that the map popups link to. A filter value that does not exist is
    named above the form and left out; the page never fails on a bad link.
    """
    city = current_city()
    form = PoiFilterForm(request.GET)
    pois = selectors.poi_list(**form.selector_kwargs())
    return render(
        request,
        "districts/pois.html",
        {
            "city": city,
            "form": form,
            "query": form.query(),
            "filter_errors": form.error_messages(),
            "pois": pois,
            "attribution": source_attribution(GeoDataSource.Layer.POIS),
        },
    )
