"""Organisation services (R1): every rule, its refusals, and that the change log follows."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.core.changes import ObjectChange
from kam.org import services
from kam.org.access import access_for
from kam.org.models import OrgUnit, Role, RoleGrant, User
from kam.org.testing import PASSWORD

pytestmark = pytest.mark.usefixtures("en")  # asserts on English message text


def role(code):
    return Role.objects.get(code=code)


# --- permission ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["director", "dm", "sp1", "hr", "outsider"])
def test_every_service_requires_org_manage(personas, persona):
    p = personas
    actor = getattr(p, persona)
    grant = RoleGrant.objects.get(user=p.sp1)
    calls = [
        lambda: services.unit_create(actor=actor, name="X", code="x", kind="team", parent=p.team_a),
        lambda: services.unit_update(actor=actor, unit=p.team_a, name="X"),
        lambda: services.unit_move(actor=actor, unit=p.team_b, parent=p.south_dept),
        lambda: services.unit_deactivate(actor=actor, unit=p.team_b),
        lambda: services.unit_activate(actor=actor, unit=p.team_b),
        lambda: services.user_create(actor=actor, username="newbie", password="Kam-strong-pass-91"),
        lambda: services.user_update(actor=actor, user=p.sp2, data={"name": "X"}),
        lambda: services.user_set_password(actor=actor, user=p.sp2, password="Kam-strong-pass-91"),
        lambda: services.user_deactivate(actor=actor, user=p.sp2),
        lambda: services.user_activate(actor=actor, user=p.sp2),
        lambda: services.grant_add(actor=actor, user=p.sp2, role=role("finance"), unit=p.hq),
        lambda: services.grant_remove(actor=actor, grant=grant),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert OrgUnit.objects.filter(code="x").count() == 0
    assert not User.objects.filter(username="newbie").exists()
    assert RoleGrant.objects.filter(pk=grant.pk).exists()
    p.team_a.refresh_from_db()
    assert p.team_a.name == "华东一组"


# --- units -----------------------------------------------------------------------------------


def test_unit_create_under_parent_sets_path_and_logs(personas):
    p = personas
    unit = services.unit_create(actor=p.admin, name=" 华东三组 ", code="east-c", kind="team", parent=p.east_dept)
    assert unit.name == "华东三组"
    assert unit.path == f"{p.east_dept.path}{unit.pk:04d}."
    assert unit.depth == 3
    assert ObjectChange.objects.filter(object_id=unit.pk, action="create", object_repr="华东三组").exists()


def test_unit_create_refuses_duplicate_code_and_inactive_parent(personas):
    p = personas
    with pytest.raises(ValidationError) as exc:
        services.unit_create(actor=p.admin, name="重复", code="east-a", kind="team", parent=p.east_dept)
    assert "code" in exc.value.message_dict
    OrgUnit.objects.filter(pk=p.south_dept.pk).logged_update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.unit_create(actor=p.admin, name="新组", code="new-s", kind="team", parent=p.south_dept)
    assert "parent" in exc.value.message_dict
    assert not OrgUnit.objects.filter(code="new-s").exists()


def test_unit_create_refuses_bad_kind_and_blank_name(personas):
    with pytest.raises(ValidationError) as exc:
        services.unit_create(actor=personas.admin, name="  ", code="blank", kind="galaxy")
    assert {"name", "kind"} <= set(exc.value.message_dict)


def test_unit_update_renames_and_logs_old_and_new(personas):
    p = personas
    services.unit_update(actor=p.admin, unit=p.team_a, name="华东精英组", code="east-elite", kind="team")
    p.team_a.refresh_from_db()
    assert (p.team_a.name, p.team_a.code) == ("华东精英组", "east-elite")
    change = ObjectChange.objects.filter(object_id=p.team_a.pk, action="update").latest("id")
    assert change.changes["name"] == ["华东一组", "华东精英组"]


@pytest.mark.parametrize("target", ["east_dept", "team_a"])
def test_unit_move_refuses_itself_and_descendants(personas, target):
    p = personas
    before = OrgUnit.objects.get(pk=p.east_dept.pk).path
    with pytest.raises(ValidationError) as exc:
        services.unit_move(actor=p.admin, unit=p.east_dept, parent=getattr(p, target))
    assert "parent" in exc.value.message_dict
    assert OrgUnit.objects.get(pk=p.east_dept.pk).path == before
    assert OrgUnit.objects.get(pk=p.east_dept.pk).parent_id == p.east.pk


def test_unit_move_to_root(personas):
    p = personas
    unit = services.unit_move(actor=p.admin, unit=p.south, parent=None)
    assert unit.parent_id is None and unit.depth == 0
    p.team_s.refresh_from_db()
    assert p.team_s.path.startswith(unit.path) and p.team_s.depth == 2


def test_unit_activate_refuses_under_inactive_parent(personas):
    p = personas
    child = services.unit_create(actor=p.admin, name="子", code="child", kind="team", parent=p.south_dept)
    OrgUnit.objects.filter(pk__in=[child.pk, p.south_dept.pk]).logged_update(is_active=False)
    with pytest.raises(ValidationError):
        services.unit_activate(actor=p.admin, unit=child)
    assert not OrgUnit.objects.get(pk=child.pk).is_active


# --- users -----------------------------------------------------------------------------------


def test_user_create_validates_password_and_logs(personas):
    from kam.core.changes import change_context

    p = personas
    with change_context(source="web", actor=p.admin):
        user = services.user_create(
            actor=p.admin,
            username="newbie",
            password="Kam-strong-pass-91",
            name="钱新人",
            phone="13912345678",
            job_title="大客户专员",
            unit=p.team_b,
        )
    assert user.check_password("Kam-strong-pass-91")
    assert user.unit == p.team_b and user.phone == "139 1234 5678"
    change = ObjectChange.objects.get(object_id=user.pk, action="create", content_type__model="user")
    assert change.actor == p.admin
    assert change.changes["name"] == [None, "钱新人"]
    assert "password" not in change.changes


@pytest.mark.parametrize("password", ["123", "password123", "12345678901"])
def test_user_create_refuses_weak_passwords(personas, password):
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=personas.admin, username="weak", password=password)
    assert "password" in exc.value.message_dict
    assert not User.objects.filter(username="weak").exists()


def test_user_create_refuses_duplicate_username_bad_phone_inactive_unit(personas):
    p = personas
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=p.admin, username="sp1", password="Kam-strong-pass-91")
    assert "username" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=p.admin, username="x1", password="Kam-strong-pass-91", phone="12")
    assert "phone" in exc.value.message_dict
    OrgUnit.objects.filter(pk=p.team_s.pk).logged_update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=p.admin, username="x2", password="Kam-strong-pass-91", unit=p.team_s)
    assert "unit" in exc.value.message_dict
    assert not User.objects.filter(username__in=["x1", "x2"]).exists()


def test_user_update(personas):
    p = personas
    services.user_update(
        actor=p.admin, user=p.sp2, data={"name": "李高级专员", "unit": p.team_b, "job_title": "高级专员"}
    )
    p.sp2.refresh_from_db()
    assert (p.sp2.name, p.sp2.unit, p.sp2.job_title) == ("李高级专员", p.team_b, "高级专员")
    change = ObjectChange.objects.filter(object_id=p.sp2.pk, content_type__model="user").latest("id")
    assert change.changes["unit"] == ["华东一组", "华东二组"]


def test_user_set_password(personas):
    p = personas
    with pytest.raises(ValidationError):
        services.user_set_password(actor=p.admin, user=p.sp2, password="short")
    p.sp2.refresh_from_db()
    assert p.sp2.check_password(PASSWORD)
    services.user_set_password(actor=p.admin, user=p.sp2, password="Another-good-pass-77")
    p.sp2.refresh_from_db()
    assert p.sp2.check_password("Another-good-pass-77")


def test_user_cannot_deactivate_self(personas):
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=personas.admin, user=personas.admin)


# --- grants ----------------------------------------------------------------------------------


def test_grant_add_refuses_inactive_unit(personas):
    p = personas
    OrgUnit.objects.filter(pk=p.team_s.pk).logged_update(is_active=False)
    with pytest.raises(ValidationError):
        services.grant_add(actor=p.admin, user=p.outsider, role=role("specialist"), unit=p.team_s)
    assert not RoleGrant.objects.filter(user=p.outsider).exists()


def test_grant_remove_invalidates_access_and_logs(world):
    p = world.p
    grant = RoleGrant.objects.select_related("user").get(user=p.sp1)
    user = grant.user
    assert access_for(user).has("customers.view")  # cached on the object
    services.grant_remove(actor=p.admin, grant=grant)
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert not access_for(user).has("customers.view")
    assert ObjectChange.objects.filter(content_type__model="rolegrant", object_id=grant.pk, action="delete").exists()


def test_admin_cannot_remove_own_last_manage_grant(personas):
    p = personas
    own = RoleGrant.objects.get(user=p.admin)
    with pytest.raises(ValidationError):
        services.grant_remove(actor=p.admin, grant=own)
    assert RoleGrant.objects.filter(pk=own.pk).exists()
    # with a second admin grant, one of them may go
    second = services.grant_add(actor=p.admin, user=p.admin, role=role("admin"), unit=p.east)
    services.grant_remove(actor=p.admin, grant=own)
    assert list(RoleGrant.objects.filter(user=p.admin)) == [second]


def test_admin_change_via_services_is_attributed(personas):
    """Inside a change context (as a request opens one) the log names the actor."""
    from kam.core.changes import change_context

    p = personas
    with change_context(source="web", actor=p.admin):
        unit = services.unit_create(actor=p.admin, name="归属", code="attr", kind="team", parent=p.hq)
    change = ObjectChange.objects.get(object_id=unit.pk, content_type__model="orgunit")
    assert change.actor == p.admin and change.source == "web"
