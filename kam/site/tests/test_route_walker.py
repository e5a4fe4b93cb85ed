"""Every route, found by itself, as an anonymous visitor and as a signed-in user without any KAM
permission (issue 8 §7): never a 5xx, never a 2xx carrying data.

Nothing here names a route. The walker resolves the URLconf recursively (every app's pages, the
API, the Django admin) and fills each path converter or regex group with plausible values — small
and huge integers, the test world's real ids, slugs, a UUID, free text — then requests each URL
with GET and POST; it reads every operation of the committed ``openapi.yaml`` (every method, path
ids filled the same way) and sends it by token. So a route a colleague adds later is walked
without a new test; a pattern the walker cannot fill makes the test fail (teach it the converter).

What may answer:

* anonymous — a page: a redirect to a login page (or 405 for a method the route does not take);
  an API route: 401/403;
* the ``outsider`` persona (active, no role, no grant) — 403, 404, 405 or a redirect (pages), 403,
  404 or 405 (API);
* the routes listed in ``PUBLIC`` (anyone) and ``SIGNED_IN`` (any signed-in user, no permission
  needed) may answer anything below 500 — and no 2xx answer, anywhere, may contain the test
  world's customers or contacts.

Public today, and why: the login pages and the logout (sign-in plumbing), the health probe, the
language switch, the token login of the API, and the OpenAPI schema and its Swagger UI (the schema
is the committed ``openapi.yaml`` of an open-source project; it holds no data).
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, converters, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kam.customers.models import Contact, Customer

OPENAPI = Path(settings.BASE_DIR) / "openapi.yaml"
HUGE = 2**63 - 1  # the largest id a 64-bit key holds; one more would overflow the database
# route names anyone may open (namespaced as in reverse())
PUBLIC = {
    *("login", "logout", "admin:login", "admin:logout"),
    *("healthz", "set_language", "api-schema", "api-docs", "api-token"),
}
# route names any signed-in user opens without a permission: their own pages and settings
SIGNED_IN = {
    *("home", "me", "me-token-revoke", "saved-filter-create", "saved-filter-delete"),
    # one's own notifications and their settings, one's own jobs (issue 8 §1, §5)
    *("notifications:list", "notifications:bell", "notifications:preferences", "jobs:list"),
    *("api-notification-list", "api-notification-read-all", "api-notification-preferences", "api-job-list"),
}
# API operations any signed-in user may call: revoking one's own token (204, no body), …
SIGNED_IN_API = {
    ("delete", "/api/v1/auth/token/"),
    # one's own notifications, their settings and one's own jobs: every signed-in user has them
    ("get", "/api/v1/notifications/"),
    ("post", "/api/v1/notifications/read-all/"),
    ("get", "/api/v1/notifications/preferences/"),
    ("put", "/api/v1/notifications/preferences/"),
    ("get", "/api/v1/jobs/"),
}
LOGIN_PAGES = ("/login/", "/admin/login/")
# the walk must stay quick (issue 8 §7: < 30 s; ≈11 s for ≈1,400 requests on SQLite here). Bounded by
# the number of requests, not the clock — a shared CI machine's load must not fail it: a new
# converter filled with too many values, or a product of values, shows up here
MAX_REQUESTS = 3000


@dataclass(frozen=True)
class Route:
    route: str  # the pattern as resolve() reports it (ResolverMatch.route)
    name: str | None  # namespaced, as reverse() takes it
    urls: tuple[str, ...]


def _int_values(world) -> list[str]:
    """1, real ids of the world (a customer the outsider may not see, a contact, a user) and the
    largest 64-bit id."""
    contact = Contact.objects.filter(customer=world.c_shared).first()
    return ["1", str(world.c_shared.pk), str(contact.pk), str(world.p.sp2.pk), str(HUGE)]


def _samples(world) -> dict[type, list[str]]:
    ints = _int_values(world)
    return {
        converters.IntConverter: ints,
        converters.SlugConverter: ["contacts", "x-1"],
        converters.UUIDConverter: [str(uuid.UUID(int=1)), str(uuid.uuid4())],
        converters.PathConverter: [*ints[:3], "x/y"],
        converters.StringConverter: [*ints[:2], "x"],
    }


def _candidates(world) -> list[str]:
    """For regex groups (DRF routers, the admin): tried in turn, the first few that fit are used."""
    return [*_int_values(world), "x", "contacts", str(uuid.UUID(int=1))]


GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")


def _fill_regex(pattern: str, world) -> list[str]:
    """Concrete strings for one regex segment: each named group gets values that match its body
    (the alternatives of a ``a|b|c`` group, else the candidates), the anchors go."""
    text = pattern.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    groups = list(GROUP.finditer(text))
    if not groups:
        return [re.sub(r"\\(.)", r"\1", text)]
    per_group = []
    for m in groups:
        body = m.group("body")
        options = body.split("|") if re.fullmatch(r"[\w|-]+", body) else _candidates(world)
        fitting = [v for v in options if re.fullmatch(body, v)]
        assert fitting, f"no value fits the group {m.group(0)} of {pattern!r}: teach the walker"
        per_group.append(fitting)
    out = []
    for i in range(max(len(v) for v in per_group)):
        s, last = "", 0
        for m, values in zip(groups, per_group, strict=True):
            s += re.sub(r"\\(.)", r"\1", text[last : m.start()]) + values[i % len(values)]
            last = m.end()
        out.append(s + re.sub(r"\\(.)", r"\1", text[last:]))
    return out


def _fill_route(pattern: RoutePattern, world) -> list[str]:
    route = str(pattern)
    names = list(pattern.converters)
    if not names:
        return [route]
    samples = _samples(world)
    values = []
    for name in names:
        converter = pattern.converters[name]
        options = next((v for cls, v in samples.items() if isinstance(converter, cls)), None)
        if options is None:  # a custom converter: the candidates that fit its regex
            options = [v for v in _candidates(world) if re.fullmatch(converter.regex, v)]
        assert options, f"no value fits <{name}> of {route!r} ({type(converter).__name__}): teach the walker"
        values.append(options)
    out = []
    for i in range(max(len(v) for v in values)):
        s = route
        for name, options in zip(names, values, strict=True):
            s = re.sub(rf"<(?:\w+:)?{name}>", options[i % len(options)], s, count=1)
        out.append(s)
    return out


def _fill(pattern, world) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return _fill_route(pattern, world)
    assert isinstance(pattern, RegexPattern), f"unknown pattern type {type(pattern)}: teach the walker"
    return _fill_regex(pattern._regex, world)


def walk_urlconf(world, resolver=None, prefixes=("",), route="", namespace="") -> list[Route]:
    """Every URL pattern of the URLconf with concrete URLs that resolve back to it."""
    out = []
    for entry in (resolver or get_resolver()).url_patterns:
        here = [p + s for p in prefixes for s in _fill(entry.pattern, world)][:5]
        child = str(entry.pattern)
        full = route + (child.removeprefix("^") if route else child)  # as URLResolver._join_route
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            out += walk_urlconf(world, entry, tuple(dict.fromkeys(here)), full, ns)
        elif isinstance(entry, URLPattern):
            urls = tuple(dict.fromkeys("/" + u for u in here))
            name = namespace + entry.name if entry.name else None
            out.append(Route(full, name, urls))
    return out


def _resolves_to(url: str, route: Route) -> bool:
    try:
        return resolve(url.split("?")[0]).route == route.route
    except Exception:  # Resolver404
        return False


def api_operations(world) -> list[tuple[str, str, str]]:
    """(method, template, url) for every operation of openapi.yaml, path parameters filled."""
    spec = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    ints, out = _int_values(world), []
    for template, operations in spec["paths"].items():
        for method, op in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            params = [p for p in op.get("parameters", []) if p.get("in") == "path"]
            urls = [template]
            if params:
                urls = []
                for value in ints:
                    url = template
                    for p in params:
                        url = url.replace("{" + p["name"] + "}", value)
                    urls.append(url)
            out += [(method, template, url) for url in urls]
    return out


def _markers(world) -> list[str]:
    """Text of the world's records: no 2xx answer to these callers may contain any of it."""
    names = list(Customer.objects.values_list("name", flat=True))
    phones = [p for p in Contact.objects.values_list("phone", flat=True) if p]
    return names + phones


def _leaks(response, markers) -> list[str]:
    if not (200 <= response.status_code < 300) or getattr(response, "streaming", False):
        return []
    body = response.content.decode("utf-8", "replace")
    return [m for m in markers if m in body]


def _page_ok(persona: str | None, route: Route, response) -> bool:
    status = response.status_code
    if status >= 500:
        return False
    if route.name in PUBLIC or (persona and route.name in SIGNED_IN):
        return True
    api = route.route.startswith("api/")
    if persona is None:
        if api:
            return status in (401, 403)
        return status == 405 or (status == 302 and response["Location"].startswith(LOGIN_PAGES))
    if api:
        return status in (403, 404, 405)
    return status in (302, 403, 404, 405)


@pytest.fixture
def walker(world):
    cache.clear()  # the token login's throttle counts in the cache
    outsider = world.p.outsider
    token = Token.objects.get_or_create(user=outsider)[0].key
    session = Client()
    session.force_login(outsider)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + token)

    def keep_signed_in():
        # a logout route or "revoke my token" ends the caller's access: sign in again for the next
        if "_auth_user_id" not in session.session:
            session.force_login(outsider)
        Token.objects.get_or_create(user=outsider, defaults={"key": token})

    return session, api, keep_signed_in


def test_every_url_pattern_refuses_anonymous_and_unpermitted_callers(world, walker):
    started = time.monotonic()
    session, _api, keep_signed_in = walker
    markers = _markers(world)
    routes = walk_urlconf(world)
    assert len(routes) > 100, "the walk found too few routes"
    unfilled = [r.route for r in routes if not any(_resolves_to(u, r) for u in r.urls)]
    assert not unfilled, f"the walker made no URL that resolves to {unfilled}: teach it"
    anonymous = Client()
    problems, requests = [], 0
    for route in routes:
        for url in (u for u in route.urls if _resolves_to(u, route)):
            for method in ("get", "post"):
                for persona, client in ((None, anonymous), ("outsider", session)):
                    response = getattr(client, method)(url)
                    requests += 1
                    who = persona or "anonymous"
                    if not _page_ok(persona, route, response):
                        where = response.get("Location", "")
                        problems.append(f"{who} {method.upper()} {url} ({route.name}): {response.status_code} {where}")
                    if leaked := _leaks(response, markers):
                        problems.append(f"{who} {method.upper()} {url}: 2xx with the world's data {leaked[:2]}")
                    if persona:
                        keep_signed_in()
    elapsed = time.monotonic() - started
    print(f"\nroute walker: {len(routes)} patterns, {requests} requests in {elapsed:.1f} s")
    assert not problems, "\n".join(problems)
    assert requests < MAX_REQUESTS


def test_every_openapi_operation_refuses_anonymous_and_unpermitted_callers(world, walker):
    started = time.monotonic()
    _session, api, keep_signed_in = walker
    markers = _markers(world)
    operations = api_operations(world)
    assert len({(m, t) for m, t, _u in operations}) >= 15, "openapi.yaml lists too few operations"
    anonymous = APIClient()
    problems = []
    for method, template, url in operations:
        public = (method, template) == ("post", "/api/v1/auth/token/")
        for persona, client in ((None, anonymous), ("outsider", api)):
            body = {} if method in ("post", "put", "patch") else None
            response = (
                getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)
            )
            status = response.status_code
            if public or (persona and (method, template) in SIGNED_IN_API):
                allowed = status < 500
            elif persona is None:
                allowed = status in (401, 403)
            else:
                allowed = status in (403, 404, 405)
            if not allowed:
                problems.append(f"{persona or 'anonymous'} {method.upper()} {url}: {status}")
            if leaked := _leaks(response, markers):
                problems.append(f"{persona or 'anonymous'} {method.upper()} {url}: 2xx with data {leaked[:2]}")
            if persona:
                keep_signed_in()
    elapsed = time.monotonic() - started
    print(f"\nOpenAPI walker: {len(operations)} requests × 2 callers in {elapsed:.1f} s")
    assert not problems, "\n".join(problems)
    assert len(operations) * 2 < MAX_REQUESTS


def test_the_walker_fills_what_it_finds(world):
    """The walker itself: converters, regex groups and alternatives become URLs that resolve back."""
    routes = {r.route: r for r in walk_urlconf(world)}
    detail = routes["customers/<int:pk>/"]
    assert f"/customers/{HUGE}/" in detail.urls and f"/customers/{world.c_shared.pk}/" in detail.urls
    api_detail = routes["api/v1/customers/(?P<pk>[^/.]+)/$"]
    assert "/api/v1/customers/1/" in api_detail.urls
    app_list = next(r for r in routes.values() if r.name == "admin:app_list")
    assert "/admin/auth/" in app_list.urls
    assert all(_resolves_to(u, detail) for u in detail.urls)
    # a hand-made anonymous success would be caught
    assert not _page_ok(None, detail, type("R", (), {"status_code": 200, "get": dict.get})())
