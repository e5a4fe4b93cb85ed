"""Security basics of the foundation issue: argon2, login lockout, CSRF, secure headers,
and `check --deploy` with production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

import config.settings as project_settings
from kam.org.testing import PASSWORD

ROOT = Path(__file__).resolve().parents[3]


def test_argon2_is_the_password_hasher():
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_login_page_and_success(personas, client):
    resp = client.post("/login/", {"username": "sp1", "password": PASSWORD})
    assert resp.status_code == 302 and resp["Location"] == "/"


def test_lockout_after_repeated_failures(personas, settings):
    settings.AXES_ENABLED = True
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        resp = client.post("/login/", {"username": "sp1", "password": "wrong"})
        assert resp.status_code in (200, 429)
    # now even the right password is refused, with the lockout page
    resp = client.post("/login/", {"username": "sp1", "password": PASSWORD})
    assert resp.status_code == 429
    assert b"locked-out" in resp.content
    assert "_auth_user_id" not in client.session
    # another user is not affected
    resp = client.post("/login/", {"username": "sp2", "password": PASSWORD})
    assert resp.status_code == 302


def test_csrf_is_enforced(personas):
    client = Client(enforce_csrf_checks=True)
    resp = client.post("/login/", {"username": "sp1", "password": PASSWORD})
    assert resp.status_code == 403


def test_secure_headers(personas, client):
    resp = client.get("/login/")
    assert resp["X-Frame-Options"] == "DENY"
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Referrer-Policy"] == "same-origin"
    assert resp["Cross-Origin-Opener-Policy"] == "same-origin"
    assert resp["X-Request-ID"]


def test_anonymous_is_sent_to_login(db, client):
    resp = client.get("/")
    assert resp.status_code == 302 and resp["Location"].startswith("/login/")


@pytest.mark.slow
def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "KAM_SECRET_KEY": "x" * 20 + "production-secret-0123456789-abcdefghijklmnop",
        "KAM_HTTPS": "1",
        "KAM_DEBUG": "0",
        "KAM_ALLOWED_HOSTS": "kam.example.com",
        "KAM_DATA_DIR": str(tmp_path),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("KAM_SECRET_KEY_FILE", None)
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    # and the same check fails loudly with the insecure development defaults (without a key
    # the settings only start with KAM_DEBUG=1, and then on the development key)
    env_dev = {k: v for k, v in env.items() if k not in ("KAM_SECRET_KEY", "KAM_HTTPS")}
    env_dev["KAM_DEBUG"] = "1"
    bad = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env_dev,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode != 0
    assert "security.W009" in bad.stderr and "security.W018" in bad.stderr, bad.stdout + bad.stderr


def test_pages_speak_zh_hans_whatever_the_browser_says(personas, client):
    """zh-hans first: an English browser still gets Chinese pages until the user switches."""
    resp = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-hans">' in resp.content.decode()
    assert "登录" in resp.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    resp = client.get("/login/")
    assert '<html lang="en">' in resp.content.decode() and "Log in" in resp.content.decode()


def test_api_honours_accept_language(personas, client):
    resp = client.post("/api/v1/auth/token/", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert "This field is required." in resp.content.decode()
    resp = client.post("/api/v1/auth/token/", {}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "该字段是必填项。" in resp.content.decode()
