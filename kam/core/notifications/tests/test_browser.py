"""Browser journey (Playwright + Debian's chromium), in zh-hans (issue 8 §5): the bell shows the
unread count, marking one read on the list lowers it without a reload, opening one follows its
link and marks it read, preferences are saved — at 1366 and 390 px, console free of errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import SCREENSHOTS
from kam.core.notifications.jobs import FAILED, FINISHED
from kam.core.notifications.models import Notification, NotificationPreference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _notes(user):
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=FINISHED,
                title="你的客户导入任务已完成：客户.xlsx",
                body="新建 3",
                link="/me/",
                created_at=now,
            ),
            Notification(
                recipient=user, kind=FAILED, title="你的导出任务失败：客户列表", created_at=now - dt.timedelta(hours=1)
            ),
            Notification(
                recipient=user, kind=FINISHED, title="旧的通知", created_at=now - dt.timedelta(days=2), read_at=now
            ),
        ]
    )


@pytest.mark.parametrize("width", [1366, 390])
def test_bell_list_open_and_preferences(chromium, live_server, personas, width):
    user = personas.sp1
    user.set_password("kam-browser-1")
    user.save()
    _notes(user)
    context = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    base = live_server.url
    bell = "#notification-bell" if width > 900 else "#notification-bell-compact"

    page.goto(base + "/login/")
    page.fill("#id_username", "sp1")
    page.fill("#id_password", "kam-browser-1")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    page.wait_for_selector(f"{bell} .kam-bell[data-unread='2']")
    assert page.locator(f"{bell} .kam-bell-count").inner_text() == "2"

    page.click(f"{bell} .kam-bell")
    page.wait_for_url(base + "/notifications/?show=unread")
    assert page.locator(".kam-notification").count() == 2
    page.screenshot(path=str(SCREENSHOTS / f"notifications-unread-{width}.png"), full_page=True)
    page.goto(base + "/notifications/")
    assert page.locator(".kam-notification").count() == 3
    page.locator(".kam-unread .kam-mark-read").nth(1).click()  # the failed export
    page.wait_for_selector(f"{bell} .kam-bell[data-unread='1']")
    assert page.locator("#unread-tab-count").inner_text() == "1"
    assert page.locator(".kam-unread").count() == 1
    page.screenshot(path=str(SCREENSHOTS / f"notifications-list-{width}.png"), full_page=True)

    page.locator(".kam-unread .kam-notification-title").click()
    page.wait_for_url(base + "/me/")
    page.wait_for_selector(f"{bell} .kam-bell[data-unread='0']")
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()

    page.goto(base + "/notifications/preferences/")
    page.locator("[data-kind='jobs.finished'] [data-channel='email'] input").check()
    page.screenshot(path=str(SCREENSHOTS / f"notifications-preferences-{width}.png"), full_page=True)
    page.click("#save-preferences")
    page.wait_for_selector(".alert-success")
    assert NotificationPreference.objects.get(user=user, kind=FINISHED).email is True
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert errors == []
    context.close()
