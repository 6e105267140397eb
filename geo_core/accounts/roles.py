"""Platform-wide staff roles, held as Django groups (created by a data migration).

Department roles (case worker, lead) are memberships of a department (``districts.DepartmentMembership``);
these groups are the roles that span all departments.
"""

PLANNERS = "planners"  # see everything, change nothing
MODERATORS = "moderators"  # maintain categories, responsibilities, templates, labels
ADMINISTRATORS = "administrators"  # everything moderators do, plus departments and memberships

ALL_ROLES = (PLANNERS, MODERATORS, ADMINISTRATORS)
