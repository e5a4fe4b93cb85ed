"""The jobs app's own periodic job: delete finished jobs (and their files), finished scheduled
runs (a schedule every minute makes 1,440 a day) and django-tasks' finished task rows older than
``KAM_JOB_KEEP_DAYS``. Idempotent: a second run finds nothing. A deleted run is never replayed:
the scheduler enqueues from ``ScheduledJob.last_due_at`` onwards."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import FINISHED, Job, ScheduledRun


def prune_jobs(run) -> dict:
    cutoff = timezone.now() - timedelta(days=settings.KAM_JOB_KEEP_DAYS)
    old = Job.objects.filter(status__in=FINISHED, finished_at__lt=cutoff)
    total = old.count()
    run.progress(0, total)
    deleted = 0
    for job in old.only("pk", "file").iterator(chunk_size=500):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        deleted += 1
        run.progress(deleted, total)
    runs, _ = ScheduledRun.objects.filter(status__in=FINISHED, created_at__lt=cutoff).delete()
    tasks = 0
    if "django_tasks_db" in settings.INSTALLED_APPS:
        from django_tasks_db.models import DBTaskResult

        tasks, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return {"jobs": deleted, "scheduled_runs": runs, "tasks": tasks}
