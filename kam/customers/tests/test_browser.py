"""Browser journey (Playwright + Debian's chromium), in zh-hans: a specialist creates a customer
with two contacts, finds it by a Chinese substring, edits it and sees the change in its history.

Screenshots go to $KAM_SCREENSHOTS (default ./screenshots/); the test prints the folder.
"""

from urllib.parse import unquote

import pytest

from conftest import SCREENSHOTS
from kam.customers.models import Customer
from kam.customers.testing import valid_uscc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "苏州新纪元材料科技有限公司"


@pytest.fixture
def browser_page(chromium, screenshots):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def shot(page, name):
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_specialist_creates_finds_edits_and_sees_history(browser_page, live_server, settings):
    from django.core.management import call_command

    call_command("demo", verbosity=0)
    page = browser_page
    base = live_server.url

    # log in as sp_east1 — the UI speaks zh-hans by default
    page.goto(base + "/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("#id_username", "sp_east1")
    page.fill("#id_password", settings.KAM_DEMO_PASSWORD)
    shot(page, "01-login")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    assert "客户" in page.locator("#main-nav").inner_text()
    shot(page, "02-home")

    # create a customer with two contacts
    page.goto(base + "/customers/new/")
    form = page.locator("#customer-form")
    form.locator("[name=name]").fill(NAME)
    form.locator("[name=credit_code]").fill(valid_uscc(777001))
    form.locator("[name=address]").fill("苏州工业园区星湖街328号")
    form.locator("[name=postcode]").fill("215000")
    form.locator("[name=province]").select_option("江苏省")
    form.locator("[name=city]").fill("苏州")
    form.locator("[name=nature]").select_option("private")
    form.locator("[name=credit_rating]").select_option("A")
    form.locator("[name=needs_analysis]").fill("需要稳定的新材料供应和技术支持")
    form.locator("[name='contacts-0-name']").fill("周晓明")
    form.locator("[name='contacts-0-title']").fill("采购总监")
    form.locator("[name='contacts-0-phone']").fill("13912345678")
    page.click("#add-contact")
    form.locator("[name='contacts-1-name']").fill("林芳")
    form.locator("[name='contacts-1-phone']").fill("0512-66881234")
    shot(page, "03-create-form")
    page.click("#save-customer")
    page.wait_for_url(lambda url: "/customers/new/" not in url)
    assert NAME in page.locator("h1, .page-title").first.inner_text() or NAME in page.content()
    assert "周晓明" in page.content() and "林芳" in page.content()
    shot(page, "04-created")
    customer = Customer.objects.get(name=NAME)
    assert customer.contacts.count() == 2
    assert customer.owner.username == "sp_east1"

    # find it by a Chinese substring through the HTMX search
    page.goto(base + "/customers/")
    page.fill("#search", "新纪元")
    page.wait_for_url(lambda url: "新纪元" in unquote(url))  # the search is pushed into the URL
    page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length === 1")
    assert NAME in page.locator("#results").inner_text()
    shot(page, "05-search")
    page.locator("#results").get_by_text(NAME).first.click()
    page.wait_for_url(base + f"/customers/{customer.pk}/")

    # edit it
    page.click("#edit-customer")
    page.locator("#customer-form [name=credit_rating]").select_option("AA")
    page.locator("#customer-form [name=city]").fill("苏州市")
    page.click("#save-customer")
    page.wait_for_url(base + f"/customers/{customer.pk}/")
    shot(page, "06-edited")

    # the change is in its history: who, old → new (the history tab loads when opened)
    page.click("#detail-tabs [data-tab=history]")
    page.wait_for_url(base + f"/customers/{customer.pk}/?tab=history")
    history = page.locator("#history").inner_text()
    assert "AA" in history and "苏州市" in history
    assert "李" in history or "sp_east1" in history or customer.owner.name in history
    customer.refresh_from_db()
    assert (customer.credit_rating, customer.city) == ("AA", "苏州市")
    shot(page, "07-history")
