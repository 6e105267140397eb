"""The city map pages: every registered layer on one map, and the same map for embedding in other sites.

Views only read the query and render; what the query means is ``maps.city_map``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.clickjacking import xframe_options_exempt

from maps.city_map import CityMapChoice, city_map_choice, map_extent
from maps.folium_maps import MapParts, build_map


def _city_map_parts(choice: CityMapChoice, *, locate: bool = True) -> MapParts:
    layers = [layer_choice.layer for layer_choice in choice.layers]
    return build_map(
        layers=layers,
        bounds=map_extent(layers=layers),
        hidden_layers=choice.hidden_names,
        layer_filters=choice.layer_filters,
        aria_label=gettext("Stadtkarte mit allen Ebenen"),
        locate=locate,
    )


def city_map(request: HttpRequest) -> HttpResponse:
    """Show the city map: a layer switcher, filters, a legend, lists as the other way, and its embed code."""
    choice = city_map_choice(query=request.GET)
    query_string = choice.query_string()
    embed_url = request.build_absolute_uri(f"{reverse('maps:embed')}?{query_string}")
    return render(
        request,
        "maps/city_map.html",
        {
            "map": _city_map_parts(choice),
            "choice": choice,
            "embed_url": embed_url,
            "embed_base_url": request.build_absolute_uri(reverse("maps:embed")),
        },
    )


@xframe_options_exempt
def city_map_embed(request: HttpRequest) -> HttpResponse:
    """Show the city map alone, for an ``<iframe>`` on another site, with the layers and filters of the URL."""
    choice = city_map_choice(query=request.GET)
    response = render(
        request,
        "maps/embed.html",
        {
            "map": _city_map_parts(choice, locate=False),
            "choice": choice,
            "full_map_url": request.build_absolute_uri(f"{reverse('maps:city_map')}?{choice.query_string()}"),
        },
    )
    # Which sites may frame the map is the city's choice (e.g. "https://www.wolfsburg.de"); X-Frame-Options
    # cannot name sites, the CSP directive can.
    response["Content-Security-Policy"] = f"frame-ancestors {settings.MAP_EMBED_FRAME_ANCESTORS}"
    return response
