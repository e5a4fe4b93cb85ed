"""Browser journey (Playwright + Debian's chromium), zh-hans: a specialist attaches files to a
customer (R2.2) — a disguised one is refused —, removes one through the confirmation modal, then
prints the 客户档案表 (print view, print media, PDF). Screenshots in $KAM_SCREENSHOTS."""

import pytest

from conftest import SCREENSHOTS
from kam.core.attachments import samples
from kam.core.attachments.models import Attachment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-files-2026"


@pytest.fixture
def page(chromium, world):
    world.p.sp1.set_password(PASSWORD)
    world.p.sp1.save()
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors
    yield page
    context.close()


def _login(page, base, world):
    page.goto(base + "/login/")
    page.fill("#id_username", world.p.sp1.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_attach_remove_and_print(page, live_server, world):
    base = live_server.url
    customer = world.c_sp1
    _login(page, base, world)

    page.goto(f"{base}/customers/{customer.pk}/?tab=attachments")
    assert page.locator("#attachment-empty").is_visible()
    page.set_input_files(
        "#attachment-file",
        files=[
            {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("licence")},
            {"name": "门头.png", "mimeType": "image/png", "buffer": samples.png()},
        ],
    )
    page.fill("#attachment-description", "开户资料")
    page.click("#attachment-submit")
    page.wait_for_selector("tr.attachment >> nth=1")
    assert page.locator("tr.attachment").count() == 2
    assert "已上传 2 个附件。" in page.content()
    tab = page.locator('#detail-tabs a[data-tab="attachments"]').inner_text()
    assert "2" in tab  # the tab's count follows
    assert "开户资料" in page.locator("#attachment-list").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "files-01-attached.png"), full_page=True)

    # an HTML page named .pdf: refused, named, nothing stored
    page.set_input_files(
        "#attachment-file", files=[{"name": "发票.pdf", "mimeType": "application/pdf", "buffer": b"<html>x</html>"}]
    )
    page.click("#attachment-submit")
    page.wait_for_selector("#attachment-error")
    assert "发票.pdf" in page.locator("#attachment-error").inner_text()
    assert page.locator("tr.attachment").count() == 2
    assert Attachment.objects.count() == 2
    page.screenshot(path=str(SCREENSHOTS / "files-02-refused.png"), full_page=True)

    # download through the scoped view
    with page.expect_download() as info:
        page.locator("a.attachment-download", has_text="营业执照.pdf").click()
    assert info.value.suggested_filename == "营业执照.pdf"

    # remove one: the one confirmation modal, then the page reloads with the tab
    page.locator("tr.attachment", has_text="门头.png").locator("form.attachment-remove button").click()
    page.wait_for_selector("#kam-modal-ok", state="visible")
    page.screenshot(path=str(SCREENSHOTS / "files-03-confirm.png"))
    page.click("#kam-modal-ok")
    page.wait_for_load_state()
    page.wait_for_selector("#attachment-list")
    assert page.locator("tr.attachment").count() == 1
    assert Attachment.objects.filter(removed_at__isnull=False).count() == 1

    # print: the 打印 button opens the print view in a new tab
    with page.context.expect_page() as opened:
        page.click("#print-customer")
    sheet = opened.value
    sheet.wait_for_load_state()
    assert sheet.locator("#print-title").inner_text().replace(" ", "") == "客户档案表"
    text = sheet.locator("#print-sheet").inner_text()
    assert customer.name in text and "主要联系人" in text
    sheet.screenshot(path=str(SCREENSHOTS / "files-04-print-view.png"), full_page=True)
    sheet.emulate_media(media="print")
    assert not sheet.locator("#print-toolbar").is_visible()  # @media print hides the buttons
    pdf = sheet.request.get(base + sheet.locator("#pdf-link").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    assert page.errors == [] and not [e for e in getattr(sheet, "errors", [])]
