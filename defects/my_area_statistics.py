"""The section "Auswertung" on a planner's page "Mein Bereich": the way to the dashboard.

Registered from ``DefectsConfig.ready()``. Shown only to people who may see the dashboard
(``defects.view_statistics``: planners, administrators, superusers).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from geo_core.accounts.my_area import MyAreaSection, register_section

STATISTICS_SECTION = MyAreaSection(
    key="statistics",
    title=_("Auswertung"),
    template_name="defects/statistics/my_area.html",
    # Nothing to compute: the page only links to the dashboard (its figures cost queries of their own).
    get_context=lambda user: {},
    order=6,
    is_visible=lambda user: user.has_perm("defects.view_statistics"),
)
register_section(STATISTICS_SECTION)
