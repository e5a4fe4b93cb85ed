"""The print view and the PDF download of a registered form (``/print/<key>/<pk>/`` and
``/print/<key>/<pk>/pdf/``). Anonymous → login, no permission → 403, outside the scope → 404."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kam.core.downloads import content_disposition

from . import PdfUnavailable, form_entry, pdf_filename, record_get, render_html, render_pdf

logger = logging.getLogger(__name__)


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
    try:
        pdf = render_pdf(render_html(request, form, obj, pdf=True))
    except PdfUnavailable as exc:
        logger.error("PDF output is not available: %s (install the packages of `make pdf`)", exc)
        message = _("PDF output is not installed on this server; use the print view instead.")
        return HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(pdf_filename(form, obj), obj.pk)
    response["Cache-Control"] = "private, no-store"
    return response
