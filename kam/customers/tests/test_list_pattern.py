"""The customer list in the one list pattern (kam.core.lists): saved views, the user's columns and
page size (remembered per user), filter chips, saved filters, bulk actions through the services,
export — all within the user's scope (R1.2)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from kam.core.changes import ObjectChange
from kam.core.models import SavedFilter
from kam.customers import services
from kam.customers.models import Customer
from kam.customers.testing import CustomerFactory

pytestmark = pytest.mark.usefixtures("en")


def listed(client, **params):
    r = client.get(reverse("customers:list"), params)
    assert r.status_code == 200
    return {c.pk for c in r.context["customers"]}, r


def headers(r):
    return [h["key"] for h in r.context["state"].headers]


def test_columns_and_page_size_are_remembered_per_user(client, world):
    p = world.p
    client.force_login(p.am)
    _ids, r = listed(client)
    assert headers(r) == ["name", "region", "credit_rating", "owner", "team", "completeness", "updated_at"]
    _ids, r = listed(client, columns="owner,code,contacts,bogus")
    assert headers(r) == ["name", "code", "owner", "contacts"]  # name cannot be hidden; unknown keys ignored
    _ids, r = listed(client, page_size=50)
    assert r.context["page"].paginator.per_page == 50
    _ids, r = listed(client)  # both remembered
    assert headers(r) == ["name", "code", "owner", "contacts"] and r.context["page"].paginator.per_page == 50
    html = r.content.decode()
    assert "<th" in html and 'data-sort="code"' in html and 'data-sort="province"' not in html
    _ids, r = listed(client, page_size=33)  # not a choice: ignored
    assert r.context["page"].paginator.per_page == 50
    # another user keeps the defaults
    client.force_login(p.dm)
    _ids, r = listed(client)
    assert "region" in headers(r) and r.context["page"].paginator.per_page == 20


@pytest.mark.parametrize(
    "persona, view, expected",
    [
        ("sp1", "mine", {"c_sp1"}),
        ("sp1", "participating", {"c_shared"}),
        ("am", "mine", set()),
        ("am", "subordinates", {"c_sp1", "c_sp2"}),
        ("dm", "mine", {"c_team_b", "c_shared"}),
        ("dm", "subordinates", {"c_sp1", "c_sp2"}),
        ("director", "subordinates", {"c_sp1", "c_sp2", "c_team_b", "c_south", "c_shared"}),
    ],
)
def test_saved_views(client, world, persona, view, expected):
    client.force_login(getattr(world.p, persona))
    ids, r = listed(client, view=view)
    assert ids == {getattr(world, k).pk for k in expected}
    keys = [v["key"] for v in r.context["state"].views]
    assert keys == (
        ["", "mine", "participating"] if persona == "sp1" else ["", "mine", "participating", "subordinates"]
    )
    assert [v["key"] for v in r.context["state"].views if v["active"]] == [view]


def test_filter_chips_show_and_remove_each_filter(client, world):
    client.force_login(world.p.director)
    _ids, r = listed(client, credit_rating="A", team=world.p.team_a.pk, q="精密")
    chips = {c["name"]: c for c in r.context["state"].chips}
    assert set(chips) == {"credit_rating", "team", "q"}
    assert chips["team"]["value"] == "华东一组" and chips["team"]["label"] == "Team"
    assert "team=" not in chips["team"]["remove"] and "credit_rating=A" in chips["team"]["remove"]
    html = r.content.decode()
    assert 'data-chip="team"' in html and 'id="save-filter"' in html
    _ids, r = listed(client, credit_rating="nope")  # invalid filters are not chips
    assert r.context["state"].chips == []


def test_saved_filters_are_the_users_own(client, world):
    client.force_login(world.p.am)
    r = client.post(
        reverse("saved-filter-create", args=["customers"]),
        {"reason": "A 级客户", "query": "credit_rating=A", "next": "/customers/?credit_rating=A"},
    )
    assert r.status_code == 302 and r["Location"] == "/customers/?credit_rating=A"
    saved = SavedFilter.objects.get(user=world.p.am)
    assert (saved.name, saved.query, saved.list_key) == ("A 级客户", "credit_rating=A", "customers")
    _ids, page = listed(client)
    assert f'data-saved-filter="{saved.pk}"' in page.content.decode()
    # someone else neither sees it nor can delete it
    client.force_login(world.p.dm)
    _ids, page = listed(client)
    assert f'data-saved-filter="{saved.pk}"' not in page.content.decode()
    assert client.post(reverse("saved-filter-delete", args=[saved.pk])).status_code == 404
    client.force_login(world.p.am)
    assert (
        client.post(reverse("saved-filter-delete", args=[saved.pk]), {"next": "https://evil.example/"}).status_code
        == 302
    )
    assert not SavedFilter.objects.exists()
    r = client.post(reverse("saved-filter-create", args=["customers"]), {"query": "credit_rating=A"})
    assert r.status_code == 302 and not SavedFilter.objects.exists()  # a name is needed


def test_bulk_transfer_goes_through_the_service(client, world):
    p = world.p
    client.force_login(p.am)
    before = ObjectChange.objects.count()
    r = client.post(
        reverse("customers:bulk-reassign"),
        {"ids": [world.c_sp1.pk, world.c_south.pk, "x"], "owner": p.sp2.pk, "next": "/customers/"},
    )
    assert r.status_code == 302
    owners = dict(Customer.objects.values_list("pk", "owner_id"))
    assert owners[world.c_sp1.pk] == p.sp2.pk
    assert owners[world.c_south.pk] == p.sp_other.pk  # out of scope: not there, untouched
    assert ObjectChange.objects.count() == before + 1
    # an owner outside the manager's part of the organisation is refused outright
    r = client.post(reverse("customers:bulk-reassign"), {"ids": [world.c_sp2.pk], "owner": p.sp_other.pk})
    assert Customer.objects.get(pk=world.c_sp2.pk).owner == p.sp2
    # specialists may not transfer
    client.force_login(p.sp1)
    assert (
        client.post(reverse("customers:bulk-reassign"), {"ids": [world.c_sp1.pk], "owner": p.sp1.pk}).status_code == 403
    )


def test_bulk_archive_needs_a_reason(client, world):
    client.force_login(world.p.am)
    client.post(reverse("customers:bulk-archive"), {"ids": [world.c_sp1.pk, world.c_sp2.pk]})
    assert not Customer.objects.filter(status="archived").exists()
    client.post(reverse("customers:bulk-archive"), {"ids": [world.c_sp1.pk, world.c_south.pk], "reason": "合并"})
    assert set(Customer.objects.filter(status="archived").values_list("pk", flat=True)) == {world.c_sp1.pk}
    assert client.post(reverse("customers:bulk-archive"), {"ids": [world.c_sp2.pk]}).status_code == 302


def _csv(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_export_selected_or_filtered_within_scope(client, world):
    hostile = CustomerFactory(name='=HYPERLINK("http://evil")', owner=world.p.sp1, team=world.p.team_a)
    client.force_login(world.p.sp1)
    r = client.post(reverse("customers:export"), {"ids": [world.c_sp1.pk, world.c_south.pk, hostile.pk]})
    assert r["Content-Type"].startswith("text/csv") and "attachment" in r["Content-Disposition"]
    rows = _csv(r)
    assert rows[0][:2] == ["customer number", "name"]
    names = {row[1] for row in rows[1:]}
    assert names == {world.c_sp1.name, '\'=HYPERLINK("http://evil")'}  # 华南's is not in scope; no live formula
    r = client.get(reverse("customers:export"), {"q": "精密"})
    assert [row[1] for row in _csv(r)[1:]] == [world.c_sp1.name]


def test_list_renders_rows_and_cards_without_overflowing_columns(client, world):
    client.force_login(world.p.director)
    _ids, r = listed(client)
    html = r.content.decode()
    assert html.count('class="customer-row"') == 5 and html.count("customer-card d-flex") == 5
    assert re.search(r'<td class="kam-nowrap">华东一组</td>', html)


def test_chips_for_the_workbench_links(client, world):
    """The workbench's links land on lists whose chips say what they show."""
    client.force_login(world.p.am)
    _ids, r = listed(client, completeness_max=59, ordering="completeness")
    assert [c["name"] for c in r.context["state"].chips] == ["completeness_max"]


def test_bulk_actions_are_offered_by_permission(client, world):
    client.force_login(world.p.sp1)
    html = listed(client)[1].content.decode()
    assert 'id="bulk-export"' in html and 'id="bulk-reassign"' not in html and 'id="bulk-archive"' not in html
    client.force_login(world.p.am)
    html = listed(client)[1].content.decode()
    assert 'id="bulk-reassign"' in html and 'id="bulk-archive"' in html
    services.customer_archive(actor=world.p.am, customer=world.c_sp2, reason="测试")
