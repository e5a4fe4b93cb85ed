"""Shared pytest fixtures: the personas and the world of the shared test kit
(kam/org/testing.py, kam/customers/testing.py)."""

import pytest


@pytest.fixture
def personas(db):
    from kam.org.testing import build_personas

    return build_personas()


@pytest.fixture
def world(personas):
    """Personas plus one customer per corner of their org tree (kam.customers.testing)."""
    from kam.customers.testing import build_world

    return build_world(personas)


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
