"""``restrict(user, action)`` for every domain model (NetBox ``RestrictedQuerySet``).

A model opts in by using :class:`RestrictedManager` and naming, in ``scope_customer_prefix``,
the ORM path from itself to its customer (``""`` for Customer, ``"customer__"`` for Contact).
The permission checked is ``scope_permission_prefix + "." + action`` (default app
``customers``), so ``Contact.objects.restrict(user, "change")`` means "contacts of the
customers this user may change".
"""

from __future__ import annotations

from django.db import models

from kam.org.access import access_for


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        model = self.model
        prefix = getattr(model, "scope_customer_prefix", "")
        perm_app = getattr(model, "scope_permission_app", "customers")
        permission = action if "." in action else f"{perm_app}.{action}"
        access = access_for(user)
        if not access.has(permission):
            return self.none()
        return self.filter(access.customer_q(permission, prefix))


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)
