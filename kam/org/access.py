"""Who may do what, and where — the grants half of the one scoping mechanism (R1.2, R1.3).

:func:`access_for` loads a user's role grants once per request (one query) into an
:class:`Access`. From it:

* :meth:`Access.has` answers "may this user do X anywhere?" — no → 403;
* the scope kinds (:mod:`kam.org.scoping`) turn the grants for X into the ``Q`` that limits a
  queryset to what the user may act on with X — outside it → 404. They read the grants through
  :meth:`Access.sees_everything`, :meth:`Access.has_own` and :meth:`Access.unit_ids`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from . import permissions as perms


@dataclass(frozen=True)
class GrantInfo:
    role_code: str
    scope: str
    permissions: frozenset[str]
    unit_id: int
    unit_path: str
    unit_kind: str = ""


@dataclass
class Access:
    user_id: int | None
    is_superuser: bool = False
    grants: list[GrantInfo] = field(default_factory=list)

    @property
    def permissions(self) -> set[str]:
        if self.is_superuser:
            return set(perms.all_permissions())
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
        """True when a unit-scope grant for ``permission`` sits at a root unit (the whole
        organisation), or for a superuser."""
        if self.is_superuser:
            return True
        return any(g.scope == perms.SCOPE_UNIT and g.unit_path.count(".") == 1 for g in self.grants_for(permission))

    def has_own(self, permission: str) -> bool:
        """True when an ``own``-scope grant gives ``permission`` (the user's own records)."""
        return any(g.scope == perms.SCOPE_OWN for g in self.grants_for(permission))

    def unit_paths(self, permission: str, *, own_units_too: bool = False) -> list[str]:
        """The minimal set of unit paths whose subtrees unit-scope grants for ``permission``
        cover (with ``own_units_too`` the units of own-scope grants count as well)."""
        paths = sorted(
            {
                g.unit_path
                for g in self.grants_for(permission)
                if g.scope == perms.SCOPE_UNIT or (own_units_too and g.scope == perms.SCOPE_OWN)
            }
        )
        return [p for p in paths if not any(p != o and p.startswith(o) for o in paths)]

    def unit_q(self, permission: str, *, path_field: str = "path", own_units_too: bool = False) -> Q | None:
        """Q on an org-unit path field for the covered subtrees; ``None`` means the whole
        organisation; a user covering nothing gets ``Q(pk__in=[])``."""
        if self.sees_everything(permission):
            return None
        q = Q(pk__in=[])
        for p in self.unit_paths(permission, own_units_too=own_units_too):
            q |= Q(**{f"{path_field}__startswith": p})
        return q

    def scope_label(self, permission: str) -> str:
        """How far ``permission`` reaches, for labelling figures (本人 / 本团队 / 本部门 / 全公司):
        ``"company"``, ``"department"`` (a department, branch or region), ``"team"``, ``"own"``
        or ``""`` (nothing)."""
        if self.sees_everything(permission):
            return "company"
        kinds = {g.unit_kind for g in self.grants_for(permission) if g.scope == perms.SCOPE_UNIT}
        if kinds - {"team"}:
            return "department"
        if kinds:
            return "team"
        return "own" if self.has_own(permission) else ""

    def unit_ids(self, permission: str, *, own_units_too: bool = False) -> QuerySet | None:
        """A subquery of the ids of the org units covered by unit-scope grants for
        ``permission`` (one ``path LIKE 'p%'`` per minimal path); ``None`` if they cover none."""
        paths = self.unit_paths(permission, own_units_too=own_units_too)
        if not paths:
            return None
        from .models import OrgUnit

        q = Q(pk__in=[])
        for p in paths:
            q |= Q(path__startswith=p)
        return OrgUnit.objects.filter(q).values("id")


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
                    unit_kind=g.unit.kind,
                )
                for g in rows
            ],
        )
    user._kam_access = access
    return access


def invalidate(user) -> None:
    if hasattr(user, "_kam_access"):
        del user._kam_access
