"""Browser: the list pattern's bulk actions (issue 7) — the bar appears only with a selection,
转移负责人 moves the selected customers through the services — and the phone card layout."""

import pytest
from django.core.management import call_command

from conftest import SCREENSHOTS
from kam.customers.models import Customer
from kam.org.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(context, base, username, password):
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def test_manager_transfers_selected_customers(chromium, live_server, settings):
    call_command("demo", verbosity=0)
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = _login(context, live_server.url, "am_east", settings.KAM_DEMO_PASSWORD)
    page.goto(live_server.url + "/customers/?owner=" + str(User.objects.get(username="sp_east1").pk))
    page.wait_for_load_state("networkidle")
    # nothing selected: no bulk actions, only 导出 (the whole filtered list)
    assert page.locator("#bulk-reassign").is_hidden()
    assert page.locator("#bulk-archive").is_hidden()
    assert page.locator("#export-all").is_visible()

    boxes = page.locator("#customer-table .kam-select")
    ids = [boxes.nth(i).get_attribute("value") for i in range(2)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    assert page.locator("#selected-count").inner_text().startswith("2")
    assert page.locator("#bulk-reassign").is_visible()
    assert page.locator("#export-all").is_hidden()
    page.screenshot(path=str(SCREENSHOTS / "list-bulk-selected.png"))

    target = User.objects.get(username="sp_east2")
    page.locator("#bulk-reassign select[name=owner]").select_option(str(target.pk))
    page.locator("#bulk-reassign button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    message = page.locator(".alert-success").first.inner_text()
    assert "2" in message and target.name in message, message
    assert set(Customer.objects.filter(pk__in=ids).values_list("owner__username", flat=True)) == {"sp_east2"}
    context.close()


def test_phone_list_is_cards_not_a_wide_table(chromium, live_server, settings):
    call_command("demo", verbosity=0)
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = _login(context, live_server.url, "sp_east1", settings.KAM_DEMO_PASSWORD)
    page.goto(live_server.url + "/customers/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#customer-table").is_hidden()
    cards = page.locator("#customer-cards .list-group-item")
    assert cards.count() >= 5
    assert page.locator("#drawer-form").is_hidden()  # the filters wait in their drawer
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner
    # the first screen shows several customers, not a filter card
    first_screen = page.evaluate(
        "() => [...document.querySelectorAll('#customer-cards .list-group-item')]"
        ".filter(e => e.getBoundingClientRect().bottom <= window.innerHeight).length"
    )
    assert first_screen >= 4, first_screen
    page.screenshot(path=str(SCREENSHOTS / "list-phone-cards.png"))
    context.close()
