"""Sessions, API tokens and login lockout (issue 8 §7; kam/core/security).

* an idle session ends after KAM_SESSION_IDLE_SECONDS (the absolute SESSION_COOKIE_AGE stays);
* logging out revokes the user's API token; tokens expire after KAM_API_TOKEN_SECONDS; a user
  revokes theirs on their page or with DELETE /api/v1/auth/token/;
* deactivating a user (or giving them a new password) ends every session and the token at once,
  with the database and the cache session stores alike;
* failed logins also count per IP address across usernames (password spraying).
"""

from __future__ import annotations

import datetime
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kam.core.security.middleware import LAST_SEEN, TOUCH_EVERY
from kam.core.security.models import UserSession
from kam.org import services as org_services
from kam.org.testing import PASSWORD


def _login(username: str, **extra) -> Client:
    client = Client(**extra)
    resp = client.post("/login/", {"username": username, "password": PASSWORD})
    assert resp.status_code == 302 and resp["Location"] == "/", resp.status_code
    return client


def _api_token(username: str) -> str:
    cache.clear()  # the token login's throttle
    resp = APIClient().post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert resp.status_code == 200, resp.content
    return resp.json()["token"]


def _signed_in(client: Client) -> bool:
    resp = client.get("/me/")
    return resp.status_code == 200


def _set_last_seen(client: Client, seconds_ago: int) -> None:
    session = client.session
    session[LAST_SEEN] = int(time.time()) - seconds_ago
    session.save()


# --- idle timeout ------------------------------------------------------------------------------


def test_a_session_idle_longer_than_the_setting_is_signed_out(personas, settings):
    settings.KAM_SESSION_IDLE_SECONDS = 600
    client = _login("sp1")
    token = _api_token("sp1")
    _set_last_seen(client, 599)
    assert _signed_in(client)  # within the idle time: still in, and the clock restarts
    assert int(time.time()) - client.session[LAST_SEEN] < 5
    _set_last_seen(client, 601)
    resp = client.get("/")
    assert resp.status_code == 302 and resp["Location"].startswith("/login/")
    assert not _signed_in(client)
    assert not UserSession.objects.filter(user=personas.sp1).exists()
    # an idle timeout is not a logout: the user's API token keeps working
    assert Token.objects.filter(key=token).exists()


def test_an_htmx_request_after_the_session_ended_loads_the_login_page_as_a_whole_page(personas, settings, world):
    settings.KAM_SESSION_IDLE_SECONDS = 600
    client = _login("sp1")
    url = f"/customers/{world.c_sp1.pk}/tabs/contacts/"
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    _set_last_seen(client, 601)
    resp = client.get(url, HTTP_HX_REQUEST="true")
    assert resp.status_code == 204 and resp["HX-Redirect"].startswith("/login/?next=")
    # without HTMX: the usual redirect
    assert client.get(url)["Location"].startswith("/login/")


def test_the_last_seen_time_is_written_at_most_once_a_minute(personas, settings):
    settings.KAM_SESSION_IDLE_SECONDS = 600
    client = _login("sp1")
    _set_last_seen(client, TOUCH_EVERY - 10)
    stamp = client.session[LAST_SEEN]
    client.get("/me/")
    assert client.session[LAST_SEEN] == stamp  # not rewritten: no session write per request
    _set_last_seen(client, TOUCH_EVERY + 1)
    client.get("/me/")
    assert client.session[LAST_SEEN] > stamp


def test_idle_timeout_zero_switches_it_off(personas, settings):
    settings.KAM_SESSION_IDLE_SECONDS = 0
    client = _login("sp1")
    _set_last_seen(client, 10 * 24 * 3600)
    assert _signed_in(client)


def test_the_defaults_are_two_hours_idle_and_thirty_days_per_token():
    import config.settings as project_settings

    assert project_settings.KAM_SESSION_IDLE_SECONDS == 2 * 3600
    assert project_settings.KAM_API_TOKEN_SECONDS == 30 * 24 * 3600
    assert project_settings.SESSION_COOKIE_AGE == 12 * 3600  # the absolute limit stays


# --- logout, expiry, revoking ------------------------------------------------------------------


def test_logging_out_revokes_the_api_token_and_forgets_the_session(personas):
    client = _login("sp1")
    token = _api_token("sp1")
    assert UserSession.objects.filter(user=personas.sp1).count() == 1
    resp = client.post("/logout/")
    assert resp.status_code == 302
    assert not Token.objects.filter(key=token).exists()
    assert not UserSession.objects.filter(user=personas.sp1).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + token)
    assert api.get("/api/v1/customers/").status_code == 401


def test_an_expired_token_is_refused_and_the_next_login_issues_a_new_one(personas, settings, en):
    settings.KAM_API_TOKEN_SECONDS = 3600
    key = _api_token("sp1")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + key)
    assert api.get("/api/v1/customers/").status_code == 200
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(seconds=3601))
    resp = api.get("/api/v1/customers/")
    assert resp.status_code == 401 and "expired" in resp.json()["detail"]
    assert not Token.objects.filter(key=key).exists()
    cache.clear()
    resp = APIClient().post("/api/v1/auth/token/", {"username": "sp1", "password": PASSWORD}, format="json")
    new = resp.json()
    assert new["token"] != key
    expires = datetime.datetime.fromisoformat(new["expires"])
    assert abs((expires - timezone.now()).total_seconds() - 3600) < 60


def test_a_working_token_is_returned_again_and_zero_means_it_never_expires(personas, settings):
    settings.KAM_API_TOKEN_SECONDS = 0
    key = _api_token("sp1")
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(days=3650))
    assert _api_token("sp1") == key
    cache.clear()
    resp = APIClient().post("/api/v1/auth/token/", {"username": "sp1", "password": PASSWORD}, format="json")
    assert resp.json() == {"token": key, "expires": None}


def test_a_user_revokes_their_token_through_the_api(personas):
    key = _api_token("sp1")
    other = _api_token("sp2")
    assert APIClient().delete("/api/v1/auth/token/").status_code == 401  # anonymous: nothing to revoke
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + key)
    assert api.delete("/api/v1/auth/token/").status_code == 204
    assert api.get("/api/v1/customers/").status_code == 401
    assert list(Token.objects.values_list("key", flat=True)) == [other]  # only the caller's


def test_a_user_sees_and_revokes_their_token_on_their_page(personas):
    client = _login("sp1")
    html = client.get("/me/").content.decode()
    assert 'id="no-token"' in html and 'id="revoke-token"' not in html
    key = _api_token("sp1")
    html = client.get("/me/").content.decode()
    assert 'id="token-expires"' in html and 'id="revoke-token"' in html
    assert key not in html  # the token itself is never shown again
    resp = client.post("/me/token/revoke/", follow=True)
    assert resp.redirect_chain[-1][0] == "/me/"
    assert not Token.objects.filter(user=personas.sp1).exists()
    assert 'id="no-token"' in resp.content.decode()
    assert client.get("/me/token/revoke/").status_code == 405


# --- ending a user's access at once ------------------------------------------------------------


@pytest.mark.parametrize("engine", ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cache"])
def test_deactivating_a_user_ends_every_session_and_the_token_at_once(personas, settings, engine):
    settings.SESSION_ENGINE = engine
    key = _api_token("outsider")  # first: it clears the cache (the throttle), cached sessions too
    laptop, phone = _login("outsider"), _login("outsider")
    bystander = _login("sp1")
    assert UserSession.objects.filter(user=personas.outsider).count() == 2
    keys = list(UserSession.objects.filter(user=personas.outsider).values_list("session_key", flat=True))
    org_services.user_deactivate(actor=personas.admin, user=personas.outsider)
    store = __import__(engine, fromlist=["SessionStore"]).SessionStore
    assert not any(store().exists(k) for k in keys)  # gone from the store itself
    if engine.endswith(".db"):
        assert not Session.objects.filter(session_key__in=keys).exists()
    assert not _signed_in(laptop) and not _signed_in(phone)
    assert not Token.objects.filter(key=key).exists()
    assert not UserSession.objects.filter(user=personas.outsider).exists()
    assert _signed_in(bystander)  # nobody else is touched


def test_a_new_password_set_by_the_administrator_ends_the_old_sessions_and_token(personas):
    client = _login("sp2")
    key = _api_token("sp2")
    org_services.user_set_password(actor=personas.admin, user=personas.sp2, password="An0ther-long-pass-2026")
    assert not _signed_in(client)
    assert not Token.objects.filter(key=key).exists()


def test_an_administrator_changing_their_own_password_stays_signed_in(personas):
    client = _login("admin")
    resp = client.post(
        f"/org/users/{personas.admin.pk}/password/",
        {"password1": "An0ther-long-pass-2026", "password2": "An0ther-long-pass-2026"},
    )
    assert resp.status_code == 302
    assert _signed_in(client)
    # and the session they go on with is known, so a later "end their access" reaches it
    assert UserSession.objects.filter(user=personas.admin, session_key=client.session.session_key).exists()


# --- lockout per IP address across usernames ---------------------------------------------------


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.KAM_LOGIN_IP_FAILURE_LIMIT = 8
    cache.clear()


def _fail(username: str, ip: str) -> int:
    return Client(REMOTE_ADDR=ip).post("/login/", {"username": username, "password": "wrong"}).status_code


def _try(username: str, ip: str) -> int:
    return Client(REMOTE_ADDR=ip).post("/login/", {"username": username, "password": PASSWORD}).status_code


def test_spraying_many_usernames_from_one_address_locks_that_address(personas, lockout):
    for i in range(7):  # one wrong password each for eight usernames: no user reaches 5
        assert _fail(f"guess{i}", "203.0.113.7") == 200
    assert _fail("guess7", "203.0.113.7") == 429  # the eighth failure locks the address
    assert _try("sp1", "203.0.113.7") == 429  # the address is locked, even for the right password
    resp = APIClient(REMOTE_ADDR="203.0.113.7").post(
        "/api/v1/auth/token/", {"username": "sp1", "password": PASSWORD}, format="json"
    )
    assert resp.status_code == 429
    assert _try("sp1", "198.51.100.2") == 302  # another address is not


def test_below_the_address_limit_nobody_is_locked(personas, lockout):
    for i in range(7):
        _fail(f"guess{i}", "203.0.113.7")
    assert _try("sp1", "203.0.113.7") == 302


def test_a_success_does_not_reset_the_address_count(personas, lockout):
    """A sprayer holding one valid account cannot wipe the address's failures by logging in."""
    for i in range(4):
        _fail(f"guess{i}", "203.0.113.7")
    assert _try("sp2", "203.0.113.7") == 302
    for i in range(4, 8):
        _fail(f"guess{i}", "203.0.113.7")
    assert _try("sp1", "203.0.113.7") == 429
    # sp2's success forgot sp2's own failures only: the guesses before it still count
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7", username__in=["guess0", "guess3"]).count() == 2


def test_the_per_user_limit_still_applies(personas, lockout):
    for _ in range(5):
        _fail("sp1", "203.0.113.7")
    assert _try("sp1", "203.0.113.7") == 429
    assert _try("sp2", "203.0.113.7") == 302  # 5 failures from the address: below its limit of 8


def test_the_address_limit_zero_switches_it_off(personas, lockout, settings):
    settings.KAM_LOGIN_IP_FAILURE_LIMIT = 0
    for i in range(20):
        _fail(f"guess{i}", "203.0.113.7")
    assert _try("sp1", "203.0.113.7") == 302
