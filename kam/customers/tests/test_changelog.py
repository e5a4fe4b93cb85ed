"""The change log (R2 history): every path of change is attributed — page, API, admin, command."""

import sys

import pytest

from kam.core.changes import ObjectChange
from kam.core.context import change_context, current_context
from kam.customers.models import Customer


def test_context_nests_and_restores():
    assert current_context().source == "system"
    with change_context(source="command") as outer:
        with change_context(source="web") as inner:
            assert current_context().source == "web"
            assert inner.request_id == outer.request_id  # one request id for the whole unit of work
        assert current_context().source == "command"
    assert current_context().source == "system"


def test_plain_model_save_outside_any_context_is_still_logged(world):
    c = Customer.objects.get(pk=world.c_sp1.pk)
    c.city = "无锡"
    c.save()
    entry = ObjectChange.objects.filter(parent_type__model="customer", parent_id=c.pk).latest("id")
    assert entry.source == "system" and entry.actor is None
    assert entry.changes == {"city": ["", "无锡"]}


def test_kam_command_changes_are_attributed_to_command(world, monkeypatch):
    """`kam <command>` goes through kam/__main__.py, which opens a "command" context around
    Django's command runner; a change made inside any command is logged with that source."""
    import django.core.management

    from kam.__main__ import main

    seen = {}

    def fake_execute(argv):
        seen["argv"] = argv
        c = Customer.objects.get(pk=world.c_sp1.pk)
        c.city = "常州"
        c.save()

    monkeypatch.setattr(django.core.management, "execute_from_command_line", fake_execute)
    monkeypatch.setattr(sys, "argv", ["kam", "gen-data", "--customers", "1"])
    main()
    assert seen["argv"][1] == "gen_data"  # `kam gen-data` runs the gen_data command
    entry = ObjectChange.objects.filter(parent_type__model="customer", parent_id=world.c_sp1.pk).latest("id")
    assert entry.source == "command"
    assert entry.changes["city"] == ["", "常州"]


def test_web_request_attributes_actor_and_request_id(world, client):
    """The middleware reads the user lazily, so an edit in a view is logged under the user."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from kam.core.middleware import ChangeContextMiddleware

    def view(request):
        c = Customer.objects.get(pk=world.c_sp1.pk)
        c.city = "苏州"
        c.save()
        return HttpResponse("ok")

    request = RequestFactory().post("/customers/1/edit/", HTTP_X_REQUEST_ID="abc123")
    request.user = world.p.sp1
    response = ChangeContextMiddleware(view)(request)
    assert response["X-Request-ID"] == "abc123"
    entry = ObjectChange.objects.filter(parent_type__model="customer", parent_id=world.c_sp1.pk).latest("id")
    assert (entry.actor, entry.source, entry.request_id) == (world.p.sp1, "web", "abc123")
    assert entry.actor_name == "张专员"


@pytest.mark.parametrize("path, source", [("/api/v1/customers/", "api"), ("/admin/x/", "admin"), ("/", "web")])
def test_source_follows_the_path(world, path, source):
    from django.http import HttpResponse
    from django.test import RequestFactory

    from kam.core.middleware import ChangeContextMiddleware

    seen = {}

    def view(request):
        seen["source"] = current_context().source
        return HttpResponse("ok")

    ChangeContextMiddleware(view)(RequestFactory().get(path))
    assert seen["source"] == source


def test_delete_is_logged_with_old_values(world):
    contact = world.c_sp1.contacts.first()
    name, pk = contact.name, contact.pk
    contact.delete()
    entry = ObjectChange.objects.get(object_id=pk, content_type__model="contact", action="delete")
    assert entry.changes["name"] == [name, None]
    assert (entry.parent_type.model, entry.parent_id) == ("customer", world.c_sp1.pk)


def test_field_changes_have_translated_labels(world):
    from django.utils import translation

    c = Customer.objects.get(pk=world.c_sp1.pk)
    c.postcode = "200000"
    c.save()
    entry = ObjectChange.objects.filter(parent_type__model="customer", parent_id=c.pk).latest("id")
    with translation.override("en"):
        assert entry.field_changes() == [{"field": "postcode", "label": "postcode", "old": "", "new": "200000"}]


def test_choice_values_are_stored_as_keys_and_read_in_the_readers_language(world):
    from django.utils import translation

    from kam.customers import services

    services.customer_update(actor=world.p.sp1, customer=world.c_sp1, data={"nature": "state"})
    entry = ObjectChange.objects.filter(
        parent_type__model="customer", parent_id=world.c_sp1.pk, action="update"
    ).latest("id")
    assert entry.changes["nature"] == ["private", "state"]  # stable keys (the API shows these)
    with translation.override("en"):
        row = next(r for r in entry.field_changes() if r["field"] == "nature")
        assert (row["label"], row["old"], row["new"]) == ("company nature", "Private limited company", "State-owned")
    with translation.override("zh-hans"):
        row = next(r for r in entry.field_changes() if r["field"] == "nature")
        assert (row["label"], row["old"], row["new"]) == ("公司性质", "私人有限公司", "国营公司")
