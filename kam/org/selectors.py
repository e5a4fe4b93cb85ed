"""Reads of the organisation (R1): the unit tree with counts, the user list, org statistics.

Counts are aggregated in the database (correlated subqueries), so a page costs the same number
of queries however many units, users or customers there are.
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import ngettext

from .models import OrgUnit, Role, RoleGrant, User

ACTIVE_CUSTOMER = "active"  # kam.customers.choices.Status.ACTIVE (kept literal: no import cycle)


def _count(queryset: QuerySet, fk: str) -> Coalesce:
    """A correlated ``COUNT(*)`` of ``queryset`` rows whose ``fk`` is the outer row."""
    return Coalesce(
        Subquery(
            queryset.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(c=Count("pk")).values("c")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _customers():
    from kam.customers.models import Customer

    return Customer.objects


def unit_tree() -> QuerySet[OrgUnit]:
    """Every unit in tree order (``path``), with its parent and its counts of active members,
    active customers (of which it is the team) and active sub-units."""
    return (
        OrgUnit.objects.select_related("parent")
        .annotate(
            member_count=_count(User.objects.filter(is_active=True), "unit"),
            customer_count=_count(_customers().filter(status=ACTIVE_CUSTOMER), "team"),
            child_count=_count(OrgUnit.objects.filter(is_active=True), "parent"),
            grant_count=_count(RoleGrant.objects.all(), "unit"),
        )
        .order_by("path")
    )


def unit_choices(*, active_only: bool = True) -> QuerySet[OrgUnit]:
    qs = OrgUnit.objects.order_by("path")
    return qs.filter(is_active=True) if active_only else qs


def unit_deactivation_blockers(*, unit: OrgUnit) -> list[str]:
    """What keeps ``unit`` from being deactivated, as readable phrases (empty → it may go)."""
    counts = {
        "customers": _customers().filter(team_id=unit.pk, status=ACTIVE_CUSTOMER).count(),
        "members": User.objects.filter(unit_id=unit.pk, is_active=True).count(),
        "children": OrgUnit.objects.filter(parent_id=unit.pk, is_active=True).count(),
    }
    out = []
    if counts["customers"]:
        n = counts["customers"]
        out.append(ngettext("%(n)d active customer", "%(n)d active customers", n) % {"n": n})
    if counts["members"]:
        n = counts["members"]
        out.append(ngettext("%(n)d active member", "%(n)d active members", n) % {"n": n})
    if counts["children"]:
        n = counts["children"]
        out.append(ngettext("%(n)d active sub-unit", "%(n)d active sub-units", n) % {"n": n})
    return out


def active_customers_owned(*, user: User) -> int:
    """How many active customers ``user`` owns (R1.4: none may remain when they leave)."""
    return _customers().filter(owner_id=user.pk, status=ACTIVE_CUSTOMER).count()


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
