"""The customer file plugged into the organisation (R1.3, R1.4): a team's customers block its
deactivation, a person's customers block theirs, and moving units or grants moves scope."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token

from kam.core.changes import ObjectChange
from kam.customers.models import Customer
from kam.customers.testing import CustomerFactory
from kam.org import services
from kam.org.access import access_for
from kam.org.models import OrgUnit, Role, RoleGrant, User
from kam.org.testing import make_user

pytestmark = pytest.mark.usefixtures("en")  # asserts on English message text


def role(code):
    return Role.objects.get(code=code)


def test_unit_move_repaths_the_subtree_and_moves_scope(world):
    p = world.p
    services.unit_move(actor=p.admin, unit=p.east_dept, parent=p.south)
    for u in (p.east_dept, p.team_a, p.team_b):
        u.refresh_from_db()
    assert p.east_dept.path.startswith(p.south.path)
    assert p.team_a.path == f"{p.east_dept.path}{p.team_a.pk:04d}."
    assert p.team_b.depth == 3
    # a south account manager now sees the east teams' customers; data access follows the tree
    outsider = p.outsider
    RoleGrant.objects.create(user=outsider, role=role("account_manager"), unit=p.south)
    names = set(Customer.objects.restrict(outsider, "customers.view").values_list("name", flat=True))
    assert world.c_sp1.name in names and world.c_south.name in names


def test_unit_deactivate_refuses_while_customers_members_children_remain(world):
    p = world.p
    with pytest.raises(ValidationError) as exc:
        services.unit_deactivate(actor=p.admin, unit=p.team_a)
    msg = " ".join(exc.value.messages)
    assert "2 active customers" in msg and "3 active members" in msg
    with pytest.raises(ValidationError) as exc:
        services.unit_deactivate(actor=p.admin, unit=p.east_dept)
    msg = " ".join(exc.value.messages)
    assert "2 active sub-units" in msg and "1 active member" in msg
    assert OrgUnit.objects.get(pk=p.team_a.pk).is_active


def test_unit_deactivate_allowed_when_empty_and_activate_again(world):
    p = world.p
    empty = services.unit_create(actor=p.admin, name="空组", code="empty", kind="team", parent=p.south_dept)
    services.unit_deactivate(actor=p.admin, unit=empty)
    empty.refresh_from_db()
    assert not empty.is_active
    with pytest.raises(ValidationError):
        services.unit_deactivate(actor=p.admin, unit=empty)
    services.unit_activate(actor=p.admin, unit=empty)
    empty.refresh_from_db()
    assert empty.is_active


def test_unit_deactivate_ignores_archived_customers_and_inactive_members(world):
    p = world.p
    Customer.objects.filter(team=p.team_s).logged_update(status="archived")
    User.objects.filter(unit=p.team_s).logged_update(is_active=False)
    services.unit_deactivate(actor=p.admin, unit=p.team_s)
    assert not OrgUnit.objects.get(pk=p.team_s.pk).is_active


def test_user_deactivate_refused_while_owning_active_customers(world):
    p = world.p
    with pytest.raises(ValidationError) as exc:
        services.user_deactivate(actor=p.admin, user=p.sp1)
    msg = " ".join(exc.value.messages)
    assert "1 active customer" in msg and "successor" in msg.lower()
    assert "Nothing may be left owned by an inactive user" in msg
    assert User.objects.get(pk=p.sp1.pk).is_active


def test_user_deactivate_removes_token_and_access(world):
    p = world.p
    Customer.objects.filter(owner=p.sp2).logged_update(status="archived")
    Token.objects.create(user=p.sp2)
    user = services.user_deactivate(actor=p.admin, user=p.sp2)
    assert not user.is_active
    assert not Token.objects.filter(user=p.sp2).exists()
    assert access_for(user).grants == []
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=p.admin, user=p.sp2)
    services.user_activate(actor=p.admin, user=p.sp2)
    assert User.objects.get(pk=p.sp2.pk).is_active


def test_grant_add_is_unique_and_invalidates_access(world):
    p = world.p
    user = p.outsider
    assert access_for(user).has("customers.view") is False  # cached now
    grant = services.grant_add(actor=p.admin, user=user, role=role("account_manager"), unit=p.team_s)
    assert grant.pk
    assert access_for(user).has("customers.view")  # cache was dropped
    assert set(Customer.objects.restrict(user, "customers.view").values_list("name", flat=True)) == {world.c_south.name}
    with pytest.raises(ValidationError) as exc:
        services.grant_add(actor=p.admin, user=user, role=role("account_manager"), unit=p.team_s)
    assert "already holds" in " ".join(exc.value.messages)
    assert RoleGrant.objects.filter(user=user).count() == 1
    assert ObjectChange.objects.filter(content_type__model="rolegrant", object_id=grant.pk, action="create").exists()


def test_customer_factory_still_counts_toward_guards(personas):
    """A customer created for a team keeps that team from being deactivated."""
    p = personas
    CustomerFactory(owner=p.sp_other, team=p.team_s)
    with pytest.raises(ValidationError) as exc:
        services.unit_deactivate(actor=p.admin, unit=p.team_s)
    assert "1 active customer" in " ".join(exc.value.messages)


# --- the organisation pages show what the customer file registered ------------------------------


def test_admin_sees_every_page(client, world):
    p = world.p
    client.force_login(p.admin)
    expect = {
        reverse("org:units"): ["华东一组", "east-kam", "unit-tree"],
        reverse("org:unit_create"): ["id_parent", "id_code"],
        reverse("org:unit_edit", args=[p.team_a.pk]): ["华东一组", "east-a"],
        reverse("org:unit_move", args=[p.team_a.pk]): ["id_parent", "华南大客户部"],
        reverse("org:unit_deactivate", args=[p.team_a.pk]): ["2 active customers", "3 active members"],
        reverse("org:users"): ["sp1", "张专员", "Key-account specialist · 华东一组"],
        reverse("org:user_create"): ["id_password1", "id_username"],
        reverse("org:user_detail", args=[p.sp1.pk]): ["张专员", "Key-account specialist", "id_role", "owned-items"],
        reverse("org:user_password", args=[p.sp2.pk]): ["id_password2"],
    }
    for url, needles in expect.items():
        resp = client.get(url)
        assert resp.status_code == 200, url
        html = resp.content.decode()
        for needle in needles:
            assert needle in html, (url, needle)
    assert client.get(reverse("org:index")).url == reverse("org:units")


def test_unit_tree_shows_indent_kind_and_counts(client, world):
    p = world.p
    client.force_login(p.admin)
    html = client.get(reverse("org:units")).content.decode()
    row_a = html.split('data-unit="east-a"')[1].split("</tr>")[0]
    # depth 3 → padding 4rem; team kind; 3 active members (sp1, sp2, am; not the inactive one); 2 active
    # customers; 4 grants (the inactive user's kept)
    assert "padding-left: 4rem" in row_a
    assert str(OrgUnit.Kind.TEAM.label) in row_a
    assert 'data-members="3"' in row_a and 'data-customers="2"' in row_a and 'data-grants="4"' in row_a
    row_b = html.split('data-unit="east-b"')[1].split("</tr>")[0]
    assert 'data-customers="2"' in row_b and 'data-members="0"' in row_b
    row_hq = html.split('data-unit="hq"')[1].split("</tr>")[0]
    assert 'data-members="7"' in row_hq and 'data-customers="0"' in row_hq and "padding-left: 1rem" in row_hq
    # the tree is in path order: 总部 first, 华南一组 after 华南大客户部
    assert html.index('data-unit="hq"') < html.index('data-unit="east"') < html.index('data-unit="east-a"')
    assert html.index('data-unit="south-kam"') < html.index('data-unit="south-a"')


def test_unit_tree_query_count_is_constant(client, world, django_assert_max_num_queries):
    p = world.p
    client.force_login(p.admin)
    client.get(reverse("org:units"))  # warm up (session, content types)
    with django_assert_max_num_queries(8) as ctx:
        client.get(reverse("org:units"))
    before = len(ctx.captured_queries)
    for i in range(15):
        unit = OrgUnit.objects.create(name=f"新组{i}", code=f"new-{i}", kind="team", parent=p.east_dept)
        make_user(f"extra{i}", unit=unit)
        CustomerFactory(owner=p.dm, team=unit)
    with django_assert_max_num_queries(before):
        resp = client.get(reverse("org:units"))
    assert "新组14" in resp.content.decode()


def test_unit_deactivate_page_blocked_then_allowed(client, world):
    p = world.p
    client.force_login(p.admin)
    resp = client.post(reverse("org:unit_deactivate", args=[p.team_a.pk]))
    assert resp.status_code == 200
    assert "2 active customers" in resp.content.decode()
    assert OrgUnit.objects.get(pk=p.team_a.pk).is_active
    empty = OrgUnit.objects.create(name="空组", code="empty", kind="team", parent=p.hq)
    resp = client.post(reverse("org:unit_deactivate", args=[empty.pk]))
    assert resp.status_code == 302
    assert not OrgUnit.objects.get(pk=empty.pk).is_active
    resp = client.post(reverse("org:unit_activate", args=[empty.pk]))
    assert resp.status_code == 302 and OrgUnit.objects.get(pk=empty.pk).is_active


def test_deactivate_refused_message_then_allowed(client, world):
    p = world.p
    client.force_login(p.admin)
    resp = client.post(reverse("org:user_deactivate", args=[p.sp1.pk]), follow=True)
    html = resp.content.decode()
    assert "Nothing may be left owned by an inactive user" in html
    assert User.objects.get(pk=p.sp1.pk).is_active
    resp = client.post(reverse("org:user_deactivate", args=[p.outsider.pk]), follow=True)
    assert not User.objects.get(pk=p.outsider.pk).is_active
    assert reverse("org:user_activate", args=[p.outsider.pk]) in resp.content.decode()
    client.post(reverse("org:user_activate", args=[p.outsider.pk]))
    assert User.objects.get(pk=p.outsider.pk).is_active
