"""Content-Security-Policy and Cache-Control on the answers (issue 8 §7), and the templates that
keep the policy possible: no inline script, no inline event handler, no ``hx-on``, and Alpine
expressions that name a registered component instead of carrying code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from kam.org.testing import PASSWORD

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted(
    p for p in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("kam/**/templates/**/*.html")] if ".venv" not in p.parts
)


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.strip() for d in header.split(";") if d.strip()}


@pytest.mark.parametrize("path", ["/login/", "/", "/customers/", "/me/", "/api/v1/customers/", "/api/v1/docs/"])
def test_every_answer_carries_the_policy(world, path):
    client = Client()
    client.force_login(world.p.director)
    resp = client.get(path)
    assert resp.status_code in (200, 302)  # the login page sends a signed-in user home
    policy = _policy(resp)
    assert policy["script-src"] == "script-src 'self'"  # no inline script, no eval
    assert policy["object-src"] == "object-src 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["base-uri"] == "base-uri 'self'"
    assert policy["form-action"] == "form-action 'self'"
    assert policy["default-src"] == "default-src 'self'"


def test_errors_and_anonymous_api_answers_carry_it_too(db):
    assert "script-src 'self'" in APIClient().get("/api/v1/customers/")["Content-Security-Policy"]
    assert "script-src 'self'" in Client().get("/no-such-page/")["Content-Security-Policy"]


def test_swagger_ui_initialiser_is_a_script_of_its_own(db):
    """The docs page loads its initialiser from ?script (same origin) instead of inline."""
    html = Client().get("/api/v1/docs/").content.decode()
    assert re.search(r'<script src="[^"]*/api/v1/docs/\?[^"]*script=', html)
    assert not re.search(r"<script>\s*\S", html)
    js = Client().get("/api/v1/docs/?script=")
    assert js.status_code == 200 and js["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in js.content.decode()


def test_signed_in_pages_and_api_answers_are_private_and_not_stored(world):
    client = Client()
    client.force_login(world.p.sp1)
    for path in ("/", "/customers/", f"/customers/{world.c_sp1.pk}/", "/me/", "/api/v1/customers/"):
        cache_control = client.get(path)["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, (path, cache_control)
    token_login = APIClient().post("/api/v1/auth/token/", {"username": "sp1", "password": PASSWORD}, format="json")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + token_login.json()["token"])
    for resp in (token_login, api.get("/api/v1/customers/"), APIClient().get("/api/v1/customers/")):
        assert "no-store" in resp["Cache-Control"] and "private" in resp["Cache-Control"]


def test_static_files_stay_cacheable(db):
    resp = Client().get("/static/kam/kam.js")
    assert resp.status_code == 200
    assert "no-store" not in resp.get("Cache-Control", "")


def test_htmx_runs_without_eval():
    base = (ROOT / "templates/base.html").read_text(encoding="utf-8")
    assert '"allowEval": false' in base
    assert "vendor/alpine-csp/" in base and "vendor/alpine/" not in base
    assert base.index("kam/alpine-components.js") < base.index("vendor/alpine-csp/cdn.min.js")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.I | re.S)
# Alpine's CSP build takes names and simple expressions: no arrow functions, object literals,
# spreads or statements in x-* / @ / : attributes
ALPINE_ATTR = re.compile(r"""\s(x-[\w:.-]+|@[\w.:-]+|:[\w-]+)\s*=\s*"([^"]*)\"""")
ALPINE_CODE = re.compile(r"=>|\{|\.\.\.|;|\bfunction\b|\bnew\b")


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_keep_the_policy_possible(template):
    text = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to a static file (data: json_script)"
    handler = INLINE_HANDLER.search(text)
    assert not handler, f"inline handler {handler.group(1)}=: listen in static/kam/kam.js instead"
    for attr, expression in ALPINE_ATTR.findall(text):
        assert not ALPINE_CODE.search(expression), (
            f'{attr}="{expression}": Alpine\'s CSP build cannot run it — register an Alpine.data component '
            "in static/kam/alpine-components.js"
        )
