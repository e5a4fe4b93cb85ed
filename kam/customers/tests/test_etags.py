"""ETag / If-Match on the customer-file API (issue 8 §6, R2): detail reads carry the record's
version as a strong ETag; a write with a stale If-Match answers 412 and changes nothing; a
matching one, ``*`` or none is accepted as before; a malformed one is a 400, never a 5xx."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from kam.core.changes import ObjectChange
from kam.core.etags import etag_for
from kam.customers import services
from kam.customers.models import Contact, Customer, CustomerYearSales

from .test_api import client_for, contact_url, customer_url


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def snapshot() -> tuple:
    """Everything a refused write could have touched."""
    return (
        list(Customer.objects.order_by("pk").values()),
        list(Contact.objects.order_by("pk").values()),
        list(CustomerYearSales.objects.order_by("pk").values()),
        ObjectChange.objects.count(),
    )


def test_detail_read_carries_a_strong_etag_of_model_pk_and_version(world):
    c = world.c_sp1
    response = client_for(world.p.sp1).get(customer_url(c.pk))
    assert response.status_code == 200
    assert response["ETag"] == f'"customers.customer-{c.pk}-1"' == etag_for(Customer, c.pk, 1)
    assert not response["ETag"].startswith("W/")
    assert response.json()["version"] == 1
    contact = c.contacts.get()
    response = client_for(world.p.sp1).get(contact_url(contact.pk))
    assert response["ETag"] == f'"customers.contact-{contact.pk}-1"'
    # the list carries versions (to send If-Match without a read) but no ETag: it is not one record
    listing = client_for(world.p.sp1).get(customer_url())
    assert "ETag" not in listing and listing.json()["results"][0]["version"] >= 1


@pytest.mark.parametrize("method", ["put", "patch"])
def test_stale_if_match_on_a_customer_is_412_and_changes_nothing(world, method):
    c = world.c_sp1
    client = client_for(world.p.sp1, HTTP_ACCEPT_LANGUAGE="en")
    stale = client.get(customer_url(c.pk))["ETag"]
    services.customer_update(actor=world.p.am, customer=c, data={"phone": "021 6888 1234"})  # someone else saves
    before = snapshot()
    body = {"name": "改名有限公司", "credit_code": c.credit_code} if method == "put" else {"name": "改名有限公司"}
    response = getattr(client, method)(customer_url(c.pk), body, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412, response.content
    assert response["ETag"] == etag_for(Customer, c.pk, 2)  # the current tag, to read again
    assert "nothing was saved" in response.json()["detail"]
    assert snapshot() == before


@pytest.mark.parametrize("method", ["put", "patch"])
def test_stale_if_match_on_a_contact_is_412_and_changes_nothing(world, method):
    contact = world.c_sp1.contacts.get()
    client = client_for(world.p.sp1)
    stale = client.get(contact_url(contact.pk))["ETag"]
    services.contact_update(actor=world.p.am, contact=contact, data={"title": "采购总监"})
    before = snapshot()
    response = getattr(client, method)(
        contact_url(contact.pk), {"name": "李四", "title": "经理"}, format="json", HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    assert response["ETag"] == etag_for(Contact, contact.pk, 2)
    assert snapshot() == before


@pytest.mark.parametrize("method", ["put", "patch"])
def test_matching_if_match_is_accepted_and_answers_the_next_tag(world, method):
    c = world.c_sp1
    client = client_for(world.p.sp1)
    tag = client.get(customer_url(c.pk))["ETag"]
    body = {"name": "新名称有限公司", "credit_code": c.credit_code} if method == "put" else {"name": "新名称有限公司"}
    response = getattr(client, method)(customer_url(c.pk), body, format="json", HTTP_IF_MATCH=tag)
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert response["ETag"] == etag_for(Customer, c.pk, 2)
    # the tag just used is stale now
    again = client.patch(customer_url(c.pk), {"name": "再改有限公司"}, format="json", HTTP_IF_MATCH=tag)
    assert again.status_code == 412
    Customer.objects.get(pk=c.pk, name="新名称有限公司", version=2)


def test_no_if_match_and_star_are_accepted(world):
    c = world.c_sp1
    client = client_for(world.p.sp1)
    assert client.patch(customer_url(c.pk), {"name": "一有限公司"}, format="json").status_code == 200
    assert client.patch(customer_url(c.pk), {"name": "二有限公司"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    # a list of tags matches when one of them is current
    tags = f'"customers.customer-{c.pk}-1", {etag_for(Customer, c.pk, 3)}'
    assert (
        client.patch(customer_url(c.pk), {"name": "三有限公司"}, format="json", HTTP_IF_MATCH=tags).status_code == 200
    )
    assert Customer.objects.get(pk=c.pk).version == 4


@pytest.mark.parametrize(
    "header,status",
    [
        ("not-quoted", 400),
        ('"unterminated', 400),
        (" , ", 400),
        ("**", 400),
        ("\u5ba2\u6237", 400),
        ('"x" garbage', 400),
        ('"' + "9" * 5000 + '"', 400),
        ('W/"customers.customer-{pk}-1"', 412),  # weak never matches (strong comparison)
        ('"customers.contact-{pk}-1"', 412),  # another model's tag
        ('"customers.customer-999999-1"', 412),  # another record's
        ('""', 412),
    ],
)
def test_malformed_or_foreign_if_match_is_4xx_and_changes_nothing(world, header, status):
    c = world.c_sp1
    before = snapshot()
    response = client_for(world.p.sp1, HTTP_ACCEPT_LANGUAGE="en").patch(
        customer_url(c.pk), {"name": "不该保存有限公司"}, format="json", HTTP_IF_MATCH=header.format(pk=c.pk)
    )
    assert response.status_code == status, response.content
    assert snapshot() == before
    if status == 400:
        assert "If-Match" in response.json()["detail"]


def test_archive_restore_and_contact_removal_honour_if_match(world):
    c = world.c_sp1
    client = client_for(world.p.am)
    tag = client.get(customer_url(c.pk))["ETag"]
    services.customer_update(actor=world.p.sp1, customer=c, data={"fax": "021 5555 0001"})
    before = snapshot()
    assert client.post(customer_url(c.pk, "archive/"), {"reason": "倒闭"}, HTTP_IF_MATCH=tag).status_code == 412
    assert snapshot() == before
    tag = client.get(customer_url(c.pk))["ETag"]
    response = client.post(customer_url(c.pk, "archive/"), {"reason": "倒闭"}, format="json", HTTP_IF_MATCH=tag)
    assert response.status_code == 200 and response.json()["status"] == "archived"
    assert response["ETag"] == etag_for(Customer, c.pk, 3)
    assert client.post(customer_url(c.pk, "restore/"), HTTP_IF_MATCH=tag).status_code == 412
    assert client.post(customer_url(c.pk, "restore/"), HTTP_IF_MATCH=response["ETag"]).status_code == 200

    contact = world.c_sp2.contacts.get()
    stale = client.get(contact_url(contact.pk))["ETag"]
    services.contact_update(actor=world.p.sp2, contact=contact, data={"title": "总经理"})
    before = snapshot()
    assert client.delete(contact_url(contact.pk), HTTP_IF_MATCH=stale).status_code == 412
    assert snapshot() == before
    fresh = client.get(contact_url(contact.pk))["ETag"]
    assert client.delete(contact_url(contact.pk), HTTP_IF_MATCH=fresh).status_code == 204
    assert Contact.objects.get(pk=contact.pk).is_archived


def test_if_match_does_not_bypass_scope_or_permission(world):
    """A tag is no key: out of scope is still 404, no permission 403, anonymous 401."""
    c = world.c_south
    tag = etag_for(Customer, c.pk, 1)
    assert client_for(world.p.sp1).patch(customer_url(c.pk), {}, format="json", HTTP_IF_MATCH=tag).status_code == 404
    assert (
        client_for(world.p.finance).patch(customer_url(c.pk), {}, format="json", HTTP_IF_MATCH="garbage").status_code
        == 403
    )
    from rest_framework.test import APIClient

    assert APIClient().patch(customer_url(c.pk), {}, format="json", HTTP_IF_MATCH="garbage").status_code == 401


def test_a_service_conflict_answers_412_too(world, monkeypatch):
    """A service that raises ConflictError (its expected_version was stale) answers 412 through
    the exception handler, not 400."""
    from kam.core.versioning import check_version

    c = world.c_sp1
    original = services.customer_update

    def stale_update(**kwargs):
        kwargs["expected_version"] = 99
        return original(**kwargs)

    monkeypatch.setattr(services, "customer_update", stale_update)
    before = snapshot()
    response = client_for(world.p.sp1).patch(customer_url(c.pk), {"name": "改名有限公司"}, format="json")
    assert response.status_code == 412
    assert response["ETag"] == etag_for(Customer, c.pk, 1)
    assert snapshot() == before
    assert check_version  # imported: the check the service runs


def test_yearly_sales_through_the_customer_move_its_version(world):
    """A PUT of yearly_sales is a write to the customer: a second client holding the old tag
    cannot put the old years back."""
    c = world.c_sp1
    first, second = client_for(world.p.sp1), client_for(world.p.am)
    tag = first.get(customer_url(c.pk))["ETag"]
    assert second.get(customer_url(c.pk))["ETag"] == tag
    r = first.patch(
        customer_url(c.pk), {"yearly_sales": [{"year": 2024, "revenue": "10"}]}, format="json", HTTP_IF_MATCH=tag
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    before = snapshot()
    r = second.patch(customer_url(c.pk), {"yearly_sales": []}, format="json", HTTP_IF_MATCH=tag)
    assert r.status_code == 412
    assert snapshot() == before
