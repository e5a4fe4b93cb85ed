"""Reads of the customer file. Every selector starts from ``restrict(user, permission)``."""

from __future__ import annotations

from django.db.models import Avg, Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

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
            Contact.objects.filter(customer_id=OuterRef("pk"))
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
    if q is None:
        return User.objects.filter(is_active=True).order_by("name", "username")
    return User.objects.filter(
        Q(is_active=True, unit__in=OrgUnit.objects.filter(q).values("pk"))
        | Q(pk__in=visible.order_by().values("owner_id"))
    ).order_by("name", "username")


def filter_team_choices(user, visible: QuerySet[Customer]) -> QuerySet[OrgUnit]:
    """Team choices of the list filter: units in the user's unit scope and the teams of the
    customers the user can see."""
    q = access_for(user).unit_q(perms.CUSTOMERS_VIEW)
    if q is None:
        return OrgUnit.objects.filter(is_active=True).order_by("path")
    return OrgUnit.objects.filter(q | Q(pk__in=visible.order_by().values("team_id"))).order_by("path")


LOW_COMPLETENESS = 60  # % — files below this are listed for completion (R2.1)


def dashboard(*, user) -> dict:
    """Counts, a breakdown and two short lists over the customers in the user's scope — for the
    home page; a fixed number of queries, each aggregated in the database."""
    access = access_for(user)
    scoped = Customer.objects.restrict(user, perms.CUSTOMERS_VIEW)
    stats = scoped.aggregate(
        active=Count("pk", filter=Q(status=Status.ACTIVE)),
        archived=Count("pk", filter=Q(status=Status.ARCHIVED)),
        avg_completeness=Avg("completeness", filter=Q(status=Status.ACTIVE)),
        incomplete=Count("pk", filter=Q(status=Status.ACTIVE, completeness__lt=LOW_COMPLETENESS)),
    )
    stats["contacts"] = (
        Contact.objects.restrict(user, perms.CUSTOMERS_VIEW).filter(customer__status=Status.ACTIVE).count()
    )
    if stats["avg_completeness"] is not None:
        stats["avg_completeness"] = round(stats["avg_completeness"])

    breakdown: list[dict] = []
    breakdown_by = None
    active = scoped.filter(status=Status.ACTIVE)
    if access.sees_everything(perms.CUSTOMERS_VIEW):
        breakdown_by = "team"
        rows = (
            active.values("team_id", "team__name")
            .annotate(n=Count("pk"), avg=Avg("completeness"))
            .order_by("-n", "team__name")[:10]
        )
        breakdown = [{"label": r["team__name"], "n": r["n"], "avg": round(r["avg"] or 0)} for r in rows]
    elif any(g.scope == SCOPE_UNIT for g in access.grants_for(perms.CUSTOMERS_VIEW)):
        breakdown_by = "owner"
        rows = (
            active.values("owner_id", "owner__name", "owner__username")
            .annotate(n=Count("pk"), avg=Avg("completeness"))
            .order_by("-n", "owner__username")[:10]
        )
        breakdown = [
            {"label": r["owner__name"] or r["owner__username"], "n": r["n"], "avg": round(r["avg"] or 0)} for r in rows
        ]

    listed = customer_list(user=user).filter(status=Status.ACTIVE)
    recent = list(listed.order_by("-updated_at", "-id")[:5])
    low = list(listed.filter(completeness__lt=LOW_COMPLETENESS).order_by("completeness", "name")[:5])
    return {
        "stats": stats,
        "breakdown": breakdown,
        "breakdown_by": breakdown_by,
        "chart_height": 40 + 28 * len(breakdown),
        "chart": {"labels": [b["label"] for b in breakdown], "values": [b["n"] for b in breakdown]},
        "recent": recent,
        "low": low,
        "low_threshold": LOW_COMPLETENESS,
    }
