"""``kam worker`` on the database backend (issue 8 §1): a job enqueued in the database is run by
the worker, which refuses to start when the backend runs jobs itself."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from kam.core.jobs.models import Job, JobStatus
from kam.core.jobs.services import job_start
from kam.core.registry import JobKind, registry

pytestmark = pytest.mark.django_db


def test_worker_runs_database_jobs(settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    from django_tasks_db.models import DBTaskResult

    with registry.temporary("job_kinds", JobKind("t.w", "w", lambda r: {"ran": r.params["n"]})):
        with django_capture_on_commit_callbacks(execute=True):
            job = job_start(actor=None, kind="t.w", params={"n": 2})
        assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED  # waiting in the database
        assert DBTaskResult.objects.filter(id=Job.objects.get(pk=job.pk).task_id).exists()
        out = io.StringIO()
        call_command("worker", "--batch", stdout=out)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result == {"ran": 2}
    assert "DatabaseBackend" in out.getvalue()


def test_worker_refuses_the_immediate_backend():
    with pytest.raises(CommandError):
        call_command("worker", "--batch")
