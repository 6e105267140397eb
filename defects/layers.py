"""The "reports" map layer: the public reports as circle markers, coloured by status, always fetched by bbox."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from defects.api.serializers import ReportFeatureSerializer
from defects.filters import report_layer_filter, report_layer_filter_form
from defects.models import ReportStatus
from defects.selectors import report_public_feature_properties, report_public_queryset, status_labels
from maps.registry import LegendEntry, MapLayer, register

# A white ring keeps every marker visible on light and dark base maps; the fills differ in lightness too, so
# statuses stay apart for people who do not tell red from green (the legend and the popups name them).
REPORT_STYLE = {"radius": 8, "color": "#ffffff", "weight": 2, "opacity": 1, "fillOpacity": 0.95}
OPEN_STYLE = {"fillColor": "#b00020"}
IN_PROGRESS_STYLE = {"fillColor": "#b35900"}
DONE_STYLE = {"fillColor": "#1e6b35"}
ENDED_STYLE = {"fillColor": "#4a4f57"}
REPORT_STATUS_STYLES = {
    ReportStatus.OPEN.value: OPEN_STYLE,
    ReportStatus.REOPENED.value: OPEN_STYLE,
    ReportStatus.IN_PROGRESS.value: IN_PROGRESS_STYLE,
    ReportStatus.RESOLVED.value: DONE_STYLE,
    ReportStatus.REJECTED.value: ENDED_STYLE,
    ReportStatus.DUPLICATE.value: ENDED_STYLE,
    ReportStatus.CLOSED.value: ENDED_STYLE,
}


def report_legend() -> list[LegendEntry]:
    """Return one legend line per colour, naming the statuses (with their public labels) drawn in it."""
    labels = status_labels()
    colours: dict[str, list[str]] = {}
    for status, style in REPORT_STATUS_STYLES.items():
        colours.setdefault(style["fillColor"], []).append(
            str(labels.get(status) or ReportStatus(status).label)
        )
    return [
        LegendEntry(label=" / ".join(names), style={**REPORT_STYLE, "fillColor": colour})
        for colour, names in colours.items()
    ]


REPORTS_LAYER = register(
    MapLayer(
        name="reports",
        title=_("Meldungen"),
        queryset=report_public_queryset,
        serializer_class=ReportFeatureSerializer,
        # Its pages are built in PostGIS: serialising 100 reports in Python costs several times their query.
        feature_properties=report_public_feature_properties,
        geometry_field="location",
        style=REPORT_STYLE,
        style_property="status",
        feature_styles=REPORT_STATUS_STYLES,
        label_property=None,
        popup_property="category_name",
        popup_url_property="url",
        popup_detail_properties=("status_label", "address_label"),
        # The reports are the platform's own data: nothing to credit.
        attribution=lambda: [],
        max_features_per_request=500,
        filter_queryset=report_layer_filter,
        filter_form=report_layer_filter_form,
        tile_fields={"id": "id", "status": "status", "category_slug": "category__slug"},
        # Below street level, single pins would hide each other: the city map shows counts per cell instead.
        cluster_below_zoom=15,
        legend=report_legend,
        list_url=lambda: reverse("defects:report_list"),
        city_map_order=50,
    )
)
