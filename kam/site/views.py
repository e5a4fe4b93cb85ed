"""Login, health check, the role-specific home page and the history viewer."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.core.history import history_rows
from kam.core.models import SavedFilter
from kam.core.registry import registry
from kam.core.security import services as security
from kam.core.views import paginate
from kam.org import selectors as org_selectors
from kam.org.access import access_for
from kam.org.roles import default_role

from . import selectors
from .forms import HistoryFilterForm


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def healthz(request):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _panels(request, access) -> list[dict]:
    """The registered workbench panels this user may see, rendered (each aggregates in the
    database), with their width."""
    out = []
    for panel in registry["home_panels"]:
        if panel.permission is not None and not access.has(panel.permission):
            continue
        context = panel.context(request)
        if context is None:
            continue
        html = mark_safe(render_to_string(panel.template, context, request=request))  # noqa: S308
        out.append({"key": panel.key, "size": panel.size, "html": html})
    return out


@login_required
def home(request):
    """The workbench (工作台): the user's to-do list — the panels the apps registered for what the
    user's roles may see (files to complete, customers not followed up, recent changes; later
    approvals waiting, today's visits …), every figure a link to the matching list."""
    user = request.user
    access = access_for(user)
    grants = [g for g in org_selectors.grants_of(user=user) if g.unit.is_active]
    roles = _roles_of(grants)
    context = {
        "grants": grants,
        "roles": roles,
        "panels": _panels(request, access),
    }
    return render(request, "site/home.html", context)


def _roles_of(grants) -> list[dict]:
    roles, seen = [], set()
    for g in grants:
        if g.role.code not in seen:
            seen.add(g.role.code)
            spec = default_role(g.role.code)
            roles.append({"role": g.role, "duty": spec.duty if spec else ""})
    return roles


@login_required
def me(request):
    """我的: the user's roles (and what each is for), profile, language, the developer's API
    documentation and sign-out — the phone's tab, the desktop's user menu as a page."""
    grants = [g for g in org_selectors.grants_of(user=request.user) if g.unit.is_active]
    token = security.token_of(user=request.user)
    return render(
        request,
        "site/me.html",
        {
            "grants": grants,
            "roles": _roles_of(grants),
            "api_docs_url": reverse("api-docs"),
            "token": token,
            "token_expires": security.token_expires_at(token) if token else None,
        },
    )


@login_required
@require_POST
def me_token_revoke(request):
    """The user revokes their own API token (issue 8 §7): scripts using it get 401 from now on."""
    if security.revoke_token(user=request.user):
        messages.success(request, _("Your API token was revoked: it no longer works."))
    else:
        messages.info(request, _("You have no API token."))
    return redirect("me")


@login_required
def history(request):
    """The change log across apps (R1/R2 history): every change the user may read, newest
    first, filtered by object type, action, source and time."""
    access = access_for(request.user)
    if not any(access.has(code) for code in selectors.history_permissions()):
        raise PermissionDenied(_("You do not have permission to do this."))
    form = HistoryFilterForm(request.GET or None)
    qs = selectors.changelog_list(user=request.user)
    if form.is_valid():
        qs = form.filter(qs)
    page = paginate(qs, settings.KAM_PAGE_SIZE * 2, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "site/history.html",
        {"form": form, "page": page, "history": history_rows(page.object_list), "query": query.urlencode()},
    )


def _back_to(request, fallback: str) -> str:
    back = request.POST.get("next") or fallback
    return back if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) else fallback


@login_required
@require_POST
def saved_filter_create(request, list_key: str):
    """Save the list's current filters under a name of the user's own (the list pattern)."""
    name = (request.POST.get("name") or request.POST.get("reason") or "").strip()[:60]
    query = (request.POST.get("query") or "")[:2000]
    back = _back_to(request, reverse("home"))
    if not name or not query or len(list_key) > 80:
        messages.error(request, _("Give the saved filters a name."))
        return redirect(back)
    SavedFilter.objects.update_or_create(user=request.user, list_key=list_key, name=name, defaults={"query": query})
    messages.success(request, _("Filters saved as “{name}”.").format(name=name))
    return redirect(back)


@login_required
@require_POST
def saved_filter_delete(request, pk: int):
    saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)  # another user's: 404
    saved.delete()
    messages.success(request, _("Saved filters “{name}” deleted.").format(name=saved.name))
    return redirect(_back_to(request, reverse("home")))
