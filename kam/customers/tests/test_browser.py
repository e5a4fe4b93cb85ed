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
    form.locator("[name=division_code_province]").select_option(label="江苏省")
    form.locator("[name=division_code_city]").select_option(label="南京市")
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
    page.locator("#customer-form [name=division_code_city]").select_option(label="苏州市")
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
    assert (customer.credit_rating, customer.city, customer.division_code) == ("AA", "苏州市", "320500")
    shot(page, "07-history")


def test_picks_guangdong_shenzhen_nanshan_and_saves(browser_page, live_server, settings):
    """Issue 7 (R2 basic data): the province → city → district picker fills each next select in
    the browser (static/kam/divisions.js); the customer is saved with the district's GB/T 2260
    code and the derived province and city; a municipality offers itself as its city."""
    from django.core.management import call_command

    call_command("demo", verbosity=0)
    page = browser_page
    base = live_server.url
    page.goto(base + "/login/")
    page.fill("#id_username", "sp_east1")
    page.fill("#id_password", settings.KAM_DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")

    page.goto(base + "/customers/new/")
    form = page.locator("#customer-form")
    form.locator("[name=name]").fill("深圳南山云帆科技有限公司")
    form.locator("[name=credit_code]").fill(valid_uscc(777002))
    city = form.locator("[name=division_code_city]")
    district = form.locator("[name=division_code_district]")
    assert city.is_disabled() and district.is_disabled()
    # a municipality: 上海市 → 上海市 is chosen at once, its districts are offered
    form.locator("[name=division_code_province]").select_option(label="上海市")
    assert city.input_value() == "310100"
    assert "浦东新区" in district.inner_text()
    # 广东省 → 深圳市 → 南山区
    form.locator("[name=division_code_province]").select_option(label="广东省")
    assert city.input_value() == "" and district.is_disabled()
    city.select_option(label="深圳市")
    assert not district.is_disabled() and "福田区" in district.inner_text()
    district.select_option(label="南山区")
    shot(page, "10-division-picker")
    page.click("#save-customer")
    page.wait_for_url(lambda url: "/customers/new/" not in url)
    customer = Customer.objects.get(name="深圳南山云帆科技有限公司")
    assert (customer.division_code, customer.province, customer.city) == ("440305", "广东省", "深圳市")
    assert "广东省 深圳市 南山区" in page.content()

    # the edit form shows the chain it was saved with
    page.goto(base + f"/customers/{customer.pk}/edit/")
    assert form.locator("[name=division_code_province]").input_value() == "440000"
    assert form.locator("[name=division_code_city]").input_value() == "440300"
    assert form.locator("[name=division_code_district]").input_value() == "440305"
