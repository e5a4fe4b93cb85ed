"""Browser test of concurrent edits (issue 8 §6), in zh-hans and English: two people open the same customer's
edit page, both change the phone and save; the second sees the conflict — who changed what and
when — with their own input kept, and loads the current record. At 1366 and 390 px."""

from __future__ import annotations

import pytest

from conftest import SCREENSHOTS
from kam.customers.models import Customer
from kam.org.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page(chromium, base, username, width, locale):
    context = chromium.new_context(locale=locale, viewport={"width": width, "height": 900})
    # the UI speaks zh-hans unless the user chose a language (the cookie of the language menu)
    context.add_cookies(
        [{"name": "django_language", "value": "en" if locale.startswith("en") else "zh-hans", "url": base}]
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return context, page, errors


TEXTS = {
    "zh-CN": ("他人已保存了这条记录", "在此期间已将此项改为"),
    "en-US": ("Someone else saved this record while you were editing it", "changed this meanwhile to"),
}


@pytest.mark.parametrize("width,locale", [(1366, "zh-CN"), (390, "zh-CN"), (1366, "en-US"), (390, "en-US")])
def test_two_pages_save_the_same_customer_and_the_second_sees_the_conflict(chromium, live_server, world, width, locale):
    base = live_server.url
    c = world.c_sp1
    edit = f"{base}/customers/{c.pk}/edit/"
    ctx_a, first, errors_a = _page(chromium, base, world.p.am.username, width, locale)
    ctx_b, second, errors_b = _page(chromium, base, world.p.sp1.username, width, locale)
    title, marked = TEXTS[locale]
    try:
        first.goto(edit)
        second.goto(edit)
        first.locator("#customer-form [name=phone]").fill("021 6888 1234")
        first.click("#save-customer")
        first.wait_for_url(lambda url: "/edit/" not in url)

        second.locator("#customer-form [name=phone]").fill("021 5555 9999")
        second.click("#save-customer")
        box = second.locator("#edit-conflict")
        box.wait_for()
        text = box.inner_text()
        assert title in text
        assert world.p.am.name in text  # who
        stored = Customer.objects.get(pk=c.pk)
        assert stored.phone in text  # what, as now stored
        assert second.locator("#customer-form [name=phone]").input_value() == "021 5555 9999"  # input kept
        assert marked in second.locator("#field-phone").inner_text()
        second.screenshot(path=str(SCREENSHOTS / f"conflict-customer-{locale}-{width}.png"), full_page=True)
        box.scroll_into_view_if_needed()
        second.screenshot(path=str(SCREENSHOTS / f"conflict-customer-{locale}-{width}-box.png"))
        # nothing wider than the window
        assert second.evaluate("document.documentElement.scrollWidth") <= width + 1
        assert Customer.objects.get(pk=c.pk).version == 2  # the second save wrote nothing

        second.click("#conflict-reload")
        second.wait_for_selector("#customer-form")
        assert second.locator("#edit-conflict").count() == 0
        assert second.locator("#customer-form [name=phone]").input_value() == stored.phone
        assert second.locator("#customer-form [name=version]").input_value() == "2"
        assert not errors_a and not errors_b, errors_a + errors_b
    finally:
        ctx_a.close()
        ctx_b.close()
