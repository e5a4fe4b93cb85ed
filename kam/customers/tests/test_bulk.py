"""The importer's bulk helpers (kam.core.bulk) on the customer file's models: ``insert_many``
stores what ``bulk_create`` stores, ``CleanCache`` refuses what ``full_clean`` refuses, with the
same messages."""

from __future__ import annotations

import decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from kam.core.bulk import CleanCache, insert_many
from kam.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db


def _messages(fn) -> dict | None:
    try:
        fn()
    except ValidationError as exc:
        return exc.message_dict
    return None


BAD = [
    {"email": "not-an-email", "website": "nope", "staff_count": -3},
    {"phone": "12", "division_code": "999999", "nature": "???"},
    {"postcode": "abc", "annual_revenue": decimal.Decimal("1e30")},
    {},
]


@pytest.mark.parametrize("values", BAD)
def test_clean_cache_refuses_what_full_clean_refuses(world, values):
    base = Customer.objects.order_by("pk").first()
    cache = CleanCache()
    exclude = ["owner", "team", "created_by", "code", "credit_code"]
    for _round in range(2):  # the second round answers from the cache
        a = Customer.objects.get(pk=base.pk)
        b = Customer.objects.get(pk=base.pk)
        for obj in (a, b):
            for k, v in values.items():
                setattr(obj, k, v)
        expected = _messages(lambda a=a: a.full_clean(exclude=exclude, validate_unique=False))
        assert _messages(lambda b=b: cache.full_clean(b, exclude)) == expected
        assert {f.attname: getattr(a, f.attname) for f in Customer._meta.fields} == {
            f.attname: getattr(b, f.attname) for f in Customer._meta.fields
        }


def test_insert_many_sets_ids_and_stores_what_bulk_create_stores(world):
    customer = Customer.objects.order_by("pk").first()
    with transaction.atomic():
        new = [Contact(customer=customer, name=f"批量{i}", phone="13912345678") for i in range(3)]
        made = insert_many(Contact, new)
    assert [c.pk for c in made] == sorted(c.pk for c in made) and all(not c._state.adding for c in made)
    stored = Contact.objects.get(pk=made[1].pk)
    assert (stored.name, stored.customer_id, stored.phone) == ("批量1", customer.pk, "13912345678")
    assert stored.created_at is not None
