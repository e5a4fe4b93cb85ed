"""Versions of customers and contacts (issue 8 §6, R2): every entry point that changes a record
moves it to its next version — saves through the services, the logged bulk update, yearly sales
replaced through the customer, archive and restore — and nothing else does; a service given a
stale ``expected_version`` refuses with nothing saved."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import F

from kam.core.changes import ObjectChange, UnloggedWriteError
from kam.core.versioning import ConflictError, changes_since
from kam.customers import services
from kam.customers.models import Contact, Customer, CustomerYearSales


def version(obj) -> int:
    return type(obj).objects.values_list("version", flat=True).get(pk=obj.pk)


def snapshot() -> tuple:
    return (
        list(Customer.objects.order_by("pk").values()),
        list(Contact.objects.order_by("pk").values()),
        list(CustomerYearSales.objects.order_by("pk").values()),
        ObjectChange.objects.count(),
    )


def test_each_saved_change_is_one_version_and_a_save_without_change_is_none(world):
    c = world.c_sp1
    assert version(c) == 1
    c = services.customer_update(actor=world.p.sp1, customer=c, data={"phone": "021 6888 1234"})
    assert c.version == version(c) == 2
    services.customer_update(actor=world.p.sp1, customer=c, data={"phone": "021 6888 1234"})  # the same value
    assert version(c) == 2
    services.customer_update(actor=world.p.sp1, customer=c, data={"name": "新名有限公司", "fax": "021 6888 1235"})
    assert version(c) == 3  # one save, one version, however many fields
    # the version is logged with each change — and hidden from people
    last = ObjectChange.objects.of_object(c).latest("id")
    assert last.changes["version"] == [2, 3]
    assert "version" not in {f["field"] for f in last.field_changes()}


def test_archive_restore_and_contact_changes_move_their_own_record(world):
    c, contact = world.c_sp1, world.c_sp1.contacts.get()
    services.customer_archive(actor=world.p.am, customer=c, reason="停业")
    assert version(c) == 2
    services.customer_restore(actor=world.p.am, customer=c)
    assert version(c) == 3
    services.contact_update(actor=world.p.sp1, contact=contact, data={"title": "厂长"})
    services.contact_archive(actor=world.p.sp1, contact=contact)
    services.contact_restore(actor=world.p.sp1, contact=contact)
    assert version(contact) == 4
    assert version(c) == 3  # a contact has its own version; the customer's stays


def test_yearly_sales_move_the_customer_only_when_they_change(world):
    c = world.c_sp1
    services.yearly_sales_set(actor=world.p.sp1, customer=c, rows=[{"year": 2024, "revenue": "100"}])
    assert version(c) == 2
    services.yearly_sales_set(actor=world.p.sp1, customer=c, rows=[{"year": 2024, "revenue": "100.00"}])
    assert version(c) == 2  # the same years: no new version
    services.yearly_sales_set(actor=world.p.sp1, customer=c, rows=[])
    assert version(c) == 3
    bump = ObjectChange.objects.of_object(c).latest("id")
    assert bump.changes == {"version": [2, 3]} and bump.data == {"part": "yearly_sales"}


def test_stale_expected_version_refuses_with_nothing_saved(world):
    c, contact = world.c_sp1, world.c_sp1.contacts.get()
    services.customer_update(actor=world.p.am, customer=c, data={"phone": "021 6888 1234"})
    services.contact_update(actor=world.p.am, contact=contact, data={"title": "厂长"})
    before = snapshot()
    calls = [
        lambda: services.customer_update(actor=world.p.sp1, customer=c, data={"name": "X有限公司"}, expected_version=1),
        lambda: services.customer_archive(actor=world.p.am, customer=c, reason="x", expected_version=1),
        lambda: services.yearly_sales_set(
            actor=world.p.sp1, customer=c, rows=[{"year": 2024, "revenue": "1"}], expected_version=1
        ),
        lambda: services.contact_update(actor=world.p.sp1, contact=contact, data={"name": "X"}, expected_version=1),
        lambda: services.contact_archive(actor=world.p.sp1, contact=contact, expected_version=1),
    ]
    for call in calls:
        with pytest.raises(ConflictError) as info:
            call()
        assert info.value.expected == 1 and info.value.current == 2
    assert snapshot() == before
    # the conflict names what the other person did
    with pytest.raises(ConflictError) as info:
        services.customer_update(actor=world.p.sp1, customer=c, data={"name": "X有限公司"}, expected_version=1)
    assert info.value.changed_fields() == {"phone"}
    assert [e.actor_name for e in info.value.changes] == [world.p.am.get_full_name() or world.p.am.username]
    # the current version is accepted
    services.customer_update(actor=world.p.sp1, customer=c, data={"name": "X有限公司"}, expected_version=2)
    assert version(c) == 3


def test_changes_since_lists_exactly_the_entries_after_a_version(world):
    c = world.c_sp1
    for phone in ("021 6888 0001", "021 6888 0002", "021 6888 0003"):
        c = services.customer_update(actor=world.p.sp1, customer=c, data={"phone": phone})
    assert [e.changes["version"] for e in changes_since(c, 2)] == [[2, 3], [3, 4]]
    assert changes_since(c, 4) == []


def test_logged_update_bumps_exactly_the_rows_it_changes(world):
    """The bulk path (an importer, a bulk reassignment) keeps versions right: +1 for each row
    whose values change, logged with it; untouched rows keep their version."""
    a, b = world.c_sp1, world.c_sp2
    services.customer_update(actor=world.p.am, customer=b, data={"industry": "机械"})  # b at 2
    n = Customer.objects.filter(pk__in=[a.pk, b.pk]).logged_update(industry="机械")
    assert n == 2
    assert (version(a), version(b)) == (2, 2)  # a changed; b already was 机械
    entry = ObjectChange.objects.of_object(a).latest("id")
    assert entry.changes == {"industry": ["", "机械"], "version": [1, 2]}
    # an expression value: every row whose value moves is bumped
    Customer.objects.filter(pk__in=[a.pk, b.pk]).logged_update(staff_count=F("pk"))
    assert (version(a), version(b)) == (3, 3)


def test_unlogged_bulk_writes_of_the_version_are_refused(world):
    with pytest.raises(UnloggedWriteError):
        Customer.objects.filter(pk=world.c_sp1.pk).update(version=F("version") + 1)
    with pytest.raises(UnloggedWriteError):
        Customer.objects.bulk_update([world.c_sp1], ["version"])
    # derived columns may still be written in bulk, and do not move the version
    Customer.objects.filter(pk=world.c_sp1.pk).update(search_text="x")
    assert version(world.c_sp1) == 1


def test_a_stale_instance_saved_directly_still_gets_a_new_version(world):
    """Outside the services (admin, a shell) a save of a loaded instance moves the version too."""
    c = Customer.objects.get(pk=world.c_sp1.pk)
    c.notes = "直接保存"
    c.save(update_fields=["notes"])
    assert version(c) == 2 and c.version == 2


def test_history_lists_no_version_rows(world):
    """People read changes, not version numbers: the version is hidden from the history rows, and
    the version-only entry of a sales change is left out (the sales rows log their own change)."""
    from kam.core.history import history_rows

    c = world.c_sp1
    services.customer_update(actor=world.p.sp1, customer=c, data={"fax": "021 6888 1235"})
    services.yearly_sales_set(actor=world.p.sp1, customer=c, rows=[{"year": 2024, "revenue": "100"}])
    entries = list(ObjectChange.objects.filed_under(c).select_related("content_type").order_by("id"))
    rows = history_rows(entries)
    assert len(rows) == len(entries) - 1  # the bump
    assert all(f["field"] != "version" for row in rows for f in row["fields"])
    assert any(f["field"] == "fax" for row in rows for f in row["fields"])
    assert any(row["change"].content_type.model == "customeryearsales" for row in rows)


def test_a_stale_instance_cannot_overwrite_a_newer_row(world):
    """Whatever path saves it (admin, shell, a later app's code), an instance read before someone
    else's save is refused: the UPDATE is conditional on the version it was read at."""
    stale = Customer.objects.get(pk=world.c_sp1.pk)
    services.customer_update(actor=world.p.am, customer=world.c_sp1, data={"phone": "021 6888 1234"})
    before = snapshot()
    stale.notes = "旧的实例"
    with pytest.raises(ConflictError) as info, transaction.atomic():
        stale.save()
    assert (info.value.expected, info.value.current) == (1, 2)
    assert info.value.changed_fields() == {"phone"}
    stale.notes = ""
    with pytest.raises(ConflictError), transaction.atomic():
        stale.save()  # even a save that changes nothing would write the old phone back
    assert snapshot() == before
    # the same for the bulk path's victims: an instance read before logged_update
    fresh = Customer.objects.get(pk=world.c_sp1.pk)
    Customer.objects.filter(pk=fresh.pk).logged_update(industry="机械")
    fresh.fax = "021 1"
    with pytest.raises(ConflictError), transaction.atomic():
        fresh.save()
