"""Customer-file pages (R2): list, create/edit, detail, history, contacts, account team,
archive/restore. Views only shape input and output; reads go through :mod:`.selectors`,
writes through :mod:`.services`, and "who may" through :mod:`.policies`.

Access: anonymous → login; no permission → 403; a record outside the user's scope → 404
(fetched through ``restrict``, never fetched then checked).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kam.core.changes import ObjectChange
from kam.core.history import history_rows
from kam.core.views import form_error_text, paginate, run_service
from kam.core.widgets import FastSelect
from kam.org.decorators import permission_required

from . import permissions as perms
from . import policies, selectors, services
from .filters import CustomerFilter
from .forms import (
    AccountTeamForm,
    ArchiveForm,
    ContactForm,
    ContactFormSet,
    CustomerForm,
    YearSalesFormSet,
    year_sales_initial,
)
from .models import CONTACT_FIELDS, CUSTOMER_FILE, AccountTeamMember, Contact, Customer
from .selectors import filter_owner_choices, filter_team_choices

HISTORY_INLINE = 20
HISTORY_PAGE_SIZE = 50

# (column label, ordering key or None) — the list's columns; keys come from the FilterSet.
LIST_COLUMNS = [
    (gettext_lazy("Number"), "code"),
    (gettext_lazy("Name"), "name"),
    (gettext_lazy("Region"), "province"),
    (gettext_lazy("Company nature"), None),
    (gettext_lazy("Industry position"), None),
    (gettext_lazy("Credit rating"), "credit_rating"),
    (gettext_lazy("Owner"), None),
    (gettext_lazy("Team"), None),
    (gettext_lazy("Contacts"), None),
    (gettext_lazy("Completeness"), "completeness"),
    (gettext_lazy("Last updated"), "updated_at"),
]


# ---------------------------------------------------------------- helpers


def _customer(request, pk: int, permission: str = perms.CUSTOMERS_VIEW) -> Customer:
    try:
        return selectors.customer_get(user=request.user, pk=pk, permission=permission)
    except Customer.DoesNotExist as exc:
        raise Http404(_("No such customer.")) from exc


def _contact(request, pk: int, permission: str = perms.CUSTOMERS_VIEW) -> Contact:
    try:
        return (
            selectors.contact_list(user=request.user, permission=permission)
            .select_related("customer__owner", "customer__team")
            .get(pk=pk)
        )
    except Contact.DoesNotExist as exc:
        raise Http404(_("No such contact.")) from exc


def _display_sections(customer: Customer) -> list[tuple[str, str, list[tuple[str, str, object]]]]:
    """[(id, title, [(field name, label, value)])] for the detail page."""
    out = []
    for section in CUSTOMER_FILE:
        items = []
        for name in section.names:
            field = Customer._meta.get_field(name)
            value = getattr(customer, name)
            if field.choices and value:
                value = getattr(customer, f"get_{name}_display")()
            items.append((name, field.verbose_name, value))
        out.append((section.id, section.title, items))
    return out


def _contact_fields(contact: Contact) -> list[tuple[str, str, object]]:
    items = []
    for name in CONTACT_FIELDS:
        field = Contact._meta.get_field(name)
        value = getattr(contact, name)
        if field.choices and value:
            value = getattr(contact, f"get_{name}_display")()
        items.append((name, field.verbose_name, value))
    return items


def _sort_headers(request, current: str) -> list[dict]:
    """Column headers with the ordering each link sets (click again to reverse)."""
    out = []
    for label, key in LIST_COLUMNS:
        header = {"label": label, "key": key, "dir": None, "next": None}
        if key:
            if current == key:
                header["dir"], header["next"] = "asc", "-" + key
            elif current == "-" + key:
                header["dir"], header["next"] = "desc", key
            else:
                header["next"] = key
        out.append(header)
    return out


# ---------------------------------------------------------------- list


@permission_required(perms.CUSTOMERS_VIEW)
def customer_list(request):
    """客户列表: search, filters, sortable columns, pages; HTMX re-renders only ``#results``."""
    user = request.user
    visible = selectors.customer_list(user=user)
    filterset = CustomerFilter(request.GET or None, queryset=visible, request=request)
    filterset.filters["owner"].queryset = filter_owner_choices(user, visible)
    filterset.filters["team"].queryset = filter_team_choices(user, visible)
    qs = filterset.qs
    ordering = request.GET.get("ordering", "") if filterset.is_valid() else ""
    if ordering:
        qs = qs.order_by(*qs.query.order_by, "-pk")  # a stable order across pages
    page = paginate(qs, settings.KAM_PAGE_SIZE, request.GET.get("page"))
    form = filterset.form
    for name, field in form.fields.items():
        css = "form-control" if name == "q" else "form-select"
        if type(field.widget) is forms.Select:
            field.widget = FastSelect.from_widget(field.widget)
        field.widget.attrs["class"] = css + (" is-invalid" if name in form.errors else "")
    context = {
        "filter": filterset,
        "form": form,
        "page": page,
        "customers": page.object_list,
        "ordering": ordering,
        "headers": _sort_headers(request, ordering),
        "filtered": any(v for k, v in request.GET.items() if k not in ("page", "ordering")),
        "can_add": policies.can_add_customer(user),
        "is_results_request": bool(
            request.htmx and request.htmx.target == "results" and not request.htmx.history_restore_request
        ),
    }
    template = "customers/customer_list.html"
    if context["is_results_request"]:
        template += "#results"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


# ---------------------------------------------------------------- create / edit


def _year_formset(request, customer: Customer | None):
    existing = list(customer.yearly_sales.all()) if customer else []
    initial = year_sales_initial(existing, timezone.localdate().year)
    if request.method == "POST":
        return YearSalesFormSet(request.POST, prefix="sales", initial=initial)
    return YearSalesFormSet(prefix="sales", initial=initial)


@permission_required(perms.CUSTOMERS_ADD)
def customer_create(request):
    """新建客户档案: the file, its yearly sales and any number of contacts in one go."""
    user = request.user
    if request.method == "POST":
        form = CustomerForm(request.POST, user=user)
        contacts = ContactFormSet(request.POST, prefix="contacts")
        sales = _year_formset(request, None)
        if form.is_valid() & contacts.is_valid() & sales.is_valid():
            filled = contacts.filled()
            sales_rows = sales.rows()
            try:
                customer = services.customer_create(
                    actor=user,
                    data=form.customer_data(),
                    contacts=[f.contact_data() for _i, f in filled],
                    yearly_sales=[row for _i, row in sales_rows],
                    owner=form.cleaned_data.get("owner"),
                    team=form.cleaned_data.get("team"),
                )
            except ValidationError as exc:
                form.apply_service_error(
                    exc,
                    rows={
                        "contacts": (contacts, [i for i, _f in filled]),
                        "yearly_sales": (sales, [i for i, _r in sales_rows]),
                    },
                )
            else:
                messages.success(request, _("Customer “{name}” was created.").format(name=customer.name))
                return redirect("customers:detail", pk=customer.pk)
    else:
        form = CustomerForm(user=user)
        contacts = ContactFormSet(prefix="contacts")
        sales = _year_formset(request, None)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "contacts": contacts, "sales": sales, "customer": None, "is_create": True},
    )


@permission_required(perms.CUSTOMERS_CHANGE)
def customer_edit(request, pk: int):
    user = request.user
    customer = _customer(request, pk, perms.CUSTOMERS_CHANGE)
    if customer.is_archived:
        messages.warning(request, _("An archived customer cannot be edited; restore it first."))
        return redirect("customers:detail", pk=customer.pk)
    title = str(customer)
    if request.method == "POST":
        form = CustomerForm(request.POST, instance=customer, user=user)
        sales = _year_formset(request, customer)
        if form.is_valid() & sales.is_valid():
            sales_rows = sales.rows()
            try:
                with transaction.atomic():
                    updated = services.customer_update(
                        actor=user,
                        customer=customer,
                        data=form.customer_data(),
                        owner=form.cleaned_data.get("owner"),
                        team=form.cleaned_data.get("team"),
                    )
                    services.yearly_sales_set(actor=user, customer=updated, rows=[r for _i, r in sales_rows])
            except ValidationError as exc:
                form.apply_service_error(exc, rows={"yearly_sales": (sales, [i for i, _r in sales_rows])})
            else:
                messages.success(request, _("Customer “{name}” was saved.").format(name=updated.name))
                return redirect("customers:detail", pk=updated.pk)
    else:
        form = CustomerForm(instance=customer, user=user)
        sales = _year_formset(request, customer)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "contacts": None, "sales": sales, "customer": customer, "title": title, "is_create": False},
    )


# ---------------------------------------------------------------- detail / history


@permission_required(perms.CUSTOMERS_VIEW)
def customer_detail(request, pk: int):
    """客户档案: the file in the sections of the paper form, contacts, team, sales, history."""
    user = request.user
    customer = _customer(request, pk)
    can_change = policies.can_change_customer(user, customer)
    can_archive = policies.can_archive_customer(user, customer)
    contacts = list(customer.contacts.all())
    members = list(customer.team_members.select_related("user", "user__unit").order_by("created_at", "id"))
    history = list(selectors.customer_history(customer=customer)[: HISTORY_INLINE + 1])
    context = {
        "customer": customer,
        "sections": _display_sections(customer),
        "contacts": contacts,
        "members": members,
        "yearly_sales": list(customer.yearly_sales.all()),
        "history": history_rows(history[:HISTORY_INLINE]),
        "history_more": len(history) > HISTORY_INLINE,
        "can_change": can_change,
        "can_archive": can_archive,
        "archive_form": ArchiveForm() if can_archive and not customer.is_archived else None,
        "team_form": AccountTeamForm(actor=user) if can_change else None,
    }
    return render(request, "customers/customer_detail.html", context)


@permission_required(perms.CUSTOMERS_VIEW)
def customer_history(request, pk: int):
    """The full change log of a customer (its contacts and other children included), paged."""
    customer = _customer(request, pk)
    page = paginate(selectors.customer_history(customer=customer), HISTORY_PAGE_SIZE, request.GET.get("page"))
    return render(
        request,
        "customers/customer_history.html",
        {"customer": customer, "page": page, "history": history_rows(page.object_list)},
    )


# ---------------------------------------------------------------- archive / restore


def _detail_url(customer: Customer) -> str:
    return reverse("customers:detail", args=[customer.pk])


@require_POST
@permission_required(perms.CUSTOMERS_ARCHIVE)
def customer_archive(request, pk: int):
    customer = _customer(request, pk, perms.CUSTOMERS_ARCHIVE)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(_detail_url(customer))
    return run_service(
        request,
        lambda: services.customer_archive(actor=request.user, customer=customer, reason=form.cleaned_data["reason"]),
        success=_("Customer “{name}” was archived.").format(name=customer.name),
        redirect_to=_detail_url(customer),
    )


@require_POST
@permission_required(perms.CUSTOMERS_ARCHIVE)
def customer_restore(request, pk: int):
    customer = _customer(request, pk, perms.CUSTOMERS_ARCHIVE)
    return run_service(
        request,
        lambda: services.customer_restore(actor=request.user, customer=customer),
        success=_("Customer “{name}” was restored.").format(name=customer.name),
        redirect_to=_detail_url(customer),
    )


# ---------------------------------------------------------------- account team


@require_POST
@permission_required(perms.CUSTOMERS_CHANGE)
def account_team_add(request, pk: int):
    customer = _customer(request, pk, perms.CUSTOMERS_CHANGE)
    form = AccountTeamForm(request.POST, actor=request.user)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(_detail_url(customer))
    return run_service(
        request,
        lambda: services.account_team_add(
            actor=request.user, customer=customer, user=form.cleaned_data["user"], role=form.cleaned_data["role"]
        ),
        success=lambda member: _("{user} joined the account team.").format(user=member.user),
        redirect_to=_detail_url(customer),
    )


@require_POST
@permission_required(perms.CUSTOMERS_CHANGE)
def account_team_remove(request, pk: int, member_id: int):
    customer = _customer(request, pk, perms.CUSTOMERS_CHANGE)
    try:
        member = AccountTeamMember.objects.select_related("user", "customer").get(pk=member_id, customer=customer)
    except AccountTeamMember.DoesNotExist as exc:
        raise Http404(_("No such team member.")) from exc
    return run_service(
        request,
        lambda: services.account_team_remove(actor=request.user, member=member),
        success=_("{user} left the account team.").format(user=member.user),
        redirect_to=_detail_url(customer),
    )


# ---------------------------------------------------------------- contacts


@permission_required(perms.CUSTOMERS_CHANGE)
def contact_create(request, pk: int):
    customer = _customer(request, pk, perms.CUSTOMERS_CHANGE)
    if customer.is_archived:
        messages.warning(request, _("An archived customer cannot be edited; restore it first."))
        return redirect("customers:detail", pk=customer.pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(actor=request.user, customer=customer, data=form.contact_data())
        except ValidationError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("Contact “{name}” was added.").format(name=contact.name))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": customer, "contact": None},
    )


@permission_required(perms.CUSTOMERS_VIEW)
def contact_detail(request, contact_id: int):
    contact = _contact(request, contact_id)
    changes = ObjectChange.objects.of_object(contact).select_related("actor", "content_type")
    page = paginate(changes, HISTORY_PAGE_SIZE, request.GET.get("page"))
    return render(
        request,
        "customers/contact_detail.html",
        {
            "contact": contact,
            "customer": contact.customer,
            "fields": _contact_fields(contact),
            "can_change": policies.can_change_customer(request.user, contact.customer),
            "page": page,
            "history": history_rows(page.object_list),
        },
    )


@permission_required(perms.CUSTOMERS_CHANGE)
def contact_edit(request, contact_id: int):
    contact = _contact(request, contact_id, perms.CUSTOMERS_CHANGE)
    if contact.customer.is_archived:
        messages.warning(request, _("An archived customer cannot be edited; restore it first."))
        return redirect("customers:contact", contact_id=contact.pk)
    title = str(contact)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_update(actor=request.user, contact=contact, data=form.contact_data())
        except ValidationError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("Contact “{name}” was saved.").format(name=contact.name))
            return redirect("customers:contact", contact_id=contact.pk)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": contact.customer, "contact": contact, "title": title},
    )


@require_POST
@permission_required(perms.CUSTOMERS_CHANGE)
def contact_delete(request, contact_id: int):
    contact = _contact(request, contact_id, perms.CUSTOMERS_CHANGE)
    return run_service(
        request,
        lambda: services.contact_delete(actor=request.user, contact=contact),
        success=_("Contact “{name}” was deleted.").format(name=contact.name),
        redirect_to=_detail_url(contact.customer),
        failure_redirect_to=reverse("customers:contact", args=[contact.pk]),
    )
