"""Notification pages (issue 8 §5): the list (all / unread, newest first), mark one or all read,
open one (marks it read and follows its link), the preferences, and the bell's fragment.

Every page is the signed-in user's own: somebody else's notification answers 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..forms import error_summary
from ..views import paginate
from . import selectors, services
from .channels import Channel
from .forms import PreferencesForm
from .models import Notification

CHANGED = "kam:notifications"  # the HX-Trigger event the bell listens to


def _own(request, pk: int) -> Notification:
    return get_object_or_404(Notification.objects.for_user(request.user), pk=pk)


@login_required
@require_GET
def notification_list(request):
    show = "unread" if request.GET.get("show") == "unread" else "all"
    qs = selectors.notification_list(user=request.user, unread=show == "unread")
    page = paginate(qs, settings.KAM_PAGE_SIZE, request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "show": show, "unread_count": selectors.unread_count(user=request.user)},
    )


@login_required
@require_GET
def bell(request):
    """The bell with the unread count (one COUNT on a partial index), loaded by HTMX."""
    # rendered without the request: no context processors (the navigation's queries) for a fragment
    html = render_to_string("notifications/bell.html", {"unread": selectors.unread_count(user=request.user)})
    return HttpResponse(html)


def _back(request) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("notifications:list")


@login_required
@require_POST
def mark_read(request, pk: int):
    note = _own(request, pk)
    services.mark_read(actor=request.user, notification=note)
    if request.htmx:
        row = render_to_string("notifications/list.html#row", {"note": note}, request=request)
        badge = render_to_string(
            "notifications/list.html#unread_badge",
            {"unread_count": selectors.unread_count(user=request.user), "oob": True},
        )
        response = HttpResponse(row + badge)
        response["HX-Trigger"] = CHANGED
        return response
    return redirect(_back(request))


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(actor=request.user)
    messages.success(request, _("Marked {count} notifications read.").format(count=count))
    return redirect(_back(request))


@login_required
@require_GET
def open_notification(request, pk: int):
    """Mark read and go where the notification points (a path of this site; else the list)."""
    note = _own(request, pk)
    services.mark_read(actor=request.user, notification=note)
    link = note.link
    if link and url_has_allowed_host_and_scheme(link, {request.get_host()}, require_https=request.is_secure()):
        return redirect(link)
    return redirect(reverse("notifications:list"))


@login_required
def preferences(request):
    rows = services.preferences(request.user)
    hooks = services.robot_webhooks(request.user)
    initial = {"wecom_url": hooks.wecom_url, "dingtalk_url": hooks.dingtalk_url}
    form = PreferencesForm(request.POST or None, rows=rows, initial=initial)
    if request.method == "POST" and form.is_valid():
        secret = form.cleaned_data["dingtalk_secret"] or None
        if form.cleaned_data["clear_dingtalk_secret"]:
            secret = ""
        try:
            services.preferences_set(
                actor=request.user,
                kinds=form.kinds(),
                wecom_url=form.cleaned_data["wecom_url"],
                dingtalk_url=form.cleaned_data["dingtalk_url"],
                dingtalk_secret=secret,
            )
        except ValidationError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "error_summary": error_summary(form) if form.errors else [],
            "table": form.table(),
            "channels": Channel.choices,
            "secret_saved": bool(hooks.dingtalk_secret),
        },
        status=400 if form.errors else 200,
    )
