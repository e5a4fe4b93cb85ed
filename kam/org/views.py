"""Organisation pages (R1): the unit tree, users and their role grants — for ``org.manage`` only.

Views shape input and output; every write goes through :mod:`.services`, whose errors are shown
on the form they came from.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kam.core.errors import message_text
from kam.core.security import services as security
from kam.core.views import paginate, run_service

from . import forms, selectors, services
from . import permissions as perms
from .decorators import permission_required
from .models import OrgUnit, RoleGrant, User

org_manager_required = permission_required(
    perms.ORG_MANAGE, gettext_lazy("You do not have permission to manage the organisation.")
)


# --- units -----------------------------------------------------------------------------------


@org_manager_required
def index(request):
    return redirect("org:units")


@org_manager_required
def unit_list(request):
    columns = selectors.unit_columns()
    units = list(selectors.unit_tree())
    for unit in units:
        unit.usage_cells = [
            {"key": c.key, "count": getattr(unit, f"usage_{c.key}"), "url": c.url(unit) if c.url else None}
            for c in columns
        ]
    return render(request, "org/unit_list.html", {"units": units, "columns": columns})


@org_manager_required
def unit_create(request):
    initial = {"kind": OrgUnit.Kind.TEAM}
    parent_id = request.GET.get("parent")
    if parent_id and parent_id.isdigit():
        initial["parent"] = OrgUnit.objects.filter(pk=parent_id).first()
    form = forms.UnitCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("Org unit “{name}” created.").format(name=unit.name))
            return redirect("org:units")
    return render(request, "org/unit_form.html", {"form": form, "title": _("New org unit")})


@org_manager_required
def unit_edit(request, pk: int):
    unit = get_object_or_404(OrgUnit.objects.select_related("parent"), pk=pk)
    form = forms.UnitForm(request.POST or None, initial={"name": unit.name, "code": unit.code, "kind": unit.kind})
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_update(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("Org unit “{name}” saved.").format(name=unit.name))
            return redirect("org:units")
    return render(
        request,
        "org/unit_form.html",
        {"form": form, "unit": unit, "title": _("Edit org unit “{name}”").format(name=unit.name)},
    )


@org_manager_required
def unit_move(request, pk: int):
    unit = get_object_or_404(OrgUnit.objects.select_related("parent"), pk=pk)
    form = forms.UnitMoveForm(request.POST or None, unit=unit, initial={"parent": unit.parent})
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_move(actor=request.user, unit=unit, parent=form.cleaned_data["parent"])
        except ValidationError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("Org unit “{name}” moved.").format(name=unit.name))
            return redirect("org:units")
    return render(
        request,
        "org/unit_form.html",
        {
            "form": form,
            "unit": unit,
            "title": _("Move org unit “{name}”").format(name=unit.name),
            "help": _("The unit moves with everything below it; data access follows the new place at once."),
        },
    )


@org_manager_required
def unit_deactivate(request, pk: int):
    unit = get_object_or_404(OrgUnit, pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.unit_deactivate(actor=request.user, unit=unit)
        except ValidationError as exc:
            error = message_text(exc)
        else:
            messages.success(request, _("Org unit “{name}” deactivated.").format(name=unit.name))
            return redirect("org:units")
    blockers = selectors.unit_usages(unit=unit) if unit.is_active else []
    return render(request, "org/unit_deactivate.html", {"unit": unit, "blockers": blockers, "error": error})


@org_manager_required
@require_POST
def unit_activate(request, pk: int):
    unit = get_object_or_404(OrgUnit, pk=pk)
    return run_service(
        request,
        lambda: services.unit_activate(actor=request.user, unit=unit),
        success=_("Org unit “{name}” activated.").format(name=unit.name),
        redirect_to="org:units",
    )


# --- users -----------------------------------------------------------------------------------


@org_manager_required
def user_list(request):
    form = forms.UserFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.user_list(
        q=filters.get("q", ""),
        unit=filters.get("unit"),
        direct=bool(filters.get("direct")),
        role=filters.get("role"),
        status=filters.get("status", ""),
    )
    page = paginate(qs, settings.KAM_PAGE_SIZE, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "org/user_list.html#results" if request.htmx else "org/user_list.html"
    return render(request, template, context)


@org_manager_required
def user_create(request):
    form = forms.UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        password = data.pop("password1")
        data.pop("password2")
        try:
            user = services.user_create(actor=request.user, password=password, **data)
        except ValidationError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("User {name} created. Now grant them a role.").format(name=str(user)))
            return redirect("org:user_detail", pk=user.pk)
    return render(request, "org/user_form.html", {"form": form, "title": _("New user")})


def _user_form_initial(user: User) -> dict:
    return {k: getattr(user, k) for k in ("username", "name", "email", "phone", "job_title", "unit")}


def _render_user_detail(request, user: User, *, form=None, grant_form=None):
    return render(
        request,
        "org/user_detail.html",
        {
            "subject": user,
            "form": form or forms.UserForm(initial=_user_form_initial(user)),
            "grant_form": grant_form or forms.GrantForm(),
            "grants": selectors.grants_of(user=user),
            "owned": selectors.owned_by(user=user) if user.is_active else [],
        },
    )


@org_manager_required
def user_detail(request, pk: int):
    user = get_object_or_404(User.objects.select_related("unit"), pk=pk)
    if request.method != "POST":
        return _render_user_detail(request, user)
    form = forms.UserForm(request.POST, initial=_user_form_initial(user))
    if form.is_valid():
        try:
            user = services.user_update(actor=request.user, user=user, data=form.cleaned_data)
        except ValidationError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("User {name} saved.").format(name=str(user)))
            return redirect("org:user_detail", pk=user.pk)
    return _render_user_detail(request, user, form=form)


@org_manager_required
def user_password(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    form = forms.SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_set_password(actor=request.user, user=user, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            form.apply_service_error(exc)
        else:
            if user.pk == request.user.pk:
                # the service ended every session of the user; this one goes on, under a new key
                update_session_auth_hash(request, user)
                security.record_session(user=user, session_key=request.session.session_key)
            messages.success(request, _("The password of {name} was changed.").format(name=str(user)))
            return redirect("org:user_detail", pk=user.pk)
    return render(
        request,
        "org/user_form.html",
        {"form": form, "subject": user, "title": _("Set the password of {name}").format(name=str(user))},
    )


@org_manager_required
@require_POST
def user_deactivate(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    return run_service(
        request,
        lambda: services.user_deactivate(actor=request.user, user=user),
        success=_("User {name} deactivated.").format(name=str(user)),
        redirect_to=reverse("org:user_detail", args=[user.pk]),
    )


@org_manager_required
@require_POST
def user_activate(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    return run_service(
        request,
        lambda: services.user_activate(actor=request.user, user=user),
        success=_("User {name} activated.").format(name=str(user)),
        redirect_to=reverse("org:user_detail", args=[user.pk]),
    )


@org_manager_required
@require_POST
def grant_add(request, pk: int):
    user = get_object_or_404(User.objects.select_related("unit"), pk=pk)
    grant_form = forms.GrantForm(request.POST)
    if grant_form.is_valid():
        try:
            grant = services.grant_add(actor=request.user, user=user, **grant_form.cleaned_data)
        except ValidationError as exc:
            grant_form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("{user} now holds the role “{role}” at {unit}.").format(
                    user=str(user), role=str(grant.role), unit=grant.unit.name
                ),
            )
            return redirect(reverse("org:user_detail", args=[user.pk]) + "#grants")
    return _render_user_detail(request, user, grant_form=grant_form)


@org_manager_required
@require_POST
def grant_remove(request, pk: int):
    grant = get_object_or_404(RoleGrant.objects.select_related("user", "role", "unit"), pk=pk)
    user = grant.user
    return run_service(
        request,
        lambda: services.grant_remove(actor=request.user, grant=grant),
        success=_("The role “{role}” at {unit} was taken from {user}.").format(
            role=str(grant.role), unit=grant.unit.name, user=str(user)
        ),
        redirect_to=reverse("org:user_detail", args=[user.pk]) + "#grants",
    )
