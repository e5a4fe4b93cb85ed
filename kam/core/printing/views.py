"""The print view and the PDF download of a registered form (``/print/<key>/<pk>/`` and
``/print/<key>/<pk>/pdf/``). Anonymous → login, no permission → 403, outside the scope → 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from kam.core.downloads import content_disposition

from . import form_entry, pdf_filename, record_get, render_html, render_pdf


@require_GET
@login_required
def print_view(request, key: str, pk: int):
    """The form as an A4 page to print from the browser (``@media print``: the toolbar hides)."""
    form = form_entry(key)
    obj = record_get(user=request.user, form=form, pk=pk)
    return HttpResponse(render_html(request, form, obj))


@require_GET
@login_required
def pdf_view(request, key: str, pk: int):
    """The same form as a PDF (WeasyPrint), downloaded."""
    form = form_entry(key)
    obj = record_get(user=request.user, form=form, pk=pk)
    response = HttpResponse(render_pdf(render_html(request, form, obj, pdf=True)), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(pdf_filename(form, obj), obj.pk)
    response["Cache-Control"] = "private, no-store"
    return response
