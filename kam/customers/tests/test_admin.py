"""Django admin of the customer file: read-only, scoped rows, archive/restore through the services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from kam.core.changes import ObjectChange
from kam.customers.models import CUSTOMER_FIELDS, Contact, Customer
from kam.customers.testing import valid_uscc
from kam.org.testing import make_user


@pytest.fixture
def superuser(personas):
    user = make_user("root", name="超级管理员", unit=personas.hq)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def staff_with_role(personas, username, role, unit, codenames):
    user = make_user(username, name=username, unit=unit, roles=[(role, unit)])
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="customers", codename__in=codenames))
    return user


def _inline_management(prefix, total=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_superuser_sees_every_customer(client, world, superuser):
    client.force_login(superuser)
    r = client.get(reverse("admin:customers_customer_changelist"))
    assert r.status_code == 200
    html = r.content.decode()
    for c in (world.c_sp1, world.c_sp2, world.c_team_b, world.c_south, world.c_shared):
        assert c.name in html
    for name in ("admin:customers_contact_changelist", "admin:customers_accountteammember_changelist"):
        assert client.get(reverse(name)).status_code == 200


def test_staff_admin_is_limited_to_the_kam_scope(client, world):
    p = world.p
    staff = staff_with_role(
        p, "am_staff", "account_manager", p.team_a, ["view_customer", "change_customer", "view_contact"]
    )
    client.force_login(staff)
    r = client.get(reverse("admin:customers_customer_changelist"))
    assert r.status_code == 200
    html = r.content.decode()
    assert world.c_sp1.name in html and world.c_sp2.name in html
    assert world.c_team_b.name not in html and world.c_south.name not in html
    # an object outside the scope is "not found" (admin redirects to its index)
    r = client.get(reverse("admin:customers_customer_change", args=[world.c_south.pk]))
    assert r.status_code == 302
    assert client.get(reverse("admin:customers_customer_change", args=[world.c_sp1.pk])).status_code == 200
    contacts = client.get(reverse("admin:customers_contact_changelist")).content.decode()
    assert world.c_sp1.contacts.first().name in contacts
    assert world.c_south.contacts.first().name not in contacts


def test_staff_without_kam_permission_is_refused(client, world):
    p = world.p
    staff = staff_with_role(p, "hr_staff", "hr", p.hq, ["view_customer", "change_customer"])
    client.force_login(staff)
    assert client.get(reverse("admin:customers_customer_changelist")).status_code == 403


def _snapshot():
    return (
        list(Customer.objects.order_by("pk").values_list("pk", "name", "owner_id", "team_id", "status")),
        list(Contact.objects.order_by("pk").values_list("pk", "name", "phone")),
        ObjectChange.objects.count(),
    )


def _customer_post(world, **overrides):
    c = world.c_sp1
    data = {f: getattr(c, f) or "" for f in CUSTOMER_FIELDS}
    data.update({"owner": str(c.owner_id), "team": str(c.team_id)})
    for prefix in ("contacts", "yearly_sales", "team_members"):
        data.update(_inline_management(prefix))
    data.update(overrides)
    return data


def test_admin_cannot_add_change_or_delete_customers(client, world, superuser):
    """The admin used to save customers around the services (save_model), skipping the
    reassign and scope checks: a superuser could give a customer to anyone. Customer records
    are read-only there now; changes go through the pages and the API."""
    p = world.p
    client.force_login(superuser)
    before = _snapshot()
    add = client.post(
        reverse("admin:customers_customer_add"),
        _customer_post(world, name="后台新建有限公司", credit_code=valid_uscc(880001)),
    )
    change = client.post(
        reverse("admin:customers_customer_change", args=[world.c_sp1.pk]),
        _customer_post(world, name="后台改名", owner=str(p.sp_other.pk), team=str(p.team_s.pk)),
    )
    delete = client.post(reverse("admin:customers_customer_delete", args=[world.c_sp1.pk]), {"post": "yes"})
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert _snapshot() == before
    # the change page shows the file read-only, every section of the paper form included
    html = client.get(reverse("admin:customers_customer_change", args=[world.c_sp1.pk])).content.decode()
    assert world.c_sp1.code in html and world.c_sp1.name in html
    assert 'name="name"' not in html and 'name="code"' not in html and 'name="owner"' not in html


def test_admin_cannot_write_contacts_or_seats(client, world, superuser):
    client.force_login(superuser)
    contact = world.c_sp1.contacts.first()
    before = _snapshot()
    r = client.post(
        reverse("admin:customers_contact_change", args=[contact.pk]),
        {"customer": str(world.c_sp1.pk), "name": "欧阳锋", "phone": "13912345678"},
    )
    assert r.status_code == 403
    assert client.post(reverse("admin:customers_contact_delete", args=[contact.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:customers_contact_add")).status_code == 403
    assert client.get(reverse("admin:customers_accountteammember_add")).status_code == 403
    assert _snapshot() == before
    assert client.get(reverse("admin:customers_contact_change", args=[contact.pk])).status_code == 200


def test_restore_action_goes_through_the_service_and_archiving_is_not_offered(client, world, superuser):
    from kam.customers import services

    for c in (world.c_sp1, world.c_sp2):
        services.customer_archive(actor=world.p.director, customer=c, reason="停业")
    client.force_login(superuser)
    html = client.get(reverse("admin:customers_customer_changelist"), {"status__exact": "archived"}).content.decode()
    assert "restore_selected" in html and "archive_selected" not in html  # archiving needs a reason: on the pages
    r = client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "restore_selected", "_selected_action": [world.c_sp1.pk]},
    )
    assert r.status_code == 302
    assert Customer.objects.get(pk=world.c_sp1.pk).status == "active"
    assert Customer.objects.get(pk=world.c_sp2.pk).status == "archived"
    # logged as the service's event, with source "admin"
    [restore] = ObjectChange.objects.filed_under(world.c_sp1).filter(action="restore")
    assert (restore.source, restore.actor) == ("admin", superuser)


def test_restore_action_needs_the_kam_permission(client, world):
    from kam.customers import services

    services.customer_archive(actor=world.p.director, customer=world.c_sp1, reason="停业")
    p = world.p
    staff = staff_with_role(p, "sp_staff", "specialist", p.team_a, ["view_customer", "change_customer"])
    client.force_login(staff)
    r = client.get(reverse("admin:customers_customer_changelist"), {"status__exact": "archived"})
    assert r.status_code == 200
    assert "restore_selected" not in r.content.decode()
    client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "restore_selected", "_selected_action": [world.c_sp1.pk]},
    )
    assert Customer.objects.get(pk=world.c_sp1.pk).status == "archived"
