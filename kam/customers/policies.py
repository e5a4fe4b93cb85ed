"""Who may do what to a customer (R1.2). Pages and API ask these; services enforce them again."""

from __future__ import annotations

from kam.org.access import access_for

from . import permissions as perms
from .models import Customer


def can_add_customer(user) -> bool:
    return access_for(user).has(perms.CUSTOMERS_ADD)


def can_change_customer(user, customer: Customer) -> bool:
    return (
        access_for(user).has(perms.CUSTOMERS_CHANGE)
        and not customer.is_archived
        and Customer.objects.restrict(user, perms.CUSTOMERS_CHANGE).filter(pk=customer.pk).exists()
    )


def can_archive_customer(user, customer: Customer) -> bool:
    return (
        access_for(user).has(perms.CUSTOMERS_ARCHIVE)
        and Customer.objects.restrict(user, perms.CUSTOMERS_ARCHIVE).filter(pk=customer.pk).exists()
    )


def can_reassign(user) -> bool:
    return access_for(user).has(perms.CUSTOMERS_REASSIGN)
