"""Reads of the customer file. Every selector starts from ``restrict(user, permission)``."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import pgettext_lazy

from kam.core.changes import ObjectChange
from kam.org.access import access_for
from kam.org.models import OrgUnit, User
from kam.org.permissions import SCOPE_UNIT

from . import permissions as perms
from .choices import Status
from .models import LONG_TEXT_FIELDS, Contact, Customer


def _contact_count_subquery():
    return Coalesce(
        Subquery(
            Contact.objects.filter(customer_id=OuterRef("pk"), archived_at=None)
            .order_by()
            .values("customer_id")
            .annotate(c=Count("pk"))
            .values("c")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def customer_list(*, user, permission: str = perms.CUSTOMERS_VIEW) -> QuerySet[Customer]:
    """Customers the user may act on with ``permission``, with owner and team joined and a
    contact count per row (a correlated subquery, evaluated only for the rows of the page);
    the file's long texts are left out."""
    return (
        Customer.objects.restrict(user, permission)
        .select_related("owner", "team")
        .defer("search_text", *LONG_TEXT_FIELDS)
        .annotate(contact_count=_contact_count_subquery())
    )


def customer_get(*, user, pk: int, permission: str = perms.CUSTOMERS_VIEW) -> Customer:
    """One customer in scope, else :class:`Customer.DoesNotExist` (→ 404)."""
    return Customer.objects.restrict(user, permission).select_related("owner", "team", "created_by").get(pk=pk)


def contact_list(*, user, permission: str = perms.CUSTOMERS_VIEW) -> QuerySet[Contact]:
    return Contact.objects.restrict(user, permission).select_related("customer")


def customer_history(*, customer: Customer) -> QuerySet[ObjectChange]:
    """The customer's change log, its contacts' and its other children's included (R2 history)."""
    return ObjectChange.objects.filed_under(customer).select_related("actor", "content_type")


def visible_customer_ids(user):
    """The ids of the customers ``user`` may view (a subquery), or None for all of them — how
    the change log is scoped for changes filed under a customer."""
    if access_for(user).sees_everything(perms.CUSTOMERS_VIEW):
        return None
    return Customer.objects.restrict(user, perms.CUSTOMERS_VIEW).values("pk")


def filter_owner_choices(user, visible: QuerySet[Customer]) -> QuerySet[User]:
    """Owner choices of the list filter: people in the user's unit scope and the owners of
    the customers the user can see — never the whole company."""
    q = access_for(user).unit_q(perms.CUSTOMERS_VIEW)
    people = User.objects.only("id", "name", "username").order_by("name", "username")
    if q is None:
        return people.filter(is_active=True)
    return people.filter(
        Q(is_active=True, unit__in=OrgUnit.objects.filter(q).values("pk"))
        | Q(pk__in=visible.order_by().values("owner_id"))
    )


def filter_team_choices(user, visible: QuerySet[Customer]) -> QuerySet[OrgUnit]:
    """Team choices of the list filter: units in the user's unit scope and the teams of the
    customers the user can see."""
    q = access_for(user).unit_q(perms.CUSTOMERS_VIEW)
    units = OrgUnit.objects.only("id", "name", "path").order_by("path")
    if q is None:
        return units.filter(is_active=True)
    return units.filter(q | Q(pk__in=visible.order_by().values("team_id")))


LOW_COMPLETENESS = 60  # % — files below this are listed for completion (R2.1)
SCOPE_LABELS = {
    "own": pgettext_lazy("scope of figures", "Mine"),
    "team": pgettext_lazy("scope of figures", "My team"),
    "department": pgettext_lazy("scope of figures", "My department"),
    "company": pgettext_lazy("scope of figures", "Company-wide"),
}


def _list_url(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return "{}?{}".format(reverse("customers:list"), query) if query else reverse("customers:list")


def scope_label(*, user) -> str:
    """本人 / 本团队 / 本部门 / 全公司 — how far the user's customer figures reach."""
    return str(SCOPE_LABELS.get(access_for(user).scope_label(perms.CUSTOMERS_VIEW), ""))


def figures(*, user) -> dict:
    """The customer file's headline figures in the user's scope, each with the list it opens
    (one aggregate query and one count)."""
    scoped = Customer.objects.restrict(user, perms.CUSTOMERS_VIEW)
    stats = scoped.aggregate(
        active=Count("pk", filter=Q(status=Status.ACTIVE)),
        archived=Count("pk", filter=Q(status=Status.ARCHIVED)),
        avg_completeness=Avg("completeness", filter=Q(status=Status.ACTIVE)),
        incomplete=Count("pk", filter=Q(status=Status.ACTIVE, completeness__lt=LOW_COMPLETENESS)),
    )
    stats["contacts"] = (
        Contact.objects.restrict(user, perms.CUSTOMERS_VIEW)
        .filter(customer__status=Status.ACTIVE, archived_at=None)
        .count()
    )
    if stats["avg_completeness"] is not None:
        stats["avg_completeness"] = round(stats["avg_completeness"])
    own_only = access_for(user).scope_label(perms.CUSTOMERS_VIEW) == "own"
    return {
        "stats": stats,
        "scope": scope_label(user=user),
        "urls": {
            "active": _list_url(),
            "archived": _list_url(status="archived"),
            "completeness": _list_url(ordering="completeness"),
            "incomplete": _list_url(completeness_max=LOW_COMPLETENESS - 1, ordering="completeness"),
            "mine": _list_url(view="mine"),
        },
        "own_only": own_only,
        "low_threshold": LOW_COMPLETENESS,
    }


def breakdown(*, user) -> dict:
    """Active customers by team (for those who see the whole company) or by owner (for unit
    managers), top 10, each bar opening the matching list — one grouped query."""
    access = access_for(user)
    active = Customer.objects.restrict(user, perms.CUSTOMERS_VIEW).filter(status=Status.ACTIVE)
    rows: list[dict] = []
    by = None
    if access.sees_everything(perms.CUSTOMERS_VIEW):
        by = "team"
        for r in (
            active.values("team_id", "team__name")
            .annotate(n=Count("pk"), avg=Avg("completeness"))
            .order_by("-n", "team__name")[:10]
        ):
            rows.append(
                {
                    "label": r["team__name"],
                    "n": r["n"],
                    "avg": round(r["avg"] or 0),
                    "url": _list_url(team=r["team_id"]),
                }
            )
    elif any(g.scope == SCOPE_UNIT for g in access.grants_for(perms.CUSTOMERS_VIEW)):
        by = "owner"
        for r in (
            active.values("owner_id", "owner__name", "owner__username")
            .annotate(n=Count("pk"), avg=Avg("completeness"))
            .order_by("-n", "owner__username")[:10]
        ):
            rows.append(
                {
                    "label": r["owner__name"] or r["owner__username"],
                    "n": r["n"],
                    "avg": round(r["avg"] or 0),
                    "url": _list_url(owner=r["owner_id"]),
                }
            )
    return {
        "breakdown": rows,
        "breakdown_by": by,
        "scope": scope_label(user=user),
        "chart_height": 40 + 28 * len(rows),
        "chart": {
            "labels": [b["label"] for b in rows],
            "values": [b["n"] for b in rows],
            "urls": [b["url"] for b in rows],
        },
    }


def incomplete_files(*, user, limit: int = 5) -> dict:
    """Active files below the completeness threshold (R2.1), least complete first."""
    listed = customer_list(user=user).filter(status=Status.ACTIVE, completeness__lt=LOW_COMPLETENESS)
    return {
        "low": list(listed.order_by("completeness", "name")[:limit]),
        "low_count": listed.count(),
        "low_threshold": LOW_COMPLETENESS,
        "low_url": _list_url(completeness_max=LOW_COMPLETENESS - 1, ordering="completeness"),
        "scope": scope_label(user=user),
    }


def untouched_customers(*, user, days: int, limit: int = 5) -> dict:
    """Active customers whose file nobody has changed for ``days`` days, the longest first."""
    since = timezone.now() - dt.timedelta(days=days)
    listed = customer_list(user=user).filter(status=Status.ACTIVE, updated_at__lt=since)
    return {
        "untouched": list(listed.order_by("updated_at", "id")[:limit]),
        "untouched_count": listed.count(),
        "untouched_days": days,
        "untouched_url": _list_url(untouched_days=days, ordering="updated_at"),
        "scope": scope_label(user=user),
    }
