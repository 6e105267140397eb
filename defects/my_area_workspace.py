"""The section "Arbeitsbereich" on a staff member's page "Mein Bereich": the way into the department queue.

Registered from ``DefectsConfig.ready()``. Shown only to people whose role lets them see a queue.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from geo_core.accounts.my_area import MyAreaSection, register_section


def section_context(user) -> dict:
    from defects.workspace_selectors import QueueFilters, queue_for_user

    mine = queue_for_user(user=user, filters=QueueFilters(assignee="me"), cursor=None, limit=1)
    return {"counts": mine.counts_by_status, "assigned": sum(mine.counts_by_status.values())}


WORKSPACE_SECTION = MyAreaSection(
    key="workspace",
    title=_("Arbeitsbereich"),
    template_name="defects/workspace/my_area.html",
    get_context=section_context,
    order=5,
    is_visible=lambda user: user.has_perm("defects.view_queue"),
)
register_section(WORKSPACE_SECTION)
