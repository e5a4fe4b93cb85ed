"""Shared pytest fixtures: personas and one customer per corner of the org tree."""

from types import SimpleNamespace

import pytest


@pytest.fixture
def personas(db):
    from kam.org.tests.factories import build_personas

    return build_personas()


@pytest.fixture
def world(personas):
    """Personas plus customers: sp1's, sp2's, team B's, 华南's, and one sp1 only joins via the
    account team."""
    from kam.customers.models import AccountTeamMember
    from kam.customers.tests.factories import ContactFactory, CustomerFactory

    p = personas
    c_sp1 = CustomerFactory(name="华东精密机械有限公司", owner=p.sp1, team=p.team_a)
    c_sp2 = CustomerFactory(name="上海明珠贸易有限公司", owner=p.sp2, team=p.team_a)
    c_team_b = CustomerFactory(name="杭州西湖电子有限公司", owner=p.dm, team=p.team_b)
    c_south = CustomerFactory(name="广州南方物流有限公司", owner=p.sp_other, team=p.team_s)
    c_shared = CustomerFactory(name="苏州协作科技有限公司", owner=p.dm, team=p.team_b)
    AccountTeamMember.objects.create(customer=c_shared, user=p.sp1, role="presales")
    for c in (c_sp1, c_sp2, c_team_b, c_south, c_shared):
        ContactFactory(customer=c)
    from kam.customers.services import refresh_derived

    for c in (c_sp1, c_sp2, c_team_b, c_south, c_shared):
        refresh_derived(c)
    return SimpleNamespace(p=p, c_sp1=c_sp1, c_sp2=c_sp2, c_team_b=c_team_b, c_south=c_south, c_shared=c_shared)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is the production hasher (tested in kam/core/tests/test_security.py); tests
    create many users, so they hash with MD5."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without a collectstatic manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def en(settings):
    """Run a test in English (the msgid language) — for tests that assert on message text.
    The zh-hans default is covered by the tests that do not use this fixture."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
