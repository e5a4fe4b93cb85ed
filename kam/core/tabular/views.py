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
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kam.core.context import change_context, current_context

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


def run_inline(*, actor, spec: str, token: str, mode: str, dry_run: bool, request_id: str | None = None) -> dict:
    """Run an import step now (the pages and the API without a job worker): the result dict, or
    ``{"refused": message}`` for a file that cannot be read; an error report is stored beside
    the upload as ``<token>.errors.xlsx``."""
    kind = token.rsplit(".", 1)[-1]

    def keep_report(name: str, path: Path) -> None:
        (engine.upload_dir() / (token + ".errors.xlsx")).write_bytes(path.read_bytes())

    try:
        path = engine.upload_path(token)
        with change_context(source="import", actor=actor, request_id=request_id or current_context().request_id):
            return engine.run_import(
                actor=actor, spec_key=spec, path=path, kind=kind, mode=mode, dry_run=dry_run, report=keep_report
            )
    except FileRefused as exc:
        return {"refused": str(exc)}
    except engine.ImportFailed as exc:
        return {**exc.result, "failed": True}


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
            result = run_inline(actor=request.user, spec=spec, token=token, mode=mode, dry_run=True)
            if "refused" in result:
                engine.discard_upload(token)
                form.add_error("file", result["refused"])
            else:
                entries = _imports(request)
                entries[token] = {
                    "user": request.user.pk,
                    "spec": spec,
                    "mode": mode,
                    "name": upload.name[:200],
                    "preview": result,
                    "at": timezone.now().isoformat(),
                }
                request.session.modified = True
                return redirect("tabular:preview", token=token)
    return render(request, "tabular/import_start.html", {"form": form, "specs": importable_specs(request.user)})


@login_required
def import_preview(request, token: str):
    """Step 1's result: N new, N updated, N unchanged, N errors; the errors by row and column;
    the report; the confirm button (only without errors)."""
    entry = _entry(request, token)
    spec = _spec_or_404(entry["spec"])
    return render(
        request,
        "tabular/import_preview.html",
        {
            "token": token,
            "entry": entry,
            "spec": spec,
            "mode_label": MODE_LABELS.get(entry["mode"], ""),
            "result": entry.get("done") or entry["preview"],
            "done": "done" in entry,
            "has_report": (engine.upload_dir() / (token + ".errors.xlsx")).exists(),
        },
    )


@login_required
@require_POST
def import_confirm(request, token: str):
    """Step 2: write all rows or none — validated again now; the upload is deleted after."""
    entry = _entry(request, token)
    spec = _spec_or_404(entry["spec"])
    if not spec.permission(request.user, entry["mode"]):
        raise PermissionDenied
    if "done" in entry:
        return redirect("tabular:preview", token=token)
    result = run_inline(actor=request.user, spec=entry["spec"], token=token, mode=entry["mode"], dry_run=False)
    if "refused" in result:
        messages.error(request, result["refused"])
        return redirect("tabular:start")
    entry["done"] = result
    request.session.modified = True
    if result.get("failed"):
        messages.error(request, _("Nothing was imported: some rows became invalid since the preview."))
    else:
        engine.discard_upload(token)
        messages.success(
            request,
            _("Imported: {created} created, {updated} updated, {unchanged} unchanged.").format(**result),
        )
    return redirect("tabular:preview", token=token)


@login_required
def import_report(request, token: str):
    """The error report of an upload: its rows in error with the bad cells marked."""
    _entry(request, token)
    path = engine.upload_dir() / (token + ".errors.xlsx")
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename="import-errors.xlsx", content_type=XLSX)


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


def export_response(actor, spec, params) -> FileResponse:
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by FileResponse
    engine.run_export(actor=actor, spec_key=spec.key, params=params, path=Path(tmp.name))
    tmp.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(tmp, as_attachment=True, filename=f"{spec.key}-{stamp}.xlsx", content_type=XLSX)


@login_required
def export(request, spec: str):
    """导出: the list as filtered and sorted — the list page's own query string — to .xlsx."""
    s = _spec_or_404(spec)
    if not s.permission(request.user, "export"):
        raise PermissionDenied
    try:
        return export_response(request.user, s, request.GET)
    except ValidationError as exc:
        return HttpResponseBadRequest("; ".join(exc.messages))
