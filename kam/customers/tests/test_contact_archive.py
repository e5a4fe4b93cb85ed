"""Contacts are removed — archived — never deleted (R2: domain records are archived; only an
administrator's purge, with a reason, deletes): the services, the pages, the API's DELETE and
the admin's purge of archived customers and removed contacts."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kam.core.changes import ObjectChange
from kam.customers import services
from kam.customers.models import Contact, Customer, CustomerYearSales
from kam.customers.tests.test_views import login


def _contact(customer):
    return customer.contacts.get()


# --- the services ---------------------------------------------------------------------------------


def test_archive_keeps_the_contact_and_logs_who_and_why(world):
    contact = _contact(world.c_sp1)
    services.contact_archive(actor=world.p.sp1, contact=contact, reason=" 已离职 ")
    contact.refresh_from_db()
    assert contact.is_archived and contact.archive_reason == "已离职"
    event = ObjectChange.objects.of_object(contact).get(action="archive")
    assert event.actor_id == world.p.sp1.pk and event.data == {"reason": "已离职"}
    with pytest.raises(ValidationError):
        services.contact_archive(actor=world.p.sp1, contact=contact)  # already removed
    with pytest.raises(ValidationError):
        services.contact_update(actor=world.p.sp1, contact=contact, data={"title": "经理"})


def test_the_reason_is_optional_but_bounded(world):
    contact = _contact(world.c_sp1)
    with pytest.raises(ValidationError) as exc:
        services.contact_archive(actor=world.p.sp1, contact=contact, reason="长" * 201)
    assert "archive_reason" in exc.value.message_dict
    contact.refresh_from_db()
    assert not contact.is_archived
    services.contact_archive(actor=world.p.sp1, contact=contact)
    contact.refresh_from_db()
    assert contact.is_archived and contact.archive_reason == ""


def test_a_removed_contact_leaves_completeness_and_search(world):
    c = world.c_sp1
    contact = _contact(c)
    services.customer_update(actor=world.p.sp1, customer=c, data={"phone": ""})
    c.refresh_from_db()
    before = c.completeness
    assert contact.name in c.search_text
    services.contact_archive(actor=world.p.sp1, contact=contact)
    c.refresh_from_db()
    assert c.completeness < before  # "has contacts" no longer counts (R2.1)
    assert contact.name not in c.search_text
    services.contact_restore(actor=world.p.sp1, contact=contact)
    c.refresh_from_db()
    assert c.completeness == before and contact.name in c.search_text


def test_only_those_who_may_edit_the_customer_remove_its_contacts(world):
    contact = _contact(world.c_team_b)
    with pytest.raises(PermissionDenied):
        services.contact_archive(actor=world.p.sp1, contact=contact)
    with pytest.raises(PermissionDenied):
        services.contact_archive(actor=world.p.finance, contact=contact)
    assert not Contact.objects.get(pk=contact.pk).is_archived


# --- purge: administrators only, archived only, with a reason --------------------------------------


def test_purge_needs_the_permission_an_archived_record_and_a_reason(world):
    c = world.c_sp2
    for actor in (world.p.director, world.p.sp2, world.p.dm):
        with pytest.raises(PermissionDenied):
            services.customer_purge(actor=actor, customer=c, reason="误建")
    with pytest.raises(ValidationError):
        services.customer_purge(actor=world.p.admin, customer=c, reason="误建")  # not archived
    services.customer_archive(actor=world.p.am, customer=c, reason="重复录入")
    with pytest.raises(ValidationError):
        services.customer_purge(actor=world.p.admin, customer=c, reason="  ")
    assert Customer.objects.filter(pk=c.pk).exists()


def test_purge_deletes_the_file_and_the_log_keeps_why_and_what(world):
    c = world.c_sp2
    contact = _contact(c)
    CustomerYearSales.objects.create(customer=c, year=2025, revenue=1)
    services.customer_archive(actor=world.p.am, customer=c, reason="重复录入")
    services.customer_purge(actor=world.p.admin, customer=c, reason="与 KH0000001 重复，经客户总监确认")
    assert not Customer.objects.filter(pk=c.pk).exists()
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not CustomerYearSales.objects.filter(customer_id=c.pk).exists()
    purge = ObjectChange.objects.get(action="purge", object_id=c.pk, content_type__model="customer")
    assert purge.actor_id == world.p.admin.pk
    assert purge.data == {"reason": "与 KH0000001 重复，经客户总监确认", "name": c.name, "code": c.code}
    gone = ObjectChange.objects.get(action="delete", object_id=contact.pk, content_type__model="contact")
    assert gone.changes["name"] == [contact.name, None]


def test_contact_purge_only_once_removed(world):
    contact = _contact(world.c_sp1)
    with pytest.raises(ValidationError):
        services.contact_purge(actor=world.p.admin, contact=contact, reason="个人信息删除请求")
    services.contact_archive(actor=world.p.sp1, contact=contact, reason="离职")
    with pytest.raises(PermissionDenied):
        services.contact_purge(actor=world.p.sp1, contact=contact, reason="个人信息删除请求")
    services.contact_purge(actor=world.p.admin, contact=contact, reason="个人信息删除请求")
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert ObjectChange.objects.filter(action="purge", object_id=contact.pk).get().data["reason"] == "个人信息删除请求"


# --- the pages ------------------------------------------------------------------------------------


def test_remove_and_restore_on_the_pages(client, world):
    contact = _contact(world.c_sp1)
    login(client, world.p.sp1, "zh-hans")
    html = client.get(
        reverse("customers:tab", args=[world.c_sp1.pk, "contacts"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert reverse("customers:contact-archive", args=[contact.pk]) in html and 'data-reason="optional"' in html
    assert "confirm(" not in client.get(reverse("customers:contact", args=[contact.pk])).content.decode()
    r = client.post(reverse("customers:contact-archive", args=[contact.pk]), {"reason": "已离职"})
    assert r.status_code == 302 and r.url.endswith("?tab=contacts")
    html = client.get(
        reverse("customers:tab", args=[world.c_sp1.pk, "contacts"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="removed-contacts"' in html and "已离职" in html
    # the tab says who removed it and when
    assert f"由 {world.p.sp1.get_full_name()} 于" in html
    assert 'class="list-group-item contact-row"' not in html  # no current contact left
    detail = client.get(reverse("customers:contact", args=[contact.pk])).content.decode()
    assert 'id="archived-banner"' in detail and world.p.sp1.get_full_name() in detail
    assert 'id="edit-contact"' not in detail and 'id="restore-contact"' in detail
    assert client.get(reverse("customers:contact-edit", args=[contact.pk])).status_code == 302
    r = client.post(reverse("customers:contact-restore", args=[contact.pk]))
    assert r.status_code == 302
    contact.refresh_from_db()
    assert not contact.is_archived


def test_the_contact_name_reads_xingming(client, world):
    login(client, world.p.sp1, "zh-hans")
    html = client.get(reverse("customers:contact-create", args=[world.c_sp1.pk])).content.decode()
    assert '<label class="form-label required" for="id_name">姓名</label>' in html
    html = client.get(reverse("customers:contact", args=[_contact(world.c_sp1).pk])).content.decode()
    assert "姓名" in html and "名称" not in html


# --- the admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_user(world):
    """The KAM administrator (role admin: customers.purge) as Django staff with the model's view
    permission — the admin asks for both."""
    from django.contrib.auth.models import Permission

    user = world.p.admin
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="customers", codename="view_customer"))
    return user


def test_admin_purge_asks_for_a_reason_then_purges(client, world, admin_user):
    c = world.c_sp2
    services.customer_archive(actor=world.p.am, customer=c, reason="重复录入")
    client.force_login(admin_user)
    url = reverse("admin:customers_customer_changelist")
    first = client.post(url, {"action": "purge_selected", "_selected_action": [c.pk, world.c_sp1.pk]})
    assert first.status_code == 200 and 'name="reason"' in first.content.decode()
    assert Customer.objects.filter(pk=c.pk).exists()
    empty = client.post(url, {"action": "purge_selected", "_selected_action": [c.pk], "post": "yes", "reason": ""})
    assert empty.status_code == 200 and Customer.objects.filter(pk=c.pk).exists()  # the form again
    done = client.post(
        url,
        {"action": "purge_selected", "_selected_action": [c.pk, world.c_sp1.pk], "post": "yes", "reason": "误建"},
        follow=True,
    )
    assert done.status_code == 200
    assert not Customer.objects.filter(pk=c.pk).exists()
    assert Customer.objects.filter(pk=world.c_sp1.pk).exists()  # not archived: skipped, said so
    assert world.c_sp1.name in done.content.decode()


def test_admin_offers_no_purge_without_the_permission(client, world):
    from django.contrib.auth.models import Permission

    user = world.p.director  # archives and restores, never purges
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="customers", codename="view_customer"))
    services.customer_archive(actor=user, customer=world.c_sp1, reason="停业")
    client.force_login(user)
    r = client.get(reverse("admin:customers_customer_changelist"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "restore_selected" in html and "purge_selected" not in html
    r = client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "purge_selected", "_selected_action": [world.c_sp1.pk], "post": "yes", "reason": "x"},
    )
    assert Customer.objects.filter(pk=world.c_sp1.pk).exists()
