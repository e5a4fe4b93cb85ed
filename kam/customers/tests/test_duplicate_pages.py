"""The duplicate check (查重) on the pages: the customer and contact forms show the matches while
they are filled in (the fragment endpoints) and, in ``KAM_DUPLICATE_CHECK=warn`` mode, a save that
matches a customer on file waits for the user's tick — nothing is written until then; in
``block`` mode the service refuses it. Outside the actor's scope a match names only whom to ask
(R1.2)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.customers import services
from kam.customers.models import Contact, Customer
from kam.customers.testing import valid_uscc
from kam.customers.tests.test_views import create_payload, form_payload, login, snapshot


def _contact(customer):
    return customer.contacts.get()


# --- the fragments ---------------------------------------------------------------------------


def test_fragment_names_a_match_in_scope_with_a_link(client, world):
    login(client, world.p.sp1)
    r = client.get(reverse("customers:duplicates"), {"name": "华东 精密机械（股份有限公司）"})
    assert r.status_code == 200
    html = r.content.decode()
    assert world.c_sp1.name in html and world.c_sp1.code in html
    assert reverse("customers:detail", args=[world.c_sp1.pk]) in html
    assert 'data-matches="1"' in html and "alert-warning" in html


def test_fragment_outside_the_scope_says_only_whom_to_ask(client, world):
    login(client, world.p.sp1, "zh-hans")
    r = client.get(reverse("customers:duplicates"), {"name": world.c_team_b.name, "phone": ""})
    html = r.content.decode()
    assert r.status_code == 200 and 'data-matches="1"' in html
    assert world.c_team_b.name not in html and world.c_team_b.code not in html
    assert reverse("customers:detail", args=[world.c_team_b.pk]) not in html
    assert "您的查看范围之外已有一个客户" in html and "请联系" in html  # whom to ask, in Chinese


def test_fragment_excludes_the_customer_being_edited(client, world):
    login(client, world.p.sp1)
    q = {"name": world.c_sp1.name}
    assert 'data-matches="1"' in client.get(reverse("customers:duplicates"), q).content.decode()
    r = client.get(reverse("customers:duplicates"), {**q, "exclude": world.c_sp1.pk})
    assert r.content.decode().strip() == ""


@pytest.mark.parametrize("exclude", ["x", "-1", "9" * 30, ""])
def test_fragment_odd_parameters_are_no_error(client, world, exclude):
    login(client, world.p.sp1)
    r = client.get(reverse("customers:duplicates"), {"name": "华" * 500, "exclude": exclude, "phone": "\\x00"})
    assert r.status_code == 200


def test_contact_fragment_ignores_its_own_customer_main_number(client, world):
    login(client, world.p.sp1)
    c = world.c_sp1
    services.customer_update(actor=world.p.dm, customer=c, data={"phone": "021 8888 6666"})
    url = reverse("customers:contact-duplicates")
    assert client.get(url, {"phone": "021-8888 6666", "customer": c.pk}).content.decode().strip() == ""
    other = client.get(url, {"phone": "021-8888 6666", "customer": world.c_sp2.pk}).content.decode()
    assert 'data-matches="1"' in other and c.name in other


def test_the_forms_carry_the_live_check(client, world):
    login(client, world.p.sp1)
    html = client.get(reverse("customers:create")).content.decode()
    assert f'data-kam-dup="{reverse("customers:duplicates")}"' in html
    html = client.get(reverse("customers:edit", args=[world.c_sp1.pk])).content.decode()
    assert f'data-kam-dup-exclude="{world.c_sp1.pk}"' in html
    html = client.get(reverse("customers:contact-edit", args=[_contact(world.c_sp1).pk])).content.decode()
    assert f'data-kam-dup="{reverse("customers:contact-duplicates")}"' in html


# --- saving in warn mode: confirm first ------------------------------------------------------


def test_create_with_the_same_name_waits_for_the_tick(client, world, settings):
    settings.KAM_DUPLICATE_CHECK = "warn"
    login(client, world.p.sp1)
    data = create_payload(client, name="上海 明珠贸易（有限公司）")
    before = snapshot()
    r = client.post(reverse("customers:create"), data)
    assert r.status_code == 200 and snapshot() == before
    html = r.content.decode()
    assert 'name="confirm_duplicates"' in html and r.context["dup_box"]["confirm"]
    assert world.c_sp2.name not in html  # sp2's customer: outside sp1's scope, only whom to ask
    r = client.post(reverse("customers:create"), {**data, "confirm_duplicates": "1"})
    assert r.status_code == 302
    assert Customer.objects.filter(name="上海 明珠贸易（有限公司）").exists()


def test_a_merely_similar_name_does_not_stop_the_save(client, world, settings):
    settings.KAM_DUPLICATE_CHECK = "warn"
    login(client, world.p.sp1)
    data = create_payload(client, name="华东精密机戒有限公司")  # one character off
    assert client.post(reverse("customers:create"), data).status_code == 302


def test_a_new_contact_with_a_phone_on_file_waits_for_the_tick(client, world, settings):
    settings.KAM_DUPLICATE_CHECK = "warn"
    login(client, world.p.sp1)
    phone = _contact(world.c_south).phone
    data = create_payload(client, **{"contacts-0-name": "王经理", "contacts-0-phone": phone})
    r = client.post(reverse("customers:create"), data)
    assert r.status_code == 200 and r.context["dup_box"]["confirm"]
    html = r.content.decode()
    assert world.c_south.name not in html  # 华南's customer: outside sp1's scope
    assert client.post(reverse("customers:create"), {**data, "confirm_duplicates": "1"}).status_code == 302


def test_edit_asks_only_when_a_watched_field_changes(client, world, settings):
    settings.KAM_DUPLICATE_CHECK = "warn"
    login(client, world.p.dm)
    url = reverse("customers:edit", args=[world.c_sp1.pk])
    r = client.get(url)
    data = form_payload(r.context["form"], r.context["sales"])
    data["address"] = "上海市浦东新区张江路 1 号"
    assert client.post(url, data).status_code == 302  # nothing watched changed
    r = client.get(url)
    data = form_payload(r.context["form"], r.context["sales"])
    data["name"] = "上海明珠贸易股份有限公司"  # dm sees c_sp2 (team A)
    r = client.post(url, data)
    assert r.status_code == 200 and world.c_sp2.name in r.content.decode()
    assert Customer.objects.get(pk=world.c_sp1.pk).name == world.c_sp1.name
    assert client.post(url, {**data, "confirm_duplicates": "1"}).status_code == 302
    assert Customer.objects.get(pk=world.c_sp1.pk).name == "上海明珠贸易股份有限公司"


def test_block_mode_refuses_and_offers_no_tick(client, world, settings):
    settings.KAM_DUPLICATE_CHECK = "block"
    login(client, world.p.sp1)
    data = create_payload(client, name=world.c_sp2.name, confirm_duplicates="1")
    before = snapshot()
    r = client.post(reverse("customers:create"), data)
    assert r.status_code == 200 and snapshot() == before
    assert "name" in r.context["form"].errors
    html = r.content.decode()
    assert 'name="confirm_duplicates"' not in html and "alert-danger" in html


def test_contact_form_same_phone_elsewhere_waits_for_the_tick(client, world, settings):
    settings.KAM_DUPLICATE_CHECK = "warn"
    login(client, world.p.dm)  # team A's manager sees both of its customers
    url = reverse("customers:contact-create", args=[world.c_sp1.pk])
    data = {"name": "赵工", "phone": _contact(world.c_sp2).phone}
    count = Contact.objects.count()
    r = client.post(url, data)
    assert r.status_code == 200 and Contact.objects.count() == count
    assert world.c_sp2.name in r.content.decode()
    assert client.post(url, {**data, "confirm_duplicates": "1"}).status_code == 302
    assert Contact.objects.count() == count + 1


def test_credit_code_duplicate_is_a_field_error_with_the_match_shown(client, world, settings):
    settings.KAM_DUPLICATE_CHECK = "warn"
    login(client, world.p.sp1)
    data = create_payload(client, name="完全不同的名字有限公司", credit_code=world.c_sp2.credit_code)
    r = client.post(reverse("customers:create"), {**data, "confirm_duplicates": "1"})
    assert r.status_code == 200 and "credit_code" in r.context["form"].errors
    assert valid_uscc(1) != world.c_sp2.credit_code
