"""The customer file's notifications (issue 8 §5): a customer assigned to you, somebody else
changed a customer you own — one notification per recipient and request/transaction, nothing
for your own edits, nothing when the transaction rolls back or the kind is switched off."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.core.changes import change_context, log_bulk
from kam.core.notifications.models import Notification, NotificationPreference
from kam.core.notifications.producers import batch, forget_pending
from kam.customers import services
from kam.customers.models import Contact, Customer
from kam.customers.notifications import ASSIGNED, CHANGED
from kam.customers.testing import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh(world):
    forget_pending()  # what building the world logged belongs to the test's never-committed transaction


def _notes(user):
    return list(Notification.objects.filter(recipient=user).order_by("id"))


def test_a_customer_assigned_to_you_by_someone_else(world, django_capture_on_commit_callbacks):
    p = world.p
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_update(actor=p.dm, customer=world.c_sp2, data={}, owner=p.sp1)
    [note] = _notes(p.sp1)
    assert note.kind == ASSIGNED
    assert note.title == "赵部长把客户「上海明珠贸易有限公司」分配给了你"
    assert note.link == reverse("customers:detail", args=[world.c_sp2.pk])
    assert note.actor == p.dm
    assert _notes(p.sp2) == []  # the former owner owns it no more
    assert _notes(p.dm) == []  # the actor is not told about their own change


def test_someone_else_changing_your_customer(world, django_capture_on_commit_callbacks):
    p = world.p
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_update(actor=p.am, customer=world.c_sp1, data={"phone": "021-5555 0101", "notes": "新备注"})
    [note] = _notes(p.sp1)
    assert note.kind == CHANGED
    assert note.title == "王经理修改了你的客户「华东精密机械有限公司」"
    assert note.body.startswith("修改了：") and "备注" in note.body
    # a contact's change is filed under its customer: the owner hears of it too
    contact = Contact.objects.filter(customer=world.c_sp1).first()
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_update(actor=p.am, contact=contact, data={"title": "采购总监"})
    assert _notes(p.sp1)[-1].body == "修改了：联系人"


def test_an_archive_by_someone_else_is_named_as_such(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_archive(actor=world.p.dm, customer=world.c_sp1, reason="停业")
    [note] = _notes(world.p.sp1)
    assert (note.kind, note.body) == (CHANGED, "修改了：已归档")


def test_your_own_changes_notify_nobody(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_update(actor=world.p.sp1, customer=world.c_sp1, data={"notes": "自己改的"})
    assert not Notification.objects.exists()


def test_a_rolled_back_change_notifies_nobody(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.customer_update(actor=world.p.dm, customer=world.c_sp2, data={}, owner=world.p.sp1)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        services.customer_update(actor=world.p.am, customer=world.c_sp1, data={"notes": "留下的"})
    assert [n.kind for n in Notification.objects.all()] == [CHANGED]


def test_a_kind_switched_off_notifies_nothing(world, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=world.p.sp1, kind=CHANGED, in_app=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_update(actor=world.p.am, customer=world.c_sp1, data={"notes": "x"})
    assert not Notification.objects.exists()


def test_a_bulk_transfer_is_one_notification_per_recipient(world, client, django_capture_on_commit_callbacks):
    p = world.p
    extra = [CustomerFactory(owner=p.sp2, team=p.team_a) for _ in range(4)]
    ids = [world.c_sp2.pk, *(c.pk for c in extra)]
    forget_pending()
    client.force_login(p.dm)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("customers:bulk-reassign"), {"ids": ids, "owner": p.sp1.pk})
    assert r.status_code == 302
    assert Customer.objects.filter(pk__in=ids, owner=p.sp1).count() == 5
    [note] = _notes(p.sp1)
    assert note.title == "赵部长把 5 个客户分配给了你"
    assert note.link == reverse("customers:list") + f"?owner={p.sp1.pk}"
    assert note.data["count"] == 5


def test_an_import_of_many_customers_is_one_notification(world, django_capture_on_commit_callbacks):
    """log_bulk (the importer's way) of 300 customers for two owners: two notifications, and a
    constant number of queries to make them."""
    p = world.p
    made = [CustomerFactory.build(owner=p.sp1 if i % 3 else p.sp2, team=p.team_a) for i in range(300)]
    with change_context(source="import", actor=p.dm):
        Customer.objects.bulk_create(made)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            log_bulk([(c, "create", {"name": [None, c.name]}, {"job": 12}) for c in made])
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    assert len(queries) <= 12
    titles = {n.recipient.username: n.title for n in Notification.objects.select_related("recipient")}
    assert titles == {
        "sp1": "导入任务 #12（赵部长）把 200 个客户分配给了你",
        "sp2": "导入任务 #12（赵部长）把 100 个客户分配给了你",
    }


def test_batch_holds_back_until_its_end(world, django_capture_on_commit_callbacks):
    with batch():
        with django_capture_on_commit_callbacks(execute=True):
            services.customer_update(actor=world.p.am, customer=world.c_sp1, data={"notes": "一"})
        with django_capture_on_commit_callbacks(execute=True):
            services.customer_update(actor=world.p.am, customer=world.c_sp1, data={"phone": "021-5555 0102"})
        assert not Notification.objects.exists()
    [note] = _notes(world.p.sp1)
    assert note.kind == CHANGED


def test_the_owner_sees_the_notification_in_the_bell(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_update(actor=world.p.dm, customer=world.c_sp2, data={}, owner=world.p.sp1)
    client = Client()
    client.force_login(world.p.sp1)
    r = client.get(reverse("notifications:bell"))
    assert 'data-unread="1"' in r.content.decode()
