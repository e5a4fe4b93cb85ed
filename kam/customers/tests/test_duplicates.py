"""The duplicate check (查重, kam/customers/duplicates.py): what counts as the same customer, what
is only similar, that nothing of a customer outside the actor's scope leaks (R1.2), block vs
warn mode at every entry point, and that the check costs a fixed number of index lookups —
on SQLite and on PostgreSQL (run this file with DATABASE_URL=postgres://…)."""

from __future__ import annotations

import importlib
import io
import itertools
import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kam.core.changes import ObjectChange
from kam.customers import services
from kam.customers.duplicates import (
    MAX_MATCHES,
    SIMILAR_CANDIDATES,
    SIMILARITY_THRESHOLD,
    Reason,
    credit_code_key,
    find_contact_duplicates,
    find_customer_duplicates,
    name_key,
    phone_key,
    similarity,
)
from kam.customers.models import Customer
from kam.customers.testing import ContactFactory, CustomerFactory, valid_uscc
from kam.org.models import OrgUnit

SAME_AS_MINGZHU = [
    "上海明珠贸易有限公司",
    "上海 明珠贸易（有限公司）",
    "上海明珠贸易股份有限公司",
    "上海明珠贸易有限责任公司",
    "上海明珠贸易集团有限公司",
    "上海明珠贸易集团",
    "上海明珠贸易(有限公司)",
    "【上海】明珠贸易有限公司",
    "上海　明珠贸易［有限公司］",  # full-width space and brackets
    " 上海明珠贸易公司 ",
]


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user)[0].key)
    return client


def _only(matches):
    assert len(matches) == 1, matches
    return matches[0]


def _full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


# --- normalisation and similarity ------------------------------------------------------------


@pytest.mark.parametrize("name", SAME_AS_MINGZHU)
def test_name_variants_share_one_normalised_name(name):
    assert name_key(name) == "上海明珠贸易"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Mingzhu Trading Co., Ltd.", "mingzhutrading"),
        ("MINGZHU TRADING CO.,LTD", "mingzhutrading"),
        ("Mingzhu Trading Company Limited", "mingzhutrading"),
        (_full_width("Mingzhu Trading Co., Ltd."), "mingzhutrading"),
        ("Acme Corp.", "acme"),
        ("Acme Inc", "acme"),
        ("Tesco", "tesco"),  # "co" is stripped only as a word
        ("恒泰科技（上海）有限公司", "恒泰科技上海"),
        ("集团公司", "集团公司"),  # nothing but a suffix: kept
        ("", ""),
    ],
)
def test_name_key_examples(name, key):
    assert name_key(name) == key


def test_credit_code_and_phone_keys_ignore_width_case_and_punctuation():
    assert credit_code_key(_full_width("91310000ma1fl4kx6b")) == "91310000MA1FL4KX6B"
    assert credit_code_key(" 9131 0000-MA1F L4KX6B ") == "91310000MA1FL4KX6B"
    for spelling in ("13800138000", "+86 138-0013-8000", _full_width("13800138000"), "138 0013 8000"):
        assert phone_key(spelling) == "138 0013 8000"


def test_the_threshold_separates_a_typo_from_a_sister_company():
    """The documented numbers: one changed character in six keeps 5 of 7 padded bigrams
    (10/14 = 0.714), another trade word at the end keeps 4 of 7 (8/14 = 0.571)."""
    assert SIMILARITY_THRESHOLD == 0.7
    typo = similarity("上海明珠贸易", "上海明株贸易")
    assert typo == pytest.approx(10 / 14) and typo >= SIMILARITY_THRESHOLD
    for other_typo in ("尚海明珠贸易", "上海明珠贸益", "上海明朱贸易"):
        assert similarity("上海明珠贸易", other_typo) >= SIMILARITY_THRESHOLD
    sister = similarity("上海明珠贸易", "上海明珠物流")
    assert sister == pytest.approx(8 / 14) and sister < SIMILARITY_THRESHOLD
    assert similarity("上海明珠贸易", "上海明珠贸易") == 1.0
    assert similarity("上海明珠贸易", "") == 0.0


def test_name_key_is_kept_at_every_save(world):
    assert world.c_sp2.name_key == "上海明珠贸易"  # factory-made: the pre_save receiver
    c = services.customer_update(actor=world.p.sp2, customer=world.c_sp2, data={"name": "明珠国际（上海）有限公司"})
    c.refresh_from_db()
    assert c.name_key == "明珠国际上海"
    # a derived column: the history records the name, not its key
    last = ObjectChange.objects.filed_under(c).order_by("-id").first()
    assert "name" in last.changes and "name_key" not in last.changes


def test_migration_fills_existing_name_keys(world):
    Customer.objects.all().update(name_key="")
    assert set(Customer.objects.values_list("name_key", flat=True)) == {""}
    migration = importlib.import_module("kam.customers.migrations.0008_duplicates_name_key_phone_index")

    class Editor:
        connection = connection

    migration.fill_name_keys(apps, Editor())
    assert dict(Customer.objects.values_list("name", "name_key")) == {
        c.name: name_key(c.name) for c in Customer.objects.all()
    }
    assert Customer.objects.get(pk=world.c_sp2.pk).name_key == "上海明珠贸易"


def test_generated_customers_carry_their_name_key(db):
    call_command("gen_data", customers=30, contacts_per_customer=1, teams=2, seed=5, stdout=io.StringIO())
    rows = list(Customer.objects.values_list("name", "name_key"))
    assert len(rows) == 30 and all(key == name_key(name) and key for name, key in rows)


def test_demo_companies_are_distinct_to_the_check():
    """`kam demo` creates its customers through the services, so it must load in block mode too:
    no two demo companies share a normalised name, and no customer's phone is another's."""
    from kam.customers.demo import customer_specs

    specs = customer_specs()
    keys = [name_key(s.data["name"]) for s in specs]
    assert len(set(keys)) == len(keys) == 300
    phones = [phone_key(s.data["phone"]) for s in specs if s.data["phone"]]
    others = [phone_key(c["phone"]) for s in specs for c in s.contacts if c.get("phone")]
    assert len(set(phones)) == len(phones) and not set(phones) & set(others)


# --- what is found ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAME_AS_MINGZHU)
def test_the_same_name_is_found_in_every_spelling(world, name):
    m = _only(find_customer_duplicates(actor=world.p.sp2, name=name))
    assert m.in_scope and m.customer_id == world.c_sp2.pk
    assert m.reasons == (Reason.NAME,) and m.similarity == 1.0


def test_the_same_credit_code_in_any_spelling(world):
    code = world.c_sp1.credit_code
    spelled = _full_width(code.lower()[:9]) + " " + code[9:]
    m = _only(find_customer_duplicates(actor=world.p.sp1, credit_code=spelled))
    assert m.customer_id == world.c_sp1.pk and m.reasons == (Reason.CREDIT_CODE,)


def test_a_one_character_typo_is_a_similar_name(world):
    m = _only(find_customer_duplicates(actor=world.p.sp2, name="上海明株贸易有限公司"))
    assert m.customer_id == world.c_sp2.pk
    assert m.reasons == (Reason.SIMILAR_NAME,)
    assert m.similarity == pytest.approx(10 / 14)


def test_distinct_companies_with_similar_words_are_not_found(world):
    for name in ("上海明珠物流有限公司", "上海明珠有限公司", "北京明珠贸易有限公司", "杭州西湖软件有限公司"):
        assert find_customer_duplicates(actor=world.p.director, name=name) == [], name


def test_several_reasons_are_one_match_strongest_first(world):
    phone = world.c_sp1.contacts.get().phone
    m = _only(
        find_customer_duplicates(
            actor=world.p.sp1, name="华东精密机械股份有限公司", credit_code=world.c_sp1.credit_code, phone=phone
        )
    )
    assert m.reasons == (Reason.CREDIT_CODE, Reason.NAME, Reason.CONTACT_PHONE)


def test_the_same_phone_as_a_customer_or_one_of_its_contacts(world):
    p = world.p
    services.customer_update(actor=p.dm, customer=world.c_team_b, data={"phone": "021-6234 5678"})
    m = _only(find_customer_duplicates(actor=p.dm, phone="+86 21 6234 5678"))
    assert m.customer_id == world.c_team_b.pk and m.reasons == (Reason.PHONE,)
    contact_phone = world.c_shared.contacts.get().phone.replace(" ", "")
    m = _only(find_customer_duplicates(actor=p.dm, phone=contact_phone))
    assert m.customer_id == world.c_shared.pk and m.reasons == (Reason.CONTACT_PHONE,)
    assert find_customer_duplicates(actor=p.dm, phone="021 6234 5679") == []


def test_archived_customers_count_and_say_so(world, en):
    p = world.p
    services.customer_archive(actor=p.am, customer=world.c_sp2, reason="停业")
    m = _only(find_customer_duplicates(actor=p.sp2, name="上海明珠贸易有限公司"))
    assert m.archived and m.in_scope
    assert "archived" in m.describe() and "上海明珠贸易有限公司" in m.describe()
    hidden = _only(find_customer_duplicates(actor=p.sp_other, name="上海明珠贸易有限公司"))
    assert hidden.archived and not hidden.in_scope
    assert hidden.describe().startswith("An archived customer elsewhere has the same name")


def test_exclude_leaves_out_the_customer_being_edited_only_within_the_scope(world):
    p = world.p
    assert find_customer_duplicates(actor=p.sp2, name="上海明珠贸易", exclude_pk=world.c_sp2.pk) == []
    # sp1 cannot see it: excluding its id must not make the match disappear (that would tell its id)
    m = _only(find_customer_duplicates(actor=p.sp1, name="上海明珠贸易", exclude_pk=world.c_sp2.pk))
    assert not m.in_scope


# --- scope never leaks ---------------------------------------------------------------------


def test_in_scope_a_match_names_the_customer(world, en):
    m = _only(find_customer_duplicates(actor=world.p.sp2, name="上海明珠贸易"))
    assert (m.customer_id, m.customer_code, m.customer_name, m.owner_name, m.team_name) == (
        world.c_sp2.pk,
        world.c_sp2.code,
        "上海明珠贸易有限公司",
        "李专员",
        "华东一组",
    )
    assert m.ask == ()
    assert m.describe() == f"上海明珠贸易有限公司 ({world.c_sp2.code}, owner 李专员, 华东一组) has the same name."


def test_outside_the_scope_only_that_it_exists_and_whom_to_ask(world, en):
    """A specialist of 华东 checks a customer of 华南: one match, no details, and the manager of
    the customer's department by name."""
    c = world.c_south
    phone = c.contacts.get().phone
    m = _only(find_customer_duplicates(actor=world.p.sp1, name=c.name, credit_code=c.credit_code, phone=phone))
    assert not m.in_scope
    assert m.reasons == (Reason.CREDIT_CODE, Reason.NAME, Reason.CONTACT_PHONE)
    assert (m.customer_id, m.customer_code, m.customer_name, m.owner_name, m.team_name) == (None, "", "", "", "")
    assert (m.contact_id, m.contact_name) == (None, "")
    assert m.ask == ("黄部长",)  # dm_south: the nearest holder of customers.reassign for 华南一组
    text = m.describe()
    assert text == (
        "A customer elsewhere has the same credit code, the same name, a contact with the same phone; ask 黄部长."
    )
    for secret in (c.name, c.code, c.credit_code, "陈专员", "华南一组", "广州"):
        assert secret not in repr(m) + text


def test_outside_the_scope_in_chinese(world):
    m = _only(find_customer_duplicates(actor=world.p.sp1, name="广州南方物流股份有限公司"))
    text = m.describe()
    assert "黄部长" in text and "广州南方物流" not in text and world.c_south.code not in text
    assert text == "您的查看范围之外已有一个客户：名称相同；请联系 黄部长。"


def test_a_similar_name_outside_the_scope_leaks_nothing_either(world):
    m = _only(find_customer_duplicates(actor=world.p.sp1, name="广州南方物留有限公司"))
    assert m.reasons == (Reason.SIMILAR_NAME,) and not m.in_scope and m.customer_name == ""


def test_the_nearest_manager_is_asked(world):
    """Team A has an account manager, nearer than the department manager, the director, the VP and
    the administrator (who all hold customers.reassign for it); team B has none: its department
    manager."""
    assert _only(find_customer_duplicates(actor=world.p.sp1, name="上海明珠贸易")).ask == ("王经理",)
    assert _only(find_customer_duplicates(actor=world.p.sp_other, name="上海明珠贸易")).ask == ("王经理",)
    assert _only(find_customer_duplicates(actor=world.p.sp1, name="杭州西湖电子")).ask == ("赵部长",)


def test_nobody_to_ask_means_ask_your_manager(world, en):
    other = OrgUnit.objects.create(name="另一家公司", code="other-co", kind="company")
    team = OrgUnit.objects.create(name="另一家公司一组", code="other-a", kind="team", parent=other)
    c = CustomerFactory(name="深圳远方电子有限公司", owner=world.p.outsider, team=team)
    services.refresh_derived(c)
    m = _only(find_customer_duplicates(actor=world.p.sp1, name="深圳远方电子有限公司"))
    assert m.ask == ()
    assert m.describe() == "A customer elsewhere has the same name; ask your manager."


def test_api_answer_outside_the_scope_contains_no_details(world):
    c = world.c_south
    phone = c.contacts.get().phone
    r = _api(world.p.sp1).get(
        "/api/v1/customers/duplicates/", {"name": c.name, "credit_code": c.credit_code, "phone": phone}
    )
    assert r.status_code == 200
    body = r.content.decode()
    for secret in (c.name, c.code, c.credit_code, "陈专员", "华南一组", c.contacts.get().name):
        assert secret not in body
    match = _only(r.json()["matches"])
    assert match["in_scope"] is False and match["customer"] is None and match["contact"] is None
    assert match["ask"] == ["黄部长"] and "黄部长" in match["description"]
    assert match["reasons"] == ["credit_code", "name", "contact_phone"]
    # the director sees the same customer with its details
    r = _api(world.p.director).get("/api/v1/customers/duplicates/", {"name": c.name})
    match = _only(r.json()["matches"])
    assert match["customer"] == c.pk and match["name"] == c.name and match["code"] == c.code


def test_api_validates_its_parameters(world):
    client = _api(world.p.sp1)
    assert client.get("/api/v1/customers/duplicates/").json() == {"mode": "warn", "blocked": False, "matches": []}
    assert client.get("/api/v1/customers/duplicates/", {"exclude": "abc"}).status_code == 400
    assert client.get("/api/v1/customers/duplicates/", {"name": "x" * 201}).status_code == 400
    assert client.get("/api/v1/contacts/duplicates/", {"customer": "0"}).status_code == 400


@pytest.mark.parametrize(
    "value",
    ["'\\\"", "😀😀😀", "e\u0301te\u0301", "ﬁﬂ", "\u200b\u200d", "有限公司", "上" * 200, "(((", "a:*&|!<->", "\u3000"],
)
def test_odd_input_never_fails(world, value):
    """Odd names, credit codes and phones (quotes, tsquery and FTS5 syntax, emoji, combining marks,
    ligatures, zero-width characters, nothing but a suffix) are answered, never a database error."""
    client = _api(world.p.director)
    for params in ({"name": value[:200]}, {"credit_code": value[:40]}, {"phone": value[:40]}):
        assert client.get("/api/v1/customers/duplicates/", params).status_code == 200, params
    assert client.get("/api/v1/contacts/duplicates/", {"phone": value[:40]}).status_code == 200
    # the services' callers (the importer) may hand over what a serializer would refuse
    assert find_customer_duplicates(actor=world.p.director, name="a\x00b", credit_code="\x00", phone="1\x003") == []
    assert find_contact_duplicates(actor=world.p.director, phone="\x00") == []


# --- contacts ------------------------------------------------------------------------------


def test_contact_phone_at_the_same_customer_and_at_another(world, en):
    p = world.p
    own = world.c_sp1.contacts.get()
    m = _only(find_contact_duplicates(actor=p.sp1, phone=own.phone.replace(" ", "-"), customer=world.c_sp1))
    assert m.kind == "contact" and m.same_customer and m.contact_id == own.pk and m.contact_name == own.name
    assert m.describe() == f"{own.name}, a contact of this customer, has the same phone."
    assert find_contact_duplicates(actor=p.sp1, phone=own.phone, exclude_pk=own.pk) == []
    # at another customer in scope: named; outside the scope: only whom to ask
    m = _only(find_contact_duplicates(actor=p.sp1, phone=own.phone, customer=world.c_shared))
    assert not m.same_customer and m.customer_name == world.c_sp1.name
    south = world.c_south.contacts.get()
    m = _only(find_contact_duplicates(actor=p.sp1, phone=south.phone, customer=world.c_sp1.pk))
    assert not m.in_scope and m.contact_id is None and m.contact_name == "" and m.ask == ("黄部长",)
    assert m.describe() == "A contact with the same phone exists at a customer elsewhere; ask 黄部长."
    # excluding a contact one cannot see changes nothing
    assert len(find_contact_duplicates(actor=p.sp1, phone=south.phone, exclude_pk=south.pk)) == 1


def test_contact_check_also_finds_a_customer_with_that_phone(world):
    services.customer_update(actor=world.p.dm, customer=world.c_team_b, data={"phone": "0571 8888 6666"})
    m = _only(find_contact_duplicates(actor=world.p.dm, phone="057188886666"))
    assert m.kind == "customer" and m.reasons == (Reason.PHONE,) and m.customer_id == world.c_team_b.pk


def test_contact_api_outside_the_scope(world):
    south = world.c_south.contacts.get()
    r = _api(world.p.sp1).get("/api/v1/contacts/duplicates/", {"phone": south.phone, "customer": world.c_sp1.pk})
    assert r.status_code == 200
    assert south.name not in r.content.decode() and world.c_south.name not in r.content.decode()
    assert _only(r.json()["matches"])["ask"] == ["黄部长"]
    # same_customer is never said of a customer the caller cannot see
    r = _api(world.p.sp1).get("/api/v1/contacts/duplicates/", {"phone": south.phone, "customer": world.c_south.pk})
    assert _only(r.json()["matches"])["same_customer"] is False


# --- block or warn ---------------------------------------------------------------------------


_CODES = itertools.count(600_000)


def _create(actor, name, **extra):
    return services.customer_create(actor=actor, data={"name": name, "credit_code": valid_uscc(next(_CODES)), **extra})


def test_warn_mode_refuses_nothing(world, settings):
    settings.KAM_DUPLICATE_CHECK = "warn"
    c = _create(world.p.sp1, "上海 明珠贸易（有限公司）", phone=world.c_south.contacts.get().phone)
    assert c.pk and c.name_key == "上海明珠贸易"


def test_block_mode_refuses_the_same_name_and_phone_without_leaking(world, settings, en):
    settings.KAM_DUPLICATE_CHECK = "block"
    before = Customer.objects.count()
    with pytest.raises(ValidationError) as exc:
        _create(world.p.sp1, "上海明珠贸易股份有限公司")
    assert list(exc.value.message_dict) == ["name"]
    assert exc.value.message_dict["name"] == ["A customer elsewhere has the same name; ask 王经理."]
    with pytest.raises(ValidationError) as exc:
        _create(world.p.sp1, "全新客户有限公司", phone=world.c_south.contacts.get().phone)
    assert list(exc.value.message_dict) == ["phone"]
    assert world.c_south.name not in str(exc.value)
    assert Customer.objects.count() == before
    # within the scope the message names the customer
    with pytest.raises(ValidationError) as exc:
        _create(world.p.sp2, "上海明珠贸易集团")
    assert "上海明珠贸易有限公司" in exc.value.message_dict["name"][0]
    # a similar name only ever warns
    assert _create(world.p.sp1, "上海明株贸易有限公司").pk


def test_block_mode_on_edit_checks_only_a_changed_name_or_phone(world, settings):
    p = world.p
    twin = _create(p.sp1, "上海明珠贸易有限公司")  # warn mode (the default): allowed
    settings.KAM_DUPLICATE_CHECK = "block"
    services.customer_update(actor=p.sp1, customer=twin, data={"notes": "已核实"})  # unchanged name: fine
    services.customer_update(actor=p.sp2, customer=world.c_sp2, data={"name": "上海明珠贸易有限公司"})  # itself
    with pytest.raises(ValidationError) as exc:
        services.customer_update(actor=p.sp1, customer=world.c_sp1, data={"name": "杭州西湖电子股份有限公司"})
    assert list(exc.value.message_dict) == ["name"]
    with pytest.raises(ValidationError) as exc:
        services.customer_update(actor=p.sp1, customer=world.c_sp1, data={"phone": world.c_sp2.contacts.get().phone})
    assert list(exc.value.message_dict) == ["phone"]
    # the customer's own contact does not count against it
    own = world.c_sp1.contacts.get().phone
    assert services.customer_update(actor=p.sp1, customer=world.c_sp1, data={"phone": own}).phone == own


def test_api_create_per_mode(world, settings):
    client = _api(world.p.sp1)
    body = {"name": "广州南方物流股份有限公司", "credit_code": valid_uscc(424201)}
    settings.KAM_DUPLICATE_CHECK = "block"
    check = client.get("/api/v1/customers/duplicates/", {"name": body["name"]}).json()
    assert check["mode"] == "block" and check["blocked"] is True
    r = client.post("/api/v1/customers/", body, format="json")
    assert r.status_code == 400 and list(r.json()) == ["name"]
    assert "黄部长" in r.json()["name"][0] and "广州南方物流有限公司" not in r.content.decode()
    settings.KAM_DUPLICATE_CHECK = "warn"
    check = client.get("/api/v1/customers/duplicates/", {"name": body["name"]}).json()
    assert check["mode"] == "warn" and check["blocked"] is False and len(check["matches"]) == 1
    assert client.post("/api/v1/customers/", body, format="json").status_code == 201


def test_page_create_per_mode(client, world, settings):
    from kam.customers.tests.test_views import create_payload, login

    login(client, world.p.sp1)
    data = create_payload(client, name="杭州 西湖电子（有限公司）")
    settings.KAM_DUPLICATE_CHECK = "block"
    r = client.post(reverse("customers:create"), data)
    assert r.status_code == 200 and "name" in r.context["form"].errors
    assert "杭州西湖电子有限公司" not in r.content.decode()  # team B's customer: sp1 cannot see it
    settings.KAM_DUPLICATE_CHECK = "warn"
    r = client.post(reverse("customers:create"), data)  # warn: shown, saved once confirmed
    assert r.status_code == 200 and r.context["dup_box"]["confirm"] and not r.context["form"].errors
    assert client.post(reverse("customers:create"), {**data, "confirm_duplicates": "1"}).status_code == 302


# --- cost: fixed queries, index lookups only --------------------------------------------------


def _checks(world, phone):
    """A customer check (a similar name outside the scope, a credit code in another team, a contact's
    phone) and a contact check."""
    find_customer_duplicates(
        actor=world.p.sp1, name="广州南方物留有限公司", credit_code=world.c_sp2.credit_code, phone=phone
    )
    find_contact_duplicates(actor=world.p.sp1, phone=phone)


def test_query_count_does_not_grow_with_the_customers(world):
    p = world.p

    chars = iter(
        "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥金木水火土日月星山川风云雷电江河湖海松竹梅兰春夏秋冬东西南北"
    )

    def add(n):
        # near-duplicates of the checked name ("广州南方物留" vs "广州南方物X": 0.71) in one team
        # outside the actor's scope, each with the checked phone on a contact
        for _i in range(n):
            c = CustomerFactory(name=f"广州南方物{next(chars)}有限公司", owner=p.sp_other, team=p.team_s)
            ContactFactory(customer=c, phone=world.c_south.contacts.get().phone)
            services.refresh_derived(c)

    phone = world.c_south.contacts.get().phone
    _checks(world, phone)  # warm: the actor's grants
    add(3)
    with CaptureQueriesContext(connection) as few:
        _checks(world, phone)
    add(40)
    with CaptureQueriesContext(connection) as many:
        _checks(world, phone)
    assert len(many) == len(few) <= 12, "\n".join(q["sql"][:150] for q in many.captured_queries)
    assert len(find_customer_duplicates(actor=p.sp1, name="广州南方物留有限公司")) == MAX_MATCHES


def _plan_sqlite(sql: str) -> list[str]:
    with connection.cursor() as cur:
        cur.execute("EXPLAIN QUERY PLAN " + sql)
        return [row[3] for row in cur.fetchall()]


def _plan_nodes_pg(sql: str) -> list[dict]:
    with connection.cursor() as cur:
        # the test tables are tiny: price out sequential scans and full-index walks, so that the
        # plan shows which index conditions the query offers (at 100,000 customers the planner
        # picks them by itself)
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_indexscan = off")
        cur.execute("SET LOCAL enable_indexonlyscan = off")
        cur.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cur.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes, todo = [], [plan[0]["Plan"]]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo += node.get("Plans", [])
    return nodes


CUSTOMER_TABLES = ("customers_customer", "customers_contact")


def test_every_lookup_uses_an_index_and_similar_names_come_from_the_search_index(world):
    """No query of the check scans the customers or contacts: SQLite's plans show only SEARCHes
    (and the FTS5 table's MATCH), PostgreSQL's — with sequential scans and index walks priced
    out — only bitmap scans of index conditions, and the similar names are the FTS5 MATCH / the
    GIN index of the tsvector."""
    phone = world.c_south.contacts.get().phone
    _checks(world, phone)
    with CaptureQueriesContext(connection) as ctx:
        _checks(world, phone)
    sqls = [q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in CUSTOMER_TABLES)]
    assert len(sqls) >= 4
    if connection.vendor == "sqlite":
        assert any("customers_customer_search MATCH" in sql for sql in sqls)
        for sql in sqls:
            scans = [d for d in _plan_sqlite(sql) if d.startswith("SCAN") and "VIRTUAL TABLE" not in d]
            assert not scans, (sql, scans)
    else:
        assert connection.vendor == "postgresql"
        fts = [sql for sql in sqls if '"search_vector" @@ to_tsquery' in sql]
        assert len(fts) == 1
        assert any(n.get("Index Name") == "cust_search_vector" for n in _plan_nodes_pg(fts[0]))
        for sql in sqls:
            for node in _plan_nodes_pg(sql):
                if node.get("Relation Name") in CUSTOMER_TABLES:
                    assert node["Node Type"] == "Bitmap Heap Scan", (sql, node)


def test_a_typo_is_found_among_many_similar_names(world):
    """More than SIMILAR_CANDIDATES customers share more of the typo's three-character runs than
    its original does (上海明近… hold 「上海明」 and 「海明近」, 上海明远精工 only 「上海明」), and the
    original is the newest of them: it is still among the candidates kept, because the query
    ranks them by bigram similarity (0.71 against 0.53), not by what they share with the index
    query or by age."""
    p = world.p
    words = "华达光瑞信德泰盛通宏金"
    trades = "物流科技电子化工医药食品纺织环保包装家具光电置业实业电器软件建设机械五金建材"
    crowd = [f"上海明近{w}{trades[i : i + 2]}有限公司" for w in words for i in range(0, len(trades), 2)]
    assert len(crowd) > SIMILAR_CANDIDATES
    for name in crowd:
        services.refresh_derived(CustomerFactory(name=name, owner=p.sp2, team=p.team_a))
    original = CustomerFactory(name="上海明远精工有限公司", owner=p.sp2, team=p.team_a)
    services.refresh_derived(original)
    similar = find_customer_duplicates(actor=p.sp2, name="上海明近精工有限公司")
    assert [(m.customer_id, m.reasons) for m in similar] == [(original.pk, (Reason.SIMILAR_NAME,))]
