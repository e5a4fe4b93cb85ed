"""Writes to the organisation (R1): org units, users and role grants.

Every service is keyword-only, atomic, requires ``org.manage`` of the actor, validates with the
model's own rules (``full_clean``) so bad input raises :class:`ValidationError` and changes
nothing, and leaves the change log to the model signals (:mod:`kam.core.changes`). Pages, the
API, commands and the importer all call these; the Django admin shows these records read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kam.core.context import attributed
from kam.core.security import services as security
from kam.core.validators import normalize_phone, validate_phone

from . import permissions as perms
from . import selectors
from .access import access_for, invalidate
from .models import OrgUnit, Role, RoleGrant, User

USER_FIELDS = ("username", "name", "email", "phone", "job_title", "unit")


def _require_manage(actor) -> None:
    if not access_for(actor).has(perms.ORG_MANAGE):
        raise PermissionDenied(_("You do not have permission to manage the organisation."))


def _text(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else value


def _require_active_unit(unit: OrgUnit | None, field: str) -> None:
    if unit is not None and not OrgUnit.objects.filter(pk=unit.pk, is_active=True).exists():
        raise ValidationError({field: [_("Choose an active org unit.")]})


# --- org units --------------------------------------------------------------------------------


@attributed
@transaction.atomic
def unit_create(*, actor: User, name: str, code: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    """Add an org unit under ``parent`` (or a new root when ``parent`` is None) (R1.1)."""
    _require_manage(actor)
    _require_active_unit(parent, "parent")
    unit = OrgUnit(name=_text(name), code=_text(code), kind=kind, parent=parent)
    unit.full_clean()
    unit.save()
    return unit


@attributed
@transaction.atomic
def unit_update(
    *, actor: User, unit: OrgUnit, name: str | None = None, code: str | None = None, kind: str | None = None
) -> OrgUnit:
    """Rename a unit or change its code or kind. Its place in the tree changes with :func:`unit_move`."""
    _require_manage(actor)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if name is not None:
        unit.name = _text(name)
    if code is not None:
        unit.code = _text(code)
    if kind is not None:
        unit.kind = kind
    unit.full_clean()
    unit.save()
    return unit


@attributed
@transaction.atomic
def unit_move(*, actor: User, unit: OrgUnit, parent: OrgUnit | None) -> OrgUnit:
    """Put ``unit`` (with its whole subtree) under ``parent``; ``None`` makes it a root.

    Refuses to move a unit under itself or one of its descendants (that would cut the subtree
    off the tree). ``OrgUnit.save`` re-paths the subtree, so scoping follows at once."""
    _require_manage(actor)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if parent is not None:
        parent = OrgUnit.objects.get(pk=parent.pk)
        if parent.pk == unit.pk or parent.path.startswith(unit.path):
            raise ValidationError(
                {"parent": [_("A unit cannot be moved under itself or one of its own sub-units.")]},
                code="cycle",
            )
        if not parent.is_active:
            raise ValidationError({"parent": [_("Choose an active org unit.")]})
    if (parent.pk if parent else None) == unit.parent_id:
        return unit
    unit.parent = parent
    unit.full_clean()
    unit.save()
    return unit


@attributed
@transaction.atomic
def unit_deactivate(*, actor: User, unit: OrgUnit) -> OrgUnit:
    """Deactivate a unit. Refused while it still has active customers, active members or active
    sub-units — the message says what is left, so it can be moved away first."""
    _require_manage(actor)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if not unit.is_active:
        raise ValidationError(_("The unit is already inactive."))
    blockers = selectors.unit_deactivation_blockers(unit=unit)
    if blockers:
        raise ValidationError(
            _(
                "“{unit}” cannot be deactivated: it still has {what}. Move them elsewhere or deactivate them first."
            ).format(unit=unit.name, what=_(", ").join(str(b) for b in blockers)),
            code="unit_in_use",
        )
    unit.is_active = False
    unit.save()
    return unit


@attributed
@transaction.atomic
def unit_activate(*, actor: User, unit: OrgUnit) -> OrgUnit:
    """Reactivate a unit; its parent must be active."""
    _require_manage(actor)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    parent = unit.parent
    if parent is not None and not parent.is_active:
        raise ValidationError(_("Activate the parent unit “{parent}” first.").format(parent=parent.name))
    if not unit.is_active:
        unit.is_active = True
        unit.save()
    return unit


# --- users -----------------------------------------------------------------------------------


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _clean_user(user: User) -> None:
    try:
        validate_phone(user.phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    user.phone = normalize_phone(user.phone)
    user.full_clean(exclude=["password"])


@attributed
@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    password: str,
    name: str = "",
    phone: str = "",
    job_title: str = "",
    email: str = "",
    unit: OrgUnit | None = None,
) -> User:
    """Create a user who can log in. The password must pass Django's password validators."""
    _require_manage(actor)
    _require_active_unit(unit, "unit")
    user = User(
        username=_text(username),
        name=_text(name),
        phone=_text(phone),
        job_title=_text(job_title),
        email=User.objects.normalize_email(_text(email)),
        unit=unit,
    )
    _clean_user(user)
    _validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


@attributed
@transaction.atomic
def user_update(*, actor: User, user: User, data: Mapping[str, Any]) -> User:
    """Edit a user's username, name, e-mail, phone, job title or home unit (keys of ``data``)."""
    _require_manage(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    for key in USER_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key == "unit":
            if value is not None and value.pk != user.unit_id:
                _require_active_unit(value, "unit")
            user.unit = value
        else:
            setattr(user, key, _text(value))
    user.email = User.objects.normalize_email(user.email)
    _clean_user(user)
    user.save()
    return user


@attributed
@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str) -> User:
    """Set a new password (validated by Django's password validators). The user's sessions and
    API token end with the old password (a reset after a leak locks the old holder out)."""
    _require_manage(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    security.end_access(user=user)
    return user


@attributed
@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Deactivate a user (R1.4): refused while the user still owns anything an app registered
    (``owned_items``: active customers, later open plans and requests) — nothing may be left
    owned by an inactive user. Ends the user's sessions and API token at once (issue 8 §7)."""
    _require_manage(actor)
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationError(_("The user is already inactive."))
    owned = selectors.owned_by(user=user)
    if owned:
        raise ValidationError(
            _(
                "{user} still owns {what}. Nothing may be left owned by an inactive user: hand them to a "
                "successor first."
            ).format(user=str(user), what=_(", ").join(o.text for o in owned)),
            code="owns_items",
        )
    user.is_active = False
    user.save()
    security.end_access(user=user)
    invalidate(user)
    return user


@attributed
@transaction.atomic
def user_activate(*, actor: User, user: User) -> User:
    _require_manage(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        user.is_active = True
        user.save()
    invalidate(user)
    return user


# --- role grants -----------------------------------------------------------------------------


@attributed
@transaction.atomic
def grant_add(*, actor: User, user: User, role: Role, unit: OrgUnit) -> RoleGrant:
    """Grant ``role`` to ``user`` at ``unit`` (it applies to the unit's subtree, R1.3)."""
    _require_manage(actor)
    _require_active_unit(unit, "unit")
    if RoleGrant.objects.filter(user=user, role=role, unit=unit).exists():
        raise ValidationError(
            _("{user} already holds the role “{role}” at {unit}.").format(
                user=str(user), role=str(role), unit=unit.name
            ),
            code="duplicate_grant",
        )
    grant = RoleGrant(user=user, role=role, unit=unit)
    grant.full_clean()
    grant.save()
    invalidate(user)
    return grant


@attributed
@transaction.atomic
def grant_remove(*, actor: User, grant: RoleGrant) -> None:
    """Take a role grant away. An administrator cannot remove their own last org-management
    grant (nobody could then give it back from the pages)."""
    _require_manage(actor)
    callers_user = grant._state.fields_cache.get("user")  # the caller's copy, if it was loaded
    grant = RoleGrant.objects.select_related("role", "user").get(pk=grant.pk)
    if grant.user_id == actor.pk and not actor.is_superuser and perms.ORG_MANAGE in (grant.role.permissions or ()):
        others = (
            RoleGrant.objects.filter(user_id=actor.pk, unit__is_active=True)
            .exclude(pk=grant.pk)
            .values_list("role__permissions", flat=True)
        )
        if not any(perms.ORG_MANAGE in (p or ()) for p in others):
            raise ValidationError(_("You cannot remove your own last grant that lets you manage the organisation."))
    user = grant.user
    grant.delete()
    for holder in (user, callers_user, actor if actor.pk == user.pk else None):
        if holder is not None:
            invalidate(holder)
