"""The race (issue 8 §6): two PATCHes holding the same If-Match sent at the same moment — exactly
one succeeds, the other answers 412, one change is logged. The check and the write happen in one
transaction with the row locked (PostgreSQL: ``SELECT … FOR UPDATE``; SQLite: ``BEGIN IMMEDIATE``
serialises the writers), so the second one sees the version the first one left.

Run on PostgreSQL with ``DATABASE_URL=postgres://…``; on SQLite it runs against a file database
(the in-memory test database is one connection's)."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection, connections

from kam.core.changes import ObjectChange
from kam.core.etags import etag_for
from kam.customers import services
from kam.customers.models import Contact, Customer

from .test_api import client_for, contact_url, customer_url


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _threads_share_the_database() -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # the in-memory test database is shared between threads in SQLite's shared-cache mode, whose
        # table locks fail at once instead of waiting: not the server's situation (WAL file, BEGIN
        # IMMEDIATE, 20 s busy timeout — test_sqlite_writers_are_serialised checks that setting)
        pytest.skip("threads need a file or server database: run with DATABASE_URL=postgres://…")


def _race(monkeypatch, clients, url, bodies, tag, service_name):
    """Send each client's PATCH at once; the first into the service holds it for a moment so the
    other one arrives while the row is locked."""
    original = getattr(services, service_name)

    def slow(**kwargs):
        result = original(**kwargs)
        time.sleep(0.4)  # inside the transaction, the row still locked
        return result

    monkeypatch.setattr(services, service_name, slow)
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def run(client, body):
        try:
            barrier.wait()
            statuses.append(client.patch(url, body, format="json", HTTP_IF_MATCH=tag).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c, b)) for c, b in zip(clients, bodies, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return sorted(statuses)


@pytest.mark.django_db(transaction=True)
def test_two_patches_with_the_same_if_match_cannot_both_succeed(world, monkeypatch):
    _threads_share_the_database()
    c = world.c_sp1
    first, second = client_for(world.p.sp1), client_for(world.p.am)
    tag = etag_for(Customer, c.pk, 1)
    before = ObjectChange.objects.of_object(c).count()
    statuses = _race(
        monkeypatch,
        [first, second],
        customer_url(c.pk),
        [{"phone": "021 6888 0001"}, {"phone": "021 6888 0002"}],
        tag,
        "customer_update",
    )
    assert statuses == [200, 412]
    stored = Customer.objects.get(pk=c.pk)
    assert stored.version == 2
    assert ObjectChange.objects.of_object(c).count() == before + 1


@pytest.mark.django_db(transaction=True)
def test_two_contact_patches_with_the_same_if_match_cannot_both_succeed(world, monkeypatch):
    _threads_share_the_database()
    contact = world.c_sp1.contacts.get()
    tag = etag_for(Contact, contact.pk, 1)
    statuses = _race(
        monkeypatch,
        [client_for(world.p.sp1), client_for(world.p.am)],
        contact_url(contact.pk),
        [{"title": "甲"}, {"title": "乙"}],
        tag,
        "contact_update",
    )
    assert statuses == [200, 412]
    assert Contact.objects.get(pk=contact.pk).version == 2


def test_sqlite_writers_are_serialised():
    """On SQLite every transaction takes the write lock when it begins (``BEGIN IMMEDIATE``) and
    waits for it, so the If-Match check and the write of two requests never interleave."""
    from django.conf import settings

    options = settings.DATABASES["default"].get("OPTIONS", {})
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 5
