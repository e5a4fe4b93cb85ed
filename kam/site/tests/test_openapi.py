"""The committed openapi.yaml is what the code generates, and the docs load nothing from a CDN."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

COMMITTED = Path(settings.BASE_DIR) / "openapi.yaml"
REGENERATE = "make openapi  (= manage.py spectacular --lang en --validate --fail-on-warn --file openapi.yaml)"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> str:
    """The schema as `make openapi` writes it: English, validated, failing on any warning."""
    path = tmp_path_factory.mktemp("openapi") / "openapi.yaml"
    call_command("spectacular", "--lang", "en", "--validate", "--fail-on-warn", "--file", str(path))
    return path.read_text(encoding="utf-8")


def test_committed_schema_is_current(generated):
    assert COMMITTED.exists(), "openapi.yaml is missing at the repository root; run: " + REGENERATE
    committed = COMMITTED.read_text(encoding="utf-8")
    assert committed == generated, (
        "openapi.yaml differs from the schema the API code generates. If the API change is intended, "
        f"run `{REGENERATE}` and commit openapi.yaml."
    )


def test_every_operation_is_tagged_and_described(generated):
    schema = yaml.safe_load(generated)
    tags = {t["name"] for t in schema["tags"]}
    assert tags == {"auth", "customers", "contacts", "changelog", "notifications", "jobs", "attachments", "imports"}
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            assert len(op["tags"]) == 1 and op["tags"][0] in tags, (method, path)
            assert op.get("summary") and op.get("description"), (method, path)


def test_enum_names_are_unambiguous(generated):
    components = yaml.safe_load(generated)["components"]["schemas"]
    for name in ("CustomerStatusEnum", "AccountTeamRoleEnum", "ChangeActionEnum", "JobStatusEnum"):
        assert name in components
    for vague in ("StatusEnum", "RoleEnum", "ActionEnum"):
        assert vague not in components


def test_schema_is_served(db):
    response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"openapi: 3.0.3" in response.content


def test_docs_use_the_vendored_swagger_ui(db):
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        assert "/static/vendor/swagger-ui-dist/" + asset in html
        assert (Path(settings.BASE_DIR) / "static/vendor/swagger-ui-dist" / asset).is_file()
    # nothing from another host: every src/href is a path on this site
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/"), url
    assert not re.search(r"https?://|[\"']//", html), "the docs page refers to another host"
    for cdn in ("unpkg", "jsdelivr", "cdnjs"):
        assert cdn not in html
