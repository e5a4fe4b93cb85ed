"""Browser journey of the Excel import and export (R2.3), zh-hans, 1366 and 390 px: a specialist
imports a file with an error, reads the report, fixes the file, imports it (the check and the
write as jobs with a progress bar) and exports the filtered list."""

from __future__ import annotations

import pytest
import xlsxwriter

from conftest import SCREENSHOTS
from kam.customers.models import Customer
from kam.customers.testing import valid_uscc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _file(path, bad: bool):
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet()
    rows = [["客户名称", "统一社会信用代码", "公司性质", "信用等级"]]
    rows += [[f"浏览器导入{i}有限公司", valid_uscc(880_000 + i), "私人有限公司", "A"] for i in range(6)]
    if bad:
        rows[3][3] = "甲级"
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.write_string(r, c, v)
    wb.close()
    return path


@pytest.mark.parametrize("width", [1366, 390])
def test_import_with_an_error_fix_import_and_export(chromium, live_server, settings, tmp_path, width):
    from django.core.management import call_command

    call_command("demo", verbosity=0)
    context = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    base = live_server.url
    page.goto(base + "/login/")
    page.fill("#id_username", "sp_east1")
    page.fill("#id_password", settings.KAM_DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")

    page.goto(base + "/customers/")
    page.click("#import-customers")
    page.wait_for_url("**/imports/?spec=customers")
    page.set_input_files("#id_file", str(_file(tmp_path / "客户.xlsx", bad=True)))
    page.select_option("#id_mode", "create")
    page.screenshot(path=str(SCREENSHOTS / f"tabular-01-upload-{width}.png"), full_page=True)
    page.click("#import-check")
    page.wait_for_selector("#import-errors")
    assert page.inner_text("#count-errors") == "1"
    table = page.inner_text("#import-errors")
    assert "4" in table and "信用等级" in table and "甲级" in table
    assert page.locator("#import-confirm").count() == 0
    with page.expect_download() as dl:
        page.click("#download-report")
    assert dl.value.suggested_filename.endswith(".xlsx")
    page.screenshot(path=str(SCREENSHOTS / f"tabular-02-errors-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # fixed: upload again, confirm, progress, done
    page.click("#import-again")
    page.set_input_files("#id_file", str(_file(tmp_path / "客户-改.xlsx", bad=False)))
    page.select_option("#id_mode", "create")
    page.click("#import-check")
    page.wait_for_selector("#import-confirm")
    assert page.inner_text("#count-created") == "6"
    page.click("#import-confirm")
    page.wait_for_selector("#import-done")
    page.screenshot(path=str(SCREENSHOTS / f"tabular-03-done-{width}.png"), full_page=True)
    assert Customer.objects.filter(name__startswith="浏览器导入").count() == 6

    # export the filtered list
    page.goto(base + "/customers/?q=浏览器导入")
    page.click("#export-all")
    page.wait_for_selector("#export-download")
    with page.expect_download() as dl:
        page.click("#export-download")
    assert dl.value.suggested_filename.startswith("customers-")
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(dl.value.path()).get_sheet_by_index(0).to_python()
    assert sorted(r[1] for r in rows[1:]) == sorted(f"浏览器导入{i}有限公司" for i in range(6))
    page.screenshot(path=str(SCREENSHOTS / f"tabular-04-export-{width}.png"), full_page=True)
    assert not [e for e in errors if "favicon" not in e], errors
    context.close()
