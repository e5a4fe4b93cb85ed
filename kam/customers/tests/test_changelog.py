"""The change log (R2 history): every path of change is attributed — page, API, admin, command."""

import sys

import pytest

from kam.core.changes import ObjectChange
from kam.core.context import change_context, current_context
from kam.customers import services
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
    assert entry.changes == {"city": ["", "无锡"], "version": [1, 2]}  # the version goes with each change


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
        assert entry.field_changes() == [
            {"field": "postcode", "label": "postcode", "old": "", "new": "200000", "kind": ""}
        ]


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


# --- generic parents, events, bulk logging, no unlogged bulk writes ---------------------------


def test_changes_are_filed_under_their_customer(world):
    from django.contrib.contenttypes.models import ContentType

    contact = world.c_sp1.contacts.first()
    services.contact_update(actor=world.p.sp1, contact=contact, data={"title": "总经理"})
    entry = ObjectChange.objects.of_object(contact).latest("id")
    assert entry.parent_type == ContentType.objects.get_for_model(Customer) and entry.parent_id == world.c_sp1.pk
    assert entry in ObjectChange.objects.filed_under(world.c_sp1)
    assert entry not in ObjectChange.objects.filed_under(world.c_sp2)
    # org objects are filed under nothing
    unit_change = ObjectChange.objects.filter(content_type__model="orgunit").first()
    assert unit_change.parent_type is None and unit_change.parent_id is None


def test_archive_and_restore_are_logged_as_events_with_their_data(world):
    services.customer_archive(actor=world.p.am, customer=world.c_sp1, reason="公司注销")
    services.customer_restore(actor=world.p.am, customer=world.c_sp1)
    archive, restore = (
        ObjectChange.objects.filed_under(world.c_sp1).filter(action__in=["archive", "restore"]).order_by("id")
    )
    assert (archive.action, archive.data, archive.actor) == ("archive", {"reason": "公司注销"}, world.p.am)
    assert archive.changes["status"] == ["active", "archived"] and archive.is_event
    assert restore.changes["status"] == ["archived", "active"] and restore.data == {}
    assert str(archive.action_label) in ("Archived", "已归档")
    # one row per transition: no separate "update" for the same save
    assert not ObjectChange.objects.filed_under(world.c_sp1).filter(action="update", time__gte=archive.time).exists()


def test_log_event_without_a_save(world):
    from kam.core.changes import log_event

    entry = log_event(world.c_sp2, "restore", data={"comment": "测试"})
    assert entry.changes == {} and entry.data == {"comment": "测试"} and entry.parent_id == world.c_sp2.pk


def test_unlogged_bulk_updates_of_logged_fields_are_refused(world):
    from kam.core.changes import UnloggedWriteError

    before = ObjectChange.objects.count()
    with pytest.raises(UnloggedWriteError, match="logged_update"):
        Customer.objects.filter(pk=world.c_sp1.pk).update(name="偷改")
    with pytest.raises(UnloggedWriteError):
        Customer.objects.filter(pk=world.c_sp1.pk).update(owner_id=world.p.sp2.pk)  # by attname too
    with pytest.raises(UnloggedWriteError):
        world.c_sp1.contacts.update(phone="13800000000")  # related managers too
    c = Customer.objects.get(pk=world.c_sp1.pk)
    c.name = "偷改"
    with pytest.raises(UnloggedWriteError):
        Customer.objects.bulk_update([c], ["name"])
    assert Customer.objects.get(pk=world.c_sp1.pk).name == world.c_sp1.name
    assert ObjectChange.objects.count() == before
    # derived columns the log leaves out may still be written in bulk
    assert Customer.objects.filter(pk=world.c_sp1.pk).update(completeness=7) == 1


def test_logged_update_writes_one_change_per_changed_row(world):
    with change_context(source="command", actor=world.p.director):
        n = Customer.objects.filter(team=world.p.team_a).logged_update(credit_rating="AAA", city="上海市")
    assert n == 2
    rows = ObjectChange.objects.filter(action="update", content_type__model="customer", source="command")
    assert {r.parent_id for r in rows} == {world.c_sp1.pk, world.c_sp2.pk}
    for r in rows:
        assert r.changes["credit_rating"] == ["A", "AAA"] and r.actor == world.p.director
    # nothing changed → nothing logged
    with change_context(source="command", actor=world.p.director):
        Customer.objects.filter(team=world.p.team_a).logged_update(credit_rating="AAA")
    assert ObjectChange.objects.filter(action="update", source="command").count() == 2


def test_log_bulk_writes_many_rows_in_one_insert(world, django_assert_num_queries):
    from kam.core.changes import log_bulk

    customers = list(Customer.objects.order_by("pk"))
    with change_context(source="import", actor=world.p.director):
        with django_assert_num_queries(1):
            log_bulk([(c, "create", {"name": [None, c.name]}, None) for c in customers])
    rows = ObjectChange.objects.filter(source="import")
    assert rows.count() == len(customers) and {r.parent_id for r in rows} == {c.pk for c in customers}


def test_every_change_logged_model_has_a_guarded_manager():
    from django.core import checks

    assert [e for e in checks.run_checks() if e.id == "kam.E001"] == []
