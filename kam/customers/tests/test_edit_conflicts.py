"""Concurrent edits on the customer and contact edit pages (issue 8 §6, R2).

Two people open the same edit page. If the second one's save touches a field the first one
changed meanwhile, nothing is saved: the page shows who changed what (field labels, old → new)
and when, keeps the second one's input, and offers to load the current record or to save over
it deliberately. A save that touches only other fields goes through on top of the first one's
(the merge rule of :func:`kam.core.views.save_merging`), and says whose changes were kept."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from kam.core.changes import ObjectChange
from kam.customers import services
from kam.customers.models import Contact, Customer, CustomerYearSales

from .test_views import form_payload, login


def customer_payload(client, customer) -> dict:
    """What the browser posts for the edit page as that user opened it."""
    r = client.get(reverse("customers:edit", args=[customer.pk]))
    assert r.status_code == 200
    return form_payload(r.context["form"], r.context["sales"])


def contact_payload(client, contact) -> dict:
    r = client.get(reverse("customers:contact-edit", args=[contact.pk]))
    assert r.status_code == 200
    return form_payload(r.context["form"])


def snapshot() -> tuple:
    return (
        list(Customer.objects.order_by("pk").values()),
        list(Contact.objects.order_by("pk").values()),
        list(CustomerYearSales.objects.order_by("pk").values()),
        ObjectChange.objects.count(),
    )


def test_second_save_of_the_same_field_sees_the_first_savers_name_and_change(world):
    c = world.c_sp1
    first, second = login(Client(), world.p.am), login(Client(), world.p.sp1)
    seen_by_first, seen_by_second = customer_payload(first, c), customer_payload(second, c)
    assert seen_by_second["version"] == "1"
    r = first.post(reverse("customers:edit", args=[c.pk]), {**seen_by_first, "phone": "021 6888 1234"})
    assert r.status_code == 302
    before = snapshot()
    r = second.post(reverse("customers:edit", args=[c.pk]), {**seen_by_second, "phone": "021 5555 9999"})
    assert r.status_code == 200
    assert snapshot() == before  # nothing overwritten
    html = r.content.decode()
    assert 'id="edit-conflict"' in html
    assert "Someone else saved this record while you were editing it" in html
    assert world.p.am.name in html  # who
    stored_phone = Customer.objects.get(pk=c.pk).phone
    assert "Phone" in html and stored_phone in html  # what, as stored
    assert r.context["conflict"]["current"] == 2
    [row] = r.context["conflict"]["rows"]
    assert row["change"].actor == world.p.am
    assert [(f["label"], f["new"]) for f in row["fields"]] == [("phone", Customer.objects.get(pk=c.pk).phone)]
    # the user's own input is kept, and the field both changed says so
    form = r.context["form"]
    assert form["phone"].value() == "021 5555 9999"
    assert "changed this meanwhile" in form.errors["phone"][0]
    # a way to the current record, and a deliberate overwrite
    assert reverse("customers:edit", args=[c.pk]) in html and 'name="overwrite" value="2"' in html


def test_resubmitting_the_stale_page_still_conflicts_and_overwrite_saves(world):
    c = world.c_sp1
    first, second = login(Client(), world.p.am), login(Client(), world.p.sp1)
    seen_by_first, seen_by_second = customer_payload(first, c), customer_payload(second, c)
    first.post(reverse("customers:edit", args=[c.pk]), {**seen_by_first, "phone": "021 6888 1234"})
    mine = {**seen_by_second, "phone": "021 5555 9999"}
    assert second.post(reverse("customers:edit", args=[c.pk]), mine).status_code == 200
    assert second.post(reverse("customers:edit", args=[c.pk]), mine).status_code == 200  # still refused
    assert Customer.objects.get(pk=c.pk).phone != "02155559999"
    r = second.post(reverse("customers:edit", args=[c.pk]), {**mine, "overwrite": "2"})
    assert r.status_code == 302
    stored = Customer.objects.get(pk=c.pk)
    assert stored.version == 3 and stored.phone.replace("-", "").replace(" ", "") == "02155559999"
    # an overwrite based on a version that has moved on again is refused too
    r = second.post(reverse("customers:edit", args=[c.pk]), {**mine, "phone": "021 1111 2222", "overwrite": "2"})
    assert r.status_code == 200 and r.context["conflict"]["current"] == 3


def test_other_fields_merge_and_the_page_says_whose_changes_were_kept(world):
    c = world.c_sp1
    first, second = login(Client(), world.p.am), login(Client(), world.p.sp1)
    seen_by_first, seen_by_second = customer_payload(first, c), customer_payload(second, c)
    first.post(reverse("customers:edit", args=[c.pk]), {**seen_by_first, "phone": "021 6888 1234"})
    r = second.post(reverse("customers:edit", args=[c.pk]), {**seen_by_second, "notes": "第二人的备注"}, follow=True)
    assert r.status_code == 200
    stored = Customer.objects.get(pk=c.pk)
    assert stored.notes == "第二人的备注" and "6888" in stored.phone and stored.version == 3
    texts = [str(m) for m in r.context["messages"]]
    assert any(world.p.am.name in t and "Phone" in t and "kept" in t for t in texts), texts


def test_sales_changed_meanwhile_conflict_with_sales_typed_here(world):
    c = world.c_sp1
    second = login(Client(), world.p.sp1)
    seen = customer_payload(second, c)
    services.yearly_sales_set(actor=world.p.am, customer=c, rows=[{"year": 2024, "revenue": "500"}])
    before = snapshot()
    year_key = next(k for k, v in seen.items() if k.startswith("sales-") and k.endswith("-year") and v)
    revenue_key = year_key.replace("-year", "-revenue")
    r = second.post(reverse("customers:edit", args=[c.pk]), {**seen, revenue_key: "700"})
    assert r.status_code == 200 and snapshot() == before
    [row] = r.context["conflict"]["rows"]
    assert row["fields"][0]["label"] == "Sales of the last 3 years"


def test_contact_edit_conflict_shows_who_and_keeps_input(world):
    contact = world.c_sp1.contacts.get()
    first, second = login(Client(), world.p.am), login(Client(), world.p.sp1)
    url = reverse("customers:contact-edit", args=[contact.pk])
    seen_by_first, seen_by_second = contact_payload(first, contact), contact_payload(second, contact)
    assert first.post(url, {**seen_by_first, "title": "采购总监"}).status_code == 302
    before = snapshot()
    r = second.post(url, {**seen_by_second, "title": "副总经理"})
    assert r.status_code == 200 and snapshot() == before
    html = r.content.decode()
    assert 'id="edit-conflict"' in html and world.p.am.name in html and "采购总监" in html
    assert r.context["form"]["title"].value() == "副总经理"
    # another field of the contact merges
    r = second.post(url, {**seen_by_second, "wechat": "wx_second"})
    assert r.status_code == 302
    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.title, stored.wechat, stored.version) == ("采购总监", "wx_second", 3)


def test_a_page_without_a_version_is_saved_as_before(world):
    """A tab opened before the upgrade posts no version: accepted, as the API without If-Match."""
    c = world.c_sp1
    client = login(Client(), world.p.sp1)
    data = customer_payload(client, c)
    data.pop("version")
    services.customer_update(actor=world.p.am, customer=c, data={"phone": "021 6888 1234"})
    assert client.post(reverse("customers:edit", args=[c.pk]), {**data, "phone": "021 5555 9999"}).status_code == 302


def test_a_tampered_version_is_a_form_error_not_a_500(world):
    c = world.c_sp1
    client = login(Client(), world.p.sp1)
    data = customer_payload(client, c)
    before = snapshot()
    for bad in ("abc", "-1", "99999999999999999999"):
        r = client.post(reverse("customers:edit", args=[c.pk]), {**data, "version": bad, "notes": "x"})
        assert r.status_code == 200
        assert snapshot() == before
    r = client.post(reverse("customers:edit", args=[c.pk]), {**data, "overwrite": "x" * 50, "notes": "x"})
    assert r.status_code == 302  # a garbage overwrite is ignored: the opened version (current) decides
