"""Reads of the organisation (R1): the unit tree with counts, the user list, org statistics,
what still uses a unit or is still owned by a user, and who holds a permission for a unit.

Counts are aggregated in the database (correlated subqueries), so a page costs the same number
of queries however many units, users or customers there are. What *other* apps keep on a unit
or a user (a team's customers, a person's accounts) comes from the registry keys ``unit_usage``
and ``owned_items`` — org never imports the apps above it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kam.core.registry import OwnedItems, UnitUsage, registry

from . import permissions as perms
from .models import OrgUnit, Role, RoleGrant, User


def count_per_unit(queryset: QuerySet, fk: str) -> Coalesce:
    """A correlated ``COUNT(*)`` of ``queryset`` rows whose ``fk`` is the outer row (for a
    :class:`~kam.core.registry.UnitUsage` annotation)."""
    return Coalesce(
        Subquery(
            queryset.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(c=Count("pk")).values("c")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _members_url(unit: OrgUnit) -> str:
    query = urlencode({"unit": str(unit.pk), "direct": "on", "status": "active"})
    return "{}?{}".format(reverse("org:users"), query)


# org's own usages of a unit (registered in OrgConfig.ready like every app's)
ORG_UNIT_USAGES = (
    UnitUsage(
        key="members",
        heading=_("Active members"),
        count=lambda unit: User.objects.filter(unit_id=unit.pk, is_active=True).count(),
        describe=lambda n: ngettext("%(n)d active member", "%(n)d active members", n) % {"n": n},
        annotation=lambda: count_per_unit(User.objects.filter(is_active=True), "unit"),
        url=_members_url,
        order=10,
    ),
    UnitUsage(
        key="children",
        heading=_("Active sub-units"),
        count=lambda unit: OrgUnit.objects.filter(parent_id=unit.pk, is_active=True).count(),
        describe=lambda n: ngettext("%(n)d active sub-unit", "%(n)d active sub-units", n) % {"n": n},
        order=90,
    ),
    UnitUsage(
        key="grants",
        heading=_("Role grants"),
        count=lambda unit: RoleGrant.objects.filter(unit_id=unit.pk).count(),
        describe=lambda n: ngettext("%(n)d role grant", "%(n)d role grants", n) % {"n": n},
        annotation=lambda: count_per_unit(RoleGrant.objects.all(), "unit"),
        blocks_deactivation=False,
        order=95,
    ),
)


def unit_columns() -> list[UnitUsage]:
    """The usages shown as columns of the unit tree (those with an annotation)."""
    return [u for u in registry["unit_usage"] if u.annotation is not None]


def unit_tree() -> QuerySet[OrgUnit]:
    """Every unit in tree order (``path``), with its parent and one count per usage column
    (``usage_<key>``) — one query however many units and usages."""
    return (
        OrgUnit.objects.select_related("parent")
        .annotate(**{f"usage_{u.key}": u.annotation() for u in unit_columns()})  # type: ignore[misc]
        .order_by("path")
    )


def unit_choices(*, active_only: bool = True) -> QuerySet[OrgUnit]:
    qs = OrgUnit.objects.order_by("path")
    return qs.filter(is_active=True) if active_only else qs


@dataclass(frozen=True)
class Usage:
    key: str
    count: int
    text: str
    url: str | None


def unit_usages(*, unit: OrgUnit, blocking_only: bool = True) -> list[Usage]:
    """What uses ``unit`` (registered usages with a non-zero count)."""
    out = []
    for usage in registry["unit_usage"]:
        if blocking_only and not usage.blocks_deactivation:
            continue
        n = usage.count(unit)
        if n:
            out.append(Usage(usage.key, n, usage.describe(n), usage.url(unit) if usage.url else None))
    return out


def unit_deactivation_blockers(*, unit: OrgUnit) -> list[str]:
    """What keeps ``unit`` from being deactivated, as readable phrases (empty → it may go)."""
    return [u.text for u in unit_usages(unit=unit)]


def owned_by(*, user: User) -> list[Usage]:
    """What ``user`` still owns (R1.4: nothing may be left owned by an inactive user)."""
    out = []
    item: OwnedItems
    for item in registry["owned_items"]:
        n = item.count(user)
        if n:
            out.append(Usage(item.key, n, item.describe(n), item.url(user) if item.url else None))
    return out


def holders(permission: str, unit: OrgUnit) -> QuerySet[User]:
    """Active users who hold ``permission`` for ``unit`` through a unit-scope grant at the unit
    or one of its ancestors (R1.3) — e.g. who may approve a request of that unit."""
    ancestor_paths = [unit.path[: i + 1] for i, ch in enumerate(unit.path) if ch == "."]
    role_ids = [
        pk
        for pk, codes in Role.objects.filter(scope=perms.SCOPE_UNIT).values_list("pk", "permissions")
        if permission in (codes or ())
    ]
    grants = RoleGrant.objects.filter(role_id__in=role_ids, unit__is_active=True, unit__path__in=ancestor_paths)
    return User.objects.filter(is_active=True, pk__in=grants.values("user_id")).order_by("username")


def _grants_prefetch() -> Prefetch:
    return Prefetch(
        "grants",
        queryset=RoleGrant.objects.select_related("role", "unit").order_by("role__sort_order", "unit__path"),
    )


def user_list(
    *,
    q: str = "",
    unit: OrgUnit | None = None,
    direct: bool = False,
    role: Role | None = None,
    status: str = "",
) -> QuerySet[User]:
    """Users matching a search (username or name), in ``unit``'s subtree (or ``unit`` itself
    when ``direct``), holding ``role``,
    active/inactive — with unit and role grants loaded (two more queries per page, not per row)."""
    qs = User.objects.select_related("unit").prefetch_related(_grants_prefetch()).order_by("username")
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(name__icontains=q))
    if unit is not None:
        qs = qs.filter(unit=unit) if direct else qs.filter(unit__path__startswith=unit.path)
    if role is not None:
        qs = qs.filter(pk__in=RoleGrant.objects.filter(role=role).values("user_id"))
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    return qs


def user_get(*, pk: int) -> User:
    return User.objects.select_related("unit").prefetch_related(_grants_prefetch()).get(pk=pk)


def grants_of(*, user: User) -> list[RoleGrant]:
    """The user's role grants with role and unit (one query)."""
    return list(
        RoleGrant.objects.filter(user_id=user.pk)
        .select_related("role", "unit")
        .order_by("role__sort_order", "unit__path")
    )


def org_stats() -> dict[str, int]:
    """Numbers for the admin's home page: active units, active users, role grants."""
    return {
        "units": OrgUnit.objects.filter(is_active=True).count(),
        "users": User.objects.filter(is_active=True).count(),
        "grants": RoleGrant.objects.filter(user__is_active=True, unit__is_active=True).count(),
    }
