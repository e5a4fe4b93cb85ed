"""Who may do what, and where — the one scoping mechanism (R1.2, R1.3; architecture rule 2).

:func:`access_for` loads a user's role grants once per request (one query) into an
:class:`Access`. From it:

* :meth:`Access.has` answers "may this user do X anywhere?" — no → 403;
* :meth:`Access.customer_q` builds the Q object that limits a queryset to the customers the
  user may act on with permission X — outside it → 404.

Every domain model reaches the customer scope through :class:`kam.core.scoping.RestrictedQuerySet`
by naming the path from the model to its customer (``""`` for the customer itself,
``"customer__"`` for a contact, ``"order__customer__"`` for an order line …). So a later model
(orders, visits, requests …) gets scoping by declaring one attribute.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from . import permissions as perms


@dataclass(frozen=True)
class GrantInfo:
    role_code: str
    scope: str
    permissions: frozenset[str]
    unit_id: int
    unit_path: str


@dataclass
class Access:
    user_id: int | None
    is_superuser: bool = False
    grants: list[GrantInfo] = field(default_factory=list)

    @property
    def permissions(self) -> set[str]:
        if self.is_superuser:
            return set(perms.ALL_PERMISSIONS)
        out: set[str] = set()
        for g in self.grants:
            out |= g.permissions
        return out

    @property
    def role_codes(self) -> list[str]:
        seen: list[str] = []
        for g in self.grants:
            if g.role_code not in seen:
                seen.append(g.role_code)
        return seen

    def has(self, permission: str) -> bool:
        return self.is_superuser or any(permission in g.permissions for g in self.grants)

    def grants_for(self, permission: str) -> list[GrantInfo]:
        return [g for g in self.grants if permission in g.permissions]

    def sees_everything(self, permission: str) -> bool:
        """True when a grant for ``permission`` sits at a root unit (whole organisation)."""
        if self.is_superuser:
            return True
        return any(g.scope == perms.SCOPE_UNIT and g.unit_path.count(".") == 1 for g in self.grants_for(permission))

    def customer_q(self, permission: str, prefix: str = "") -> Q:
        """Q limiting a queryset whose customer is reached through ``prefix`` to the customers
        this user may act on with ``permission``. ``prefix`` is ``""`` for Customer itself."""
        if self.user_id is None:
            return Q(pk__in=[])
        if self.sees_everything(permission):
            return Q()
        q = Q(pk__in=[])
        own_added = False
        unit_paths = []
        for g in self.grants_for(permission):
            if g.scope == perms.SCOPE_OWN:
                if not own_added:
                    q |= self._own_q(prefix)
                    own_added = True
            else:
                unit_paths.append(g.unit_path)
        # drop paths covered by another path, then one subquery for all of them
        unit_paths = sorted(set(unit_paths))
        minimal = [p for p in unit_paths if not any(p != o and p.startswith(o) for o in unit_paths)]
        if minimal:
            from .models import OrgUnit

            path_q = Q(pk__in=[])
            for p in minimal:
                path_q |= Q(path__startswith=p)
            q |= Q(**{f"{prefix}team_id__in": OrgUnit.objects.filter(path_q).values("id")})
        return q

    def _own_q(self, prefix: str) -> Q:
        """Customers the user owns or sits on the account team of — as one ``id IN (… UNION
        ALL …)`` subquery: an ``owner = x OR id IN (…)`` would make SQLite scan the table."""
        from kam.customers.models import AccountTeamMember, Customer

        ids = (
            Customer.objects.order_by()
            .filter(owner_id=self.user_id)
            .values("id")
            .union(AccountTeamMember.objects.order_by().filter(user_id=self.user_id).values("customer_id"), all=True)
        )
        return Q(**{f"{prefix}id__in": ids})

    def units_for(self, permission: str) -> list[GrantInfo]:
        """Grants (with unit) where the user may exercise ``permission`` — for choosing a team."""
        return self.grants_for(permission)


ANONYMOUS = Access(user_id=None)


def access_for(user) -> Access:
    """The user's :class:`Access`, computed once and cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_kam_access", None)
    if cached is not None:
        return cached
    from .models import RoleGrant

    if not user.is_active:
        access = Access(user_id=user.pk)
    else:
        rows = (
            RoleGrant.objects.filter(user_id=user.pk, unit__is_active=True)
            .select_related("role", "unit")
            .order_by("role__sort_order", "unit__path")
        )
        access = Access(
            user_id=user.pk,
            is_superuser=user.is_superuser,
            grants=[
                GrantInfo(
                    role_code=g.role.code,
                    scope=g.role.scope,
                    permissions=frozenset(g.role.permissions or ()),
                    unit_id=g.unit_id,
                    unit_path=g.unit.path,
                )
                for g in rows
            ],
        )
    user._kam_access = access
    return access


def invalidate(user) -> None:
    if hasattr(user, "_kam_access"):
        del user._kam_access
