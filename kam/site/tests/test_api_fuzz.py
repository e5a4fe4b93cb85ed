"""Property-based fuzzing of every API operation: whatever a client sends, the answer is never 5xx.

Both tests read the committed ``openapi.yaml`` (``test_openapi.py`` keeps it equal to what the code
generates), so a new operation, parameter or field is fuzzed without touching this file.

* :func:`test_no_server_errors` — Schemathesis generates, for every operation, requests that fit
  the schema and requests that break it (wrong types, missing fields, odd strings and numbers,
  unexpected methods) and checks ``not_a_server_error``.
* :func:`test_nasty_values_never_500` — plain Hypothesis: into one field of a *valid* request
  (a body field — nested rows included —, a query parameter or the path id) it puts a value JSON or
  Python handles badly: ``1e400`` (inf), ``NaN``, integers beyond 64 bits, fractions where ids
  belong, nesting hundreds deep, dates at the ends of the calendar, NUL and long strings. The rest
  of the request being valid, the value travels as far as the code lets it: serializer, service,
  database. This is the class of "Malformed input answers 500" (see ``test_malformed_input.py``),
  which Schemathesis cannot produce — it writes JSON with ``json.dumps``.

Requests run in-process (Django's WSGI handler and test client) inside the test's transaction, in
Chinese and English (a translated message is formatted, too).
The caller is the ``director`` persona — every customer permission, everything in scope — by
token; the token login goes without credentials. Small generated path ids are mapped onto the
world's real records, so updates, archiving and deletes get past the 404 to their bodies.

Deterministic for CI: fixed seeds, no example database, ``FUZZ_EXAMPLES`` examples per operation
and phase.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from urllib.parse import quote

import pytest
import schemathesis
import yaml
from django.conf import settings
from django.core import signals
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error

from kam.core.changes import ObjectChange
from kam.core.parsers import MAX_DEPTH
from kam.customers.models import Contact, Customer
from kam.customers.testing import valid_uscc
from kam.org.testing import PASSWORD

FUZZ_EXAMPLES = 25
SEED = 20260101
OPENAPI = Path(settings.BASE_DIR) / "openapi.yaml"
SPEC = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
OPERATIONS = [(method, path, op) for path, ops in SPEC["paths"].items() for method, op in ops.items()]
SUPPRESS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much]

# Schemathesis' coverage phase (every boundary of every field, ~1,000 requests per write
# operation) is kept for operations without a request body and for the token login; the writes
# get the fuzzing phase here and their fields' boundaries in test_nasty_values_never_500.
WRITES = [
    op["operationId"] for _m, _p, op in OPERATIONS if "requestBody" in op and op["operationId"] != "auth_token_create"
]
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"mode": "all", "max-examples": FUZZ_EXAMPLES, "database": "none", "deterministic": True},
        "phases": {"stateful": {"enabled": False}},
        "operations": [{"include-operation-id": WRITES, "phases": {"coverage": {"enabled": False}}}],
    }
)
schema = schemathesis.openapi.from_path(OPENAPI, config=CONFIG)


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, minus what Django's test client removes too: closing the database
    connection at the start and end of a request (it would end the test's transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def director_token(world) -> str:
    token, _created = Token.objects.get_or_create(user=world.p.director)
    return token.key


def _record_ids() -> dict[str, list[int]]:
    return {
        "/api/v1/customers/": list(Customer.objects.order_by("pk").values_list("pk", flat=True)),
        "/api/v1/contacts/": list(Contact.objects.order_by("pk").values_list("pk", flat=True)),
        "/api/v1/changelog/": list(ObjectChange.objects.order_by("pk").values_list("pk", flat=True)),
    }


def _real_id(path: str, value, ids: dict[str, list[int]]):
    """A small generated id (0…99) becomes the id of a real record; anything else stays as is."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 2:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 100:
        for prefix, known in ids.items():
            if path.startswith(prefix) and known:
                return known[value % len(known)]
    return value


def _secured(operation: dict) -> bool:
    return bool(operation.get("security"))


@schema.parametrize()
@hypothesis_settings(deadline=None, suppress_health_check=SUPPRESS)
def test_no_server_errors(case, wsgi_app, director_token):
    cache.clear()  # the login throttle counts in the cache: keep the token login reachable
    if "id" in case.path_parameters:
        case.path_parameters["id"] = _real_id(case.path, case.path_parameters["id"], _record_ids())
    headers = {"Accept-Language": "zh-hans"}  # the default language: its messages are formatted too
    if _secured(case.operation.definition.raw):
        headers["Authorization"] = f"Token {director_token}"
    case.call_and_validate(app=wsgi_app, headers=headers, checks=[not_a_server_error])


# --- nasty values in otherwise valid requests ------------------------------------------------

NON_FINITE = ["1e400", "-1e400", "1E+309", "NaN", "Infinity", "-Infinity"]
BIG_NUMBERS = [
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "1" + "0" * 30,
    "1" + "0" * 5000,  # past Python's int-from-string digit limit
    "1e308",
    "-1e308",
    "5e-324",
    "1.5",
    "0.5",
    "-1",
    "0",
    "1.0",
    "1e2",
]
NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "9223372036854775808",
    "99999999999999999999",
    "1e400",
    "1e30",
    "-1",
    "0",
    "1.5",
    "NaN",
    "inf",
    "٣",  # an Arabic-Indic digit: int() reads it as 3
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "2024-02-30",
    "x" * 5000,
    "华东" * 1000,
    "'\"\\%_*?[]{}",
    "-",
    "--",
    "a,b",
]


# literals no JSON body may hold: refused by the parser (400 with "detail") wherever they appear
PARSER_REFUSES = {*NON_FINITE, "[1e400]", '{"a": NaN}', "1" + "0" * 5000}


def _json_literals():
    """JSON text for one value (not always valid JSON: that is the point)."""
    return st.one_of(
        st.sampled_from(NON_FINITE),
        st.sampled_from(BIG_NUMBERS),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        st.sampled_from(NASTY_STRINGS).map(json.dumps),
        st.text(max_size=30).map(json.dumps),
        st.sampled_from(["true", "false", "null", "[]", "{}", "[1e400]", '{"a": NaN}', '"\\ud800"']),
        st.integers(min_value=100, max_value=5000).map(lambda n: "[" * n + "1" + "]" * n),
    )


def _query_values():
    return st.one_of(st.sampled_from(NASTY_STRINGS), st.text(max_size=30))


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = SPEC["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _body_fields(node: dict, prefix: tuple = ()) -> list[tuple]:
    """Every field of a request body schema; a list of objects adds the fields of its first row."""
    fields = []
    for name, prop in _resolve(node).get("properties", {}).items():
        fields.append((*prefix, name))
        if prop.get("type") == "array" and "$ref" in prop.get("items", {}):
            fields += _body_fields(prop["items"], (*prefix, name, 0))
    return fields


_serial = itertools.count(1)


def _valid_body(operation_id: str, world) -> dict:
    """A request body the operation accepts, for each operation that takes one."""
    n = next(_serial)
    row_year = {"year": 2024, "revenue": "1.00"}
    bodies = {
        "auth_token_create": {"username": "director", "password": PASSWORD},
        "exports_create": {"spec": "customers"},
        "customers_create": {
            "name": f"模糊测试{n}号有限公司",
            "credit_code": valid_uscc(700_000 + n),
            "contacts": [{"name": "甲"}],
            "yearly_sales": [row_year],
        },
        "customers_update": {
            "name": world.c_sp1.name,
            "credit_code": world.c_sp1.credit_code,
            "yearly_sales": [row_year],
        },
        "customers_partial_update": {"notes": "备注", "yearly_sales": [row_year]},
        "customers_archive_create": {"reason": "测试"},
        "contacts_create": {"customer": world.c_sp1.pk, "name": "甲"},
        "contacts_update": {"name": "甲"},
        "contacts_partial_update": {"name": "甲"},
        "notifications_preferences_update": {
            "kinds": [{"kind": "jobs.finished", "in_app": True, "email": False}],
            "wecom_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=fuzz",
            "dingtalk_url": "",
            "dingtalk_secret": "",
        },
    }
    assert operation_id in bodies, f"{operation_id} takes a JSON body: add a valid one to _valid_body"
    return bodies[operation_id]


def _real_path_id(path: str, world) -> int:
    if path.startswith("/api/v1/customers/"):
        return world.c_sp1.pk
    if path.startswith("/api/v1/contacts/"):
        contact = Contact.objects.filter(customer=world.c_sp1).first() or Contact.objects.first()
        return contact.pk if contact else 1
    return ObjectChange.objects.order_by("pk").values_list("pk", flat=True).first() or 1


MARK = "\x00nasty\x00"


def _with_literal(body: dict, field: tuple, literal: str) -> str:
    """``body`` as JSON text with ``literal`` as the value of ``field`` (rows created as needed)."""
    body = json.loads(json.dumps(body))
    node = body
    for step, following in itertools.pairwise(field):
        if isinstance(step, int):
            while len(node) <= step:
                node.append({})
            node = node[step]
        else:
            default = [] if isinstance(following, int) else {}
            if not isinstance(node.get(step), type(default)):
                node[step] = default
            node = node[step]
    node[field[-1]] = MARK
    return json.dumps(body).replace(json.dumps(MARK), literal)


def _json_body_schema(operation: dict) -> dict | None:
    return operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")


def _targets(path: str, operation: dict) -> list[tuple[str, object]]:
    """Where a nasty value can go: each body field, each query parameter, the path id."""
    body = _json_body_schema(operation)
    targets: list[tuple[str, object]] = [("body", field) for field in (_body_fields(body) if body else [])]
    targets += [("query", p["name"]) for p in operation.get("parameters", []) if p["in"] == "query"]
    if "{id}" in path:
        targets.append(("path", "id"))
    # an operation without body, query or id (POST read-all, GET preferences): sent as it is, in
    # either language
    return targets or [("none", None)]


def _operation_id(item) -> str:
    return item[2]["operationId"]


# operations with somewhere to put a nasty value: no body, query or path id (revoking one's token),
# a multipart upload or a slug path have none here — test_no_server_errors, the Schemathesis phases
# and kam/customers/tests/test_tabular_pages.py cover them
TARGETED = [o for o in OPERATIONS if _targets(o[1], o[2])]


@pytest.mark.parametrize(("method", "path", "operation"), TARGETED, ids=[_operation_id(o) for o in TARGETED])
@hypothesis_settings(
    max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=SUPPRESS
)
@given(data=st.data())
def test_nasty_values_never_500(world, director_token, method, path, operation, data):
    cache.clear()
    client = APIClient(HTTP_ACCEPT_LANGUAGE=data.draw(st.sampled_from(["zh-hans", "en"]), label="language"))
    if _secured(operation):
        client.credentials(HTTP_AUTHORIZATION=f"Token {director_token}")
    where, name = data.draw(st.sampled_from(_targets(path, operation)), label="target")
    takes_body = _json_body_schema(operation) is not None
    body = json.dumps(_valid_body(operation["operationId"], world)) if takes_body else None
    url = path.replace("{id}", str(_real_path_id(path, world)))
    parser_refuses = False
    if where == "body":
        literal = data.draw(_json_literals(), label="literal")
        body = _with_literal(_valid_body(operation["operationId"], world), name, literal)
        parser_refuses = literal in PARSER_REFUSES or literal.startswith("[" * MAX_DEPTH)
    elif where == "query":
        url += f"?{quote(name)}={quote(data.draw(_query_values(), label='value'))}"
    elif where == "path":
        url = path.replace("{id}", quote(data.draw(_query_values(), label="id"), safe="") or "%20")

    send = getattr(client, method)
    response = send(url, body, content_type="application/json") if body is not None else send(url)
    assert response.status_code < 500, (method, url, body and body[:300], response.content[:300])
    if parser_refuses:  # whatever the operation and field
        assert response.status_code == 400, (method, url, body and body[:300], response.content[:300])
        assert "detail" in response.json()
