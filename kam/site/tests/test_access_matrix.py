"""The shared access matrix (R1.2/R1.3; architecture.md "Tests"): every page and every API
endpoint of the project, requested as every persona and anonymously, against the hand-written
tables of the shared test kit — allowed → 2xx/3xx, out of scope → 404, not permitted → 403,
anonymous or deactivated → login page / 401.

A new page or endpoint must get a probe here: ``test_every_route_is_in_the_matrix`` fails for
any URL name of the URLconf no probe reaches.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kam.customers import services as customer_services
from kam.customers.testing import CUSTOMER_PERMISSIONS, EXPECTED_SCOPE, valid_uscc
from kam.org.models import RoleGrant
from kam.org.testing import PERSONAS, Expectations, Probe, assert_access_matrix

# codes of the organisation per persona (hand-written, like the customer file's in the kit)
ORG_PERMISSIONS = {"admin": {"org.manage", "changelog.all"}}
HISTORY = ("changelog.all", "customers.view")


def _permissions() -> dict[str, set[str]]:
    return {p: CUSTOMER_PERMISSIONS[p] | ORG_PERMISSIONS.get(p, set()) for p in PERSONAS}


def _archive(key):
    def setup(world):
        customer_services.customer_archive(actor=world.p.director, customer=getattr(world, key), reason="测试")

    return setup


def _contact(world, key):
    return getattr(world, key).contacts.first()


def _seat(world):
    return world.c_shared.team_members.get(user=world.p.sp1)


def _saved_filter(world):
    from kam.core.models import SavedFilter

    return SavedFilter.objects.get_or_create(user=world.p.outsider, list_key="customers", name="外人的", query="q=x")[0]


def _grant(world):
    return RoleGrant.objects.get(user=world.p.sp2)


def _job(world, status="succeeded"):
    """A job specialist 1 started (succeeded, or queued for the cancel probes): 404 for everyone
    else but the administrator, who holds jobs.view_all."""
    from kam.core.jobs.models import Job

    return Job.objects.get_or_create(kind="jobs.prune", actor=world.p.sp1, status=status, title="矩阵")[0]


def _put_customer(world, key):
    c = getattr(world, key)
    return {"name": c.name + "（新）", "credit_code": c.credit_code}


def _notification(world):
    """The outsider's notification: not there for anyone else (404), like a saved filter."""
    from kam.core.notifications.models import Notification

    return Notification.objects.get_or_create(recipient=world.p.outsider, kind="jobs.finished", title="外人的")[0]


def _pages() -> list[Probe]:
    probes = [
        Probe("home", "get", lambda w: reverse("home"), None),
        Probe("history", "get", lambda w: reverse("history"), HISTORY),
        Probe("me", "get", lambda w: reverse("me"), None),
        Probe("healthz", "get", lambda w: reverse("healthz"), None, public=True),
        # organisation (org.manage; every unit and user, no scope)
        Probe("org index", "get", lambda w: reverse("org:index"), "org.manage", ok=302),
        Probe("org units", "get", lambda w: reverse("org:units"), "org.manage"),
        Probe("org unit create", "get", lambda w: reverse("org:unit_create"), "org.manage"),
        Probe("org unit edit", "get", lambda w: reverse("org:unit_edit", args=[w.p.team_a.pk]), "org.manage"),
        Probe("org unit move", "get", lambda w: reverse("org:unit_move", args=[w.p.team_a.pk]), "org.manage"),
        Probe(
            "org unit deactivate",
            "get",
            lambda w: reverse("org:unit_deactivate", args=[w.p.team_a.pk]),
            "org.manage",
        ),
        Probe(
            "org unit activate",
            "post",
            lambda w: reverse("org:unit_activate", args=[w.p.team_a.pk]),
            "org.manage",
            ok=302,
        ),
        Probe("org users", "get", lambda w: reverse("org:users"), "org.manage"),
        Probe("org user create", "get", lambda w: reverse("org:user_create"), "org.manage"),
        Probe("org user detail", "get", lambda w: reverse("org:user_detail", args=[w.p.sp2.pk]), "org.manage"),
        Probe("org user password", "get", lambda w: reverse("org:user_password", args=[w.p.sp2.pk]), "org.manage"),
        Probe(
            "org user deactivate",
            "post",
            lambda w: reverse("org:user_deactivate", args=[w.p.outsider.pk]),
            "org.manage",
            ok=302,
        ),
        Probe(
            "org user activate",
            "post",
            lambda w: reverse("org:user_activate", args=[w.p.outsider.pk]),
            "org.manage",
            ok=302,
        ),
        Probe(
            "org grant add",
            "post",
            lambda w: reverse("org:grant_add", args=[w.p.outsider.pk]),
            "org.manage",
            data=lambda w: {"role": RoleGrant.objects.get(user=w.p.sp2).role_id, "unit": w.p.team_b.pk},
            ok=302,
        ),
        Probe(
            "org grant remove",
            "post",
            lambda w: reverse("org:grant_remove", args=[_grant(w).pk]),
            "org.manage",
            ok=302,
        ),
        # the customer file
        Probe("customer list", "get", lambda w: reverse("customers:list"), "customers.view"),
        Probe("customer create", "get", lambda w: reverse("customers:create"), "customers.add"),
        Probe(
            "customer bulk transfer",
            "post",
            lambda w: reverse("customers:bulk-reassign"),
            "customers.reassign",
            ok=302,
            data=lambda w: {"ids": [w.c_sp1.pk], "owner": w.p.sp1.pk},
        ),
        Probe(
            "customer bulk archive",
            "post",
            lambda w: reverse("customers:bulk-archive"),
            "customers.archive",
            ok=302,
            data=lambda w: {"ids": [w.c_sp1.pk], "reason": "矩阵"},
        ),
        Probe("customer export", "get", lambda w: reverse("customers:export"), "customers.view"),
        # the form's duplicate check (查重): list-like, answers everyone with customers.view
        Probe(
            "customer duplicates",
            "get",
            lambda w: reverse("customers:duplicates"),
            "customers.view",
            data={"name": "广州南方物流股份有限公司", "phone": "139 0000 0003"},
        ),
        Probe(
            "contact duplicates",
            "get",
            lambda w: reverse("customers:contact-duplicates"),
            "customers.view",
            data=lambda w: {"phone": _contact(w, "c_south").phone, "customer": w.c_south.pk},
        ),
        Probe(
            "saved filter create",
            "post",
            lambda w: reverse("saved-filter-create", args=["customers"]),
            None,
            ok=302,
            data={"reason": "矩阵", "query": "credit_rating=A"},
        ),
        # notifications (issue 8 §5): everyone's own; somebody else's answers 404
        Probe("notification list", "get", lambda w: reverse("notifications:list"), None),
        Probe("notification bell", "get", lambda w: reverse("notifications:bell"), None),
        Probe("notification preferences", "get", lambda w: reverse("notifications:preferences"), None),
        Probe("notification read all", "post", lambda w: reverse("notifications:read-all"), None, ok=302),
        Probe(
            "notification read",
            "post",
            lambda w: reverse("notifications:read", args=[_notification(w).pk]),
            None,
            ok=404,
        ),
        Probe(
            "notification open",
            "get",
            lambda w: reverse("notifications:open", args=[_notification(w).pk]),
            None,
            ok=404,
        ),
        # background jobs (issue 8 §1): everyone has 我的任务; a job is its starter's (and the admin's)
        Probe("jobs list", "get", lambda w: reverse("jobs:list"), None),
        Probe("job detail", "get", lambda w: reverse("jobs:detail", args=[_job(w).pk]), None, ok=404),
        Probe("job cancel", "post", lambda w: reverse("jobs:cancel", args=[_job(w, "queued").pk]), None, ok=404),
        Probe("job download", "get", lambda w: reverse("jobs:download", args=[_job(w).pk]), None, ok=404),
        Probe(
            "saved filter delete",
            "post",
            lambda w: reverse("saved-filter-delete", args=[_saved_filter(w).pk]),
            None,
            ok=404,  # somebody else's saved filter: not there for anyone but its owner
        ),
    ]
    for key in ("c_sp1", "c_south", "c_shared"):
        probes += [
            Probe(
                f"customer detail {key}",
                "get",
                lambda w, k=key: reverse("customers:detail", args=[getattr(w, k).pk]),
                "customers.view",
                key,
            ),
            Probe(
                f"customer history {key}",
                "get",
                lambda w, k=key: reverse("customers:history", args=[getattr(w, k).pk]),
                "customers.view",
                key,
            ),
            Probe(
                f"customer tab {key}",
                "get",
                lambda w, k=key: reverse("customers:tab", args=[getattr(w, k).pk, "contacts"]),
                "customers.view",
                key,
                ok=302,  # without HTMX: to the page with that tab
            ),
            Probe(
                f"customer edit {key}",
                "get",
                lambda w, k=key: reverse("customers:edit", args=[getattr(w, k).pk]),
                "customers.change",
                key,
            ),
            Probe(
                f"customer archive {key}",
                "post",
                lambda w, k=key: reverse("customers:archive", args=[getattr(w, k).pk]),
                "customers.archive",
                key,
                ok=302,
                data={"reason": "合作结束"},
            ),
            Probe(
                f"customer restore {key}",
                "post",
                lambda w, k=key: reverse("customers:restore", args=[getattr(w, k).pk]),
                "customers.archive",
                key,
                ok=302,
                setup=_archive(key),
            ),
            Probe(
                f"contact create {key}",
                "get",
                lambda w, k=key: reverse("customers:contact-create", args=[getattr(w, k).pk]),
                "customers.change",
                key,
            ),
            Probe(
                f"contact detail {key}",
                "get",
                lambda w, k=key: reverse("customers:contact", args=[_contact(w, k).pk]),
                "customers.view",
                key,
            ),
            Probe(
                f"contact edit {key}",
                "get",
                lambda w, k=key: reverse("customers:contact-edit", args=[_contact(w, k).pk]),
                "customers.change",
                key,
            ),
            Probe(
                f"contact remove {key}",
                "post",
                lambda w, k=key: reverse("customers:contact-archive", args=[_contact(w, k).pk]),
                "customers.change",
                key,
                ok=302,
            ),
            Probe(
                f"contact restore {key}",
                "post",
                lambda w, k=key: reverse("customers:contact-restore", args=[_contact(w, k).pk]),
                "customers.change",
                key,
                ok=302,
            ),
        ]
    probes += [
        Probe(
            "account team add",
            "post",
            lambda w: reverse("customers:team-add", args=[w.c_shared.pk]),
            "customers.change",
            "c_shared",
            ok=302,
            data=lambda w: {"user": w.p.sp2.pk, "role": "sales"},
        ),
        Probe(
            "account team remove",
            "post",
            lambda w: reverse("customers:team-remove", args=[w.c_shared.pk, _seat(w).pk]),
            "customers.change",
            "c_shared",
            ok=302,
        ),
    ]
    return probes


def _api() -> list[Probe]:
    probes = [
        Probe("api docs", "get", lambda w: reverse("api-docs"), None, api=True, public=True),
        Probe(
            "api token",
            "post",
            lambda w: reverse("api-token"),
            None,
            api=True,
            public=True,
            ok=400,
            data={"username": "nobody-at-all", "password": "wrong"},
        ),
        Probe("api customer list", "get", lambda w: "/api/v1/customers/", "customers.view", api=True),
        Probe(
            "api customer create",
            "post",
            lambda w: "/api/v1/customers/",
            "customers.add",
            api=True,
            ok=201,
            data={"name": "矩阵新客户有限公司", "credit_code": valid_uscc(909090)},
        ),
        Probe("api contact list", "get", lambda w: "/api/v1/contacts/", "customers.view", api=True),
        # the duplicate check answers everyone with customers.view (list-like: no object, no 404);
        # a match outside the scope is reported without its details (kam/customers/tests/test_duplicates.py)
        Probe(
            "api customer duplicates",
            "get",
            lambda w: "/api/v1/customers/duplicates/",
            "customers.view",
            api=True,
            data={"name": "广州南方物流股份有限公司", "phone": "139 0000 0003"},
        ),
        Probe(
            "api contact duplicates",
            "get",
            lambda w: "/api/v1/contacts/duplicates/",
            "customers.view",
            api=True,
            data=lambda w: {"phone": _contact(w, "c_south").phone, "customer": w.c_south.pk},
        ),
        Probe("api changelog list", "get", lambda w: "/api/v1/changelog/", HISTORY, api=True),
        Probe("api notification list", "get", lambda w: "/api/v1/notifications/", None, api=True),
        Probe("api notification read all", "post", lambda w: "/api/v1/notifications/read-all/", None, api=True),
        Probe(
            "api notification read",
            "post",
            lambda w: f"/api/v1/notifications/{_notification(w).pk}/read/",
            None,
            api=True,
            ok=404,
        ),
        Probe("api notification preferences", "get", lambda w: "/api/v1/notifications/preferences/", None, api=True),
        Probe(
            "api notification preferences put",
            "put",
            lambda w: "/api/v1/notifications/preferences/",
            None,
            api=True,
            data={"kinds": [{"kind": "jobs.finished", "in_app": True}]},
        ),
    ]
    customer_url = "/api/v1/customers/{}/"
    contact_url = "/api/v1/contacts/{}/"
    for key in ("c_sp1", "c_south", "c_shared"):
        probes += [
            Probe(
                f"api customer get {key}",
                "get",
                lambda w, k=key: customer_url.format(getattr(w, k).pk),
                "customers.view",
                key,
                api=True,
            ),
            Probe(
                f"api customer patch {key}",
                "patch",
                lambda w, k=key: customer_url.format(getattr(w, k).pk),
                "customers.change",
                key,
                api=True,
                data={"notes": "矩阵"},
            ),
            Probe(
                f"api customer put {key}",
                "put",
                lambda w, k=key: customer_url.format(getattr(w, k).pk),
                "customers.change",
                key,
                api=True,
                data=lambda w, k=key: _put_customer(w, k),
            ),
            Probe(
                f"api customer delete {key}",
                "delete",
                lambda w, k=key: customer_url.format(getattr(w, k).pk),
                None,
                api=True,
                ok=405,  # customers are archived, never deleted
            ),
            Probe(
                f"api customer archive {key}",
                "post",
                lambda w, k=key: customer_url.format(getattr(w, k).pk) + "archive/",
                "customers.archive",
                key,
                api=True,
                data={"reason": "停业"},
            ),
            Probe(
                f"api customer restore {key}",
                "post",
                lambda w, k=key: customer_url.format(getattr(w, k).pk) + "restore/",
                "customers.archive",
                key,
                api=True,
                setup=_archive(key),
            ),
            Probe(
                f"api contact get {key}",
                "get",
                lambda w, k=key: contact_url.format(_contact(w, k).pk),
                "customers.view",
                key,
                api=True,
            ),
            Probe(
                f"api contact patch {key}",
                "patch",
                lambda w, k=key: contact_url.format(_contact(w, k).pk),
                "customers.change",
                key,
                api=True,
                data={"title": "采购总监"},
            ),
            Probe(
                f"api contact put {key}",
                "put",
                lambda w, k=key: contact_url.format(_contact(w, k).pk),
                "customers.change",
                key,
                api=True,
                data={"name": "新名字"},
            ),
            Probe(
                f"api contact delete {key}",
                "delete",
                lambda w, k=key: contact_url.format(_contact(w, k).pk),
                "customers.change",
                key,
                api=True,
                ok=204,
            ),
            Probe(  # the contact is current: a permitted caller gets "not removed" (400), others 403/404
                f"api contact restore {key}",
                "post",
                lambda w, k=key: contact_url.format(_contact(w, k).pk) + "restore/",
                "customers.change",
                key,
                api=True,
                ok=400,
            ),
            Probe(
                f"api contact create {key}",
                "post",
                lambda w: "/api/v1/contacts/",
                "customers.change",
                key,
                api=True,
                ok=201,
                out_of_scope=400,  # another's customer id in the body: "customer not found"
                data=lambda w, k=key: {"customer": getattr(w, k).pk, "name": "新联系人"},
            ),
            Probe(
                f"api changelog get {key}",
                "get",
                lambda w, k=key: f"/api/v1/changelog/{_first_change(w, k)}/",
                HISTORY,
                key,
                api=True,
            ),
        ]
    return probes


def _job_api() -> list[Probe]:
    return [
        Probe("api jobs list", "get", lambda w: "/api/v1/jobs/", None, api=True),
        Probe("api job detail", "get", lambda w: f"/api/v1/jobs/{_job(w).pk}/", None, api=True, ok=404),
        Probe(
            "api job cancel", "post", lambda w: f"/api/v1/jobs/{_job(w, 'queued').pk}/cancel/", None, api=True, ok=404
        ),
        # the job has no file: 404 even for its owner (the download itself: kam/core/jobs/tests)
        Probe("api job file", "get", lambda w: f"/api/v1/jobs/{_job(w).pk}/file/", None, api=True, ok=404),
    ]


def _first_change(world, key) -> int:
    from kam.core.changes import ObjectChange

    return ObjectChange.objects.filed_under(getattr(world, key)).order_by("id").values_list("id", flat=True)[0]


def _expectations() -> Expectations:
    extra = {}
    # the administrator reads every change (changelog.all), whatever the customer scope says
    for key in ("c_sp1", "c_south", "c_shared"):
        extra[("admin", f"api changelog get {key}")] = 200
    # a deactivated user's token is a bad credential, even where no sign-in is needed
    extra[("inactive", "api docs")] = 401
    # the outsider owns the saved filter the delete probe names
    extra[("outsider", "saved filter delete")] = 302
    # … and the notification the read/open probes name
    extra[("outsider", "notification read")] = 302
    extra[("outsider", "notification open")] = 302
    extra[("outsider", "api notification read")] = 200
    # specialist 1 started the jobs; the administrator sees every job but cancels only their own
    for probe, sp1, admin in (
        ("job detail", 200, 200),
        ("job cancel", 302, 403),
        ("api job detail", 200, 200),
        ("api job cancel", 200, 403),
    ):
        extra[("sp1", probe)] = sp1
        extra[("admin", probe)] = admin
    return Expectations(permissions=_permissions(), scope=EXPECTED_SCOPE, extra=extra)


PROBES = _pages() + _api() + _job_api()


def _client_for(world):
    # tokens made before the probes (each probe runs in a savepoint that is rolled back)
    tokens = {name: Token.objects.get_or_create(user=getattr(world.p, name))[0].key for name in PERSONAS}

    def client_for(persona, probe):
        if probe.api:
            client = APIClient()
            if persona is not None:
                client.credentials(HTTP_AUTHORIZATION="Token " + tokens[persona])
            return client
        client = Client()
        if persona is not None:
            client.force_login(getattr(world.p, persona))
        return client

    return client_for


@pytest.mark.parametrize("persona", [*PERSONAS, None])
def test_access_matrix(world, persona):
    """Every probe as one persona (one test per persona, so the matrix spreads over workers)."""
    cache.clear()  # the token endpoint's throttle counts in the cache
    seen = assert_access_matrix(PROBES, _expectations(), world=world, client_for=_client_for(world), personas=[persona])
    assert len(seen) == len(PROBES)


def _route_names(resolver=None, namespace="") -> set[str]:
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= _route_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(namespace + entry.name)
    return names


# routes that are not pages or endpoints of their own: the Django admin (staff only, tested in
# the apps' test_admin), sign-in plumbing, the language switch, and the OpenAPI schema (public,
# generated per request — kam/site/tests/test_openapi.py)
EXEMPT_PREFIXES = ("admin:",)
EXEMPT = {"login", "logout", "set_language", "api-schema"}


def test_every_route_is_in_the_matrix(world):
    probed = set()
    for probe in PROBES:
        path = probe.url(world).split("?")[0]
        probed.add(resolve(path).view_name)
    routes = {n for n in _route_names() if not n.startswith(EXEMPT_PREFIXES) and n not in EXEMPT}
    missing = routes - probed
    assert not missing, f"routes without a probe in the access matrix: {sorted(missing)}"
