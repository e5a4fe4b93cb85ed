"""The customer-file API: /api/v1/customers/, /contacts/, /changelog/.

Every endpoint and method is checked for every persona, with token and with session auth,
against a hand-written table of who sees what (R1.2): allowed → 2xx, out of scope → 404, not
permitted → 403, anonymous → 401. Then bad input (400, nothing changed), the change log of API
writes, query counts that do not grow with the data, and the language of error messages.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kam.core.changes import ObjectChange
from kam.customers import services
from kam.customers.models import AccountTeamMember, Contact, Customer, CustomerYearSales
from kam.customers.testing import (
    CUSTOMER_PERMISSIONS,
    EXPECTED_SCOPE,
    WORLD_CUSTOMERS,
    ContactFactory,
    CustomerFactory,
    valid_uscc,
)
from kam.org.testing import PASSWORD
from kam.org.testing import PERSONAS as ALL_PERSONAS

CUSTOMERS = list(WORLD_CUSTOMERS)
# every persona who can sign in (the inactive one is refused before any of this: see
# test_inactive_users_token_is_refused and the site's access matrix)
PERSONAS = [p for p in ALL_PERSONAS if p != "inactive"]
AUTH_MODES = ["token", "session"]


def expected(persona: str, perm: str, key: str, ok: int = 200) -> int:
    """The status the shared tables (kam.customers.testing) promise: no permission → 403, the
    customer out of scope → 404, else ``ok``."""
    if f"customers.{perm}" not in CUSTOMER_PERMISSIONS[persona]:
        return 403
    return ok if key in EXPECTED_SCOPE[persona] else 404


def can(persona: str, perm: str) -> bool:
    return f"customers.{perm}" in CUSTOMER_PERMISSIONS[persona]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # throttle counters live in the cache
    yield
    cache.clear()


def client_for(user, mode: str = "token", **headers) -> APIClient:
    client = APIClient(**headers)
    if mode == "token":
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION="Token " + token.key)
    else:
        client.force_login(user)
    return client


def counts() -> dict[str, int]:
    return {
        "customers": Customer.objects.count(),
        "contacts": Contact.objects.count(),
        "yearly_sales": CustomerYearSales.objects.count(),
        "changes": ObjectChange.objects.count(),
    }


def customer_url(pk=None, suffix=""):
    return "/api/v1/customers/" + (f"{pk}/" if pk else "") + suffix


def contact_url(pk=None):
    return "/api/v1/contacts/" + (f"{pk}/" if pk else "")


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- the permission matrix ----------------------------------------------------------------


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_customer_reads(world, persona, mode):
    user = getattr(world.p, persona)
    client = client_for(user, mode)
    response = client.get(customer_url(), {"page_size": 200})
    if can(persona, "view"):
        names = {row["name"] for row in results(response)}
        assert names == {getattr(world, key).name for key in EXPECTED_SCOPE[persona]}
    else:
        assert response.status_code == 403
    actual = {key: client.get(customer_url(getattr(world, key).pk)).status_code for key in CUSTOMERS}
    assert actual == {key: expected(persona, "view", key) for key in CUSTOMERS}


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_customer_writes(world, persona, mode):
    user = getattr(world.p, persona)
    client = client_for(user, mode)
    statuses = {}
    for key in CUSTOMERS:
        customer = getattr(world, key)
        url = customer_url(customer.pk)
        statuses[("patch", key)] = client.patch(url, {"notes": "API 备注"}, format="json").status_code
        statuses[("put", key)] = client.put(
            url, {"name": customer.name + "（新）", "credit_code": customer.credit_code}, format="json"
        ).status_code
        statuses[("delete", key)] = client.delete(url).status_code
        statuses[("archive", key)] = client.post(url + "archive/", {"reason": "停业"}, format="json").status_code
    for key in CUSTOMERS:
        customer = Customer.objects.get(pk=getattr(world, key).pk)
        assert (customer.archive_reason == "停业") is (expected(persona, "archive", key) == 200)
    # restore needs archived customers: archive the rest as the director
    for customer in Customer.objects.filter(status="active"):
        services.customer_archive(actor=world.p.director, customer=customer, reason="test")
    for key in CUSTOMERS:
        url = customer_url(getattr(world, key).pk, "restore/")
        statuses[("restore", key)] = client.post(url).status_code
    want = {}
    for key in CUSTOMERS:
        want[("patch", key)] = expected(persona, "change", key)
        want[("put", key)] = expected(persona, "change", key)
        want[("delete", key)] = 405  # customers are archived, never deleted
        want[("archive", key)] = expected(persona, "archive", key)
        want[("restore", key)] = expected(persona, "archive", key)
    assert statuses == want
    for key in CUSTOMERS:
        customer = getattr(world, key)
        customer.refresh_from_db()
        changed = expected(persona, "change", key) == 200
        assert (customer.notes == "API 备注") is changed
        assert customer.name.endswith("（新）") is changed
        assert (customer.status == "active") is (expected(persona, "archive", key) == 200)


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_customer_create(world, persona, mode):
    user = getattr(world.p, persona)
    client = client_for(user, mode)
    before = counts()
    response = client.post(customer_url(), {"name": "新建客户有限公司", "credit_code": valid_uscc(9001)}, format="json")
    if can(persona, "add"):
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["owner"] == user.pk
        assert Customer.objects.get(pk=body["id"]).created_by == user
        assert counts()["customers"] == before["customers"] + 1
    else:
        assert response.status_code == 403
        assert counts() == before


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_contacts(world, persona, mode):
    user = getattr(world.p, persona)
    client = client_for(user, mode)
    contact_of = {key: getattr(world, key).contacts.get() for key in CUSTOMERS}
    response = client.get(contact_url(), {"page_size": 200})
    if can(persona, "view"):
        assert {row["id"] for row in results(response)} == {contact_of[k].pk for k in EXPECTED_SCOPE[persona]}
    else:
        assert response.status_code == 403
    statuses, want = {}, {}
    for key in CUSTOMERS:
        contact = contact_of[key]
        url = contact_url(contact.pk)
        statuses[("get", key)] = client.get(url).status_code
        statuses[("patch", key)] = client.patch(url, {"title": "采购总监"}, format="json").status_code
        statuses[("put", key)] = client.put(url, {"name": "新名字", "title": "总经理"}, format="json").status_code
        statuses[("delete", key)] = client.delete(url).status_code
        created = client.post(contact_url(), {"customer": getattr(world, key).pk, "name": "新联系人"}, format="json")
        statuses[("create", key)] = created.status_code
        want[("get", key)] = expected(persona, "view", key)
        want[("patch", key)] = expected(persona, "change", key)
        want[("put", key)] = expected(persona, "change", key)
        want[("delete", key)] = expected(persona, "change", key, ok=204)
        # another person's customer id on create is a validation error: "customer not found"
        want[("create", key)] = {200: 201, 404: 400, 403: 403}[expected(persona, "change", key)]
        if created.status_code == 400:
            assert list(created.json()) == ["customer"]
    assert statuses == want
    for key in CUSTOMERS:
        names = set(getattr(world, key).contacts.filter(archived_at=None).values_list("name", flat=True))
        if expected(persona, "change", key) == 200:
            assert names == {"新联系人"}  # the old one removed (archived, R2), a new one added
            assert getattr(world, key).contacts.exclude(archived_at=None).get().name == "新名字"
        else:
            assert names == {contact_of[key].name}


@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_changelog(world, persona, mode):
    user = getattr(world.p, persona)
    client = client_for(user, mode)
    response = client.get("/api/v1/changelog/", {"page_size": 200})
    if can(persona, "view"):
        want = {getattr(world, k).pk for k in EXPECTED_SCOPE[persona]}
        if persona == "admin":
            want.add(None)  # changelog.all: the organisation's own changes (filed under no customer) too
        assert {row["customer"] for row in results(response)} == want
    else:
        assert response.status_code == 403
    actual = {}
    for key in CUSTOMERS:
        change = ObjectChange.objects.filter(parent_type__model="customer", parent_id=getattr(world, key).pk).first()
        actual[key] = client.get(f"/api/v1/changelog/{change.pk}/").status_code
    assert actual == {key: expected(persona, "view", key) for key in CUSTOMERS}


def test_changelog_of_the_organisation_needs_changelog_all(world):
    org_change = ObjectChange.objects.filter(parent_type__isnull=True).first()
    assert org_change is not None
    url = f"/api/v1/changelog/{org_change.pk}/"
    assert client_for(world.p.director).get(url).status_code == 404
    assert client_for(world.p.admin).get(url).status_code == 200


ANON_ENDPOINTS = [
    ("get", customer_url()),
    ("post", customer_url()),
    ("get", customer_url(1)),
    ("put", customer_url(1)),
    ("patch", customer_url(1)),
    ("delete", customer_url(1)),
    ("post", customer_url(1, "archive/")),
    ("post", customer_url(1, "restore/")),
    ("get", contact_url()),
    ("post", contact_url()),
    ("get", contact_url(1)),
    ("put", contact_url(1)),
    ("patch", contact_url(1)),
    ("delete", contact_url(1)),
    ("get", "/api/v1/changelog/"),
    ("get", "/api/v1/changelog/1/"),
]


@pytest.mark.parametrize(("method", "url"), ANON_ENDPOINTS)
def test_anonymous_gets_401_with_token_challenge(db, method, url):
    before = counts()
    response = getattr(APIClient(), method)(url, {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert counts() == before


def test_bad_token_is_401(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(customer_url()).status_code == 401


def test_inactive_users_token_is_refused(world):
    client = client_for(world.p.sp1)
    world.p.sp1.is_active = False
    world.p.sp1.save()
    assert client.get(customer_url()).status_code == 401


def test_session_writes_need_the_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.p.sp1)
    url = customer_url(world.c_sp1.pk)
    response = client.patch(url, {"notes": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    token = "kamcsrf" + "0" * 25  # any 32-character secret, as cookie and header
    client.cookies["csrftoken"] = token
    response = client.patch(url, {"notes": "x"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    # token auth is not cookie based, so it needs no CSRF token
    token_client = client_for(world.p.sp1, "token", enforce_csrf_checks=True)
    assert token_client.patch(url, {"notes": "y"}, format="json").status_code == 200


def test_token_from_the_login_endpoint_works(world):
    response = APIClient().post("/api/v1/auth/token/", {"username": "sp1", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + response.json()["token"])
    assert {row["name"] for row in results(client.get(customer_url()))} == {world.c_sp1.name, world.c_shared.name}


# --- customers: content, filters, writes ------------------------------------------------------


def test_customer_detail_has_the_whole_file(world):
    c = world.c_shared
    services.yearly_sales_set(
        actor=world.p.dm, customer=c, rows=[{"year": 2024, "revenue": "1200000.50"}, {"year": 2023, "revenue": "9"}]
    )
    body = client_for(world.p.sp1).get(customer_url(c.pk)).json()
    assert body["name"] == c.name
    assert body["code"] == c.code
    assert body["owner"] == world.p.dm.pk and body["owner_name"] == "赵部长"
    assert body["team"] == world.p.team_b.pk and body["team_name"] == "华东二组"
    assert body["status"] == "active"
    assert body["completeness"] == Customer.objects.get(pk=c.pk).completeness > 0
    assert [row["name"] for row in body["contacts"]] == [c.contacts.get().name]
    assert body["yearly_sales"] == [{"year": 2024, "revenue": "1200000.50"}, {"year": 2023, "revenue": "9.00"}]
    assert body["account_team"] == [
        {
            "id": AccountTeamMember.objects.get(customer=c).pk,
            "user": world.p.sp1.pk,
            "user_name": "张专员",
            "role": "presales",
            "role_display": body["account_team"][0]["role_display"],
            "created_at": body["account_team"][0]["created_at"],
        }
    ]
    for field in services.CUSTOMER_FIELDS:
        assert field in body


def test_customer_list_row(world):
    rows = results(client_for(world.p.sp2).get(customer_url()))
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == world.c_sp2.pk
    assert row["owner_name"] == "李专员"
    assert row["team_name"] == "华东一组"
    assert row["contact_count"] == 1
    assert "notes" not in row  # long texts are left to the detail


def test_create_with_contacts_yearly_sales_and_derived_fields(world):
    client = client_for(world.p.sp1)
    payload = {
        "name": "宁波港口机械股份有限公司",
        "credit_code": valid_uscc(4242).lower(),
        "province": "浙江省",
        "nature": "listed",
        "phone": "0574 8765 4321",
        "annual_revenue": "88000000.00",
        "contacts": [
            {"name": "钱总", "title": "总经理", "phone": "13912345678", "influence": "decision_maker"},
            {"name": "孙工", "email": "sun@example.com"},
        ],
        "yearly_sales": [{"year": 2024, "revenue": "80000000"}, {"year": 2023, "revenue": "70000000"}],
    }
    response = client.post(customer_url(), payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["credit_code"] == valid_uscc(4242)  # normalised by the service
    assert body["code"].startswith("KH")
    assert body["owner"] == world.p.sp1.pk and body["team"] == world.p.team_a.pk
    assert {c["name"] for c in body["contacts"]} == {"钱总", "孙工"}
    assert [row["year"] for row in body["yearly_sales"]] == [2024, 2023]
    assert body["completeness"] > 0
    # the search text was built, so the new customer is found by its contact and by pinyin
    found = results(client.get(customer_url(), {"q": "钱总"}))
    assert [row["id"] for row in found] == [body["id"]]
    assert [row["id"] for row in results(client.get(customer_url(), {"q": "nbgk"}))] == [body["id"]]


def test_create_for_another_owner_needs_reassign(world):
    payload = {"name": "代建客户", "credit_code": valid_uscc(5001), "owner": world.p.sp2.pk}
    before = counts()
    response = client_for(world.p.sp1).post(customer_url(), payload, format="json")
    assert response.status_code == 403
    assert counts() == before
    response = client_for(world.p.am).post(customer_url(), payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["owner"] == world.p.sp2.pk


def test_reassign_needs_permission(world):
    url = customer_url(world.c_sp1.pk)
    before = counts()
    response = client_for(world.p.sp1).patch(url, {"owner": world.p.sp2.pk}, format="json")
    assert response.status_code == 403
    assert counts() == before
    response = client_for(world.p.am).patch(url, {"owner": world.p.sp2.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["owner_name"] == "李专员"
    world.c_sp1.refresh_from_db()
    assert world.c_sp1.owner == world.p.sp2


def test_update_replaces_yearly_sales(world):
    url = customer_url(world.c_sp1.pk)
    client = client_for(world.p.sp1)
    client.patch(url, {"yearly_sales": [{"year": 2022, "revenue": "1"}, {"year": 2023, "revenue": "2"}]}, format="json")
    response = client.patch(url, {"yearly_sales": [{"year": 2024, "revenue": "3"}]}, format="json")
    assert response.status_code == 200
    assert response.json()["yearly_sales"] == [{"year": 2024, "revenue": "3.00"}]
    # a PATCH without yearly_sales leaves them alone
    response = client.patch(url, {"city": "上海"}, format="json")
    assert response.json()["yearly_sales"] == [{"year": 2024, "revenue": "3.00"}]


def test_archive_and_restore(world):
    client = client_for(world.p.am)
    url = customer_url(world.c_sp1.pk)
    response = client.post(url + "archive/", {"reason": "公司注销"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "archived"
    assert response.json()["archive_reason"] == "公司注销"
    # archived customers leave the default list but stay readable and listable by status
    assert world.c_sp1.pk not in {r["id"] for r in results(client.get(customer_url()))}
    assert [r["id"] for r in results(client.get(customer_url(), {"status": "archived"}))] == [world.c_sp1.pk]
    assert client.get(url).status_code == 200
    # an archived file is read-only
    before = counts()
    response = client.patch(url, {"notes": "x"}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    response = client.post(contact_url(), {"customer": world.c_sp1.pk, "name": "x"}, format="json")
    assert response.status_code == 400
    assert client.post(url + "archive/", {}, format="json").status_code == 400  # already archived
    assert counts() == before
    response = client.post(url + "restore/")
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert client.post(url + "restore/").status_code == 400  # not archived any more


def test_archive_reason_too_long(world):
    before = counts()
    response = client_for(world.p.am).post(
        customer_url(world.c_sp1.pk, "archive/"), {"reason": "长" * 201}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()
    assert counts() == before


def test_list_filters_and_ordering(world):
    client = client_for(world.p.director)

    def ids(**params):
        return [row["id"] for row in results(client.get(customer_url(), params))]

    assert ids(q="hdjm") == [world.c_sp1.pk]  # pinyin initials of 华东精密
    assert ids(q="华东精密") == [world.c_sp1.pk]
    assert set(ids(team=world.p.east_dept.pk)) == {
        world.c_sp1.pk,
        world.c_sp2.pk,
        world.c_team_b.pk,
        world.c_shared.pk,
    }
    assert set(ids(owner=world.p.dm.pk)) == {world.c_team_b.pk, world.c_shared.pk}
    # pinyin order (R2): 广州 guang, 杭州 hang, 华东 hua, 上海 shang, 苏州 su — not by character code
    by_name = ["c_south", "c_team_b", "c_sp1", "c_sp2", "c_shared"]
    assert ids(ordering="name") == [getattr(world, k).pk for k in by_name]
    assert ids(ordering="-name") == [getattr(world, k).pk for k in reversed(by_name)]
    response = client.get(customer_url(), {"nature": "bogus"})
    assert response.status_code == 400
    assert "nature" in response.json()


def test_pagination(world):
    body = client_for(world.p.director).get(customer_url(), {"page_size": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"] is not None


def test_hostile_name_comes_back_as_raw_json_string(world):
    hostile = '<script>alert("x")</script> & 公司'
    client = client_for(world.p.sp1)
    response = client.post(customer_url(), {"name": hostile, "credit_code": valid_uscc(7007)}, format="json")
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert response.json()["name"] == hostile
    assert client.get(customer_url(response.json()["id"])).json()["name"] == hostile


def test_non_numeric_id_is_404(world):
    assert client_for(world.p.director).get("/api/v1/customers/abc/").status_code == 404


# --- bad input: 400 with the field error, nothing changed ---------------------------------


BAD_CUSTOMERS = [
    pytest.param({"credit_code": "91310000MA1FL4KX6B"}, "name", "This field is required.", id="missing-name"),
    pytest.param({"name": "某公司"}, "credit_code", "This field is required.", id="missing-credit-code"),
    pytest.param(
        {"name": "某公司", "credit_code": "91310000MA1FL4KX6C"},
        "credit_code",
        "check character is wrong",
        id="bad-checksum",
    ),
    pytest.param(
        {"name": "某公司", "credit_code": "913100"}, "credit_code", "must be 18 characters", id="short-credit-code"
    ),
    pytest.param(
        {"name": "某" * 101, "credit_code": valid_uscc(8001)}, "name", "no more than 100 characters", id="long-name"
    ),
    pytest.param(
        {"name": "某公司", "credit_code": valid_uscc(8002), "email": "not-an-email"},
        "email",
        "valid email",
        id="bad-email",
    ),
    pytest.param(
        {"name": "某公司", "credit_code": valid_uscc(8003), "postcode": "12ab"},
        "postcode",
        "six digits",
        id="bad-postcode",
    ),
    pytest.param(
        {"name": "某公司", "credit_code": valid_uscc(8004), "contacts": [{"name": "甲", "phone": "12345"}]},
        ("contacts", "0", "phone"),
        "not a valid phone number",
        id="bad-contact-phone",
    ),
    pytest.param(
        {"name": "某公司", "credit_code": valid_uscc(8005), "contacts": [{"title": "无名"}]},
        ("contacts", "0", "name"),
        "This field is required.",
        id="contact-without-name",
    ),
    pytest.param(
        {"name": "某公司", "credit_code": valid_uscc(8006), "yearly_sales": [{"year": 1800, "revenue": "1"}]},
        ("yearly_sales", "0", "year"),
        "greater than or equal to 1949",
        id="bad-year",
    ),
    pytest.param(
        {
            "name": "某公司",
            "credit_code": valid_uscc(8008),
            "yearly_sales": [{"year": 2024, "revenue": "1"}, {"year": 2024, "revenue": "2"}],
        },
        ("yearly_sales", "1", "non_field_errors"),
        "already exists",
        id="duplicate-year",
    ),
    pytest.param(
        {"name": "某公司", "credit_code": valid_uscc(8007), "nature": "pirate"},
        "nature",
        "not a valid choice",
        id="bad-choice",
    ),
]


@pytest.mark.parametrize(("payload", "field", "message"), BAD_CUSTOMERS)
def test_bad_customer_input(world, payload, field, message):
    before = counts()
    response = client_for(world.p.sp1, HTTP_ACCEPT_LANGUAGE="en").post(customer_url(), payload, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    for key in (field,) if isinstance(field, str) else field:
        assert key in errors, (key, response.json())
        errors = errors[key]
    assert any(message in m for m in errors), errors
    assert counts() == before


def test_service_errors_of_nested_rows_take_drfs_nested_shape():
    from django.core.exceptions import ValidationError

    from kam.core.api import exception_handler

    exc = ValidationError(
        {"name": ["bad name"], "__all__": ["whole"], "contacts[1]": ["row"], "contacts[2].phone": ["bad phone"]}
    )
    assert exception_handler(exc, {}).data == {
        "name": ["bad name"],
        "non_field_errors": ["whole"],
        "contacts": {"1": {"non_field_errors": ["row"]}, "2": {"phone": ["bad phone"]}},
    }


def test_duplicate_credit_code(world):
    """R2: a duplicate out of the caller's scope says the code is taken and whom to ask — the
    same code typed in lower case (or in full width) is still a duplicate."""
    before = counts()
    client = client_for(world.p.sp1, HTTP_ACCEPT_LANGUAGE="en")
    south = world.c_south
    for code in (south.credit_code.lower(), "".join(chr(ord(ch) + 0xFEE0) for ch in south.credit_code)):
        response = client.post(customer_url(), {"name": "重复公司", "credit_code": code}, format="json")
        assert response.status_code == 400
        (message,) = response.json()["credit_code"]
        assert "already registered in another team's customer file" in message
        assert south.name not in message and south.code not in message and south.owner.name not in message
    assert counts() == before


def test_duplicate_credit_code_in_scope_names_the_holder_in_zh_hans(world):
    client = client_for(world.p.am, HTTP_ACCEPT_LANGUAGE="zh-hans")
    holder = world.c_sp2
    response = client.post(customer_url(), {"name": "重复公司", "credit_code": holder.credit_code}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "credit_code": [
            f"该统一社会信用代码已登记为客户「{holder.name}」（{holder.code}），负责人 {holder.owner.name}。"
        ]
    }
    response = client.patch(customer_url(world.c_sp1.pk), {"credit_code": holder.credit_code}, format="json")
    assert response.status_code == 400 and holder.name in response.json()["credit_code"][0]


def test_full_width_input_is_converted(world):
    """R2: what a Chinese input method types — full-width digits, letters, spaces, hyphens and
    brackets — is converted by the service, also through the API."""
    code = valid_uscc(880001)
    wide = "".join(chr(ord(ch) + 0xFEE0) for ch in code)
    typed = f"{wide[:4]}\u3000{wide[4:8]}－{wide[8:]}"  # 20 characters: within the API's 30
    client = client_for(world.p.sp1)
    response = client.post(
        customer_url(),
        {"name": "全角公司", "credit_code": typed, "postcode": "２００１２０", "phone": "（０２１）６２３４　５６７８"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["credit_code"], body["postcode"], body["phone"]) == (code, "200120", "021 6234 5678")


def test_status_filter_active_archived_all(world):
    """R2 list: active when absent (and with ?status=active), archived, or all of them."""
    services.customer_archive(actor=world.p.director, customer=world.c_sp2, reason="停业")
    client = client_for(world.p.director)

    def names(**params):
        return {row["name"] for row in results(client.get(customer_url(), params))}

    everyone = {getattr(world, k).name for k in CUSTOMERS}
    assert names() == names(status="active") == everyone - {world.c_sp2.name}
    assert names(status="archived") == {world.c_sp2.name}
    assert names(status="all") == everyone
    assert client.get(customer_url(), {"status": "bogus"}).status_code == 400


def test_ordering_by_credit_rating_is_by_rank(world):
    """信用等级 sorts AAA → AA → A → BBB → BB → B → C, customers without a rating last (R2);
    descending is the exact reverse (one index serves both)."""
    ratings = {"c_sp1": "BBB", "c_sp2": "AAA", "c_team_b": "C", "c_south": "", "c_shared": "AA"}
    for key, rating in ratings.items():
        Customer.objects.filter(pk=getattr(world, key).pk).logged_update(credit_rating=rating)
    client = client_for(world.p.director)

    def order(**params):
        return [row["credit_rating"] for row in results(client.get(customer_url(), params))]

    assert order(ordering="credit_rating") == ["AAA", "AA", "BBB", "C", ""]
    assert order(ordering="-credit_rating") == ["", "C", "BBB", "AA", "AAA"]


def test_bad_update_changes_nothing(world):
    url = customer_url(world.c_sp1.pk)
    client = client_for(world.p.sp1, HTTP_ACCEPT_LANGUAGE="en")
    before = counts()
    for payload, field in [
        ({"credit_code": world.c_sp2.credit_code}, "credit_code"),
        ({"credit_code": "91310000MA1FL4KX6C"}, "credit_code"),
        ({"name": ""}, "name"),
        ({"phone": "abc"}, "phone"),
        ({"staff_count": -1}, "staff_count"),
        ({"yearly_sales": [{"year": 2024, "revenue": "-5"}]}, "yearly_sales"),
    ]:
        response = client.patch(url, payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        assert field in response.json(), (payload, response.json())
    assert counts() == before
    world.c_sp1.refresh_from_db()
    assert world.c_sp1.name == "华东精密机械有限公司"


def test_bad_contact_input(world):
    client = client_for(world.p.sp1, HTTP_ACCEPT_LANGUAGE="en")
    before = counts()
    response = client.post(contact_url(), {"customer": world.c_sp1.pk, "name": "甲", "phone": "12345"}, format="json")
    assert response.status_code == 400
    assert "not a valid phone number" in response.json()["phone"][0]
    response = client.post(contact_url(), {"customer": 999999, "name": "甲"}, format="json")
    assert response.json() == {"customer": ["Customer not found."]}
    response = client.post(contact_url(), {"customer": world.c_south.pk, "name": "甲"}, format="json")
    assert response.json() == {"customer": ["Customer not found."]}  # out of scope reads the same
    contact = world.c_sp1.contacts.get()
    response = client.patch(contact_url(contact.pk), {"email": "nope"}, format="json")
    assert response.status_code == 400 and "email" in response.json()
    assert counts() == before


def test_contact_cannot_move_to_another_customer(world):
    contact = world.c_sp1.contacts.get()
    response = client_for(world.p.dm).patch(contact_url(contact.pk), {"customer": world.c_team_b.pk}, format="json")
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.customer == world.c_sp1


def test_contact_list_filters(world):
    client = client_for(world.p.director)
    ContactFactory(customer=world.c_sp1, name="欧阳峰", phone="13800001111")
    ids = [r["id"] for r in results(client.get(contact_url(), {"customer": world.c_sp1.pk}))]
    assert set(ids) == set(world.c_sp1.contacts.values_list("pk", flat=True)) and len(ids) == 2
    rows = results(client.get(contact_url(), {"q": "欧阳"}))
    assert [r["name"] for r in rows] == ["欧阳峰"]
    assert rows[0]["customer_name"] == world.c_sp1.name


# --- error messages speak the request's language -----------------------------------------


@pytest.mark.parametrize(("language", "message"), [("zh-hans", "该字段是必填项。"), ("en", "This field is required.")])
def test_messages_in_the_requests_language(world, language, message):
    client = client_for(world.p.sp1, HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(customer_url(), {"credit_code": "91310000MA1FL4KX6C"}, format="json")
    assert response.status_code == 400
    assert response.json()["name"] == [message]
    assert response["Content-Language"] == language


def test_service_messages_in_english(world):
    client = client_for(world.p.sp1, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(customer_url(), {"name": "某公司", "credit_code": "91310000MA1FL4KX6C"}, format="json")
    assert response.json()["credit_code"] == [
        "The unified social credit code's check character is wrong; please check the code."
    ]
    response = client_for(world.p.finance, HTTP_ACCEPT_LANGUAGE="en").post(customer_url(), {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "You do not have permission to perform this action."


# --- the change log of API writes --------------------------------------------------------


def test_api_changes_are_logged_with_source_api_and_the_token_user(world):
    client = client_for(world.p.sp1)
    created = client.post(
        customer_url(),
        {"name": "日志测试有限公司", "credit_code": valid_uscc(6006), "contacts": [{"name": "赵六"}]},
        format="json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    contact_id = created.json()["contacts"][0]["id"]
    patched = client.patch(customer_url(pk), {"name": "日志测试股份有限公司"}, format="json")
    assert patched.status_code == 200

    rows = results(client.get("/api/v1/changelog/", {"customer": pk}))
    assert {(r["action"], r["object_type"], r["object_id"]) for r in rows} == {
        ("create", "customers.customer", pk),
        ("create", "customers.contact", contact_id),
        ("update", "customers.customer", pk),
    }
    for row in rows:
        assert row["source"] == "api"
        assert row["actor"] == {"id": world.p.sp1.pk, "name": "张专员"}
        assert row["customer"] == pk
    update = next(r for r in rows if r["action"] == "update")
    assert update["changes"] == {"name": ["日志测试有限公司", "日志测试股份有限公司"], "version": [1, 2]}
    assert update["request_id"] == patched["X-Request-ID"]
    assert update["object_repr"] == "日志测试股份有限公司"
    # filters
    only_contacts = results(client.get("/api/v1/changelog/", {"object_type": "customers.contact", "customer": pk}))
    assert [r["object_id"] for r in only_contacts] == [contact_id]
    by_object = results(client.get("/api/v1/changelog/", {"object_type": "customers.customer", "object_id": pk}))
    assert [r["action"] for r in by_object] == ["update", "create"]  # newest first
    detail = client.get("/api/v1/changelog/{}/".format(update["id"])).json()
    assert detail == update
    assert client.get("/api/v1/changelog/", {"object_type": "nope.nope"}).status_code == 400


def test_contact_delete_archives_and_is_logged(world):
    """R2: DELETE keeps answering 204, but the contact is archived (removed), not deleted."""
    contact = world.c_sp1.contacts.get()
    client = client_for(world.p.sp1)
    assert client.delete(contact_url(contact.pk) + "?reason=已离职").status_code == 204
    contact.refresh_from_db()
    assert contact.is_archived and contact.archive_reason == "已离职"
    rows = results(client.get("/api/v1/changelog/", {"object_type": "customers.contact", "action": "archive"}))
    assert [(r["object_id"], r["source"], r["actor"]["id"]) for r in rows] == [(contact.pk, "api", world.p.sp1.pk)]
    assert not results(client.get("/api/v1/changelog/", {"object_type": "customers.contact", "action": "delete"}))
    # gone from the lists and the customer's file, still readable and listed on request
    listed = {r["id"] for r in results(client.get("/api/v1/contacts/", {"customer": world.c_sp1.pk}))}
    assert contact.pk not in listed
    archived = results(client.get("/api/v1/contacts/", {"customer": world.c_sp1.pk, "status": "archived"}))
    assert [(r["id"], r["archive_reason"]) for r in archived] == [(contact.pk, "已离职")]
    assert len(results(client.get("/api/v1/contacts/", {"customer": world.c_sp1.pk, "status": "all"}))) == 1
    assert client.get("/api/v1/contacts/", {"status": "gone"}).status_code == 400
    detail = client.get(f"/api/v1/customers/{world.c_sp1.pk}/").json()
    assert detail["contacts"] == []
    assert client.get(contact_url(contact.pk)).json()["archived_at"] is not None
    # a second DELETE is refused; restore brings it back
    assert client.delete(contact_url(contact.pk)).status_code == 400
    r = client.post(contact_url(contact.pk) + "restore/")
    assert r.status_code == 200 and r.json()["archived_at"] is None
    assert client.post(contact_url(contact.pk) + "restore/").status_code == 400


def test_contact_delete_with_a_reason_in_the_body_and_bad_reasons(world):
    contact = world.c_sp1.contacts.get()
    client = client_for(world.p.sp1)
    assert client.delete(contact_url(contact.pk), {"reason": ["x"]}, format="json").status_code == 400
    assert client.delete(contact_url(contact.pk), {"reason": "长" * 201}, format="json").status_code == 400
    contact.refresh_from_db()
    assert not contact.is_archived
    assert client.delete(contact_url(contact.pk), {"reason": "调岗"}, format="json").status_code == 204
    contact.refresh_from_db()
    assert contact.archive_reason == "调岗"


# --- query counts do not grow with the data -------------------------------------------------


def _queries(client, url, params=None) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(ctx), response.json()


def _add_customers(world, n=20):
    for _i in range(n):
        customer = CustomerFactory(owner=world.p.sp1, team=world.p.team_a)
        ContactFactory.create_batch(3, customer=customer)
        CustomerYearSales.objects.create(customer=customer, year=2024, revenue=1)


@pytest.mark.parametrize("persona", ["director", "sp1"])
@pytest.mark.parametrize("mode", AUTH_MODES)
@pytest.mark.parametrize("url", ["/api/v1/customers/", "/api/v1/contacts/", "/api/v1/changelog/"])
def test_list_query_count_is_constant(world, django_assert_max_num_queries, persona, mode, url):
    client = client_for(getattr(world.p, persona), mode)
    small, body_small = _queries(client, url, {"page_size": 100})
    _add_customers(world)
    large, body_large = _queries(client, url, {"page_size": 100})
    assert body_large["count"] >= body_small["count"] + 20
    assert large == small
    with django_assert_max_num_queries(8):
        client.get(url, {"page_size": 100})


@pytest.mark.parametrize("mode", AUTH_MODES)
def test_detail_query_count_is_constant(world, django_assert_max_num_queries, mode):
    client = client_for(world.p.dm, mode)
    small, _body = _queries(client, customer_url(world.c_team_b.pk))
    big = world.c_shared
    ContactFactory.create_batch(3, customer=big)
    services.yearly_sales_set(actor=world.p.dm, customer=big, rows=[{"year": y, "revenue": y} for y in (2022, 2023)])
    services.account_team_add(actor=world.p.dm, customer=big, user=world.p.sp2, role="sales")
    large, body = _queries(client, customer_url(big.pk))
    assert len(body["contacts"]) == 4 and len(body["yearly_sales"]) == 2 and len(body["account_team"]) == 2
    assert large == small
    with django_assert_max_num_queries(10):
        client.get(customer_url(big.pk))


def test_owner_filter_refuses_people_outside_scope_like_missing_ones(world, en):
    """Filtering by an owner outside one's scope answers exactly as for a user id that does not
    exist, so the API cannot be used to probe who exists elsewhere in the company."""
    api = client_for(world.p.sp2)
    outside = api.get(customer_url(), {"owner": world.p.sp_other.pk})
    missing = api.get(customer_url(), {"owner": 987654})
    assert outside.status_code == missing.status_code == 400
    assert outside.json() == missing.json()
    inside = api.get(customer_url(), {"owner": world.p.sp2.pk})
    assert inside.status_code == 200
    assert [c["name"] for c in inside.json()["results"]] == [world.c_sp2.name]


# --- who may own a customer, which team it is filed under: the service decides, for every entry point


def test_specialist_cannot_file_a_customer_under_another_regions_team(world, en):
    """``POST /customers/`` with another region's ``team`` answered 201: the customer then left
    the specialist's manager's sight and appeared in another region's."""
    before = counts()
    response = client_for(world.p.sp1).post(
        customer_url(), {"name": "越区客户", "credit_code": valid_uscc(5301), "team": world.p.team_s.pk}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"team": ["Choose a team in your part of the organisation."]}
    assert counts() == before
    # their own team is fine, and is also the default
    ok = client_for(world.p.sp1).post(
        customer_url(), {"name": "本组客户", "credit_code": valid_uscc(5302), "team": world.p.team_a.pk}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["team"] == world.p.team_a.pk


def test_manager_cannot_give_a_customer_to_someone_outside_their_scope(world, en):
    """``PATCH … {"owner": <user of another region>}`` answered 200 (the page refused it)."""
    url = customer_url(world.c_sp1.pk)
    before = counts()
    for payload in ({"owner": world.p.sp_other.pk}, {"team": world.p.team_s.pk}, {"owner": world.p.dm_south.pk}):
        response = client_for(world.p.am).patch(url, payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        assert list(response.json()) == list(payload)
    assert counts() == before
    world.c_sp1.refresh_from_db()
    assert (world.c_sp1.owner, world.c_sp1.team) == (world.p.sp1, world.p.team_a)
    # inside their own part of the organisation it works
    response = client_for(world.p.am).patch(url, {"owner": world.p.sp2.pk}, format="json")
    assert response.status_code == 200 and response.json()["owner"] == world.p.sp2.pk
    # the director may move it anywhere
    response = client_for(world.p.director).patch(
        url, {"owner": world.p.sp_other.pk, "team": world.p.team_s.pk}, format="json"
    )
    assert response.status_code == 200 and response.json()["team"] == world.p.team_s.pk


def test_an_inactive_owner_is_refused(world, en):
    response = client_for(world.p.am).patch(customer_url(world.c_sp1.pk), {"owner": world.p.inactive.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"owner": ["The owner must be an active user."]}


def test_sort_labels_are_translated_in_both_directions():
    """The API's FilterSet used to wrap the sort labels so that 「最后更新（降序）」 read
    「最后更新 (descending)」 in zh-hans; the API uses the list page's FilterSet itself now."""
    from django.utils import translation

    from kam.customers.filters import CustomerFilter

    with translation.override("zh-hans"):
        labels = dict(CustomerFilter().form.fields["ordering"].choices)
        assert str(labels["-updated_at"]) == "最后更新（降序）"
        assert all("descending" not in str(label) for label in labels.values())
    with translation.override("en"):
        labels = dict(CustomerFilter().form.fields["ordering"].choices)
        assert str(labels["-updated_at"]) == "Last updated (descending)"


def test_api_schema_in_zh_hans_has_the_translated_sort_labels(world):
    client = client_for(world.p.director, HTTP_ACCEPT_LANGUAGE="zh-hans")
    schema = client.get("/api/v1/schema/", {"lang": "zh-hans", "format": "json"}).content.decode()
    assert "最后更新（降序）" in schema and "(descending)" not in schema
