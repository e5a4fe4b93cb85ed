"""What org asks of the apps above it through the registry (R1.2–R1.4): permission codes and the
default roles synced from them, what still uses a unit, what a person still owns — and the
scoping protocol and holders()."""

import pytest
from django.core.exceptions import ValidationError

from kam.core.registry import OwnedItems, PermissionCode, UnitUsage, registry
from kam.org import roles, selectors, services
from kam.org.models import OrgUnit, Role, User
from kam.org.scoping import RestrictedQuerySet

pytestmark = pytest.mark.usefixtures("en")


def test_default_roles_exist_after_migrate_with_the_registered_codes(db):
    assert set(Role.objects.values_list("code", flat=True)) == {r.code for r in roles.DEFAULT_ROLES}
    specialist = Role.objects.get(code="specialist")
    assert specialist.scope == "own"
    assert set(specialist.permissions) == set(roles.default_permissions("specialist"))
    assert set(Role.objects.get(code="admin").permissions) >= {"org.manage", "changelog.all"}


def test_a_new_apps_codes_reach_existing_roles_and_an_admins_removal_sticks(db):
    code = PermissionCode("visits.plan", "Plan visits", ("specialist", "account_manager"))
    with registry.temporary("permissions", code):
        changed = roles.sync_default_roles()
        assert changed == {"specialist": ["visits.plan"], "account_manager": ["visits.plan"]}
        assert "visits.plan" in Role.objects.get(code="specialist").permissions
        assert roles.sync_default_roles() == {}  # idempotent
        # an administrator takes it away again: the next sync leaves it away
        role = Role.objects.get(code="specialist")
        role.permissions = [p for p in role.permissions if p != "visits.plan"]
        role.save()
        roles.sync_default_roles()
        assert "visits.plan" not in Role.objects.get(code="specialist").permissions
        assert "visits.plan" in Role.objects.get(code="account_manager").permissions


def test_a_deleted_default_role_comes_back(db):
    Role.objects.filter(code="gift_admin").delete()
    assert roles.sync_default_roles() == {"gift_admin": roles.default_permissions("gift_admin")}
    assert Role.objects.get(code="gift_admin").name_zh == "礼品管理员"


def test_registered_unit_usage_blocks_deactivation(personas):
    p = personas
    usage = UnitUsage(
        key="kam-test-usage",
        heading="Widgets",
        count=lambda unit: 3 if unit.pk == p.team_b.pk else 0,
        describe=lambda n: f"{n} widgets",
        url=lambda unit: f"/widgets/?unit={unit.pk}",
    )
    with registry.temporary("unit_usage", usage):
        assert selectors.unit_deactivation_blockers(unit=p.team_b) == ["3 widgets"]
        [blocker] = selectors.unit_usages(unit=p.team_b)
        assert blocker.url == f"/widgets/?unit={p.team_b.pk}"
        with pytest.raises(ValidationError, match="3 widgets"):
            services.unit_deactivate(actor=p.admin, unit=p.team_b)
    assert OrgUnit.objects.get(pk=p.team_b.pk).is_active
    services.unit_deactivate(actor=p.admin, unit=p.team_b)  # nothing uses it any more
    assert not OrgUnit.objects.get(pk=p.team_b.pk).is_active


def test_registered_owned_items_block_a_users_deactivation(personas):
    p = personas
    owned = OwnedItems(
        key="kam-test-owned", count=lambda user: 2 if user.pk == p.sp2.pk else 0, describe=lambda n: f"{n} plans"
    )
    with registry.temporary("owned_items", owned):
        assert [o.text for o in selectors.owned_by(user=p.sp2)] == ["2 plans"]
        with pytest.raises(ValidationError, match="2 plans"):
            services.user_deactivate(actor=p.admin, user=p.sp2)
    assert User.objects.get(pk=p.sp2.pk).is_active


def test_holders_of_a_permission_for_a_unit(personas):
    p = personas
    # unit-scope grants at the unit or above; own-scope specialists are not holders
    assert set(selectors.holders("customers.archive", p.team_a)) == {p.am, p.dm, p.director, p.vp, p.admin}
    assert set(selectors.holders("customers.archive", p.team_s)) == {p.dm_south, p.director, p.vp, p.admin}
    assert set(selectors.holders("org.manage", p.team_a)) == {p.admin}
    assert list(selectors.holders("no.such", p.team_a)) == []


def test_restrict_takes_an_explicit_codename_and_a_declared_scope_kind(personas):
    qs = RestrictedQuerySet(model=OrgUnit)  # OrgUnit declares no scope kind
    with pytest.raises(ValueError, match="explicit permission codename"):
        qs.restrict(personas.sp1, "view")
    with pytest.raises(TypeError, match="declares no scope kind"):
        qs.restrict(personas.sp1, "customers.view")
