"""Shared pytest fixtures: the personas and the world of the shared test kit
(kam/org/testing.py, kam/customers/testing.py)."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(os.environ.get("KAM_SCREENSHOTS", Path(__file__).resolve().parent / "screenshots"))


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


# Every page of every browser test reports Content-Security-Policy violations (issue 8 §7): the
# browser logs them as console errors, and this listener names the directive and the blocked source.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__kamCspViolations = (window.__kamCspViolations || 0) + 1;
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " in " + (e.sourceFile || document.location.pathname) + ":" + e.lineNumber);
});
"""


def _is_csp_error(text: str) -> bool:
    return text.startswith("CSP violation") or "Content Security Policy" in text


class CspWatch:
    """Collects the CSP violations of every page the ``chromium`` fixture's browser opens; the
    fixture fails the test at its end if any were seen. A test that provokes one on purpose
    takes it with ``take()``."""

    def __init__(self):
        self.violations: list[str] = []

    def watch(self, target):  # a BrowserContext or a Page
        target.add_init_script(script=CSP_WATCH)
        target.on("console", lambda m: m.type == "error" and _is_csp_error(m.text) and self.violations.append(m.text))
        return target

    def take(self) -> list[str]:
        seen, self.violations = self.violations, []
        return seen


@pytest.fixture
def csp_watch():
    return CspWatch()


@pytest.fixture
def chromium(live_server, monkeypatch, csp_watch):
    """Debian's chromium under Playwright (browser tests: ``@pytest.mark.browser``), with the live
    server running. Screenshots go to $KAM_SCREENSHOTS (default ./screenshots/). Every context and
    page it opens is watched for Content-Security-Policy violations: any fails the test."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "install Debian's chromium: apt-get install chromium fonts-wqy-microhei"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SCREENSHOTS}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        new_context, new_page = browser.new_context, browser.new_page
        browser.new_context = lambda *a, **kw: csp_watch.watch(new_context(*a, **kw))
        browser.new_page = lambda *a, **kw: csp_watch.watch(new_page(*a, **kw))
        yield browser
        browser.close()
    violations = csp_watch.take()
    assert not violations, "Content-Security-Policy violations in the browser:\n" + "\n".join(violations)


@pytest.fixture
def screenshots() -> Path:
    """Where browser tests put their screenshots ($KAM_SCREENSHOTS, default ./screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
