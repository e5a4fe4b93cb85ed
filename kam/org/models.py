"""Organisation (R1): the org tree, users, roles and role grants.

The org tree is stored with a materialised path (``path`` = ``"0001.0004.0012."``) so "this
unit and everything below it" is one indexed ``LIKE 'prefix%'`` — the basis of data scoping
(see :mod:`kam.org.access`).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.changes import ChangeLoggedModel, ChangeLoggedQuerySet

from . import permissions as perms


class OrgUnit(ChangeLoggedModel):
    """A node of the org tree of any depth (R1.1): company → region → city → department → team."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        REGION = "region", _("Region")
        BRANCH = "branch", _("City / branch")
        DEPARTMENT = "department", _("Department")
        TEAM = "team", _("Team")

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.TEAM)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("tree path"), max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    change_log_exclude = ChangeLoggedModel.change_log_exclude + ("path", "depth")

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        """Keep ``path``/``depth`` in step with ``parent``; moving a unit re-paths its subtree."""
        old_path = self.path
        if self.pk is None:
            super().save(*args, **kwargs)
            kwargs.pop("force_insert", None)
        parent_path = self.parent.path if self.parent_id else ""
        self.path = f"{parent_path}{self.pk:04d}."
        self.depth = self.path.count(".") - 1
        kwargs.pop("update_fields", None)
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            for unit in OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).order_by("path"):
                unit.path = self.path + unit.path[len(old_path) :]
                unit.depth = unit.path.count(".") - 1
                OrgUnit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)

    def ancestors(self) -> list[OrgUnit]:
        ids = [int(p) for p in self.path.strip(".").split(".") if p][:-1]
        by_id = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids)}
        return [by_id[i] for i in ids if i in by_id]

    def is_descendant_of(self, other: OrgUnit) -> bool:
        return self.path.startswith(other.path)


class KamUserManager(UserManager.from_queryset(ChangeLoggedQuerySet)):  # type: ignore[misc]
    """Django's user manager on a queryset that refuses unlogged bulk updates."""


class User(ChangeLoggedModel, AbstractUser):
    """A person who logs in. ``name`` is the full (Chinese) name shown everywhere."""

    name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    job_title = models.CharField(_("job title"), max_length=60, blank=True)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )

    objects = KamUserManager()

    change_log_exclude = ChangeLoggedModel.change_log_exclude + ("password", "last_login")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or super().get_full_name()

    def get_short_name(self) -> str:
        return self.name or self.username


class Role(ChangeLoggedModel):
    """A role (R1.2): what it may do (permission codes) and how far it sees (scope kind)."""

    class Scope(models.TextChoices):
        OWN = perms.SCOPE_OWN, _("Own accounts and account teams")
        UNIT = perms.SCOPE_UNIT, _("The granted unit and everything below it")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.UNIT)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)
    # the default codes this role has been given so far (kam.org.roles.sync_default_roles)
    seeded_permissions = models.JSONField(_("default permissions given"), default=list, blank=True, editable=False)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def name(self) -> str:
        return str(self)


class RoleGrant(ChangeLoggedModel):
    """A role held by a user at an org unit; applies to the unit's subtree (R1.3)."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="grants")
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="grants")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="grants")
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="uniq_role_grant")]
        ordering = ["user__username", "role__sort_order"]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} @ {self.unit}"
