"""Reads of the customer file. Every selector starts from ``restrict(user, action)``."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from kam.core.changes import ObjectChange

from .models import Contact, Customer


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


def customer_list(*, user, action: str = "view") -> QuerySet[Customer]:
    """Customers the user may see, with owner and team joined and a contact count per row
    (a correlated subquery, evaluated only for the rows of the page)."""
    return (
        Customer.objects.restrict(user, action)
        .select_related("owner", "team")
        .defer(
            "search_text",
            "main_business",
            "secondary_business",
            "advantages",
            "disadvantages",
            "countermeasures",
            "needs_analysis",
            "service_record",
            "notes",
        )
        .annotate(contact_count=_contact_count_subquery())
    )


def customer_get(*, user, pk: int, action: str = "view") -> Customer:
    """One customer in scope, else :class:`Customer.DoesNotExist` (→ 404)."""
    return Customer.objects.restrict(user, action).select_related("owner", "team", "created_by").get(pk=pk)


def contact_list(*, user, action: str = "view") -> QuerySet[Contact]:
    return Contact.objects.restrict(user, action).select_related("customer")


def customer_history(*, customer: Customer) -> QuerySet[ObjectChange]:
    """The customer's change log, its contacts' and its other children's included (R2 history)."""
    return ObjectChange.objects.filter(customer_id=customer.pk).select_related("actor", "content_type")


def changelog_list(*, user) -> QuerySet[ObjectChange]:
    """Changes the user may read: those filed under a customer in scope; the organisation's
    (users, units, grants) only with ``changelog.all``."""
    from kam.org import permissions as perms
    from kam.org.access import access_for

    access = access_for(user)
    qs = ObjectChange.objects.select_related("actor", "content_type")
    if access.has(perms.CHANGELOG_ALL) and access.sees_everything(perms.CHANGELOG_ALL):
        return qs
    if not access.has(perms.CUSTOMERS_VIEW):
        return qs.none()
    if access.sees_everything(perms.CUSTOMERS_VIEW):
        return qs.filter(customer_id__isnull=False)
    return qs.filter(customer_id__in=Customer.objects.restrict(user, "view").values("pk"))
