"""Attachments on the customer file (R2.2): uploads checked by content and size, all files of an
upload or none, downloads only within the scope, removal logged under the customer — through the
pages and the API."""

from __future__ import annotations

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from kam.core.attachments import samples, services
from kam.core.attachments.models import Attachment
from kam.core.changes import ObjectChange
from kam.customers.tabs import history_count


def _pdf(name="营业执照.pdf", text="licence"):
    return SimpleUploadedFile(name, samples.pdf(text), content_type="application/pdf")


def _upload_url(customer):
    return reverse("attachments:upload", args=["customers.customer", customer.pk])


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _attach(world, customer=None, user=None, **kwargs):
    return services.attachments_add(
        actor=user or world.p.sp1, owner=customer or world.c_sp1, files=[_pdf(**kwargs)], description="执照"
    )[0]


def _stored_files(settings) -> set[str]:
    root = settings.MEDIA_ROOT
    return {os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files}


def _snapshot(settings):
    return (
        list(Attachment.objects.values_list("id", flat=True)),
        ObjectChange.objects.count(),
        _stored_files(settings),
    )


# --- uploading ---------------------------------------------------------------------------------


def test_upload_several_files_with_a_description(client, world, settings):
    client.force_login(world.p.sp1)
    png = SimpleUploadedFile("门头照片.png", samples.png(), content_type="image/png")
    response = client.post(_upload_url(world.c_sp1), {"file": [_pdf(), png], "description": " 开户资料 "})
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[world.c_sp1.pk]) + "?tab=attachments"
    rows = list(Attachment.objects.of(world.c_sp1).order_by("id"))
    assert [(a.original_name, a.kind, a.content_type, a.description) for a in rows] == [
        ("营业执照.pdf", "pdf", "application/pdf", "开户资料"),
        ("门头照片.png", "png", "image/png", "开户资料"),
    ]
    import hashlib

    assert rows[0].sha256 == hashlib.sha256(samples.pdf("licence")).hexdigest()
    assert rows[0].size == len(samples.pdf("licence"))
    assert rows[0].uploaded_by == world.p.sp1
    # stored under attachments/ with a random name — never the user's
    for a in rows:
        assert a.file.name.startswith("attachments/")
        assert "营业执照" not in a.file.name and "门头" not in a.file.name
        assert len(os.path.basename(a.file.name).split(".")[0]) == 32
        assert os.path.exists(a.file.path)


def test_htmx_upload_goes_back_to_the_tab(client, world):
    """Stored: HX-Redirect to the page's 附件 tab (its count updates), with the message."""
    client.force_login(world.p.sp1)
    response = client.post(_upload_url(world.c_sp1), {"file": [_pdf()]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    page = reverse("customers:detail", args=[world.c_sp1.pk]) + "?tab=attachments"
    assert response["HX-Redirect"] == page
    html = client.get(page).content.decode()
    assert "已上传 1 个附件。" in html and "营业执照.pdf" in html


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("发票.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "不能作为附件"),  # an .exe named .pdf
        ("发票.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "HTML"),  # HTML named .pdf
        ("照片.pdf", samples.png(), "PNG"),  # a real PNG under a PDF name
        ("报表.xlsx", samples.ooxml("xlsm"), "宏"),  # a macro workbook renamed .xlsx
        ("空.txt", b"", "空"),
    ],
)
def test_a_disguised_file_is_refused_and_nothing_is_stored(client, world, settings, name, data, says):
    client.force_login(world.p.sp1)
    before = _snapshot(settings)
    response = client.post(
        _upload_url(world.c_sp1), {"file": [_pdf("好的.pdf"), SimpleUploadedFile(name, data)]}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="attachment-error"' in html and name in html and says in html
    assert "好的.pdf" not in html.split('id="attachment-error"')[1].split("</div>")[0]  # only the bad one named
    assert _snapshot(settings) == before  # the good file of the same upload was not kept either


def test_size_limit(world, settings, en):
    settings.KAM_ATTACHMENT_MAX_BYTES = 1000
    big = SimpleUploadedFile("big.pdf", samples.pdf("x" * 1200))
    before = _snapshot(settings)
    with pytest.raises(Exception) as exc:
        services.attachments_add(actor=world.p.sp1, owner=world.c_sp1, files=[_pdf(), big])
    assert "big.pdf" in str(exc.value) and "1000" in str(exc.value)
    assert _snapshot(settings) == before
    settings.KAM_ATTACHMENT_MAX_BYTES = len(samples.pdf("x" * 1200))
    assert services.attachments_add(actor=world.p.sp1, owner=world.c_sp1, files=[big])  # at the limit: fine


def test_a_storage_failure_midway_leaves_nothing(world, settings, monkeypatch):
    """All or nothing even when the second file cannot be written: the first is deleted again."""
    from django.core.files.storage import FileSystemStorage

    real_save = FileSystemStorage._save
    calls = []

    def failing_save(self, name, content):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", failing_save)
    before = _snapshot(settings)
    with pytest.raises(OSError):
        services.attachments_add(actor=world.p.sp1, owner=world.c_sp1, files=[_pdf("a.pdf"), _pdf("b.pdf")])
    assert len(calls) == 2
    assert _snapshot(settings) == before


def test_too_many_files_and_no_file(world, settings, en):
    from django.core.exceptions import ValidationError

    settings.KAM_ATTACHMENT_MAX_FILES = 2
    with pytest.raises(ValidationError, match="At most 2 files"):
        services.attachments_add(actor=world.p.sp1, owner=world.c_sp1, files=[_pdf(), _pdf(), _pdf()])
    with pytest.raises(ValidationError, match="at least one file"):
        services.attachments_add(actor=world.p.sp1, owner=world.c_sp1, files=[])


def test_the_file_name_keeps_no_path(world):
    a = services.attachments_add(
        actor=world.p.sp1, owner=world.c_sp1, files=[_pdf("../../etc/合同\x00.pdf")], description=""
    )[0]
    assert a.original_name == "合同.pdf"


# --- downloading ------------------------------------------------------------------------------


def test_download_within_the_scope(client, world):
    a = _attach(world, name="营业执照 2026.pdf")
    client.force_login(world.p.am)  # team A's manager sees sp1's customer
    response = client.get(reverse("attachments:download", args=[a.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.pdf("licence")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%202026.pdf" in disposition
    assert disposition.encode("latin-1")  # the header itself is plain ASCII
    assert "sandbox" in response["Content-Security-Policy"]


def test_out_of_scope_download_is_404(client, world):
    a = _attach(world)
    for persona, status in (("sp2", 404), ("dm_south", 404), ("sp_other", 404), ("hr", 403), ("dm", 200)):
        client.force_login(getattr(world.p, persona))
        assert client.get(reverse("attachments:download", args=[a.pk])).status_code == status, persona
        api = _api(getattr(world.p, persona))
        assert api.get(f"/api/v1/attachments/{a.pk}/download/").status_code == status, persona
        assert api.get(f"/api/v1/attachments/{a.pk}/").status_code == status, persona


def test_anonymous_download_goes_to_the_login(client, world):
    a = _attach(world)
    response = client.get(reverse("attachments:download", args=[a.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert APIClient().get(f"/api/v1/attachments/{a.pk}/download/").status_code == 401


def test_the_media_url_serves_nothing(client, world):
    a = _attach(world)
    client.force_login(world.p.sp1)
    for url in ("/media/" + a.file.name, "/" + a.file.name):
        assert client.get(url).status_code == 404


# --- removing ---------------------------------------------------------------------------------


def test_remove_is_logged_under_the_customer(client, world):
    a = _attach(world)
    client.force_login(world.p.sp1)
    before = history_count(None, world.c_sp1)
    response = client.post(reverse("attachments:remove", args=[a.pk]))
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.is_removed
    assert client.get(reverse("attachments:download", args=[a.pk])).status_code == 404
    change = ObjectChange.objects.filed_under(world.c_sp1).order_by("-id").first()
    assert (change.action, change.actor, change.object_repr, change.data) == (
        "attachment_remove",
        world.p.sp1,
        "营业执照.pdf",
        {"file": "营业执照.pdf"},
    )
    assert history_count(None, world.c_sp1) == before + 1
    # the 变更记录 tab shows the upload and the removal
    html = client.get(reverse("customers:detail", args=[world.c_sp1.pk]) + "?tab=history").content.decode()
    assert "营业执照.pdf" in html and "附件已移除" in html


def test_remove_needs_the_change_permission(client, world):
    a = _attach(world)
    client.force_login(world.p.finance)  # sees every customer, changes none
    assert client.get(reverse("attachments:download", args=[a.pk])).status_code == 200
    assert client.post(reverse("attachments:remove", args=[a.pk])).status_code == 403
    assert _api(world.p.finance).delete(f"/api/v1/attachments/{a.pk}/").status_code == 403
    assert client.post(_upload_url(world.c_sp1), {"file": [_pdf()]}).status_code == 403
    a.refresh_from_db()
    assert not a.is_removed


def test_upload_is_logged_with_the_file_facts(world):
    a = _attach(world)
    change = ObjectChange.objects.of_object(a).get()
    assert change.action == "create"
    assert change.parent_id == world.c_sp1.pk
    assert change.changes["original_name"] == [None, "营业执照.pdf"]
    assert change.changes["sha256"] == [None, a.sha256]


# --- the tab ----------------------------------------------------------------------------------


def test_the_tab_lists_files_with_a_constant_number_of_queries(client, world):
    client.force_login(world.p.sp1)
    url = reverse("customers:tab", args=[world.c_sp1.pk, "attachments"])
    _attach(world)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    for i in range(6):
        _attach(world, name=f"合同{i}.pdf", user=world.p.am)
    with CaptureQueriesContext(connection) as seven:
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert len(seven) == len(one), [q["sql"] for q in seven.captured_queries]
    html = response.content.decode()
    assert html.count('class="attachment"') == 7
    assert 'id="attachment-upload"' in html and "data-confirm" in html


def test_the_tab_is_read_only_without_the_change_permission(client, world):
    _attach(world)
    client.force_login(world.p.finance)
    html = client.get(reverse("customers:tab", args=[world.c_sp1.pk, "attachments"]), HTTP_HX_REQUEST="true")
    html = html.content.decode()
    assert "营业执照.pdf" in html
    assert 'id="attachment-upload"' not in html and "attachment-remove" not in html


def test_the_tab_shows_the_count(client, world):
    _attach(world)
    _attach(world, name="b.pdf")
    client.force_login(world.p.sp1)
    html = client.get(reverse("customers:detail", args=[world.c_sp1.pk])).content.decode()
    tab = html.split('data-tab="attachments"')[1].split("</a>")[0]
    assert ">2</span>" in tab


# --- the API ----------------------------------------------------------------------------------


def test_api_upload_list_get_delete(world, settings):
    api = _api(world.p.sp1)
    url = f"/api/v1/customers/{world.c_sp1.pk}/attachments/"
    response = api.post(
        url, {"file": [_pdf("a.pdf"), _pdf("b.pdf", text="b")], "description": "合同"}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(r["file_name"], r["kind"], r["description"], r["record_type"]) for r in body] == [
        ("a.pdf", "pdf", "合同", "customers.customer"),
        ("b.pdf", "pdf", "合同", "customers.customer"),
    ]
    listed = api.get(url).json()
    assert {r["file_name"] for r in listed} == {"a.pdf", "b.pdf"}
    one = api.get(f"/api/v1/attachments/{body[0]['id']}/").json()
    assert one["sha256"] == body[0]["sha256"] and one["uploaded_by"] == str(world.p.sp1.get_full_name())
    download = api.get(one["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert api.delete(f"/api/v1/attachments/{body[0]['id']}/").status_code == 204
    assert [r["file_name"] for r in api.get(url).json()] == ["b.pdf"]
    assert api.get(f"/api/v1/attachments/{body[0]['id']}/").status_code == 404


def test_api_refused_upload_is_400_and_stores_nothing(world, settings, en):
    api = _api(world.p.sp1)
    before = _snapshot(settings)
    response = api.post(
        f"/api/v1/customers/{world.c_sp1.pk}/attachments/",
        {"file": [_pdf("ok.pdf"), SimpleUploadedFile("evil.pdf", b"<html>hi</html>")]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "evil.pdf" in response.json()["file"][0]
    assert _snapshot(settings) == before
    no_file = api.post(f"/api/v1/customers/{world.c_sp1.pk}/attachments/", {"description": "x"}, format="multipart")
    assert no_file.status_code == 400 and "file" in no_file.json()


def test_api_scope(world):
    url = f"/api/v1/customers/{world.c_sp1.pk}/attachments/"
    assert _api(world.p.sp2).get(url).status_code == 404
    assert _api(world.p.sp2).post(url, {"file": [_pdf()]}, format="multipart").status_code == 404
    assert _api(world.p.hr).get(url).status_code == 403
    assert APIClient().get(url).status_code == 401
    assert _api(world.p.sp1).get("/api/v1/customers/999999/attachments/").status_code == 404
    assert not Attachment.objects.exists()
