"""The customer's place as a GB/T 2260 code (issue 7, R2 basic data: region): the services
validate ``division_code`` and derive province and city from it for every entry point — page,
API, admin, demo and gen-data alike."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from kam.core import divisions
from kam.customers import services
from kam.customers.choices import PROVINCES
from kam.customers.models import Customer
from kam.customers.testing import valid_uscc

from .test_views import create_payload, form_payload, login, snapshot

NEW = {"name": "深圳前海微众科技有限公司", "credit_code": valid_uscc(880001)}


def test_the_region_choices_are_the_provinces_of_the_data():
    """Province stays a choice by name (list filter, bench, index): every province of the data is
    one of them, so a derived province always fits."""
    assert [n for _c, n in divisions.children()] and {n for _c, n in divisions.children()} == set(PROVINCES)


def test_create_with_a_district_derives_province_and_city(personas):
    c = services.customer_create(actor=personas.sp1, data={**NEW, "division_code": "440305"})
    c.refresh_from_db()
    assert (c.division_code, c.province, c.city) == ("440305", "广东省", "深圳市")
    assert c.division_name == "广东省 深圳市 南山区"


def test_a_municipality_district(personas):
    c = services.customer_create(actor=personas.sp1, data={**NEW, "division_code": "310115"})
    assert (c.province, c.city, c.division_name) == ("上海市", "上海市", "上海市 浦东新区")


def test_the_code_wins_over_province_and_city_sent_with_it(personas):
    data = {**NEW, "division_code": "440305", "province": "上海市", "city": "上海"}
    c = services.customer_create(actor=personas.sp1, data=data)
    assert (c.province, c.city) == ("广东省", "深圳市")


@pytest.mark.parametrize("code", ["999999", "440371", "abc", "4403"])
def test_an_unknown_code_is_refused_keyed_and_nothing_is_saved(personas, code):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.customer_create(actor=personas.sp1, data={**NEW, "division_code": code})
    assert "division_code" in exc.value.message_dict
    assert snapshot() == before


def test_the_refusal_speaks_chinese(personas):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.customer_create(actor=personas.sp1, data={**NEW, "division_code": "999999"})
    assert "GB/T 2260" in exc.value.message_dict["division_code"][0]
    assert "请从列表中选择" in exc.value.message_dict["division_code"][0]


def test_update_moves_the_customer_and_clearing_the_code_clears_the_place(personas):
    c = services.customer_create(actor=personas.sp1, data={**NEW, "division_code": "440305"})
    c = services.customer_update(actor=personas.sp1, customer=c, data={"division_code": "320505"})
    assert (c.province, c.city) == ("江苏省", "苏州市")
    c = services.customer_update(actor=personas.sp1, customer=c, data={"division_code": ""})
    assert (c.division_code, c.province, c.city) == ("", "", "")


def test_old_clients_province_and_city_still_work_and_get_a_code(personas):
    c = services.customer_create(actor=personas.sp1, data={**NEW, "province": "江苏省", "city": "苏州"})
    assert (c.province, c.city, c.division_code) == ("江苏省", "苏州", "320500")
    c = services.customer_update(actor=personas.sp1, customer=c, data={"province": "浙江省", "city": "某地"})
    assert (c.province, c.city, c.division_code) == ("浙江省", "某地", "330000")


def test_the_code_counts_towards_file_completeness(personas):
    """R2.1: the place is a key field of the file (it was province before)."""
    without = services.customer_create(actor=personas.sp1, data=NEW)
    other = {"name": "深圳另一家科技有限公司", "credit_code": valid_uscc(880002), "division_code": "440305"}
    with_code = services.customer_create(actor=personas.sp1, data=other)
    assert with_code.completeness > without.completeness


# ---------------------------------------------------------------- API


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_writes_the_code_and_reads_its_name(world):
    client = api(world.p.sp1)
    r = client.post("/api/v1/customers/", {**NEW, "division_code": "310115"}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    pk = body["id"]
    r = client.get(f"/api/v1/customers/{pk}/")
    body = r.json()
    assert (body["division_code"], body["division_name"]) == ("310115", "上海市 浦东新区")
    assert (body["province"], body["city"]) == ("上海市", "上海市")
    r = client.patch(f"/api/v1/customers/{pk}/", {"division_code": "440305"}, format="json")
    assert r.status_code == 200, r.content
    row = next(x for x in client.get("/api/v1/customers/").json()["results"] if x["id"] == pk)
    assert (row["division_code"], row["division_name"], row["province"]) == ("440305", "广东省 深圳市 南山区", "广东省")


@pytest.mark.parametrize("code", ["999999", "12", "４４０３７１"])
def test_api_unknown_code_is_400_keyed_and_nothing_changes(world, code):
    client = api(world.p.sp1)
    before = snapshot()
    r = client.post("/api/v1/customers/", {**NEW, "division_code": code}, format="json")
    assert r.status_code == 400, r.content
    assert "division_code" in r.json()
    assert snapshot() == before
    r = client.patch(f"/api/v1/customers/{world.c_sp1.pk}/", {"division_code": "999999"}, format="json")
    assert r.status_code == 400 and "division_code" in r.json()
    assert Customer.objects.get(pk=world.c_sp1.pk).division_code == world.c_sp1.division_code


def test_api_old_clients_province_only(world):
    r = api(world.p.sp1).post("/api/v1/customers/", {**NEW, "province": "浙江省", "city": "杭州"}, format="json")
    assert r.status_code == 201, r.content
    c = Customer.objects.get(pk=r.json()["id"])
    assert (c.province, c.city, c.division_code) == ("浙江省", "杭州", "330100")


# ---------------------------------------------------------------- pages


def test_the_form_offers_the_picker_instead_of_province_and_city(client, world):
    login(client, world.p.sp1, "zh-hans")
    html = client.get(reverse("customers:create")).content.decode()
    assert 'name="division_code_province"' in html and 'name="division_code_district"' in html
    assert 'name="province"' not in html and 'name="city"' not in html
    assert "divisions.js" in html and "请选择" in html


def test_the_page_saves_the_picked_district(client, world):
    login(client, world.p.sp1)
    data = create_payload(client)
    data.pop("division_code", None)
    picked = {"division_code_province": "440000", "division_code_city": "440300", "division_code_district": "440305"}
    data.update(picked)
    r = client.post(reverse("customers:create"), data)
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    c = Customer.objects.get(name="宁波海天精工股份有限公司")
    assert (c.division_code, c.province, c.city) == ("440305", "广东省", "深圳市")
    detail = client.get(reverse("customers:detail", args=[c.pk]) + "?tab=overview").content.decode()
    assert "广东省 深圳市 南山区" in detail


def test_the_page_refuses_an_unknown_code_and_saves_nothing(client, world):
    login(client, world.p.sp1, "zh-hans")
    before = snapshot()
    r = client.post(reverse("customers:create"), create_payload(client, division_code="999999"))
    assert r.status_code == 200
    assert "division_code" in r.context["form"].errors
    assert "is-invalid" in r.content.decode()
    assert snapshot() == before


def test_the_edit_form_shows_the_chain_and_an_untouched_save_keeps_it(client, world):
    c = services.customer_update(actor=world.p.sp1, customer=world.c_sp1, data={"division_code": "310115"})
    login(client, world.p.sp1)
    r = client.get(reverse("customers:edit", args=[c.pk]))
    html = r.content.decode()
    assert '<option value="310000" selected>' in html
    assert '<option value="310100" selected>' in html
    assert '<option value="310115" selected>' in html
    data = form_payload(r.context["form"], r.context["sales"])
    data["notes"] = "备注"
    assert client.post(reverse("customers:edit", args=[c.pk]), data).status_code == 302
    c.refresh_from_db()
    assert (c.division_code, c.notes) == ("310115", "备注")


# ---------------------------------------------------------------- demo and gen-data


def test_demo_customers_have_district_codes_in_their_province():
    from kam.customers.demo import customer_specs

    specs = customer_specs()
    for spec in specs:
        code = spec.data["division_code"]
        assert divisions.is_valid(code), spec.data
        assert divisions.province_name(code) == spec.data["province"]
        assert divisions.city_name(code) == spec.data["city"]
    assert sum(divisions.get(s.data["division_code"]).level == divisions.DISTRICT for s in specs) > len(specs) / 2


def test_gen_data_codes_agree_with_province_and_city(db):
    from .test_gendata import gen

    gen(customers=60, contacts_per_customer=1, seed=7, teams=2)
    rows = list(Customer.objects.values_list("division_code", "province", "city"))
    assert rows
    for code, province, city in rows:
        assert divisions.province_name(code) == province and divisions.city_name(code) == city, (code, province, city)
