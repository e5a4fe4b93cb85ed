"""Background jobs (issue 8 §1): starting, running, progress, cancellation, outcomes, visibility.

How a test runs a job: the test settings use django-tasks' ImmediateBackend, so a job runs when
its start commits — ``django_capture_on_commit_callbacks(execute=True)`` around ``job_start`` —
or call ``run_job(job.pk)`` directly."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from kam.core.context import current_context
from kam.core.jobs import services
from kam.core.jobs.models import Job, JobStatus
from kam.core.jobs.selectors import jobs_visible_to
from kam.core.jobs.services import JobCancelled, job_cancel, job_start, run_job
from kam.core.jobs.signals import job_finished
from kam.core.registry import JobKind, registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_user(django_user_model):
    def make(username):
        return django_user_model.objects.create_user(username=username, password="x", name=username)

    return make


def _kind(key, run):
    return registry.temporary("job_kinds", JobKind(key, key, run))


@pytest.fixture
def finished():
    seen = []

    def receiver(sender, job, **kwargs):
        seen.append((job.pk, job.status))

    job_finished.connect(receiver)
    yield seen
    job_finished.disconnect(receiver)


def test_start_runs_on_commit_and_records_result(make_user, django_capture_on_commit_callbacks, finished):
    user = make_user("u1")
    seen = {}

    def run(r):
        ctx = current_context()
        seen.update(source=ctx.source, actor=ctx.actor, request_id=ctx.request_id, params=r.params)
        r.progress(3, 3)
        return {"rows": 3}

    with _kind("t.ok", run):
        with django_capture_on_commit_callbacks(execute=True):
            job = job_start(actor=user, kind="t.ok", params={"a": 1}, title="Test")
            assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED  # not before the commit
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"rows": 3}
    assert (job.done, job.total, job.percent) == (3, 3, 100)
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    assert job.task_id
    assert seen == {"source": "job", "actor": user, "request_id": f"job-{job.pk}", "params": {"a": 1}}
    assert len(seen["request_id"]) <= 32
    assert finished == [(job.pk, JobStatus.SUCCEEDED)]


def test_unknown_kind_is_refused_and_nothing_created(make_user):
    user = make_user("u1")
    with pytest.raises(ValidationError) as exc:
        job_start(actor=user, kind="no.such", params={})
    assert "kind" in exc.value.message_dict
    assert Job.objects.count() == 0


def test_validation_error_keeps_messages(make_user, en, finished):
    def run(r):
        raise ValidationError({"file": ["The sheet has no heading row."]})

    with _kind("t.bad", run):
        job = job_start(actor=make_user("u1"), kind="t.bad", params={})
        job = run_job(job.pk)
    assert job.status == JobStatus.FAILED
    assert job.error == "The sheet has no heading row."
    assert job.result == {"errors": {"file": ["The sheet has no heading row."]}}
    assert finished == [(job.pk, JobStatus.FAILED)]


def test_unexpected_error_is_logged_not_shown(make_user, en, monkeypatch):
    logged = []
    monkeypatch.setattr(services.logger, "exception", lambda *a: logged.append(a))

    def run(r):
        raise RuntimeError("secret internals at /srv/kam")

    with _kind("t.crash", run):
        job = run_job(job_start(actor=make_user("u1"), kind="t.crash", params={}).pk)
    assert job.status == JobStatus.FAILED
    assert "secret" not in job.error and "Traceback" not in job.error
    assert "unexpected error" in job.error
    assert logged and logged[0][1] == job.pk


def test_error_in_the_users_language(make_user):
    def run(r):
        raise RuntimeError("x")

    with _kind("t.crash", run):
        job = run_job(job_start(actor=make_user("u1"), kind="t.crash", params={}).pk)
    assert job.language == "zh-hans"
    assert "意外" in job.error


def test_run_job_is_idempotent(make_user):
    calls = []
    with _kind("t.once", lambda r: calls.append(1)):
        job = job_start(actor=make_user("u1"), kind="t.once", params={})
        run_job(job.pk)
        run_job(job.pk)
    assert calls == [1]
    assert Job.objects.get(pk=job.pk).result == {}


def test_progress_is_throttled(make_user, settings):
    settings.KAM_JOB_PROGRESS_SECONDS = 3600
    runs = []

    def run(r):
        runs.append(r)
        for i in range(1, 100_001):
            r.progress(i, 100_000)

    with _kind("t.many", run):
        job = run_job(job_start(actor=make_user("u1"), kind="t.many", params={}).pk)
    assert job.status == JobStatus.SUCCEEDED
    assert runs[0].writes == 1  # only the final one (done == total), not one per row
    assert (job.done, job.total) == (100_000, 100_000)


def test_progress_visible_while_running(make_user, settings):
    settings.KAM_JOB_PROGRESS_SECONDS = 0
    seen = []

    def run(r):
        r.progress(5, 10)
        seen.append(Job.objects.values_list("done", "total").get(pk=r.job.pk))

    with _kind("t.half", run):
        run_job(job_start(actor=make_user("u1"), kind="t.half", params={}).pk)
    assert seen == [(5, 10)]


def test_progress_inside_the_kinds_transaction_goes_to_the_cache(make_user, settings):
    settings.KAM_JOB_PROGRESS_SECONDS = 0
    seen = []

    def run(r):
        with transaction.atomic():
            r.progress(4, 8)
            job = Job.objects.get(pk=r.job.pk)
            seen.append((job.done, services.live_progress(job).done))

    with _kind("t.tx", run):
        run_job(job_start(actor=make_user("u1"), kind="t.tx", params={}).pk)
    assert seen == [(0, 4)]


def test_cancel_running_job_stops_at_next_progress(make_user, settings, finished):
    settings.KAM_JOB_PROGRESS_SECONDS = 0
    user = make_user("u1")
    done = []

    def run(r):
        for i in range(10):
            if i == 3:
                job_cancel(actor=user, job=r.job)
            r.progress(i, 10)
            done.append(i)

    with _kind("t.cancel", run):
        job = run_job(job_start(actor=user, kind="t.cancel", params={}).pk)
    assert job.status == JobStatus.CANCELLED
    assert done == [0, 1, 2]
    assert finished == [(job.pk, JobStatus.CANCELLED)]


def test_cancel_queued_job_never_runs(make_user, finished):
    user = make_user("u1")
    calls = []
    with _kind("t.q", lambda r: calls.append(1)):
        job = job_start(actor=user, kind="t.q", params={})
        job_cancel(actor=user, job=job)
        run_job(job.pk)
    assert calls == []
    assert Job.objects.get(pk=job.pk).status == JobStatus.CANCELLED


def test_cancel_refused_for_others_and_finished_jobs(make_user):
    owner, other = make_user("u1"), make_user("u2")
    with _kind("t.x", lambda r: None):
        job = job_start(actor=owner, kind="t.x", params={})
        with pytest.raises(PermissionDenied):
            job_cancel(actor=other, job=job)
        assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
        run_job(job.pk)
        with pytest.raises(ValidationError):
            job_cancel(actor=owner, job=job)
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED


def test_jobcancelled_is_an_exception_kinds_may_raise(make_user):
    def run(r):
        raise JobCancelled()

    with _kind("t.self", run):
        job = run_job(job_start(actor=make_user("u1"), kind="t.self", params={}).pk)
    assert job.status == JobStatus.CANCELLED


def test_save_file(make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def run(r):
        r.save_file("客户导出.xlsx", b"PK\x03\x04data")

    with _kind("t.file", run):
        job = run_job(job_start(actor=make_user("u1"), kind="t.file", params={}).pk)
    assert job.file_name == "客户导出.xlsx"
    assert job.file.name.startswith("jobs/") and job.file.name.endswith(".xlsx")
    assert "客户" not in job.file.name
    assert (tmp_path / job.file.name).read_bytes() == b"PK\x03\x04data"


def test_result_that_is_not_json_fails_cleanly(make_user, en):
    with _kind("t.obj", lambda r: {"x": object()}):
        job = run_job(job_start(actor=make_user("u1"), kind="t.obj", params={}).pk)
    assert job.status == JobStatus.FAILED
    assert "could not be saved" in job.error


def test_visibility(make_user):
    owner, other = make_user("u1"), make_user("u2")
    boss = make_user("boss")
    boss.is_superuser = True
    boss.save()
    with _kind("t.v", lambda r: None):
        job = job_start(actor=owner, kind="t.v", params={})
    assert list(jobs_visible_to(owner)) == [job]
    assert list(jobs_visible_to(other)) == []
    assert list(jobs_visible_to(boss)) == [job]


def test_view_all_permission(personas):
    with _kind("t.v", lambda r: None):
        job = job_start(actor=personas.sp1, kind="t.v", params={})
    assert job in jobs_visible_to(personas.admin)  # the admin role holds jobs.view_all
    assert job not in jobs_visible_to(personas.director)
    assert job not in jobs_visible_to(personas.inactive)


def test_cancel_reaches_a_job_inside_its_own_transaction_and_rolls_it_back(make_user, settings, finished):
    """An import writes all rows or none in one transaction: cancelling it stops it at its next
    progress report (the flag travels through the jobs cache) and nothing it wrote stays."""
    from kam.core.jobs.models import ScheduledJob

    settings.KAM_JOB_PROGRESS_SECONDS = 0
    user = make_user("u1")

    def run(r):
        with transaction.atomic():
            for i in range(5):
                ScheduledJob.objects.create(name=f"row {i}", task="x", cron="* * * * *")
                if i == 1:
                    job_cancel(actor=user, job=r.job)  # another request, while the rows are uncommitted
                r.progress(i + 1, 5)

    before = ScheduledJob.objects.count()
    with _kind("t.tx-cancel", run):
        job = run_job(job_start(actor=user, kind="t.tx-cancel", params={}).pk)
    assert job.status == JobStatus.CANCELLED
    # rolled back (here the cancel's own row update too: in a test it shares the job's connection)
    assert ScheduledJob.objects.count() == before
    assert finished == [(job.pk, JobStatus.CANCELLED)]


def test_failed_job_keeps_the_result_a_kind_gives_with_jobfailed(make_user, en):
    """An import that wrote nothing fails but still reports its counts and errors (JobFailed)."""

    def run(r):
        raise services.JobFailed("3 rows have errors", {"errors": 3, "error_rows": [{"row": 2, "column": "x"}]})

    with registry.temporary("job_kinds", JobKind("t.partial", "Partial", run)):
        job = Job.objects.create(kind="t.partial", actor=make_user("u"))
        run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.FAILED, "3 rows have errors")
    assert job.result == {"errors": 3, "error_rows": [{"row": 2, "column": "x"}]}


def test_prune_deletes_old_finished_jobs_their_files_and_old_scheduled_runs(make_user, settings, tmp_path):
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from kam.core.jobs.maintenance import prune_jobs
    from kam.core.jobs.models import ScheduledJob, ScheduledRun

    settings.MEDIA_ROOT = tmp_path
    settings.KAM_JOB_KEEP_DAYS = 90
    user = make_user("u")
    old = timezone.now() - timedelta(days=91)
    recent = timezone.now() - timedelta(days=89)
    gone = Job.objects.create(kind="jobs.prune", actor=user, status=JobStatus.SUCCEEDED, finished_at=old)
    gone.file.save("old.xlsx", ContentFile(b"x"))
    path = tmp_path / gone.file.name
    assert path.exists()
    kept = Job.objects.create(kind="jobs.prune", actor=user, status=JobStatus.FAILED, finished_at=recent)
    running = Job.objects.create(kind="jobs.prune", actor=user, status=JobStatus.RUNNING)
    schedule = ScheduledJob.objects.create(name="t.every-minute", task="x.y", cron="* * * * *")
    old_run = ScheduledRun.objects.create(scheduled=schedule, due_at=old, status=JobStatus.SUCCEEDED, created_at=old)
    new_run = ScheduledRun.objects.create(scheduled=schedule, due_at=recent, status=JobStatus.SUCCEEDED)

    class Run:
        def progress(self, done, total=None):
            pass

    result = prune_jobs(Run())
    assert result["jobs"] == 1 and result["scheduled_runs"] == 1
    assert set(Job.objects.values_list("pk", flat=True)) == {kept.pk, running.pk}
    assert not path.exists()
    assert set(ScheduledRun.objects.values_list("pk", flat=True)) == {new_run.pk}
    assert old_run.pk not in ScheduledRun.objects.values_list("pk", flat=True)
    assert prune_jobs(Run())["jobs"] == 0  # idempotent
