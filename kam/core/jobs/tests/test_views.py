"""The job pages and API (issue 8 §1): own jobs only (someone else's → 404), polling that stops
when the job is done, cancel, the file download through a checked view, a fixed number of
queries for the list."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from kam.core.jobs.models import Job, JobStatus
from kam.core.jobs.services import job_start, run_job
from kam.core.registry import JobKind, registry

pytestmark = pytest.mark.django_db

PASSWORD = "x-pass-2026"


@pytest.fixture
def users(django_user_model):
    def make(name, **kw):
        return django_user_model.objects.create_user(username=name, password=PASSWORD, name=name, **kw)

    return {"owner": make("owner"), "other": make("other"), "boss": make("boss", is_superuser=True, is_staff=True)}


@pytest.fixture
def kind(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def run(r):
        r.progress(2, 2)
        if r.params.get("file"):
            r.save_file("导出.csv", "名称\n甲\n".encode())
        return {"rows": 2}

    with registry.temporary("job_kinds", JobKind("t.page", "Page test", run)):
        yield


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_list_shows_own_jobs_only(users, kind):
    mine = job_start(actor=users["owner"], kind="t.page", params={}, title="我的导出")
    job_start(actor=users["other"], kind="t.page", params={}, title="别人的导出")
    r = _client(users["owner"]).get(reverse("jobs:list"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "我的导出" in body and "别人的导出" not in body
    assert reverse("jobs:detail", args=[mine.pk]) in body


def test_superuser_sees_all_and_can_filter_to_own(users, kind):
    job_start(actor=users["other"], kind="t.page", params={}, title="别人的导出")
    c = _client(users["boss"])
    assert "别人的导出" in c.get(reverse("jobs:list")).content.decode()
    assert "别人的导出" not in c.get(reverse("jobs:list") + "?mine=1").content.decode()


def test_list_queries_do_not_grow(users, kind, django_assert_max_num_queries):
    for i in range(3):
        job_start(actor=users["owner"], kind="t.page", params={}, title=f"任务{i}")
    c = _client(users["owner"])
    c.get(reverse("jobs:list"))
    with django_assert_max_num_queries(8) as few:
        c.get(reverse("jobs:list"))
    for i in range(20):
        job_start(actor=users["owner"], kind="t.page", params={}, title=f"更多{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        c.get(reverse("jobs:list"))


def test_detail_polls_while_running_and_stops_when_done(users, kind):
    job = job_start(actor=users["owner"], kind="t.page", params={})
    c = _client(users["owner"])
    r = c.get(reverse("jobs:detail", args=[job.pk]))
    assert 'hx-trigger="every 1s"' in r.content.decode()
    run_job(job.pk)
    partial = c.get(reverse("jobs:detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "hx-trigger" not in body
    assert body.lstrip().startswith('<div id="job-status"') and "<html" not in body
    assert 'data-status="succeeded"' in body and 'value="100"' in body


def test_someone_elses_job_is_404_everywhere(users, kind):
    job = job_start(actor=users["owner"], kind="t.page", params={"file": True})
    run_job(job.pk)
    c = _client(users["other"])
    for name in ("jobs:detail", "jobs:download"):
        assert c.get(reverse(name, args=[job.pk])).status_code == 404
    assert c.post(reverse("jobs:cancel", args=[job.pk])).status_code == 404
    api = _api(users["other"])
    assert api.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert api.get(f"/api/v1/jobs/{job.pk}/file/").status_code == 404
    assert api.post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 404
    assert api.get("/api/v1/jobs/").json()["count"] == 0


def test_download_through_the_checked_view(users, kind):
    job = run_job(job_start(actor=users["owner"], kind="t.page", params={"file": True}).pk)
    r = _client(users["owner"]).get(reverse("jobs:download", args=[job.pk]))
    assert r.status_code == 200
    assert b"".join(r.streaming_content).decode() == "名称\n甲\n"
    assert "attachment" in r["Content-Disposition"]
    assert Client().get(job.file.url).status_code == 404  # the stored file has no public URL
    assert _client(users["owner"]).get("/media/" + job.file.name).status_code == 404
    no_file = run_job(job_start(actor=users["owner"], kind="t.page", params={}).pk)
    assert _client(users["owner"]).get(reverse("jobs:download", args=[no_file.pk])).status_code == 404


def test_cancel_from_the_page(users, kind):
    job = job_start(actor=users["owner"], kind="t.page", params={})
    r = _client(users["owner"]).post(reverse("jobs:cancel", args=[job.pk]))
    assert r.status_code == 302
    assert Job.objects.get(pk=job.pk).status == JobStatus.CANCELLED
    # again: refused with a message, nothing changes
    r = _client(users["owner"]).post(reverse("jobs:cancel", args=[job.pk]), follow=True)
    assert Job.objects.get(pk=job.pk).status == JobStatus.CANCELLED
    assert "已经结束" in r.content.decode()


def test_api_detail(users, kind):
    job = run_job(job_start(actor=users["owner"], kind="t.page", params={"file": True}).pk)
    data = _api(users["owner"]).get(f"/api/v1/jobs/{job.pk}/").json()
    assert data["status"] == "succeeded"
    assert (data["done"], data["total"], data["percent"]) == (2, 2, 100)
    assert data["result"] == {"rows": 2}
    assert data["error"] == ""
    assert data["started_at"] and data["finished_at"]
    assert data["download_url"].endswith(f"/api/v1/jobs/{job.pk}/file/")
    assert data["actor"] == users["owner"].pk
    f = _api(users["owner"]).get(data["download_url"])
    assert f.status_code == 200 and b"".join(f.streaming_content).decode() == "名称\n甲\n"


def test_api_list_own_and_cancel(users, kind):
    job = job_start(actor=users["owner"], kind="t.page", params={})
    job_start(actor=users["other"], kind="t.page", params={})
    api = _api(users["owner"])
    listing = api.get("/api/v1/jobs/").json()
    assert [j["id"] for j in listing["results"]] == [job.pk]
    assert listing["results"][0]["percent"] is None  # total unknown while queued
    r = api.post(f"/api/v1/jobs/{job.pk}/cancel/")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    again = api.post(f"/api/v1/jobs/{job.pk}/cancel/")
    assert again.status_code == 400 and "status" in again.json()


def test_api_cancel_of_a_visible_job_by_a_non_owner_is_403(users, kind, personas):
    job = job_start(actor=users["owner"], kind="t.page", params={})
    r = _api(personas.admin).post(f"/api/v1/jobs/{job.pk}/cancel/")  # sees all jobs, did not start it
    assert r.status_code == 403
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED


def test_anonymous(users, kind):
    job = job_start(actor=users["owner"], kind="t.page", params={})
    assert Client().get(reverse("jobs:detail", args=[job.pk])).status_code == 302
    assert APIClient().get("/api/v1/jobs/").status_code == 401
