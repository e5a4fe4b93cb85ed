"""Excel import and export of the customer file (R2.3) through the engine of kam.core.tabular:
all rows or none, update mode, scope, hostile files, formula neutralisation, the round trip."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from python_calamine import CalamineWorkbook

from kam.core.changes import ObjectChange
from kam.core.context import change_context
from kam.core.tabular import engine
from kam.core.tabular.reader import FileRefused
from kam.customers.models import Contact, Customer
from kam.customers.testing import EXPECTED_SCOPE, WORLD_CUSTOMERS, valid_uscc

pytestmark = pytest.mark.django_db

HEAD = ["客户名称", "统一社会信用代码", "公司性质", "员工人数", "年营业额（元）", "信用等级"]


def snapshot():
    return (Customer.objects.count(), Contact.objects.count(), ObjectChange.objects.count())


def xlsx(tmp_path: Path, rows: list[list], name: str = "in.xlsx") -> Path:
    path = tmp_path / name
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    ws = wb.add_worksheet()
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, int | float):
                ws.write_number(r, c, v)
            elif v not in (None, ""):
                ws.write_string(r, c, str(v))
    wb.close()
    return path


def run(actor, path: Path, *, spec="customers", mode="create", dry_run=False, **kw):
    kind = path.suffix[1:]
    with change_context(source="import", actor=actor, request_id="job-42"):
        return engine.run_import(actor=actor, spec_key=spec, path=path, kind=kind, mode=mode, dry_run=dry_run, **kw)


def rows_1000(bad_at: int | None = None) -> list[list]:
    rows = [HEAD]
    for i in range(1000):
        rating = "AAA" if i % 2 else "A"
        rows.append(
            [
                f"导入测试{i}号有限公司",
                valid_uscc(500_000 + i),
                "私人有限公司" if i % 3 else "private",
                i + 1,
                1000.5 + i,
                rating,
            ]
        )
    if bad_at is not None:
        rows[bad_at + 1][5] = "ZZZ"  # not a credit rating
    return rows


def test_one_bad_row_in_the_middle_writes_nothing_and_the_report_names_it(world, tmp_path):
    path = xlsx(tmp_path, rows_1000(bad_at=500))
    before = snapshot()
    reports = []
    with pytest.raises(engine.ImportFailed) as exc:
        run(world.p.sp1, path, report=lambda name, p: reports.append(p.read_bytes()))
    assert snapshot() == before
    result = exc.value.result
    assert result["errors"] == 1 and result["created"] == 999
    assert result["error_rows"] == [
        {"row": 502, "column": "信用等级", "message": "“ZZZ”不是以下之一：AAA / AA / A / BBB / BB / B / C。"}
    ] or (result["error_rows"][0]["row"], result["error_rows"][0]["column"]) == (502, "信用等级")
    # the report: the bad row with its cell marked and a comment
    wb = CalamineWorkbook.from_filelike(io.BytesIO(reports[0]))
    sheet = wb.get_sheet_by_index(0).to_python()
    assert sheet[1][0] == 502 and sheet[1][6] == "ZZZ"
    assert zipfile.ZipFile(io.BytesIO(reports[0])).namelist().count("xl/comments1.xml") == 1


def test_the_fixed_file_writes_every_row_with_its_change_log(world, tmp_path):
    path = xlsx(tmp_path, rows_1000())
    preview = run(world.p.sp1, path, dry_run=True)
    assert (preview["created"], preview["errors"]) == (1000, 0)
    assert Customer.objects.filter(name__startswith="导入测试").count() == 0  # a dry run writes nothing
    result = run(world.p.sp1, path)
    assert (result["created"], result["updated"], result["unchanged"], result["errors"]) == (1000, 0, 0, 0)
    made = Customer.objects.filter(name__startswith="导入测试")
    assert made.count() == 1000
    c = made.get(credit_code=valid_uscc(500_010))
    assert (c.owner, c.team, c.nature, c.staff_count, str(c.annual_revenue)) == (
        world.p.sp1,
        world.p.team_a,
        "private",
        11,
        "1010.50",
    )
    assert c.code.startswith("KH") and c.name_sort.startswith("dao ru ce shi") and c.search_text
    logs = ObjectChange.objects.filter(source="import", request_id="job-42", action="create")
    assert logs.count() == 1000
    assert logs.get(object_id=c.pk).changes["name"] == [None, c.name]
    # and the list's search finds them
    from kam.customers.search import search_filter

    assert search_filter(Customer.objects.all(), "导入测试10号").filter(pk=c.pk).exists()


def test_update_mode_changes_only_what_differs(world, tmp_path):
    c = world.c_sp1
    path = xlsx(
        tmp_path,
        [
            ["统一社会信用代码", "客户名称", "员工人数", "信用等级"],
            [c.credit_code, c.name, 250, c.credit_rating],  # staff differs
            [world.c_shared.credit_code, world.c_shared.name, None, world.c_shared.credit_rating],  # same
        ],
    )
    before_logs = ObjectChange.objects.count()
    result = run(world.p.sp1, path, mode="update")
    assert (result["updated"], result["unchanged"], result["errors"]) == (1, 1, 0)
    c.refresh_from_db()
    assert c.staff_count == 250 and c.nature == "private"  # a column not in the file is kept
    entries = ObjectChange.objects.filter(pk__gt=0).order_by("-pk")[: ObjectChange.objects.count() - before_logs]
    assert [(e.object_id, e.changes) for e in entries] == [(c.pk, {"staff_count": [None, 250]})]


def test_scope_violations_are_row_errors(world, tmp_path, en):
    p = world.p
    path = xlsx(
        tmp_path,
        [
            ["统一社会信用代码", "客户名称", "负责人"],
            [world.c_south.credit_code, "改名", ""],  # out of sp1's scope
            [world.c_sp1.credit_code, world.c_sp1.name, "sp2"],  # a specialist cannot reassign
            [valid_uscc(600_001), "新客户有限公司", "dm_south"],  # an owner sp1 may not assign
        ],
    )
    before = snapshot()
    result = run(p.sp1, path, mode="upsert", dry_run=True)
    assert result["errors"] == 3 and snapshot() == before
    messages = {e["row"]: e["message"] for e in result["error_rows"]}
    assert "another team" in messages[2] and "广州" not in messages[2]  # never names what it may not see
    assert "another owner" in messages[3]
    assert "another owner" in messages[4] or "part of the organisation" in messages[4]
    # a manager of team A may assign sp2 but not 华南's dm_south
    path2 = xlsx(
        tmp_path,
        [["统一社会信用代码", "客户名称", "负责人"], [valid_uscc(600_002), "新客户二有限公司", "dm_south"]],
        "b.xlsx",
    )
    result = run(p.am, path2, mode="create", dry_run=True)
    assert result["error_rows"][0]["column"] == "Owner"
    assert "part of the organisation" in result["error_rows"][0]["message"]


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_export_neutralises_formulas(world, tmp_path, lead):
    hostile = lead + "1+cmd|' /C calc'!A0"
    # as stored (the services strip a leading tab or CR; an old record or another path may not)
    Customer.objects.filter(pk=world.c_sp1.pk).logged_update(notes=hostile, name=lead + "SUM(1)")
    path = tmp_path / "out.xlsx"
    engine.run_export(actor=world.p.sp1, spec_key="customers", params={}, path=path)
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula cell anywhere
    values = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    notes, name = values[0].index("备注"), values[0].index("客户名称 *")
    row = next(r for r in values[1:] if r[0] == world.c_sp1.code)
    assert (row[notes], row[name]) == (hostile, lead + "SUM(1)")


@pytest.mark.parametrize("who", ["sp1", "am", "dm_south", "director"])
def test_an_export_holds_exactly_the_scope(world, tmp_path, who):
    path = tmp_path / "out.xlsx"
    result = engine.run_export(actor=getattr(world.p, who), spec_key="customers", params={}, path=path)
    values = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    names = {r[1] for r in values[1:]}
    expected = {getattr(world, k).name for k in EXPECTED_SCOPE[who] if k in WORLD_CUSTOMERS}
    assert names == expected and result["rows"] == len(expected)


def test_the_export_follows_the_list_filter_and_order(world, tmp_path):
    world.c_sp1.credit_rating = "AAA"
    Customer.objects.filter(pk=world.c_sp1.pk).logged_update(credit_rating="AAA")
    path = tmp_path / "out.xlsx"
    engine.run_export(actor=world.p.director, spec_key="customers", params={"ordering": "credit_rating"}, path=path)
    values = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert values[1][1] == world.c_sp1.name  # AAA first
    with pytest.raises(ValidationError):
        engine.run_export(actor=world.p.director, spec_key="customers", params={"credit_rating": "nope"}, path=path)


@pytest.mark.parametrize("spec", ["customers", "contacts"])
def test_round_trip_changes_nothing(world, tmp_path, spec):
    path = tmp_path / "out.xlsx"
    engine.run_export(actor=world.p.director, spec_key=spec, params={}, path=path)
    before = snapshot()
    result = run(world.p.director, path, spec=spec, mode="update")
    assert result["errors"] == 0, result["error_rows"]
    assert result["unchanged"] == result["rows"] > 0 and result["updated"] == 0
    assert snapshot() == before


def test_contacts_import_keyed_to_the_customer(world, tmp_path):
    path = xlsx(
        tmp_path,
        [
            ["统一社会信用代码", "姓名", "电话", "对我方态度", "首要联系人"],
            [world.c_sp1.credit_code, "赵敏", "13912345678", "友好", "是"],
            [world.c_south.credit_code, "钱多", "", "", ""],  # outside sp1's scope
        ],
    )
    result = run(world.p.sp1, path, spec="contacts", mode="create", dry_run=True)
    assert (result["created"], result["errors"]) == (1, 1)
    assert result["error_rows"][0]["row"] == 3
    path = xlsx(
        tmp_path,
        [
            ["统一社会信用代码", "姓名", "电话", "对我方态度", "首要联系人"],
            [world.c_sp1.credit_code, "赵敏", "13912345678", "友好", "是"],
        ],
        "ok.xlsx",
    )
    run(world.p.sp1, path, spec="contacts", mode="create")
    contact = Contact.objects.get(name="赵敏")
    assert (contact.customer, contact.phone, contact.attitude, contact.is_primary) == (
        world.c_sp1,
        "139 1234 5678",
        "friendly",
        True,
    )
    world.c_sp1.refresh_from_db()
    assert "赵敏" in world.c_sp1.search_text
    assert ObjectChange.objects.filter(object_id=contact.pk, source="import", action="create").exists()


# --- hostile files ------------------------------------------------------------------------


def _zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


_CT = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>'


def hostile(tmp_path: Path, kind: str) -> Path:
    if kind == "empty":
        p = tmp_path / "empty.xlsx"
        p.write_bytes(b"")
        return p
    if kind == "not-a-zip":
        p = tmp_path / "fake.xlsx"
        p.write_bytes(b"name,code\n" * 10)
        return p
    if kind == "zip-not-ooxml":
        return _zip(tmp_path / "other.xlsx", {"hello.txt": b"hi"})
    if kind == "bomb":
        return _zip(
            tmp_path / "bomb.xlsx",
            {
                "[Content_Types].xml": _CT,
                "xl/workbook.xml": b"<w/>",
                "xl/worksheets/sheet1.xml": b"<" + b"a" * 50_000_000 + b"/>",
            },
        )
    if kind == "macros":
        return _zip(
            tmp_path / "macro.xlsx",
            {"[Content_Types].xml": _CT, "xl/workbook.xml": b"<w/>", "xl/vbaProject.bin": b"\x00" * 100},
        )
    if kind == "xxe":
        dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
        return _zip(tmp_path / "xxe.xlsx", {"[Content_Types].xml": _CT, "xl/workbook.xml": dtd})
    if kind == "xxe-ct":
        dtd = b'<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY e "x">]><Types>&e;</Types>'
        return _zip(tmp_path / "xxe2.xlsx", {"[Content_Types].xml": dtd, "xl/workbook.xml": b"<w/>"})
    if kind == "csv-is-zip":
        p = tmp_path / "x.csv"
        p.write_bytes(xlsx(tmp_path, [HEAD]).read_bytes())
        return p
    if kind == "csv-binary":
        p = tmp_path / "b.csv"
        p.write_bytes(b"\x00\x01\x02" * 100)
        return p
    if kind == "csv-bad-encoding":
        p = tmp_path / "e.csv"
        p.write_bytes(b"abc,\xff\xfe\xff\n")
        return p
    if kind == "no-headings":
        return xlsx(tmp_path, [["甲", "乙"], ["1", "2"]], "nohead.xlsx")
    if kind == "headings-only":
        return xlsx(tmp_path, [HEAD], "head.xlsx")
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind, words",
    [
        ("empty", "空"),
        ("not-a-zip", "不是"),
        ("zip-not-ooxml", "不是"),
        ("bomb", "zip"),
        ("macros", "宏"),
        ("xxe", "DTD"),
        ("xxe-ct", "DTD"),
        ("csv-is-zip", "不是"),
        ("csv-binary", "不是"),
        ("csv-bad-encoding", "GB18030"),
        ("no-headings", "表头"),
        ("headings-only", "没有数据"),
    ],
)
def test_hostile_files_are_refused_and_nothing_is_written(world, tmp_path, kind, words):
    path = hostile(tmp_path, kind)
    before = snapshot()
    with pytest.raises(FileRefused) as exc:
        run(world.p.director, path, mode="upsert")
    assert words in str(exc.value), str(exc.value)
    assert snapshot() == before


def test_macro_and_old_names_are_refused_by_name():
    from kam.core.tabular.reader import kind_of

    for name in ("a.xlsm", "a.xls", "a.exe", "a"):
        with pytest.raises(FileRefused):
            kind_of(name)
    assert kind_of("客户.XLSX") == "xlsx" and kind_of("a.csv") == "csv"


def test_size_and_row_limits(world, tmp_path, settings):
    path = xlsx(tmp_path, rows_1000())
    settings.KAM_IMPORT_MAX_ROWS = 999
    with pytest.raises(FileRefused, match="999"):
        run(world.p.director, path)
    settings.KAM_IMPORT_MAX_ROWS = 1_000_000
    settings.KAM_IMPORT_MAX_BYTES = 1000
    with pytest.raises(FileRefused, match="MB"):
        run(world.p.director, path)
    assert not Customer.objects.filter(name__startswith="导入测试").exists()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding(world, tmp_path, encoding):
    p = tmp_path / "c.csv"
    p.write_bytes(
        f"客户名称,统一社会信用代码,公司性质\n广东测试有限公司,{valid_uscc(700_001)},国营公司\n".encode(encoding)
    )
    result = run(world.p.sp1, p)
    assert result["created"] == 1
    assert Customer.objects.get(credit_code=valid_uscc(700_001)).nature == "state"


def test_english_headings_and_labels_are_accepted(world, tmp_path):
    path = xlsx(
        tmp_path,
        [
            ["Name", "Unified social credit code", "Company nature"],
            ["English Heading Co", valid_uscc(700_002), "State-owned"],
        ],
    )
    result = run(world.p.sp1, path)
    assert result["created"] == 1


def test_a_row_that_became_invalid_after_the_preview_fails_the_whole_import(world, tmp_path):
    path = xlsx(tmp_path, rows_1000()[:11])
    assert run(world.p.sp1, path, dry_run=True)["errors"] == 0
    # meanwhile someone registers one of the file's credit codes
    from kam.customers import services

    services.customer_create(actor=world.p.sp2, data={"name": "抢先有限公司", "credit_code": valid_uscc(500_005)})
    before = snapshot()
    with pytest.raises(engine.ImportFailed) as exc:
        run(world.p.sp1, path)
    assert exc.value.result["error_rows"][0]["row"] == 7
    assert snapshot() == before


def test_the_template_has_headings_example_and_lists(tmp_path):
    path = tmp_path / "t.xlsx"
    engine.template("customers", path)
    wb = CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_index(0).to_python()
    assert rows[0][1] == "客户名称 *" and rows[1][1] == "上海明珠贸易有限公司"
    with zipfile.ZipFile(path) as zf:
        assert "dataValidation" in zf.read("xl/worksheets/sheet1.xml").decode()


def test_uploads_are_stored_under_a_random_name_and_old_ones_swept(tmp_path, settings):
    import os
    import time

    settings.MEDIA_ROOT = str(tmp_path)
    data = io.BytesIO(b"a,b\n1,2\n")
    token = engine.store_upload(data, "x.csv")
    path = engine.upload_path(token)
    assert path.parent == tmp_path / "imports" and len(token) == 36
    os.utime(path, (time.time() - 2 * 86400,) * 2)
    assert engine.sweep_uploads() == 1 and not path.exists()
    with pytest.raises(FileRefused):
        engine.upload_path("../../etc/passwd")
