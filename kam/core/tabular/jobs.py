"""The import and export as background jobs (kam.core.jobs): kinds ``tabular.import`` and
``tabular.export``. The job's result is what ``GET /api/v1/jobs/{id}/`` shows: for an import
the counts ``created``, ``updated``, ``unchanged``, ``errors`` and ``error_rows`` (row, column,
message); for an export ``rows``. Files (the error report, the export) are the job's file,
downloaded through the jobs app's checked view. The change log of an import carries source
``import`` and the job's id as its request id."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from kam.core.context import change_context
from kam.core.jobs.services import JobFailed
from kam.core.registry import JobKind

from . import engine
from .reader import FileRefused


def run_import_job(run) -> dict:
    p = run.params
    token = p["token"]
    kind = token.rsplit(".", 1)[-1]
    dry_run = bool(p.get("dry_run", True))
    try:
        path = engine.upload_path(token)
        with change_context(source="import", actor=run.actor, request_id=f"job-{run.job.pk}"):
            return engine.run_import(
                actor=run.actor,
                spec_key=p["spec"],
                path=path,
                kind=kind,
                mode=p["mode"],
                dry_run=dry_run,
                progress=run.progress,
                report=lambda name, report_path: run.save_file(name, report_path),
            )
    except FileRefused as exc:
        raise ValidationError(str(exc)) from None
    except engine.ImportFailed as exc:
        # nothing written; the job fails, its result keeps the counts and the errors by row and column
        raise JobFailed(str(exc), exc.result) from None
    finally:
        if not dry_run or p.get("discard"):
            engine.discard_upload(token)


def run_export_job(run) -> dict:
    p = dict(run.params)
    spec = p.pop("spec")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.xlsx"
        result = engine.run_export(actor=run.actor, spec_key=spec, params=p, path=path, progress=run.progress)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        run.save_file(f"{spec}-{stamp}.xlsx", path)
    return {**result, "url": download_url(run.job.pk)}


def download_url(job_id: int) -> str | None:
    """The job's file through the jobs API (``GET /api/v1/jobs/{id}/file/``): checked like the job
    itself, and reachable with an API token as well as in a signed-in browser."""
    from django.urls import reverse

    return reverse("api-job-file", args=[job_id])


KINDS = (
    JobKind("tabular.import", gettext_lazy("Excel import"), run_import_job, order=50),
    JobKind("tabular.export", gettext_lazy("Excel export"), run_export_job, order=51),
)
