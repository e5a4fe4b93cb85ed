"""POST /api/v1/auth/token/: token login, wrong passwords, the axes lockout, throttling."""

from __future__ import annotations

import math

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kam.org.testing import PASSWORD

URL = "/api/v1/auth/token/"
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # the login throttle counts in the cache
    yield
    cache.clear()


def login(username, password, language="en"):
    return APIClient(HTTP_ACCEPT_LANGUAGE=language).post(
        URL, {"username": username, "password": password}, format="json"
    )


def test_limit_is_five():
    assert LIMIT == 5


def test_right_password_gives_a_token_that_works(personas):
    response = login("sp1", PASSWORD)
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=personas.sp1).key == key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + key)
    assert client.get("/api/v1/customers/").status_code == 200
    # logging in again gives the same token
    assert login("sp1", PASSWORD).json()["token"] == key


def test_login_updates_last_login(personas):
    assert personas.sp1.last_login is None
    assert login("sp1", PASSWORD).status_code == 200
    personas.sp1.refresh_from_db()
    assert personas.sp1.last_login is not None


@pytest.mark.parametrize(("username", "password"), [("sp1", "wrong"), ("nobody", "wrong"), ("sp1", PASSWORD + " ")])
def test_wrong_credentials_are_400_with_one_message(personas, username, password):
    response = login(username, password)
    assert response.status_code == 400
    # the same words for an unknown user and a wrong password: no user enumeration
    assert response.json() == {"non_field_errors": ["Wrong username or password."]}
    assert not Token.objects.exists()


def test_missing_fields(personas):
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(URL, {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"username": ["This field is required."], "password": ["This field is required."]}


def test_inactive_user_gets_no_token(personas):
    personas.sp1.is_active = False
    personas.sp1.save()
    assert login("sp1", PASSWORD).status_code == 400
    assert not Token.objects.filter(user=personas.sp1).exists()


def test_message_in_chinese(personas):
    response = login("sp1", "wrong", language="zh-hans")
    assert response.status_code == 400
    assert response["Content-Language"] == "zh-hans"


def test_lockout_refuses_even_the_right_password(personas):
    statuses = [login("sp1", "wrong").status_code for _i in range(LIMIT)]
    # the failure that reaches the limit already answers "locked"
    assert statuses == [400] * (LIMIT - 1) + [429]
    response = login("sp1", PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"  # JSON, not the HTML lockout page
    assert "locked" in response.json()["detail"]
    minutes = math.ceil(settings.AXES_COOLOFF_TIME * 60)  # 15 by default
    assert f"{minutes} minutes" in response.json()["detail"]
    assert not Token.objects.filter(user=personas.sp1).exists()
    # the lock is per user (and address): a colleague still logs in
    assert login("sp2", PASSWORD).status_code == 200
    # an administrator unlocks the account
    assert reset(username="sp1") >= 1
    assert login("sp1", PASSWORD).status_code == 200


def test_api_failures_lock_the_login_page_too(personas):
    for _i in range(LIMIT):
        login("sp1", "wrong")
    client = APIClient()
    response = client.post("/login/", {"username": "sp1", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_success_forgets_earlier_failures(personas):
    for _round in range(2):
        for _i in range(LIMIT - 1):
            assert login("sp1", "wrong").status_code == 400
        assert login("sp1", PASSWORD).status_code == 200
    assert not AccessAttempt.objects.filter(username="sp1").exists()


def test_login_is_throttled(personas):
    # DEFAULT_THROTTLE_RATES["login"] (20/min by default) per client; one more is refused
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    statuses = [login("sp1", PASSWORD).status_code for _i in range(rate + 1)]
    assert statuses == [200] * rate + [429]


def test_token_endpoint_needs_no_csrf_and_ignores_sessions(personas):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(personas.sp2)
    response = client.post(URL, {"username": "sp1", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=personas.sp1).key
