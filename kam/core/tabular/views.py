"""The import wizard (R2.3): upload (spec, mode, file) → preview (counts, errors by row and
column, the error report, confirm) → the write (all rows or none) → done; the template per spec;
the export of a list as filtered and sorted.

An upload is stored under a random token (:func:`engine.store_upload`) and remembered in the
user's session with the spec and mode chosen, so only the user who uploaded it can preview or
confirm it (anyone else: 404). The file is deleted once the import has been confirmed.

Permissions come from the spec (``spec.permission(user, action)``): 403 without them; the rows
themselves are scoped by the spec's app.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from . import engine
from .reader import FileRefused
from .specs import MODES

SESSION_KEY = "kam_imports"
MODE_LABELS = {
    "create": gettext_lazy("Create new records only"),
    "update": gettext_lazy("Update existing records only"),
    "upsert": gettext_lazy("Create and update"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _spec_or_404(key: str):
    try:
        return engine.get_spec(key)
    except KeyError:
        raise Http404 from None


def importable_specs(user, mode: str | None = None):
    return [s for s in engine.specs() if any(s.permission(user, m) for m in ([mode] if mode else MODES))]


class UploadForm(forms.Form):
    spec = forms.ChoiceField(label=gettext_lazy("Table"))
    mode = forms.ChoiceField(
        label=gettext_lazy("Mode"), choices=[(k, v) for k, v in MODE_LABELS.items()], initial="upsert"
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("An Excel workbook (.xlsx) or a CSV file (UTF-8 or GB18030)."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["spec"].choices = [(s.key, s.label) for s in importable_specs(user)]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name != "file" else "form-control"

    def clean(self):
        data = super().clean()
        spec, mode = data.get("spec"), data.get("mode")
        if spec and mode and not engine.get_spec(spec).permission(self.user, mode):
            self.add_error("mode", _("You may not import in this mode."))
        return data


def _imports(request) -> dict:
    return request.session.setdefault(SESSION_KEY, {})


def _entry(request, token: str) -> dict:
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if entry is None or entry.get("user") != request.user.pk:
        raise Http404
    return entry


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request):
    """Step 1: the upload form; a valid upload is validated at once (a dry run)."""
    if not importable_specs(request.user):
        raise PermissionDenied
    initial = {k: request.GET[k] for k in ("spec", "mode") if k in request.GET}
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            token = engine.store_upload(upload, upload.name)
        except FileRefused as exc:
            form.add_error("file", str(exc))
        else:
            spec, mode = form.cleaned_data["spec"], form.cleaned_data["mode"]
            job = _start_job(request.user, spec=spec, token=token, mode=mode, dry_run=True, name=upload.name)
            entries = _imports(request)
            key = token.split(".")[0]  # the page's address: no file extension in it
            entries[key] = {
                "token": token,
                "user": request.user.pk,
                "spec": spec,
                "mode": mode,
                "name": upload.name[:200],
                "check_job": job.pk,
                "at": timezone.now().isoformat(),
            }
            request.session.modified = True
            return redirect("tabular:preview", token=key)
    return render(request, "tabular/import_start.html", {"form": form, "specs": importable_specs(request.user)})


def _start_job(actor, *, spec: str, token: str, mode: str, dry_run: bool, name: str):
    from django.db import transaction

    from kam.core.jobs.services import job_start

    title = (_("Check {name}") if dry_run else _("Import {name}")).format(name=name[:150])
    with transaction.atomic():
        return job_start(
            actor=actor,
            kind="tabular.import",
            params={"spec": spec, "token": token, "mode": mode, "dry_run": dry_run},
            title=title,
        )


def _job(request, job_id: int | None):
    from kam.core.jobs.models import Job

    if job_id is None:
        return None
    return Job.objects.filter(pk=job_id, actor=request.user).first()


@login_required
def import_preview(request, token: str):
    """The import's page: the check's progress, then its result — N new, N updated, N
    unchanged, N errors, the errors by row and column, the report, the confirm button (only
    without errors) — then the write's progress and its result. HTMX polls ``?poll=1`` while a
    job runs."""
    entry = _entry(request, token)
    spec = _spec_or_404(entry["spec"])
    check, write = _job(request, entry.get("check_job")), _job(request, entry.get("write_job"))
    job = write or check
    if job is None:
        raise Http404
    context = {
        "token": token,
        "entry": entry,
        "spec": spec,
        "mode_label": MODE_LABELS.get(entry["mode"], ""),
        "job": job,
        "check": check,
        "write": write,
        "result": (job.result or (check.result if check else None)) or {},
        "running": not job.is_finished,
    }
    template = "tabular/import_preview.html"
    if request.GET.get("poll"):
        template += "#status"
    return render(request, template, context)


@login_required
@require_POST
def import_confirm(request, token: str):
    """Step 2: write all rows or none, as a job — validated again as it runs; the upload is
    deleted after."""
    entry = _entry(request, token)
    spec = _spec_or_404(entry["spec"])
    if not spec.permission(request.user, entry["mode"]):
        raise PermissionDenied
    check = _job(request, entry.get("check_job"))
    if entry.get("write_job") or check is None or not check.is_finished or (check.result or {}).get("errors", 1):
        return redirect("tabular:preview", token=token)
    job = _start_job(
        request.user, spec=entry["spec"], token=entry["token"], mode=entry["mode"], dry_run=False, name=entry["name"]
    )
    entry["write_job"] = job.pk
    request.session.modified = True
    return redirect("tabular:preview", token=token)


@login_required
def import_report(request, token: str):
    """The error report of an upload's check: its rows in error with the bad cells marked."""
    entry = _entry(request, token)
    job = _job(request, entry.get("write_job")) or _job(request, entry.get("check_job"))
    if job is None or not job.file:
        job = _job(request, entry.get("check_job"))
    if job is None or not job.file:
        raise Http404
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.file_name or "errors.xlsx", content_type=XLSX
    )


def template_response(spec) -> FileResponse:
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by FileResponse
    engine.template(spec.key, Path(tmp.name))
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=f"{spec.key}-template.xlsx", content_type=XLSX)


@login_required
def import_template(request, spec: str):
    """The template of a spec: headings, an example row, drop-down lists for choice columns."""
    s = _spec_or_404(spec)
    if not any(s.permission(request.user, m) for m in MODES):
        raise PermissionDenied
    return template_response(s)


@login_required
def export(request, spec: str):
    """导出: the list as filtered and sorted — the list page's own query string — to .xlsx, as a
    job: the page shows its progress and then the download."""
    s = _spec_or_404(spec)
    if not s.permission(request.user, "export"):
        raise PermissionDenied
    params = request.GET.copy()
    try:
        s.export_rows(request.user, params)  # the parameters are checked before the job starts
    except ValidationError as exc:
        return HttpResponseBadRequest("; ".join(exc.messages))
    from django.db import transaction

    from kam.core.jobs.services import job_start

    with transaction.atomic():
        job = job_start(
            actor=request.user,
            kind="tabular.export",
            params={"spec": s.key, **{k: params.getlist(k)[-1] for k in params}},
            title=_("Export {spec}").format(spec=s.label),
        )
    return redirect("tabular:export-job", job_id=job.pk)


@login_required
def export_job(request, job_id: int):
    """An export's progress bar, then its download link (HTMX polls ``?poll=1``)."""
    job = _job(request, job_id)
    if job is None or job.kind != "tabular.export":
        raise Http404
    template = "tabular/export_job.html" + ("#status" if request.GET.get("poll") else "")
    return render(request, template, {"job": job, "running": not job.is_finished})


@login_required
def export_download(request, job_id: int):
    job = _job(request, job_id)
    if job is None or job.kind != "tabular.export" or not job.file:
        raise Http404
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.file_name or "export.xlsx", content_type=XLSX
    )
