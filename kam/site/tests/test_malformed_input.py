"""Malformed input answers 400 (404 for a path id) with a clear message and changes nothing —
never 500 (the issue "Malformed input answers 500").

1. JSON nested 100,000 deep, non-finite numbers (``NaN``, ``Infinity``, ``1e400``) and oversized
   bodies, on every JSON endpoint including the anonymous token login (``kam.core.parsers``);
2. ids that are not whole numbers from 1 to 2⁶³−1 in the related fields of a body
   (``kam.core.serializers.IdRelatedField``);
3. such ids in filters, pages and paths, and dates beyond what UTC can hold in the change log's
   ``since``/``until`` (``kam.core.filters``).

The property-based fuzzing of every operation is in ``test_api_fuzz.py``.
"""

from __future__ import annotations

import json

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kam.core.changes import ObjectChange
from kam.core.parsers import MAX_DEPTH
from kam.customers.models import Contact, Customer, CustomerYearSales
from kam.customers.testing import valid_uscc
from kam.org.testing import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
DEEP = {
    "array": "[" * 100_000 + "]" * 100_000,
    "object": '{"a":' * 100_000 + "1" + "}" * 100_000,
}
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1E+309"]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # the login throttle counts in the cache
    yield
    cache.clear()


@pytest.fixture
def world(world):
    """The shared world, with the director's API token made before any test counts rows."""
    Token.objects.get_or_create(user=world.p.director)
    return world


def client_for(user=None, language="en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION="Token " + token.key)
    return client


def counts() -> dict[str, int]:
    return {
        "customers": Customer.objects.count(),
        "contacts": Contact.objects.count(),
        "yearly_sales": CustomerYearSales.objects.count(),
        "changes": ObjectChange.objects.count(),
        "tokens": Token.objects.count(),
        "login_failures": AccessAttempt.objects.count(),
    }


def snapshot(world) -> list[tuple]:
    """Every customer's and contact's fields that a bad request might have touched."""
    customers = list(Customer.objects.order_by("pk").values_list("pk", "name", "owner_id", "team_id", "status"))
    contacts = list(Contact.objects.order_by("pk").values_list("pk", "customer_id", "name", "phone"))
    return customers + contacts


# every JSON endpoint: (name, method, url(world), authenticated)
ENDPOINTS = [
    ("token login", "post", lambda w: TOKEN_URL, False),
    ("create customer", "post", lambda w: "/api/v1/customers/", True),
    ("replace customer", "put", lambda w: f"/api/v1/customers/{w.c_sp1.pk}/", True),
    ("change customer", "patch", lambda w: f"/api/v1/customers/{w.c_sp1.pk}/", True),
    ("archive customer", "post", lambda w: f"/api/v1/customers/{w.c_sp1.pk}/archive/", True),
    ("create contact", "post", lambda w: "/api/v1/contacts/", True),
    ("replace contact", "put", lambda w: f"/api/v1/contacts/{w.c_sp1.contacts.get().pk}/", True),
    ("change contact", "patch", lambda w: f"/api/v1/contacts/{w.c_sp1.contacts.get().pk}/", True),
]


def send(world, endpoint, body: str, language="en"):
    _name, method, url, authenticated = endpoint
    client = client_for(world.p.director if authenticated else None, language)
    return getattr(client, method)(url(world), body, content_type="application/json")


def raw(**literals: object) -> str:
    """A JSON object written by hand: each value is inserted as it is (``raw(owner="1e400")`` is
    ``{"owner": 1e400}``), so it can hold what ``json.dumps`` never writes."""
    return "{" + ", ".join(f'"{key}": {value}' for key, value in literals.items()) + "}"


def assert_unchanged(world, before_counts, before_rows):
    assert counts() == before_counts
    assert snapshot(world) == before_rows


# --- 1. JSON the parser refuses -------------------------------------------------------------


@pytest.mark.parametrize("shape", sorted(DEEP))
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_deeply_nested_json_is_400(world, endpoint, shape):
    before, rows = counts(), snapshot(world)
    response = send(world, endpoint, DEEP[shape])
    assert response.status_code == 400, response.content[:200]
    assert response.json() == {"detail": f"The JSON body is nested too deeply: at most {MAX_DEPTH} levels are allowed."}
    assert_unchanged(world, before, rows)


def _nested(levels: int) -> str:
    """A customer change whose ``notes`` make the whole body ``levels`` deep (the body is level 1)."""
    return '{"notes": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"


def test_the_nesting_limit(world):
    endpoint = ENDPOINTS[3]  # change customer
    before, rows = counts(), snapshot(world)
    at_limit = send(world, endpoint, _nested(MAX_DEPTH))
    assert at_limit.status_code == 400
    assert at_limit.json() == {"notes": ["Not a valid string."]}  # parsed; the field refuses a list
    over = send(world, endpoint, _nested(MAX_DEPTH + 1))
    assert over.status_code == 400
    assert "nested too deeply" in over.json()["detail"]
    # brackets inside strings are text, not nesting: parsed, then judged field by field
    text = send(world, ENDPOINTS[1], json.dumps({"name": "[" * 1000 + "{" * 1000 + '\\"[[['}))
    assert text.status_code == 400
    assert set(text.json()) == {"name", "credit_code"}
    assert_unchanged(world, before, rows)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_non_finite_numbers_are_400(world, endpoint):
    before, rows = counts(), snapshot(world)
    for literal in NON_FINITE:
        body = raw(username='"director"', password=literal, name='"某公司"', staff_count=literal)
        response = send(world, endpoint, body)
        assert response.status_code == 400, (literal, response.content[:200])
        detail = response.json()["detail"]
        assert detail == f"The JSON body holds a number out of range ({literal}): numbers must be finite."
    assert_unchanged(world, before, rows)


def test_a_body_over_the_size_limit_is_400_in_json(world):
    before, rows = counts(), snapshot(world)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    flat = "[" + "1," * (limit // 2) + "1]"
    for endpoint in (ENDPOINTS[0], ENDPOINTS[1]):
        response = send(world, endpoint, flat)
        assert response.status_code == 400
        assert response.json() == {"detail": f"The request body is too large: at most {limit} bytes are allowed."}
    assert_unchanged(world, before, rows)


def test_a_large_flat_body_within_the_limit_is_parsed(world):
    """2 MB of numbers parse quickly; the serializer then judges the content (400, not 500)."""
    body = json.dumps({"name": "某公司", "credit_code": "x", "notes": list(range(300_000))})
    assert len(body) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    before, rows = counts(), snapshot(world)
    response = send(world, ENDPOINTS[1], body)
    assert response.status_code == 400
    assert response.json()["notes"] == ["Not a valid string."]
    assert_unchanged(world, before, rows)


@pytest.mark.parametrize("field", ["contacts", "yearly_sales"])
def test_a_list_of_10_000_rows_is_400_at_once(world, field):
    row = {"name": "甲"} if field == "contacts" else {"year": 2024, "revenue": "1"}
    body = json.dumps({"name": "某公司", "credit_code": valid_uscc(4242), field: [row] * 10_000})
    before, rows = counts(), snapshot(world)
    response = send(world, ENDPOINTS[1], body)
    assert response.status_code == 400
    assert response.json() == {field: {"non_field_errors": ["Ensure this field has no more than 100 elements."]}}
    assert_unchanged(world, before, rows)


def test_an_unpaired_surrogate_is_400(world):
    """Found by the fuzzer: ``"\\ud800"`` decodes to half a surrogate pair; echoed in a choice
    field's error message, it broke the UTF-8 JSON answer (500)."""
    before, rows = counts(), snapshot(world)
    for endpoint in ENDPOINTS:
        response = send(world, endpoint, raw(username=r'"\ud800"', province=r'"\ud800"', name=r'"x\udfff"'))
        assert response.status_code == 400, response.content[:200]
        assert response.json() == {
            "detail": "The JSON body holds an unpaired surrogate (\\uD800–\\uDFFF): text must be valid Unicode."
        }
    assert_unchanged(world, before, rows)


def test_an_overlong_username_is_400_before_the_login_is_counted(world):
    """Found by the fuzzer on PostgreSQL: a username over 255 characters reached django-axes,
    whose failed-login record could not hold it ("value too long", a 500)."""
    before, rows = counts(), snapshot(world)
    for username in ("x" * 151, "x" * 256, "用户" * 5000):
        response = send(world, ENDPOINTS[0], json.dumps({"username": username, "password": "wrong"}))
        assert response.status_code == 400
        assert response.json() == {"username": ["Ensure this field has no more than 150 characters."]}
    assert_unchanged(world, before, rows)


def test_parser_messages_speak_the_requests_language(world):
    response = send(world, ENDPOINTS[0], DEEP["array"], language="zh-hans")
    assert response.status_code == 400
    assert response["Content-Language"] == "zh-hans"
    assert response.json() == {"detail": f"JSON 嵌套过深：最多允许 {MAX_DEPTH} 层。"}
    response = send(world, ENDPOINTS[1], '{"staff_count": 1e400}', language="zh-hans")
    assert response.json() == {"detail": "JSON 中的数字超出范围（1e400）：数字必须是有限值。"}


# --- 2. ids in a body -----------------------------------------------------------------------


@pytest.mark.parametrize("literal", ["1e400", "-1e400", "Infinity", "NaN"])
def test_a_non_finite_id_is_400(world, literal):
    """``{"customer": 1e400}`` and friends: once an OverflowError converting inf to an int (500)."""
    before, rows = counts(), snapshot(world)
    client = client_for(world.p.director)
    contact = client.post("/api/v1/contacts/", raw(customer=literal, name='"x"'), content_type="application/json")
    owner = client.patch(f"/api/v1/customers/{world.c_sp1.pk}/", raw(owner=literal), content_type="application/json")
    team = client.patch(f"/api/v1/customers/{world.c_sp1.pk}/", raw(team=literal), content_type="application/json")
    for response in (contact, owner, team):
        assert response.status_code == 400, response.content[:200]
        assert "numbers must be finite" in response.json()["detail"]
    assert_unchanged(world, before, rows)


OUT_OF_RANGE = ["9223372036854775808", "18446744073709551616", "1" + "0" * 30, "0", "-1", "-9223372036854775809"]
NOT_WHOLE = ["1.5", "1e-5", "true", '"abc"', '"1e400"', "[1]", '{"id": 1}']


@pytest.mark.parametrize("field", ["owner", "team"])
def test_owner_and_team_must_be_ids(world, field):
    before, rows = counts(), snapshot(world)
    client = client_for(world.p.director)
    url = f"/api/v1/customers/{world.c_sp1.pk}/"
    for literal in OUT_OF_RANGE + NOT_WHOLE:
        response = client.patch(url, raw(**{field: literal}), content_type="application/json")
        assert response.status_code == 400, (literal, response.content[:200])
        [message] = response.json()[field]
        if literal in OUT_OF_RANGE:
            assert message.startswith("Invalid pk") and message.endswith("object does not exist."), message
        else:
            assert message == "Enter a record id (a whole number).", (literal, message)
    assert_unchanged(world, before, rows)


def test_a_fractional_id_is_not_rounded_to_another_record(world):
    """``int(2.5)`` is 2: a float id once quietly named another record (here: moved the customer)."""
    before, rows = counts(), snapshot(world)
    client = client_for(world.p.director)
    url = f"/api/v1/customers/{world.c_sp1.pk}/"
    for field, target in (("owner", world.p.sp2.pk), ("team", world.p.team_b.pk)):
        response = client.patch(url, raw(**{field: f"{target}.5"}), content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {field: ["Enter a record id (a whole number)."]}
    response = client.post(
        "/api/v1/contacts/", raw(customer=f"{world.c_sp2.pk}.5", name='"甲"'), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"customer": ["Customer not found."]}
    assert_unchanged(world, before, rows)


def test_a_contacts_customer_must_be_an_id(world):
    before, rows = counts(), snapshot(world)
    client = client_for(world.p.director)
    for literal in OUT_OF_RANGE + NOT_WHOLE:
        body = raw(customer=literal, name='"甲"')
        response = client.post("/api/v1/contacts/", body, content_type="application/json")
        assert response.status_code == 400, (literal, response.content[:200])
        assert response.json() == {"customer": ["Customer not found."]}  # reveals nothing, as for a missing one
    assert_unchanged(world, before, rows)


def test_whole_number_ids_still_work(world):
    client = client_for(world.p.director)
    url = f"/api/v1/customers/{world.c_sp1.pk}/"
    response = client.patch(
        url, raw(owner=f"{world.p.sp2.pk}.0", team=f'"{world.p.team_a.pk}"'), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    world.c_sp1.refresh_from_db()
    assert (world.c_sp1.owner, world.c_sp1.team) == (world.p.sp2, world.p.team_a)


# --- 3. ids and dates in filters, pages and paths --------------------------------------------

BAD_IDS = ["9223372036854775808", "99999999999999999999", "1e30", "1e400", "-1", "0", "1.5", "abc"]
ID_FILTERS = [
    ("/api/v1/changelog/", "customer"),
    ("/api/v1/changelog/", "actor"),
    ("/api/v1/changelog/", "object_id"),
    ("/api/v1/changelog/", "parent_id"),
    ("/api/v1/contacts/", "customer"),
    ("/api/v1/customers/", "owner"),  # ModelChoiceFilter: the owners you may filter by
    ("/api/v1/customers/", "team"),
]


@pytest.mark.parametrize(("url", "param"), ID_FILTERS, ids=[f"{u.split('/')[3]}-{p}" for u, p in ID_FILTERS])
def test_id_filters_answer_400(world, url, param):
    client = client_for(world.p.director)
    for value in BAD_IDS:
        response = client.get(url, {param: value})
        assert response.status_code == 400, (value, response.content[:200])
        [message] = response.json()[param]
        assert message in (
            "Enter a record id (a whole number).",
            "Ensure this value is greater than or equal to 1.",
            "Ensure this value is less than or equal to 9223372036854775807.",
            "Select a valid choice. That choice is not one of the available choices.",
        ), (value, message)


@pytest.mark.parametrize("param", ["since", "until"])
def test_changelog_dates_beyond_utc_answer_400(world, param):
    """Year 1 in Shanghai is year 0 in UTC: once an OverflowError in the database adapter (500)."""
    client = client_for(world.p.director)
    for value in ("0001-01-01T00:00:00", "0001-01-01T05:00:00+08:00", "9999-12-31T23:59:59-05:00", "9999-12-31T20:00"):
        response = client.get("/api/v1/changelog/", {param: value + ("-08:00" if value.endswith("20:00") else "")})
        assert response.status_code == 400, (value, response.content[:200])
        assert response.json() == {param: ["Enter a date and time between the years 1 and 9999."]}


def test_changelog_dates_with_offsets_postgresql_refuses_still_filter(world):
    """Found by the fuzzer on PostgreSQL: it allows UTC offsets up to ±15:59, Python up to ±23:59
    ("time zone displacement out of range", a 500); the filter now hands on UTC."""
    client = client_for(world.p.director)
    for value in ("2020-01-01T00:00:00+17:02", "2020-01-01T00:00:00-23:59", "5239-02-18T23:59:18.9+17:02"):
        response = client.get("/api/v1/changelog/", {"since": value, "until": value})
        assert response.status_code == 200, (value, response.content[:200])
        assert response.json()["count"] == 0


def test_changelog_dates_within_range_still_filter(world):
    client = client_for(world.p.director)
    everything = client.get("/api/v1/changelog/", {"since": "0001-01-02T00:00:00", "until": "9999-12-30T00:00:00"})
    assert everything.status_code == 200
    assert everything.json()["count"] == client.get("/api/v1/changelog/").json()["count"] > 0


def test_page_numbers_never_500(world):
    client = client_for(world.p.director)
    for value in ("1e400", "9223372036854775808", "99999999999999999999", "-1", "1.5", "0"):
        for url in ("/api/v1/customers/", "/api/v1/contacts/", "/api/v1/changelog/"):
            page = client.get(url, {"page": value})
            assert page.status_code == 404 and page.json() == {"detail": "Invalid page."}, (url, value)
            size = client.get(url, {"page_size": value})
            assert size.status_code == 200, (url, value)  # an unusable page size falls back to the default
            assert len(size.json()["results"]) == min(size.json()["count"], settings.KAM_PAGE_SIZE)


def test_path_ids_beyond_64_bits_are_404(world):
    client = client_for(world.p.director)
    before, rows = counts(), snapshot(world)
    for pk in ("99999999999999999999", "9223372036854775808", "-1", "0"):
        for method, url in [
            ("get", f"/api/v1/customers/{pk}/"),
            ("put", f"/api/v1/customers/{pk}/"),
            ("patch", f"/api/v1/customers/{pk}/"),
            ("post", f"/api/v1/customers/{pk}/archive/"),
            ("post", f"/api/v1/customers/{pk}/restore/"),
            ("get", f"/api/v1/contacts/{pk}/"),
            ("patch", f"/api/v1/contacts/{pk}/"),
            ("delete", f"/api/v1/contacts/{pk}/"),
            ("get", f"/api/v1/changelog/{pk}/"),
        ]:
            response = getattr(client, method)(url, {}, format="json")
            assert response.status_code == 404, (method, url, response.content[:200])
    assert_unchanged(world, before, rows)


def test_token_login_still_works(personas):
    response = client_for().post(TOKEN_URL, {"username": "director", "password": PASSWORD}, format="json")
    assert response.status_code == 200 and response.json()["token"]
