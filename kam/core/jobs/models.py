"""Background jobs (issue 8 §1): ``Job`` — one run of a registered job kind that a user (or the
scheduler) started, with its progress, result or error and output file — and the periodic
``ScheduledJob`` with one ``ScheduledRun`` per due time (a unique constraint: two workers never
enqueue the same run). Infrastructure records, not domain records: not change-logged."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

DEFAULT_TIMEZONE = "Asia/Shanghai"


def job_file_path(instance: Job, filename: str) -> str:
    """``jobs/<random>.<ext>`` under MEDIA_ROOT: the name says nothing and cannot be guessed; the
    user's file name is kept in ``Job.file_name`` for the download."""
    ext = os.path.splitext(filename)[1].lower()
    ext = ext if ext[1:].isalnum() and len(ext) <= 10 else ""
    return f"jobs/{uuid.uuid4().hex}{ext}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


JOB_STATUS_CHOICES = JobStatus.choices  # the API's JobStatusEnum
FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class Job(models.Model):
    Status = JobStatus

    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveBigIntegerField(_("done"), default=0)
    total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to=job_file_path, max_length=255, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("created at"), default=now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["actor", "-created_at"], name="jobs_job_actor_created"),
            models.Index(fields=["status", "heartbeat_at"], name="jobs_job_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return self.title or self.kind_label

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("jobs:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int | None:
        """Progress in whole percent (100 when succeeded), None while the total is unknown."""
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return None
        return max(0, min(100, int(self.done * 100 // self.total)))

    @property
    def kind_label(self) -> str:
        from kam.core.registry import registry

        try:
            return str(registry.get("job_kinds", self.kind).label)
        except KeyError:
            return self.kind


class ScheduledJob(models.Model):
    """A periodic job: whenever ``cron`` is due (in ``timezone``) the scheduler enqueues the job
    kind ``kind`` with ``params`` (a ``Job`` users and admins can follow) or the django-tasks task
    at the dotted path ``task``. Default rows come from the ``scheduled_jobs`` registry key."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("job kind"), max_length=64, blank=True)
    task = models.CharField(_("task path"), max_length=200, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    cron = models.CharField(_("cron expression"), max_length=100)
    timezone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIMEZONE)
    enabled = models.BooleanField(_("enabled"), default=True)
    last_due_at = models.DateTimeField(_("last due time"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from .scheduler import validate_schedule

        validate_schedule(self)


class ScheduledRun(models.Model):
    """One due run of a ``ScheduledJob``: inserted once per (scheduled job, due time) — the worker
    whose insert loses the race enqueues nothing."""

    scheduled = models.ForeignKey(
        ScheduledJob, verbose_name=_("scheduled job"), on_delete=models.CASCADE, related_name="runs"
    )
    due_at = models.DateTimeField(_("due time"))
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    job = models.ForeignKey(
        Job, verbose_name=_("job"), on_delete=models.SET_NULL, null=True, blank=True, related_name="scheduled_runs"
    )
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        ordering = ["-due_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["scheduled", "due_at"], name="jobs_run_once_per_due_time")]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="jobs_run_status_heartbeat")]

    def __str__(self) -> str:
        from django.utils.timezone import localtime

        return localtime(self.due_at).strftime("%Y-%m-%d %H:%M")
