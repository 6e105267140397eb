"""Folium maps of aggregates: heatmap cells and choropleths, in graduated colours with a legend of class bounds.

The page computes the class breaks from the same figures it shows in its tables (so map and tables agree) and
passes the URL of the features; the browser fetches them (``maps/js/aggregate-layer.js``), so a page's weight
does not depend on the number of cells or areas. Palettes are ColorBrewer's sequential schemes, which stay
distinguishable for the common kinds of colour blindness and in greyscale (light = few, dark = many).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import folium
from django.utils.formats import number_format
from django.utils.translation import gettext

from maps.elements import AggregateGeoJsonLayer
from maps.folium_maps import Bounds, MapParts, platform_map, render_map

MAX_CLASSES = 5

# ColorBrewer 2.0 (Cynthia Brewer, Pennsylvania State University; Apache-2.0), sequential, by number of classes.
PALETTES: dict[str, dict[int, list[str]]] = {
    "YlOrRd": {
        1: ["#fd8d3c"],
        2: ["#fecc5c", "#e31a1c"],
        3: ["#ffeda0", "#feb24c", "#f03b20"],
        4: ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
        5: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    },
    "PuBu": {
        1: ["#74a9cf"],
        2: ["#a6bddb", "#2b8cbe"],
        3: ["#ece7f2", "#a6bddb", "#2b8cbe"],
        4: ["#f1eef6", "#bdc9e1", "#74a9cf", "#0570b0"],
        5: ["#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d"],
    },
}


def palette(name: str, classes: int) -> list[str]:
    """Return ``classes`` colours of the sequential palette ``name``, light to dark."""
    return list(PALETTES[name][max(1, min(classes, MAX_CLASSES))]) if classes else []


def _round_up(value: float, decimals: int) -> float:
    factor = 10**decimals
    return math.ceil(value * factor - 1e-9) / factor


def class_breaks(
    values: Sequence[float | None], *, classes: int = MAX_CLASSES, decimals: int = 0
) -> list[float]:
    """Return the upper bounds of up to ``classes`` quantile classes of ``values`` (missing values ignored).

    Bounds are rounded up to ``decimals`` places, so that every value lies at or below its class's bound as it
    is printed. With no more distinct values than classes, each value is a class of its own. The last bound is
    the largest value.
    """
    present = sorted(_round_up(float(value), decimals) for value in values if value is not None)
    if decimals == 0:
        present = [int(value) for value in present]
    if not present:
        return []
    distinct = sorted(set(present))
    if len(distinct) <= classes:
        return distinct
    bounds: list[float] = []
    for k in range(1, classes + 1):
        bound = present[math.ceil(k * len(present) / classes) - 1]
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    if bounds[-1] < present[-1]:
        bounds.append(present[-1])
    return bounds


def _number(value: float, decimals: int) -> str:
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def class_labels(breaks: Sequence[float], *, minimum: float | None = None, decimals: int = 0) -> list[str]:
    """Return the legend's text of each class: its bounds, in the active language's number format.

    Whole numbers: "1–2", "3–5", "6" (``minimum`` is the smallest value, the first class's lower bound).
    Decimals: "bis 1,5", "über 1,5 bis 3,2", …
    """
    labels = []
    for index, upper in enumerate(breaks):
        if decimals == 0:
            lower = (breaks[index - 1] + 1) if index else (minimum if minimum is not None else upper)
            if lower >= upper:
                labels.append(_number(upper, 0))
            else:
                labels.append(f"{_number(lower, 0)}–{_number(upper, 0)}")
        elif index == 0 and upper == 0:
            labels.append(_number(0, 0))  # a class of its own for "none at all", not "bis 0,0"
        elif index == 0:
            labels.append(gettext("bis %(upper)s") % {"upper": _number(upper, decimals)})
        else:
            labels.append(
                gettext("über %(lower)s bis %(upper)s")
                % {"lower": _number(breaks[index - 1], decimals), "upper": _number(upper, decimals)}
            )
    return labels


@dataclass(frozen=True)
class AggregateLayer:
    """One thematic layer of an aggregate map.

    ``values`` are the figures the features will carry in ``value_property`` (the page's own numbers): they
    decide the class breaks. ``popup_details`` are ``(property, label, decimals)`` shown below the value.
    """

    name: str
    title: str
    url: str
    value_property: str
    values: Sequence[float | None]
    legend_title: str
    value_label: str
    palette: str = "YlOrRd"
    decimals: int = 0
    popup_title_property: str | None = None
    popup_details: tuple[tuple[str, str, int], ...] = ()
    show: bool = True


def aggregate_layer_element(layer: AggregateLayer, *, overlay: bool = True) -> AggregateGeoJsonLayer:
    """Return the Folium element that fetches and draws ``layer`` in classes of its values."""
    breaks = class_breaks(layer.values, decimals=layer.decimals)
    present = [value for value in layer.values if value is not None]
    return AggregateGeoJsonLayer(
        name=layer.name,
        title=layer.title,
        url=layer.url,
        value_property=layer.value_property,
        breaks=breaks,
        colours=palette(layer.palette, len(breaks)),
        labels=class_labels(breaks, minimum=min(present) if present else None, decimals=layer.decimals),
        legend_title=layer.legend_title,
        value_label=layer.value_label,
        decimals=layer.decimals,
        popup_title_property=layer.popup_title_property,
        popup_details=layer.popup_details,
        no_data_label=gettext("keine Daten"),
        overlay=overlay,
        show=layer.show,
        messages={
            "loading": gettext("„%(title)s“ wird geladen …") % {"title": layer.title},
            "error": gettext("Die Ebene „%(title)s“ konnte nicht geladen werden.") % {"title": layer.title},
            "empty": gettext("„%(title)s“: keine Meldungen für diese Auswahl.") % {"title": layer.title},
        },
    )


def build_aggregate_map(
    *,
    layers: Sequence[AggregateLayer],
    bounds: Bounds | None = None,
    aria_label: str = "",
    height: str = "100%",
    overlays: Sequence[folium.map.Layer] = (),
) -> MapParts:
    """Build a map of aggregate ``layers`` and return its rendered parts.

    Several layers are alternatives (radio buttons in the layers control, one legend at a time); the first
    with ``show`` is on. ``overlays`` are other Folium layers added on top (e.g. outlines for orientation).
    """
    m = platform_map(bounds=bounds, height=height, aria_label=aria_label)
    alternatives = len(layers) > 1
    shown = next((layer.name for layer in layers if layer.show), None)
    for layer in layers:
        element = aggregate_layer_element(layer, overlay=not alternatives)
        # Exactly one alternative is on: a base-layer radio group must not start with two checked.
        element.show = layer.name == shown if alternatives else layer.show
        element.add_to(m)
    for overlay in overlays:
        overlay.add_to(m)
    if alternatives or overlays:
        folium.LayerControl(position="topright", collapsed=False).add_to(m)
    return render_map(m)
