"""Permission codes (R1.2) — the organisation's own, and the registry of every app's.

A role is data (:class:`kam.org.models.Role`): a code, a name, a *scope kind* and a list of
permission codes. Each app registers its codes, with the default roles that get them, under the
registry key ``permissions`` (:class:`kam.core.registry.PermissionCode`); after ``migrate`` the
default roles of :mod:`kam.org.roles` are synced from the registry. An admin may change a role's
permissions afterwards: the sync only adds codes a role has never been given by default.

The scope kind decides how far a grant reaches (R1.2/R1.3): ``own`` — what the user owns or
is seated on (for customers: owner or account-team member); ``unit`` — everything belonging to
the subtree of the org unit the role is granted at.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kam.core.registry import PermissionCode, registry

ORG_MANAGE = "org.manage"  # org units, users, role grants
CHANGELOG_ALL = "changelog.all"  # history of objects filed under no scoped parent (units, users, grants)

SCOPE_OWN = "own"
SCOPE_UNIT = "unit"

ORG_PERMISSIONS = (
    PermissionCode(ORG_MANAGE, _("Manage org units, users and role grants"), ("admin",), order=900),
    PermissionCode(CHANGELOG_ALL, _("See the change log of the organisation"), ("admin",), order=910),
)


def all_permissions() -> dict[str, object]:
    """Every registered code → its (lazy) label, in registry order."""
    return {p.code: p.label for p in registry["permissions"]}
