"""``CustomerScope`` — the scope kind of everything reached through a customer (R1.2/R1.3):
customers, contacts, yearly sales, account-team seats; later orders, visits, opportunities,
contracts, complaints. See :mod:`kam.org.scoping` for the mechanism."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q

from kam.org.access import Access


@dataclass(frozen=True)
class CustomerScope:
    """Rows whose customer (reached through ``prefix``: ``""`` for Customer itself,
    ``"customer__"`` for a contact, ``"order__customer__"`` for an order line) the user may act
    on: for an ``own``-scope grant the customers the user owns or sits on the account team of;
    for a ``unit``-scope grant those whose team lies in the granted unit's subtree; a grant at
    a root unit reaches every customer."""

    prefix: str = ""

    def q(self, access: Access, permission: str) -> Q:
        if access.user_id is None:
            return Q(pk__in=[])
        if access.sees_everything(permission):
            return Q()
        q = Q(pk__in=[])
        if access.has_own(permission):
            q |= self._own_q(access.user_id)
        units = access.unit_ids(permission)
        if units is not None:
            q |= Q(**{f"{self.prefix}team_id__in": units})
        return q

    def _own_q(self, user_id: int) -> Q:
        """Customers the user owns or sits on the account team of — as one ``id IN (… UNION
        ALL …)`` subquery: an ``owner = x OR id IN (…)`` would make SQLite scan the table."""
        # the models by name, not by import: models.py imports this module to declare its scope
        Customer = apps.get_model("customers", "Customer")  # noqa: N806
        AccountTeamMember = apps.get_model("customers", "AccountTeamMember")  # noqa: N806
        ids = (
            Customer.objects.order_by()
            .filter(owner_id=user_id)
            .values("id")
            .union(AccountTeamMember.objects.order_by().filter(user_id=user_id).values("customer_id"), all=True)
        )
        return Q(**{f"{self.prefix}id__in": ids})
