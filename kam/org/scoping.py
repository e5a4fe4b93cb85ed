"""``restrict(user, "app.codename")`` for every domain model — the one scoping mechanism
(R1.2/R1.3; NetBox ``RestrictedQuerySet``).

A model opts in by using :class:`RestrictedManager` (or a manager built on
:class:`RestrictedQuerySet`) and declaring its **scope kind** in ``scope``::

    class Contact(ChangeLoggedModel):
        objects = RestrictedManager()
        scope = CustomerScope("customer__")

``Contact.objects.restrict(user, "customers.change")`` then means "contacts of the customers
this user may change": no such permission at all → ``none()`` (the view answers 403 first);
otherwise the scope kind's ``Q`` for the user's grants (outside it → 404).

A scope kind is any object with ``q(access, permission) -> Q`` (:class:`ScopeKind`). The kinds
of architecture.md: ``CustomerScope`` (in :mod:`kam.customers.scoping`: through the customer —
owner or account-team seat, or the customer's team in a granted subtree); ``PersonScope``,
``UnitScope`` and ``AnyOf`` arrive with their first models.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from django.db import models
from django.db.models import Q, QuerySet

from kam.core.changes import ChangeLoggedQuerySet

from .access import Access, access_for


@runtime_checkable
class ScopeKind(Protocol):
    def q(self, access: Access, permission: str) -> Q:
        """The rows ``access`` may act on with ``permission`` (called only when it has it)."""
        ...


class RestrictedQuerySet(ChangeLoggedQuerySet):
    def restrict(self, user, permission: str) -> QuerySet:
        """The rows ``user`` may act on with ``permission`` — an explicit ``"app.codename"``."""
        if not isinstance(permission, str) or "." not in permission:
            raise ValueError(f"restrict() takes an explicit permission codename 'app.codename', not {permission!r}")
        scope = getattr(self.model, "scope", None)
        if not isinstance(scope, ScopeKind):
            raise TypeError(f"{self.model.__name__} declares no scope kind (a `scope = …` attribute)")
        access = access_for(user)
        if not access.has(permission):
            return self.none()
        return self.filter(scope.q(access, permission))


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass


def units_in_scope(user, permission: str, *, own_units_too: bool = False) -> QuerySet:
    """Active org units inside the subtrees where ``user`` holds ``permission`` (the teams a
    user may choose for a record)."""
    from .models import OrgUnit

    q = access_for(user).unit_q(permission, own_units_too=own_units_too)
    qs = OrgUnit.objects.filter(is_active=True)
    return qs if q is None else qs.filter(q)


def users_in_scope(user, permission: str, *, own_units_too: bool = False) -> QuerySet:
    """Active users whose unit lies inside the subtrees where ``user`` holds ``permission``,
    and ``user`` themself (the people a user may assign a record to)."""
    from .models import OrgUnit, User

    q = access_for(user).unit_q(permission, own_units_too=own_units_too)
    qs = User.objects.filter(is_active=True).select_related("unit")
    if q is None:
        return qs
    return qs.filter(Q(unit__in=OrgUnit.objects.filter(q).values("pk")) | Q(pk=user.pk))
