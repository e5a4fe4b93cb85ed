"""Django admin of the customer file: scoped rows, numbers from the sequence, derived columns
refreshed, changes logged with source "admin"."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from kam.core.changes import ObjectChange
from kam.customers.models import Contact, Customer
from kam.customers.tests.factories import valid_uscc
from kam.org.tests.factories import make_user


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


def test_add_in_admin_numbers_refreshes_and_logs(client, world, superuser):
    p = world.p
    client.force_login(superuser)
    data = {
        "name": "华东精密仪器股份有限公司",
        "name_en": "",
        "credit_code": valid_uscc(880001).lower(),
        "address": "",
        "postcode": "",
        "phone": "02168881234",
        "fax": "",
        "email": "",
        "website": "",
        "province": "上海市",
        "city": "",
        "nature": "listed",
        "industry_position": "",
        "industry": "",
        "main_business": "",
        "secondary_business": "",
        "staff_count": "",
        "annual_revenue": "",
        "credit_rating": "A",
        "advantages": "",
        "disadvantages": "",
        "countermeasures": "",
        "needs_analysis": "",
        "service_record": "",
        "notes": "",
        "owner": str(p.sp1.pk),
        "team": str(p.team_a.pk),
        **_inline_management("contacts", 1),
        "contacts-0-name": "王建国",
        "contacts-0-phone": "13800138000",
        **_inline_management("yearly_sales"),
        **_inline_management("team_members"),
    }
    r = client.post(reverse("admin:customers_customer_add"), data)
    assert r.status_code == 302, r.context and [r.context["adminform"].form.errors, r.context["inline_admin_formsets"]]
    c = Customer.objects.get(name="华东精密仪器股份有限公司")
    assert c.code.startswith("KH") and len(c.code) == 9
    assert c.credit_code == valid_uscc(880001)
    assert c.phone == "021 6888 1234"
    assert c.created_by == superuser
    assert "hdjmyq" in c.search_text and "13800138000" in c.search_text and "wjg" in c.search_text
    assert c.completeness == c.compute_completeness() > 0
    logged = ObjectChange.objects.filter(customer_id=c.pk)
    assert set(logged.values_list("source", flat=True)) == {"admin"}
    assert set(logged.values_list("actor", flat=True)) == {superuser.pk}
    assert logged.filter(content_type__model="contact").count() == 1
    # the next customer number follows from the same sequence the services use
    from kam.customers import services

    other = services.customer_create(actor=p.sp1, data={"name": "下一个", "credit_code": valid_uscc(880002)})
    assert int(other.code[2:]) == int(c.code[2:]) + 1


def test_code_is_read_only_in_admin(client, world, superuser):
    client.force_login(superuser)
    r = client.get(reverse("admin:customers_customer_change", args=[world.c_sp1.pk]))
    html = r.content.decode()
    assert world.c_sp1.code in html
    assert 'name="code"' not in html


def test_contact_edit_in_admin_refreshes_search_text(client, world, superuser):
    client.force_login(superuser)
    contact = world.c_sp1.contacts.first()
    data = {
        "customer": str(world.c_sp1.pk),
        "name": "欧阳锋",
        "title": "",
        "department": "",
        "education": "",
        "birthday": "",
        "hobbies": "",
        "family": "",
        "phone": "13912345678",
        "email": "",
        "wechat": "",
        "influence": "",
        "attitude": "",
        "notes": "",
    }
    r = client.post(reverse("admin:customers_contact_change", args=[contact.pk]), data)
    assert r.status_code == 302, r.context and r.context["adminform"].form.errors
    c = Customer.objects.get(pk=world.c_sp1.pk)
    assert "oyf" in c.search_text and "13912345678" in c.search_text
    entry = ObjectChange.objects.filter(object_id=contact.pk, content_type__model="contact").latest("id")
    assert entry.source == "admin" and entry.changes["name"][1] == "欧阳锋"
    r = client.post(reverse("admin:customers_contact_delete", args=[contact.pk]), {"post": "yes"})
    assert r.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    c.refresh_from_db()
    assert "oyf" not in c.search_text


def test_archive_action_goes_through_the_service(client, world, superuser):
    client.force_login(superuser)
    r = client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "archive_selected", "_selected_action": [world.c_sp1.pk, world.c_sp2.pk]},
    )
    assert r.status_code == 302
    assert set(Customer.objects.filter(status="archived").values_list("pk", flat=True)) == {
        world.c_sp1.pk,
        world.c_sp2.pk,
    }
    r = client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "restore_selected", "_selected_action": [world.c_sp1.pk]},
    )
    assert Customer.objects.get(pk=world.c_sp1.pk).status == "active"
