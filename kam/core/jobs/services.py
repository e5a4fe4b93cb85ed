"""Starting, running and cancelling background jobs (issue 8 §1).

``job_start`` creates the ``Job`` row (queued) and enqueues the django-tasks task when the
transaction commits; a worker calls :func:`run_job`, which claims the row (queued → running, once),
runs the registered kind's ``run(JobRun)`` inside a ``job`` change context and records the outcome.

How a test runs a job: the test settings use django-tasks' ``ImmediateBackend``, so the task runs
as soon as it is enqueued, i.e. on commit — wrap the start in
``django_capture_on_commit_callbacks(execute=True)`` (pytest-django), or call
``run_job(job.pk)`` yourself after ``job_start``.

Progress during a kind's own transaction (an import writes all rows or none): the row's UPDATE
would be invisible to other connections until the commit (and on SQLite would wait for the write
lock), so inside a transaction the kind opened, ``progress`` goes to the ``jobs`` cache (Redis, or
files on one machine) and the pages read it from there (:func:`live_progress`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kam.core.context import attributed, change_context
from kam.core.registry import registry

from .models import FINISHED, Job, JobStatus, ScheduledRun
from .signals import job_finished

logger = logging.getLogger("kam.jobs")


class JobCancelled(Exception):
    """Raised by ``JobRun.progress`` (or ``check_cancelled``) once the job's cancellation was
    requested; the job ends as cancelled (a kind's transaction rolls back as it propagates)."""


class JobFailed(Exception):
    """Raised by a kind's ``run`` to fail the job with a user-readable ``message`` *and* a
    ``result`` (an import that wrote nothing still reports its counts and errors by row and
    column in ``Job.result``)."""

    def __init__(self, message: str, result: dict) -> None:
        super().__init__(message)
        self.message = message
        self.result = result


def _cache():
    return caches[settings.KAM_JOBS_CACHE]


def _progress_key(job_id: int) -> str:
    return f"kam:job:{job_id}:progress"


def _cancel_key(job_id: int) -> str:
    return f"kam:job:{job_id}:cancel"


def _request_id(job_id: int) -> str:
    return f"job-{job_id}"[:32]


@dataclass
class Progress:
    done: int
    total: int | None
    heartbeat_at: Any


def live_progress(job: Job) -> Progress:
    """The newest progress of ``job``: its row, or what a run inside its own transaction reported
    to the jobs cache (newer than the row)."""
    progress = Progress(job.done, job.total, job.heartbeat_at)
    if job.status != JobStatus.RUNNING:
        return progress
    cached = _cache().get(_progress_key(job.pk))
    if cached and (job.heartbeat_at is None or cached["at"] > job.heartbeat_at):
        progress = Progress(cached["done"], cached["total"], cached["at"])
    return progress


class JobRun:
    """What a job kind's ``run`` receives: ``job``, ``params``, ``actor``, ``progress()``,
    ``check_cancelled()``, ``save_file()``."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.params: dict = job.params or {}
        self.actor = job.actor
        self._last_write = time.monotonic()
        self._atomic_depth = len(connection.atomic_blocks)
        self.writes = 0  # how many times progress was written (tests, bench)

    def _in_own_transaction(self) -> bool:
        return len(connection.atomic_blocks) > self._atomic_depth

    def progress(self, done: int, total: int | None = None) -> None:
        """Report ``done`` of ``total`` items (total None: unchanged). Cheap to call per row: it
        writes at most every ``KAM_JOB_PROGRESS_SECONDS`` (and when done reaches total), and at
        each write raises :class:`JobCancelled` if cancellation was requested."""
        self.job.done = max(0, int(done))
        if total is not None:
            self.job.total = max(0, int(total))
        now = time.monotonic()
        finished = self.job.total is not None and self.job.done >= self.job.total
        if now - self._last_write < settings.KAM_JOB_PROGRESS_SECONDS and not finished:
            return
        self._last_write = now
        self._write()
        self.check_cancelled()

    def _write(self) -> None:
        self.writes += 1
        at = timezone.now()
        self.job.heartbeat_at = at
        if self._in_own_transaction():
            _cache().set(
                _progress_key(self.job.pk),
                {"done": self.job.done, "total": self.job.total, "at": at},
                timeout=settings.KAM_JOB_STUCK_SECONDS * 2,
            )
        else:
            Job.objects.filter(pk=self.job.pk).update(done=self.job.done, total=self.job.total, heartbeat_at=at)

    def heartbeat(self) -> None:
        """Say the job is alive without progress to report (a long step): keeps the reaper away."""
        self._write()

    def check_cancelled(self) -> None:
        """Raise :class:`JobCancelled` if the job's cancellation was requested."""
        if _cache().get(_cancel_key(self.job.pk)):
            raise JobCancelled()
        if not self._in_own_transaction() and Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise JobCancelled()

    def save_file(self, filename: str, content: bytes | str | os.PathLike) -> None:
        """Store ``content`` (bytes, or the path of a file the kind wrote) as ``Job.file`` under
        MEDIA_ROOT/jobs/ with a random name; ``filename`` is what the download is called."""
        name = Path(str(filename)).name[:200] or "download"
        if self.job.file:
            self.job.file.delete(save=False)
        if isinstance(content, bytes):
            self.job.file.save(name, ContentFile(content), save=False)
        else:
            with open(content, "rb") as fh:
                self.job.file.save(name, File(fh), save=False)
        self.job.file_name = name
        Job.objects.filter(pk=self.job.pk).update(file=self.job.file.name, file_name=name)


def _kind(key: str):
    try:
        return registry.get("job_kinds", key)
    except KeyError:
        return None


@attributed
@transaction.atomic
def job_start(*, actor, kind: str, params: dict | None = None, title: str = "") -> Job:
    """Create a queued job of the registered ``kind`` for ``actor`` and enqueue it on commit."""
    entry = _kind(kind)
    if entry is None:
        raise ValidationError({"kind": _("Unknown job kind “{}”.").format(kind)})
    job = Job(
        kind=kind,
        title=title[:200],  # blank: pages show the kind's label in the reader's language
        actor=actor if getattr(actor, "pk", None) else None,
        params=params or {},
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int) -> None:
    """Hand job ``job_id`` to the task backend (called on commit). A backend that refuses (Redis
    down) fails the job with a clear error instead of leaving it queued forever."""
    from .tasks import run_job_task

    try:
        result = run_job_task.enqueue(job_id)
    except Exception:
        logger.exception("job %s could not be enqueued", job_id)
        _finish(job_id, JobStatus.FAILED, error=_("The job could not be queued; please try again later."))
        return
    Job.objects.filter(pk=job_id, task_id="").update(task_id=str(result.id)[:64])


def _check_cancel(actor, job: Job) -> None:
    if not (getattr(actor, "is_superuser", False) or (job.actor_id is not None and job.actor_id == actor.pk)):
        raise PermissionDenied(_("Only the user who started this job can cancel it."))
    if job.status in FINISHED:
        raise ValidationError({"status": _("This job has already finished.")})


@attributed
def job_cancel(*, actor, job: Job) -> Job:
    """Cancel ``job``: a queued job ends at once; a running one stops at its next progress report.
    Only the user who started it (or a superuser) may cancel it.

    The flag goes to the jobs cache before any write: a job writing all its rows in one
    transaction holds SQLite's write lock until it sees the flag and rolls back."""
    current = Job.objects.get(pk=job.pk)
    _check_cancel(actor, current)
    if current.status == JobStatus.RUNNING:
        _cache().set(_cancel_key(current.pk), True, timeout=settings.KAM_JOB_STUCK_SECONDS * 4)
    return _cancel(actor=actor, job=current)


@transaction.atomic
def _cancel(*, actor, job: Job) -> Job:
    job = Job.objects.select_for_update().get(pk=job.pk)
    _check_cancel(actor, job)
    if job.status == JobStatus.QUEUED:
        now = timezone.now()
        Job.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED, cancel_requested=True, finished_at=now)
        job.refresh_from_db()
        transaction.on_commit(lambda: job_finished.send(sender=Job, job=job))
        return job
    _cache().set(_cancel_key(job.pk), True, timeout=settings.KAM_JOB_STUCK_SECONDS * 4)
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    job.refresh_from_db()
    return job


def _jsonable(value: Any) -> Any:
    """``value`` as plain JSON (Decimal, dates, lazy strings → text); TypeError if it cannot be."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _error_text(exc: ValidationError) -> str:
    return "\n".join(str(m) for m in exc.messages)


def _finish(job_id: int, status: str, *, error: str = "", result: Any = None, job: Job | None = None) -> bool:
    """Record the end of a running (or queued) job once; False if it had already ended (e.g. the
    reaper failed it meanwhile). Sends ``job_finished``."""
    fields: dict[str, Any] = {"status": status, "error": error, "finished_at": timezone.now()}
    if result is not None:
        fields["result"] = result
    if job is not None:
        fields.update(done=job.done, total=job.total, heartbeat_at=job.heartbeat_at)
        if status == JobStatus.SUCCEEDED and job.total is not None:
            fields["done"] = max(job.done, job.total)
    updated = Job.objects.filter(pk=job_id, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).update(**fields)
    _cache().delete_many([_progress_key(job_id), _cancel_key(job_id)])
    if not updated:
        return False
    finished = Job.objects.select_related("actor").get(pk=job_id)
    job_finished.send(sender=Job, job=finished)
    return True


def _beat(job: Job, stop: threading.Event) -> None:
    """While the job's worker lives, say so to the jobs cache every few seconds (a kind may run one
    long step without progress to report): only a dead worker goes quiet and gets reaped."""
    interval = max(1.0, min(60.0, settings.KAM_JOB_STUCK_SECONDS / 5))
    while not stop.wait(interval):
        try:
            _cache().set(
                _progress_key(job.pk),
                {"done": job.done, "total": job.total, "at": timezone.now()},
                timeout=settings.KAM_JOB_STUCK_SECONDS * 2,
            )
        except Exception:  # the heartbeat must never break the job
            logger.exception("heartbeat of job %s failed", job.pk)


def run_job(job_id: int) -> Job | None:
    """Run job ``job_id`` (what the task calls; a test may call it directly). Idempotent: a job
    that is not queued (already run, running elsewhere, cancelled) is returned untouched."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED, cancel_requested=False).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        logger.info("job %s is not queued any more; nothing to do", job_id)
        return Job.objects.filter(pk=job_id).first()
    ScheduledRun.objects.filter(job_id=job_id).update(status=JobStatus.RUNNING, started_at=now)
    job = Job.objects.select_related("actor").get(pk=job_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        entry = _kind(job.kind)
        if entry is None:
            _finish(job.pk, JobStatus.FAILED, error=_("Unknown job kind “{}”.").format(job.kind))
            return Job.objects.get(pk=job.pk)
        run = JobRun(job)
        stop = threading.Event()
        threading.Thread(target=_beat, args=(job, stop), daemon=True, name=f"kam-job-{job.pk}-beat").start()
        try:
            try:
                with change_context(source="job", actor=job.actor, request_id=_request_id(job.pk)):
                    value = entry.run(run)
            finally:
                stop.set()
        except JobCancelled:
            _finish(job.pk, JobStatus.CANCELLED, job=job)
        except JobFailed as exc:
            _finish(job.pk, JobStatus.FAILED, error=exc.message, result=_jsonable(exc.result), job=job)
        except ValidationError as exc:
            result = (
                {"errors": {k: [str(m) for m in v] for k, v in exc.message_dict.items()}}
                if hasattr(exc, "error_dict")
                else None
            )
            _finish(job.pk, JobStatus.FAILED, error=_error_text(exc), result=result, job=job)
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            _finish(
                job.pk,
                JobStatus.FAILED,
                error=_(
                    "The job failed because of an unexpected error. "
                    "The administrators can find the details in the server log."
                ),
                job=job,
            )
        else:
            try:
                result = _jsonable(value if value is not None else {})
            except (TypeError, ValueError):
                logger.exception("job %s (%s) returned a result that is not JSON", job.pk, job.kind)
                _finish(
                    job.pk, JobStatus.FAILED, error=_("The job finished but its result could not be saved."), job=job
                )
            else:
                _finish(job.pk, JobStatus.SUCCEEDED, result=result, job=job)
    return Job.objects.get(pk=job.pk)
