"""The print base: every paper form of the source (客户档案表 first; later 礼品申请单, 接待申请单,
提成结算单) printed from its record — as a **print view** (an A4 page with ``@media print`` styles
and a 打印 button) and as a **PDF** made with WeasyPrint from the same template.

An app registers a form under ``print_forms`` (:class:`kam.core.registry.PrintForm`: key, label,
model, permission, template, context builder). Its template extends ``printing/base.html`` (the
company name ``KAM_COMPANY_NAME``, the form's title, the print date, page numbers
「第 N 页 / 共 M 页」 on every PDF page) and uses ``static/kam/print.css`` (A4, margins, table
borders like a paper form, long text wrapping; Noto CJK).

The PDF never fetches anything: the stylesheet is read from the static files and every other URL
(images, fonts, links in user data) is refused, so a record's content cannot make the server
open a file or a network address.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.perms import user_has
from kam.core.registry import PrintForm, registry

STYLESHEET = "kam/print.css"


def form_entry(key: str) -> PrintForm:
    try:
        return registry.get("print_forms", key)
    except KeyError as exc:
        raise Http404(_("No such form.")) from exc


def forms_for(model: type[models.Model] | models.Model) -> list[PrintForm]:
    """The forms registered for ``model`` (for a record page's 打印 buttons)."""
    key = f"{model._meta.app_label}.{model._meta.object_name}".lower()
    return [f for f in registry["print_forms"] if f.model.lower() == key]


def record_get(*, user, form: PrintForm, pk: Any) -> models.Model:
    """The record to print: 403 without the form's permission, 404 outside the scope
    (``Model.objects.restrict(user, permission)``, duck-typed)."""
    if not user_has(user, form.permission):
        raise PermissionDenied(_("You do not have permission to do this."))
    model = apps.get_model(form.model)
    try:
        return model.objects.restrict(user, form.permission).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("No such record.")) from exc


def context_for(request, form: PrintForm, obj: models.Model, *, pdf: bool) -> dict:
    """The template's context: the form's own plus the company, title, print date and mode."""
    return {
        "company_name": settings.KAM_COMPANY_NAME,
        "form_title": form.label,
        "form_key": form.key,
        "record": obj,
        "print_date": timezone.localdate(),
        "printed_at": timezone.localtime(),
        "pdf": pdf,
        **form.context(request, obj),
    }


def render_html(request, form: PrintForm, obj: models.Model, *, pdf: bool = False) -> str:
    return render_to_string(form.template, context_for(request, form, obj, pdf=pdf), request=request)


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run here (its system libraries are missing: ``make pdf``)."""


def _weasyprint():
    try:
        import weasyprint
    except OSError as exc:  # Pango / HarfBuzz not installed
        raise PdfUnavailable(str(exc)) from exc
    return weasyprint


def _refuse_urls():
    from weasyprint.urls import URLFetcher

    class NoFetch(URLFetcher):
        """Fetches nothing: the PDF is made from the template and the stylesheet alone."""

        def fetch(self, url, headers=None):
            raise ValueError(f"printing fetches no URLs ({url})")

    return NoFetch()


def render_pdf(html: str) -> bytes:
    """``html`` (a print template rendered with ``pdf=True``) as PDF bytes (A4, Noto CJK);
    :class:`PdfUnavailable` when WeasyPrint's libraries are missing."""
    weasyprint = _weasyprint()
    CSS, HTML = weasyprint.CSS, weasyprint.HTML  # noqa: N806

    stylesheet = finders.find(STYLESHEET)
    if not stylesheet:  # pragma: no cover — the file is in the repository
        raise RuntimeError(f"the print stylesheet {STYLESHEET} is missing")
    fetcher = _refuse_urls()
    document = HTML(string=html, base_url="about:blank", url_fetcher=fetcher)
    with open(stylesheet, encoding="utf-8") as f:
        css = CSS(string=f.read(), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[css])


def pdf_filename(form: PrintForm, obj: models.Model) -> str:
    stem = form.filename(obj) if form.filename else f"{form.key}-{obj.pk}"
    return f"{stem}.pdf"
