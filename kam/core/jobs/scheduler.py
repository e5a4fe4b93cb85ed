"""Periodic jobs and the reaper (issue 8 §1; every django-tasks scheduler add-on needs Django 6, so
this one is ours).

``tick(now)`` — called by every ``kam worker`` every ``KAM_SCHEDULER_SECONDS`` — finds, for each
enabled ``ScheduledJob``, the latest due time of its cron expression (in its time zone) after the
last one it ran, and inserts a ``ScheduledRun`` for it. The unique constraint on (scheduled job,
due time) makes the insert of a second worker ticking for the same due time fail; that worker
enqueues nothing, so each due run is enqueued exactly once. Runs missed while no worker was up
are not replayed one by one: the latest missed due time runs once.

``reap(now)`` fails jobs and runs "running" without a sign of life for ``KAM_JOB_STUCK_SECONDS``
(their worker died); the ``Job`` gets ``job_finished`` like any other end.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from kam.core.context import change_context
from kam.core.registry import registry

from .models import Job, JobStatus, ScheduledJob, ScheduledRun

logger = logging.getLogger("kam.jobs.scheduler")


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _task(path: str) -> Any:
    from django_tasks.base import Task

    try:
        obj = import_string(path)
    except ImportError:
        return None
    return obj if isinstance(obj, Task) else None


def validate_schedule(schedule: ScheduledJob) -> None:
    """Raise a keyed ``ValidationError`` unless ``schedule`` names exactly one registered job kind
    or django-tasks task, a valid cron expression and a known time zone."""
    errors: dict[str, str] = {}
    if bool(schedule.kind) == bool(schedule.task):
        errors["kind"] = _("Give either a job kind or a task path, not both.")
    elif schedule.kind and schedule.kind not in {k.key for k in registry["job_kinds"]}:
        errors["kind"] = _("Unknown job kind “{}”.").format(schedule.kind)
    elif schedule.task and _task(schedule.task) is None:
        errors["task"] = _("“{}” is not a django-tasks task.").format(schedule.task)
    zone = _zone(schedule.timezone)
    if zone is None:
        errors["timezone"] = _("Unknown time zone “{}”.").format(schedule.timezone)
    try:
        CronSim(schedule.cron, datetime.now(zone or ZoneInfo("UTC")))
    except (CronSimError, ValueError, TypeError):
        errors["cron"] = _("“{}” is not a valid cron expression (minute hour day month weekday).").format(schedule.cron)
    if errors:
        raise ValidationError(errors)


def latest_due(schedule: ScheduledJob, now: datetime) -> datetime | None:
    """The latest due time of ``schedule`` at or before ``now`` that is after its last due time
    (or after its creation), or None if nothing is due."""
    zone = _zone(schedule.timezone)
    if zone is None:
        return None
    try:
        due = next(CronSim(schedule.cron, now.astimezone(zone) + timedelta(microseconds=1), reverse=True))
    except (CronSimError, ValueError, TypeError, StopIteration):
        return None
    base = schedule.last_due_at or schedule.created_at
    if due <= base:
        return None
    return due


def next_due(schedule: ScheduledJob, now: datetime) -> datetime | None:
    """The next due time after ``now`` (shown in the admin)."""
    zone = _zone(schedule.timezone)
    if zone is None:
        return None
    try:
        return next(CronSim(schedule.cron, now.astimezone(zone)))
    except (CronSimError, ValueError, TypeError, StopIteration):
        return None


def _claim(schedule: ScheduledJob, due: datetime) -> ScheduledRun | None:
    """Insert the run of ``schedule`` at ``due`` and enqueue it, or None if another worker did."""
    from .services import job_start

    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(scheduled=schedule, due_at=due)
            ScheduledJob.objects.filter(pk=schedule.pk).filter(
                Q(last_due_at__isnull=True) | Q(last_due_at__lt=due)
            ).update(last_due_at=due)
            if schedule.kind:
                with translation.override(settings.LANGUAGE_CODE):
                    run.job = job_start(actor=None, kind=schedule.kind, params=schedule.params)
                run.save(update_fields=["job"])
            else:
                run_id = run.pk
                transaction.on_commit(lambda: _enqueue_run(run_id))
    except IntegrityError:
        logger.info("scheduled job %s at %s was already enqueued by another worker", schedule.name, due)
        return None
    return run


def tick(now: datetime | None = None) -> list[ScheduledRun]:
    """Enqueue every due run once (see the module docstring); returns the runs this call made."""
    now = now or timezone.now()
    made = []
    for schedule in ScheduledJob.objects.filter(enabled=True):
        due = latest_due(schedule, now)
        if due is None:
            continue
        run = _claim(schedule, due)
        if run is not None:
            made.append(run)
    return made


def _enqueue_run(run_id: int) -> None:
    from .tasks import run_scheduled_task

    try:
        result = run_scheduled_task.enqueue(run_id)
    except Exception:
        logger.exception("scheduled run %s could not be enqueued", run_id)
        ScheduledRun.objects.filter(pk=run_id, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED, error="enqueue failed", finished_at=timezone.now()
        )
        return
    ScheduledRun.objects.filter(pk=run_id, task_id="").update(task_id=str(result.id)[:64])


def run_scheduled(run_id: int) -> None:
    """Run the task of scheduled run ``run_id`` once (idempotent: a run not queued is skipped)."""
    now = timezone.now()
    if not ScheduledRun.objects.filter(pk=run_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
    ):
        return
    run = ScheduledRun.objects.select_related("scheduled").get(pk=run_id)
    task = _task(run.scheduled.task)
    status, error = JobStatus.SUCCEEDED, ""
    try:
        if task is None:
            raise ValidationError(_("“{}” is not a django-tasks task.").format(run.scheduled.task))
        with change_context(source="job", request_id=f"run-{run.pk}"[:32]):
            task.call(**(run.scheduled.params or {}))
    except ValidationError as exc:
        status, error = JobStatus.FAILED, "\n".join(str(m) for m in exc.messages)
    except Exception as exc:
        logger.exception("scheduled run %s (%s) failed", run.pk, run.scheduled.task)
        status, error = JobStatus.FAILED, type(exc).__name__
    ScheduledRun.objects.filter(pk=run_id, status=JobStatus.RUNNING).update(
        status=status, error=error, finished_at=timezone.now()
    )


def mirror_job(job: Job) -> None:
    """A scheduled run of a job kind ends with its job (``job_finished`` receiver)."""
    ScheduledRun.objects.filter(job=job).update(status=job.status, error=job.error[:1000], finished_at=job.finished_at)


def reap(now: datetime | None = None) -> tuple[int, int]:
    """Fail the jobs and scheduled runs stuck in "running" (no sign of life for
    ``KAM_JOB_STUCK_SECONDS``). Returns (jobs, runs) reaped."""
    from .services import _finish, live_progress

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.KAM_JOB_STUCK_SECONDS)
    stale = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    jobs = 0
    for job in Job.objects.filter(status=JobStatus.RUNNING).filter(stale):
        alive = live_progress(job).heartbeat_at
        if alive is not None and alive >= cutoff:
            continue  # it reports to the cache from inside its own transaction
        with translation.override(job.language or settings.LANGUAGE_CODE):
            last = timezone.localtime(alive or job.started_at or now).strftime("%Y-%m-%d %H:%M:%S")
            error = _("The worker running this job stopped: no sign of life since {}.").format(last)
            if _finish(job.pk, JobStatus.FAILED, error=error):
                jobs += 1
                logger.warning("reaped job %s (%s): no heartbeat since %s", job.pk, job.kind, last)
    runs = (
        ScheduledRun.objects.filter(status=JobStatus.RUNNING, job__isnull=True)
        .filter(stale)
        .update(status=JobStatus.FAILED, error="reaped: no sign of life", finished_at=now)
    )
    return jobs, runs


def sync_scheduled_jobs(using: str = "default") -> list[str]:
    """Create the registered default schedules that have no row yet (never overwrite an admin's
    edits). Returns the names created."""
    created = []
    for spec in registry["scheduled_jobs"]:
        _obj, made = ScheduledJob.objects.using(using).get_or_create(
            name=spec.key,
            defaults={
                "kind": spec.kind,
                "task": spec.task,
                "params": dict(spec.params),
                "cron": spec.cron,
                "timezone": spec.timezone,
                "enabled": spec.enabled,
            },
        )
        if made:
            created.append(spec.key)
    return created


def sync_after_migrate(sender, using="default", apps=None, **kwargs) -> None:
    """``post_migrate`` handler; skipped when the migrated state has no schedule table."""
    if apps is not None:
        try:
            apps.get_model("jobs", "ScheduledJob")
        except LookupError:
            return
    sync_scheduled_jobs(using=using)


def scheduler_loop(stop: threading.Event, interval: float | None = None) -> None:
    """What ``kam worker`` runs beside the task worker: tick and reap until ``stop`` is set."""
    interval = settings.KAM_SCHEDULER_SECONDS if interval is None else interval
    while not stop.is_set():
        try:
            close_old_connections()
            tick()
            reap()
        except Exception:  # keep scheduling after a database hiccup
            logger.exception("scheduler tick failed")
        finally:
            close_old_connections()
        stop.wait(interval)
