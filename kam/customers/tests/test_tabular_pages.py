"""The import wizard and the export pages and API (R2.3), on the customer file: upload → check
job → preview (counts, errors, report) → confirm → write job → done; the export as a job with a
download; ``POST /api/v1/imports/``, ``/api/v1/exports/``, the templates."""

from __future__ import annotations

import io

import pytest
import xlsxwriter
from django.urls import reverse
from python_calamine import CalamineWorkbook
from rest_framework.test import APIClient

from kam.core.changes import ObjectChange
from kam.core.jobs.models import Job
from kam.customers.models import Customer
from kam.customers.testing import valid_uscc

pytestmark = pytest.mark.django_db


def workbook(rows: list[list], name: str = "客户.xlsx") -> io.BytesIO:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"strings_to_numbers": False})
    ws = wb.add_worksheet()
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    wb.close()
    buf.seek(0)
    buf.name = name
    return buf


def good_rows(n=5, bad: int | None = None):
    rows = [["客户名称", "统一社会信用代码", "信用等级"]]
    rows += [[f"页面导入{i}有限公司", valid_uscc(800_000 + i), "AA"] for i in range(n)]
    if bad is not None:
        rows[bad + 1][2] = "QQ"
    return rows


def _upload(client, capture, rows, mode="create"):
    with capture(execute=True):
        return client.post(
            reverse("tabular:start"), {"spec": "customers", "mode": mode, "file": workbook(rows)}, follow=False
        )


def test_the_wizard_checks_shows_errors_then_imports(client, world, django_capture_on_commit_callbacks, en):
    client.force_login(world.p.sp1)
    assert client.get(reverse("tabular:start")).status_code == 200
    response = _upload(client, django_capture_on_commit_callbacks, good_rows(bad=2))
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'id="count-errors">1<' in html and 'id="count-created">4<' in html
    assert "import-confirm" not in html  # no confirm while a row is in error
    assert "Credit rating" in html and ">4<" in html  # row 4 of the sheet, its column
    report = client.get(response["Location"] + "report/")
    assert report.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(report.streaming_content))).get_sheet_by_index(0)
    assert sheet.to_python()[1][0] == 4
    assert not Customer.objects.filter(name__startswith="页面导入").exists()
    # fixed: check, confirm, done
    response = _upload(client, django_capture_on_commit_callbacks, good_rows())
    preview = response["Location"]
    assert 'id="count-created">5<' in client.get(preview).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(preview + "confirm/")
    assert done.status_code == 302
    html = client.get(preview).content.decode()
    assert "import-done" in html
    made = Customer.objects.filter(name__startswith="页面导入")
    assert made.count() == 5 and {c.owner for c in made} == {world.p.sp1}
    job = Job.objects.filter(kind="tabular.import", actor=world.p.sp1).order_by("-pk").first()
    assert job.result["created"] == 5 and job.status == "succeeded"
    assert ObjectChange.objects.filter(source="import", request_id=f"job-{job.pk}").count() == 5
    # the upload is gone; someone else cannot see the preview
    client.force_login(world.p.sp2)
    assert client.get(preview).status_code == 404


def test_a_user_without_add_or_change_gets_403(client, world):
    client.force_login(world.p.finance)
    assert client.get(reverse("tabular:start")).status_code == 403
    assert client.get(reverse("tabular:template", args=["customers"])).status_code == 403


def test_a_refused_upload_says_why_and_writes_nothing(client, world):
    client.force_login(world.p.sp1)
    before = (Customer.objects.count(), Job.objects.count())
    bad = io.BytesIO(b"not a workbook at all")
    bad.name = "客户.xlsm"
    response = client.post(reverse("tabular:start"), {"spec": "customers", "mode": "create", "file": bad})
    assert response.status_code == 200
    assert "宏" in response.content.decode()
    assert (Customer.objects.count(), Job.objects.count()) == before


def test_export_job_follows_the_list_query(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.p.director)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("tabular:export", args=["customers"]) + "?q=华东精密")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "export-download" in page.content.decode()
    job = Job.objects.get(kind="tabular.export")
    download = client.get(reverse("tabular:export-download", args=[job.pk]))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(download.streaming_content))).get_sheet_by_index(0)
    assert [r[1] for r in rows.to_python()[1:]] == [world.c_sp1.name]
    client.force_login(world.p.sp2)  # another user's export: 404
    assert client.get(reverse("tabular:export-download", args=[job.pk])).status_code == 404
    assert client.get(reverse("tabular:export", args=["customers"]) + "?credit_rating=bad").status_code == 400


def test_the_list_has_import_and_export_buttons(client, world):
    client.force_login(world.p.sp1)
    html = client.get(reverse("customers:list") + "?credit_rating=A").content.decode()
    assert 'id="import-customers"' in html
    assert reverse("tabular:export", args=["customers"]) + "?credit_rating=A" in html
    tab = client.get(
        reverse("customers:tab", args=[world.c_sp1.pk, "contacts"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="import-contacts"' in tab
    client.force_login(world.p.finance)
    assert 'id="import-customers"' not in client.get(reverse("customers:list")).content.decode()


# --- API ------------------------------------------------------------------------------------


def api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_api_import_dry_run_then_write(world, django_capture_on_commit_callbacks):
    c = api(world.p.sp1)
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            "/api/v1/imports/",
            {"spec": "customers", "mode": "create", "dry_run": "true", "file": workbook(good_rows(bad=1))},
            format="multipart",
        )
    assert r.status_code == 202
    job = Job.objects.get(pk=r.json()["id"])
    assert job.status == "succeeded"
    assert {k: job.result[k] for k in ("created", "updated", "unchanged", "errors")} == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "errors": 1,
    }
    assert job.result["error_rows"][0]["row"] == 3 and job.result["error_rows"][0]["column"] == "信用等级"
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            "/api/v1/imports/",
            {"spec": "customers", "mode": "create", "dry_run": "false", "file": workbook(good_rows(bad=1))},
            format="multipart",
        )
    failed = Job.objects.get(pk=r.json()["id"])
    assert failed.status == "failed"
    assert not Customer.objects.filter(name__startswith="页面导入").exists()
    # a write that wrote nothing still reports its counts and the errors by row and column (API contract)
    detail = c.get(f"/api/v1/jobs/{failed.pk}/").json()
    assert detail["status"] == "failed" and detail["result"]["errors"] == 1
    assert [(e["row"], e["column"]) for e in detail["result"]["error_rows"]] == [(3, "信用等级")]
    assert detail["download_url"]  # the error report
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            "/api/v1/imports/",
            {"spec": "customers", "mode": "create", "dry_run": "false", "file": workbook(good_rows())},
            format="multipart",
        )
    assert Job.objects.get(pk=r.json()["id"]).result["created"] == 5
    assert Customer.objects.filter(name__startswith="页面导入").count() == 5


def test_api_refusals(world):
    c = api(world.p.finance)
    r = c.post(
        "/api/v1/imports/", {"spec": "customers", "mode": "create", "file": workbook(good_rows())}, format="multipart"
    )
    assert r.status_code == 403
    c = api(world.p.sp1)
    assert (
        c.post("/api/v1/imports/", {"spec": "nope", "file": workbook(good_rows())}, format="multipart").status_code
        == 400
    )
    empty = io.BytesIO(b"")
    empty.name = "x.csv"
    r = c.post("/api/v1/imports/", {"spec": "customers", "mode": "create", "file": empty}, format="multipart")
    assert r.status_code == 400
    assert c.get("/api/v1/imports/templates/customers/").status_code == 200
    assert c.get("/api/v1/imports/templates/nope/").status_code == 404


def test_api_export_job_has_a_download_url(world, django_capture_on_commit_callbacks):
    c = api(world.p.sp1)
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/api/v1/exports/", {"spec": "customers", "ordering": "name"}, format="json")
    assert r.status_code == 202
    job = Job.objects.get(pk=r.json()["id"])
    assert job.result["rows"] == 2 and job.result["url"] == f"/api/v1/jobs/{job.pk}/file/"
    # a script with only its API token downloads the file from the result's url
    download = c.get(job.result["url"])
    assert download.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(download.streaming_content)))
    assert len(book.get_sheet_by_index(0).to_python()) == 3  # the headings and the two rows
    # … and nobody else does
    assert api(world.p.sp2).get(job.result["url"]).status_code == 404
    assert c.post("/api/v1/exports/", {"spec": "customers", "credit_rating": "x"}, format="json").status_code == 400
    # an empty list for the table is a 400 too, not a 500 (found by the API fuzz test)
    assert c.post("/api/v1/exports/", {"spec": []}, format="json").status_code == 400
