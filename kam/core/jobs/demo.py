"""demo step (issue 8 §1): last night's run of the scheduled ``jobs.prune`` (finished, with its
``ScheduledRun``) and one the administrator started by hand — so 我的任务 and the admin's
scheduled jobs show populated. Idempotent: a second ``kam demo`` adds nothing."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .models import Job, ScheduledJob, ScheduledRun
from .scheduler import latest_due, sync_scheduled_jobs
from .services import run_job


def _run_now(**fields) -> Job:
    job = Job.objects.create(kind="jobs.prune", language="zh-hans", **fields)
    return run_job(job.pk) or job


def load(ctx) -> None:
    sync_scheduled_jobs()
    schedule = ScheduledJob.objects.get(name="jobs.prune")
    now = timezone.now()
    if not ScheduledRun.objects.filter(scheduled=schedule).exists():
        probe = ScheduledJob(cron=schedule.cron, timezone=schedule.timezone, created_at=now - timedelta(days=2))
        due = latest_due(probe, now) or now
        job = _run_now(params={})
        ScheduledRun.objects.create(
            scheduled=schedule, due_at=due, job=job, status=job.status, finished_at=job.finished_at
        )
        ScheduledJob.objects.filter(pk=schedule.pk).update(last_due_at=due)
    admin = ctx.users.get("admin")
    if admin is not None and not Job.objects.filter(actor=admin, kind="jobs.prune").exists():
        _run_now(title="清理 90 天前的任务记录", actor=admin, params={})
