"""Who may maintain the city's organisation in the admin: administrators (rules answer ``user.has_perm``).

The geography (city, districts, quarters, streets, places, sources) has no rules on purpose: it comes from
``manage.py import_city``, and only superusers may correct it in the admin.
"""

import rules

from geo_core.accounts.rules import is_administrator, is_moderator

for _action in ("add", "change", "delete"):
    rules.add_perm(f"districts.{_action}_department", is_administrator)
for _action in ("view", "add", "change", "delete"):
    rules.add_perm(f"districts.{_action}_departmentmembership", is_administrator)
# Moderators see departments: they pick them when they maintain responsibilities.
rules.add_perm("districts.view_department", is_moderator | is_administrator)
