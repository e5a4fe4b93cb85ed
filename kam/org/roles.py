"""The default roles of R1.2 and their sync from the registry.

The roles themselves are the organisation's (R1.2 names them); what each may do comes from the
permission codes apps register (``PermissionCode.default_roles``). :func:`sync_default_roles`
runs after every ``migrate`` (a ``post_migrate`` handler, idempotent — no data migration
importing live code): it creates a missing default role and gives each role the registered
default codes it has **never** been given, remembering them in ``Role.seeded_permissions``, so
a code an administrator took away stays away and a new app's codes reach existing roles.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from kam.core.registry import registry

from .permissions import SCOPE_OWN, SCOPE_UNIT


@dataclass(frozen=True)
class DefaultRole:
    code: str
    name_zh: str
    name_en: str
    scope: str
    order: int
    duty: object  # what the role is there for, shown on the home page (R1.2 "sees / may")


DEFAULT_ROLES: tuple[DefaultRole, ...] = (
    DefaultRole(
        "specialist",
        "大客户专员",
        "Key-account specialist",
        SCOPE_OWN,
        10,
        _(
            "Your own key accounts and those of the project teams you are on: customer files, contacts, "
            "visits and requests."
        ),
    ),
    DefaultRole(
        "account_manager",
        "大客户经理",
        "Account manager",
        SCOPE_UNIT,
        20,
        _("Your team's key accounts: customer files, the team's requests and the grading of staff."),
    ),
    DefaultRole(
        "dept_manager",
        "大客户部经理",
        "Department manager",
        SCOPE_UNIT,
        30,
        _("Your department's key accounts: targets, approvals, staff evaluation and hiring proposals."),
    ),
    DefaultRole(
        "director",
        "客户总监",
        "Director",
        SCOPE_UNIT,
        40,
        _("The whole key-account organisation: development plans, target changes and penalties."),
    ),
    DefaultRole(
        "vp",
        "副总经理",
        "Vice president",
        SCOPE_UNIT,
        50,
        _("Everything: the top approvals and senior customer visits."),
    ),
    DefaultRole(
        "finance",
        "财务",
        "Finance",
        SCOPE_UNIT,
        60,
        _("Orders, payments, commissions and budgets (read), and closing pay periods."),
    ),
    DefaultRole("hr", "人力资源", "HR", SCOPE_UNIT, 70, _("Staff appraisals and pay.")),
    DefaultRole(
        "gift_admin",
        "礼品管理员",
        "Gift administrator",
        SCOPE_UNIT,
        80,
        _("Gift requests: checking them and issuing the gifts."),
    ),
    DefaultRole(
        "office_director",
        "办公室主任",
        "Office director",
        SCOPE_UNIT,
        90,
        _("Gift and reception requests: the final sign-off where configured."),
    ),
    DefaultRole(
        "admin",
        "系统管理员",
        "Administrator",
        SCOPE_UNIT,
        100,
        _("Configuration: org units, users and their role grants. No business approvals by default."),
    ),
)


def default_role(code: str) -> DefaultRole | None:
    return next((r for r in DEFAULT_ROLES if r.code == code), None)


def default_permissions(role_code: str) -> list[str]:
    """The registered codes role ``role_code`` gets by default, in registry order."""
    return [p.code for p in registry["permissions"] if role_code in p.default_roles]


def sync_default_roles(using: str = "default") -> dict[str, list[str]]:
    """Create missing default roles and add the default codes they were never given.
    Returns ``{role code: codes added}`` for the roles that changed."""
    from .models import Role

    changed: dict[str, list[str]] = {}
    for spec in DEFAULT_ROLES:
        role = Role.objects.using(using).filter(code=spec.code).first()
        if role is None:
            role = Role(
                code=spec.code,
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                scope=spec.scope,
                sort_order=spec.order,
                permissions=[],
                seeded_permissions=[],
            )
        seeded = set(role.seeded_permissions or ())
        new = [code for code in default_permissions(spec.code) if code not in seeded]
        if role.pk is not None and not new:
            continue
        current = list(role.permissions or ())
        role.permissions = current + [code for code in new if code not in current]
        role.seeded_permissions = sorted(seeded | set(new))
        role.save(using=using)
        changed[spec.code] = new
    return changed


def sync_after_migrate(sender, using="default", apps=None, **kwargs) -> None:
    """``post_migrate`` handler (connected in :class:`kam.org.apps.OrgConfig`). Skipped when the
    migrated state has no roles table in today's shape (a partial migrate to an old state)."""
    if apps is not None:
        try:
            state_role = apps.get_model("org", "Role")
        except LookupError:
            return
        if "seeded_permissions" not in {f.name for f in state_role._meta.get_fields()}:
            return
    sync_default_roles(using=using)
