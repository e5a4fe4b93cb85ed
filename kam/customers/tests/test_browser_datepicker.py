"""Browser: the date picker (kam.core.widgets.DateInput + flatpickr, static/kam/kam.js) on a
contact's birthday — a Chinese calendar on zh-hans pages (weeks from Monday), an English one in
English; a picked day is saved and shown on the contact's page. No console errors."""

import pytest

from conftest import SCREENSHOTS
from kam.customers.models import Contact
from kam.org.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAL = ".flatpickr-calendar.open"


@pytest.fixture
def signed_in(chromium, live_server, settings):
    """A page signed in as sp_east1 on the demo data, and the console errors it logs."""
    from django.core.management import call_command

    call_command("demo", verbosity=0)
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "sp_east1")
    page.fill("#id_password", settings.KAM_DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    yield page, context, errors
    context.close()


def _a_contact() -> Contact:
    user = User.objects.get(username="sp_east1")
    return Contact.objects.restrict(user, "customers.change").filter(archived_at=None).order_by("pk").first()


def _pick_day_15(page, live_server, contact, shot_name):
    page.goto(live_server.url + f"/customers/contacts/{contact.pk}/edit/")
    box = page.locator("[name=birthday]")
    assert box.get_attribute("type") == "text" and box.get_attribute("data-kam-date") is not None
    box.click()
    calendar = page.locator(CAL)
    calendar.wait_for()
    weekdays = calendar.locator(".flatpickr-weekday").all_inner_texts()
    month = calendar.locator(".flatpickr-monthDropdown-months option:checked").inner_text()
    page.wait_for_timeout(400)  # the calendar fades in
    page.screenshot(path=str(SCREENSHOTS / f"{shot_name}.png"))
    calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)").get_by_text("15", exact=True).click()
    value = box.input_value()
    return [w.strip() for w in weekdays], month.strip(), value


def _save_and_find(page, live_server, contact, value):
    page.click("#save-contact")
    page.wait_for_url(live_server.url + f"/customers/contacts/{contact.pk}/")
    contact.refresh_from_db()
    assert contact.birthday is not None and contact.birthday.isoformat() == value
    assert value in page.locator("body").inner_text()


def test_zh_hans_calendar_picks_and_saves_a_birthday(signed_in, live_server):
    page, _context, errors = signed_in
    contact = _a_contact()
    weekdays, month, value = _pick_day_15(page, live_server, contact, "datepicker-zh")
    assert weekdays[0] == "周一" and weekdays[-1] == "周日", weekdays  # weeks start on Monday
    assert all("周" in w for w in weekdays)
    assert month.endswith("月"), month
    assert len(value) == 10 and value.endswith("-15"), value  # ISO, what the server reads
    _save_and_find(page, live_server, contact, value)
    assert errors == []


def test_english_calendar_has_english_month_names(signed_in, live_server):
    page, context, errors = signed_in
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    contact = _a_contact()
    weekdays, month, value = _pick_day_15(page, live_server, contact, "datepicker-en")
    assert page.locator("html").get_attribute("lang") == "en"
    months = "January February March April May June July August September October November December".split()
    assert month in months, month
    assert weekdays[0] == "Sun" and "Mon" in weekdays, weekdays
    assert value.endswith("-15")
    _save_and_find(page, live_server, contact, value)
    assert errors == []


def test_a_malformed_date_typed_stays_and_the_server_refuses_it(signed_in, live_server):
    page, _context, errors = signed_in
    contact = _a_contact()
    before = contact.birthday
    page.goto(live_server.url + f"/customers/contacts/{contact.pk}/edit/")
    box = page.locator("[name=birthday]")
    box.fill("2023-02-29")
    box.press("Tab")
    assert box.input_value() == "2023-02-29"  # not rolled over to 1 March, not wiped
    page.keyboard.press("Escape")
    page.click("#save-contact")
    page.wait_for_selector(".is-invalid[name=birthday]")
    assert "输入一个有效的日期" in page.locator("body").inner_text()
    assert page.locator("[name=birthday]").input_value() == "2023-02-29"
    contact.refresh_from_db()
    assert contact.birthday == before
    assert errors == []


def test_on_a_phone_the_same_calendar_fits_and_can_clear(chromium, live_server, settings):
    """A touch screen: flatpickr's calendar, not the native picker (it would follow the OS
    locale); the box is read-only so the keyboard does not cover the calendar; 「清除」 empties it."""
    from django.core.management import call_command

    call_command("demo", verbosity=0)
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "sp_east1")
    page.fill("#id_password", settings.KAM_DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    contact = _a_contact()
    page.goto(live_server.url + f"/customers/contacts/{contact.pk}/edit/")
    box = page.locator("[name=birthday]")
    assert page.evaluate("matchMedia('(pointer: coarse)').matches")
    assert box.get_attribute("readonly") is not None and box.get_attribute("type") == "text"
    assert page.locator("input[type=date]").count() == 0  # no native mobile input
    box.tap()
    calendar = page.locator(CAL)
    calendar.wait_for()
    page.wait_for_timeout(400)
    edge = calendar.bounding_box()
    assert edge["x"] >= 0 and edge["x"] + edge["width"] <= 390, edge
    assert calendar.locator(".flatpickr-weekday").first.inner_text().strip() == "周一"
    page.screenshot(path=str(SCREENSHOTS / "datepicker-phone.png"))
    calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)").get_by_text("15", exact=True).tap()
    assert box.input_value().endswith("-15")
    box.tap()
    calendar.wait_for()
    calendar.get_by_text("清除").tap()
    assert box.input_value() == ""
    assert errors == []
    context.close()


def test_a_contact_row_added_on_the_customer_form_gets_the_picker(signed_in, live_server):
    page, _context, errors = signed_in
    page.goto(live_server.url + "/customers/new/")
    assert "flatpickr-input" in page.locator("[name='contacts-0-birthday']").get_attribute("class")
    page.click("#add-contact")
    added = page.locator("[name='contacts-1-birthday']")
    assert "flatpickr-input" in added.get_attribute("class")
    added.click()
    page.locator(CAL).wait_for()
    assert page.locator(CAL + " .flatpickr-weekday").first.inner_text().strip() == "周一"
    assert errors == []
