"""Attachment pages (R2.2): the 附件 tab of a record, upload (HTMX or a plain form), download and
remove. Access is the owning record's (:mod:`.services`): anonymous → login, no permission →
403, a record outside the scope → 404. Files go out only through :func:`download` — never a
public media URL.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from kam.core import errors
from kam.core.downloads import content_disposition

from . import services, types
from .models import Attachment

TAB_KEY = "attachments"


def owner_key(owner) -> str:
    return f"{owner._meta.app_label}.{owner._meta.model_name}"


def _owner_page(owner) -> str:
    entry = services.owner_entry(owner)
    return (entry.url(owner) if entry.url else "/") + "?tab=" + TAB_KEY


def render_tab(request, owner, *, error: str = "") -> str:
    """The 附件 tab of ``owner``'s detail page (register it under ``detail_tabs``): the files
    (one query), and the upload form for users who may change the record."""
    can_change = services.may_change(request.user, owner)
    context = {
        "owner": owner,
        "owner_key": owner_key(owner),
        "attachments": list(services.attachments_of(owner)),
        "can_change": can_change,
        "accept": ",".join("." + ext for t in types.allowed_types() for ext in t.extensions),
        "allowed": pgettext("between the items of a list", ", ").join(str(t.label) for t in types.allowed_types()),
        "max_bytes": settings.KAM_ATTACHMENT_MAX_BYTES,
        "error": error,
    }
    return render_to_string("attachments/tab.html", context, request=request)


def tab_count(request, owner) -> int:
    return services.count_of(owner)


@require_POST
@login_required
def upload(request, model: str, pk: int):
    """Attach the posted files (``file``, several allowed) with one ``description``: all or none.
    Stored: back to the record's 附件 tab (HTMX: ``HX-Redirect``, so the tab's count updates too)
    with a message; refused: HTMX gets the tab back with the reasons above the form, a plain
    form a message."""
    owner = services.owner_get(user=request.user, model=model, pk=pk, change=True)
    try:
        stored = services.attachments_add(
            actor=request.user,
            owner=owner,
            files=request.FILES.getlist("file"),
            description=request.POST.get("description", ""),
        )
    except ValidationError as exc:
        error = errors.message_text(exc)
        if request.htmx:
            return HttpResponse(render_tab(request, owner, error=error))
        messages.error(request, error)
        return redirect(_owner_page(owner))
    messages.success(request, _("{n} file(s) attached.").format(n=len(stored)))
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = _owner_page(owner)
        return response
    return redirect(_owner_page(owner))


@require_POST
@login_required
def remove(request, pk: int):
    attachment = services.attachment_get(user=request.user, pk=pk, change=True)
    try:
        services.attachment_remove(actor=request.user, attachment=attachment)
    except ValidationError as exc:
        messages.error(request, errors.message_text(exc))
    else:
        messages.success(request, _("“{name}” was removed.").format(name=attachment.original_name))
    return redirect(_owner_page(attachment.owner))


def file_response(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(_("The file is missing from the storage.")) from exc
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition(attachment.original_name, attachment.pk)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def download(request, pk: int):
    """The file itself, if the user may see its record (404 otherwise); always as a download."""
    return file_response(services.attachment_get(user=request.user, pk=pk))
