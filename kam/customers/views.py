"""Customer-file pages (R2): list, create/edit, detail, history, contacts, account team,
archive/restore. Views only shape input and output; reads go through :mod:`.selectors`,
writes through :mod:`.services`, and "who may" through :mod:`.policies`.

Access: anonymous → login; no permission → 403; a record outside the user's scope → 404
(fetched through ``restrict``, never fetched then checked).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kam.core.changes import ObjectChange
from kam.core.decorators import permission_required
from kam.core.widgets import FastSelect
from kam.org import permissions as perms

from . import policies, selectors, services
from .filters import CustomerFilter
from .forms import (
    SECTIONS,
    AccountTeamForm,
    ArchiveForm,
    ContactForm,
    ContactFormSet,
    CustomerForm,
    YearSalesFormSet,
    apply_errors,
    filter_owner_choices,
    filter_team_choices,
    year_sales_initial,
)
from .models import AccountTeamMember, Contact, Customer

PAGE_SIZE = 25
HISTORY_INLINE = 20
HISTORY_PAGE_SIZE = 50

SOURCE_LABELS = {
    "web": gettext_lazy("Web"),
    "api": gettext_lazy("API"),
    "admin": gettext_lazy("Admin"),
    "command": gettext_lazy("Command"),
    "system": gettext_lazy("System"),
    "import": gettext_lazy("Import"),
}

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


def _customer(request, pk: int, action: str = "view") -> Customer:
    try:
        return selectors.customer_get(user=request.user, pk=pk, action=action)
    except Customer.DoesNotExist as exc:
        raise Http404(_("No such customer.")) from exc


def _contact(request, pk: int, action: str = "view") -> Contact:
    try:
        return (
            selectors.contact_list(user=request.user, action=action)
            .select_related("customer__owner", "customer__team")
            .get(pk=pk)
        )
    except Contact.DoesNotExist as exc:
        raise Http404(_("No such contact.")) from exc


def _paginate(queryset, per_page: int, number):
    """A page of ``queryset`` with ``page_range_elided`` for the pagination include."""
    page = Paginator(queryset, per_page).get_page(number)
    page.page_range_elided = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page


def _readable(value):
    """A logged value for people: Yes/No for booleans, local time for ISO timestamps."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        parsed = parse_datetime(value)
        if parsed is not None:
            if timezone.is_aware(parsed):
                parsed = timezone.localtime(parsed)
            return parsed.strftime("%Y-%m-%d %H:%M")
    return value


def _history_rows(changes) -> list[dict]:
    """Changes with their translated field diffs, ready for the history table."""
    rows = []
    for change in changes:
        fields = change.field_changes()
        for f in fields:
            f["old"], f["new"] = _readable(f["old"]), _readable(f["new"])
        rows.append(
            {
                "change": change,
                "source": SOURCE_LABELS.get(change.source, change.source),
                "fields": fields,
                "object_label": change.content_type.model_class()._meta.verbose_name
                if change.content_type.model_class()
                else change.content_type.model,
            }
        )
    return rows


def _display_sections(customer: Customer) -> list[tuple[str, str, list[tuple[str, str, object]]]]:
    """[(id, title, [(field name, label, value)])] for the detail page."""
    out = []
    for sid, title, names in SECTIONS:
        items = []
        for name in names:
            field = Customer._meta.get_field(name)
            value = getattr(customer, name)
            if field.choices and value:
                value = getattr(customer, f"get_{name}_display")()
            items.append((name, field.verbose_name, value))
        out.append((sid, title, items))
    return out


def _contact_fields(contact: Contact) -> list[tuple[str, str, object]]:
    items = []
    for name in services.CONTACT_FIELDS:
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
    for name in ("owner", "team", "nature", "industry_position", "credit_rating", "province"):
        filterset.filters[name].extra["empty_label"] = _("All")
    qs = filterset.qs
    ordering = request.GET.get("ordering", "") if filterset.is_valid() else ""
    if ordering:
        qs = qs.order_by(*qs.query.order_by, "-pk")  # a stable order across pages
    page = _paginate(qs, PAGE_SIZE, request.GET.get("page"))
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


def _apply_create_errors(exc: ValidationError, form, contact_rows, contacts, sales_rows, sales) -> None:
    """Map a ValidationError of ``customer_create`` onto the form, contact rows and sales rows."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    rest = {}
    for key, errors in exc.error_dict.items():
        target = None
        if key.startswith("contacts["):
            idx = int(key[len("contacts[") : -1])
            if idx < len(contact_rows):
                target = contacts.forms[contact_rows[idx]]
        elif key.startswith("yearly_sales["):
            idx = int(key[len("yearly_sales[") : -1])
            if idx < len(sales_rows):
                target = sales.forms[sales_rows[idx]]
        if target is not None:
            target.add_error(None, ValidationError(errors))
        else:
            rest[key] = errors
    if rest:
        apply_errors(form, ValidationError(rest))


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
                _apply_create_errors(exc, form, [i for i, _f in filled], contacts, [i for i, _r in sales_rows], sales)
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
    customer = _customer(request, pk, "change")
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
                _apply_edit_errors(exc, form, sales, sales_rows)
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


def _apply_edit_errors(exc: ValidationError, form, sales, sales_rows) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    by_year = {row["year"]: i for i, row in sales_rows}
    rest = {}
    for key, errors in exc.error_dict.items():
        if key.startswith("yearly_sales["):
            year = int(key[len("yearly_sales[") : -1])
            if year in by_year:
                sales.forms[by_year[year]].add_error(None, ValidationError(errors))
                continue
        rest[key] = errors
    if rest:
        apply_errors(form, ValidationError(rest))


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
        "history": _history_rows(history[:HISTORY_INLINE]),
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
    page = _paginate(selectors.customer_history(customer=customer), HISTORY_PAGE_SIZE, request.GET.get("page"))
    return render(
        request,
        "customers/customer_history.html",
        {"customer": customer, "page": page, "history": _history_rows(page.object_list)},
    )


# ---------------------------------------------------------------- archive / restore


@require_POST
@permission_required(perms.CUSTOMERS_ARCHIVE)
def customer_archive(request, pk: int):
    customer = _customer(request, pk, "archive")
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("customers:detail", pk=customer.pk)
    try:
        services.customer_archive(actor=request.user, customer=customer, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Customer “{name}” was archived.").format(name=customer.name))
    return redirect("customers:detail", pk=customer.pk)


@require_POST
@permission_required(perms.CUSTOMERS_ARCHIVE)
def customer_restore(request, pk: int):
    customer = _customer(request, pk, "archive")
    try:
        services.customer_restore(actor=request.user, customer=customer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Customer “{name}” was restored.").format(name=customer.name))
    return redirect("customers:detail", pk=customer.pk)


# ---------------------------------------------------------------- account team


@require_POST
@permission_required(perms.CUSTOMERS_CHANGE)
def account_team_add(request, pk: int):
    customer = _customer(request, pk, "change")
    form = AccountTeamForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            member = services.account_team_add(
                actor=request.user, customer=customer, user=form.cleaned_data["user"], role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("{user} joined the account team.").format(user=member.user))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("customers:detail", pk=customer.pk)


@require_POST
@permission_required(perms.CUSTOMERS_CHANGE)
def account_team_remove(request, pk: int, member_id: int):
    customer = _customer(request, pk, "change")
    try:
        member = AccountTeamMember.objects.select_related("user", "customer").get(pk=member_id, customer=customer)
    except AccountTeamMember.DoesNotExist as exc:
        raise Http404(_("No such team member.")) from exc
    try:
        services.account_team_remove(actor=request.user, member=member)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("{user} left the account team.").format(user=member.user))
    return redirect("customers:detail", pk=customer.pk)


# ---------------------------------------------------------------- contacts


@permission_required(perms.CUSTOMERS_CHANGE)
def contact_create(request, pk: int):
    customer = _customer(request, pk, "change")
    if customer.is_archived:
        messages.warning(request, _("An archived customer cannot be edited; restore it first."))
        return redirect("customers:detail", pk=customer.pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(actor=request.user, customer=customer, data=form.contact_data())
        except ValidationError as exc:
            apply_errors(form, exc)
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
    changes = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Contact), object_id=contact.pk
    ).select_related("actor", "content_type")
    page = _paginate(changes, HISTORY_PAGE_SIZE, request.GET.get("page"))
    return render(
        request,
        "customers/contact_detail.html",
        {
            "contact": contact,
            "customer": contact.customer,
            "fields": _contact_fields(contact),
            "can_change": policies.can_change_customer(request.user, contact.customer),
            "page": page,
            "history": _history_rows(page.object_list),
        },
    )


@permission_required(perms.CUSTOMERS_CHANGE)
def contact_edit(request, contact_id: int):
    contact = _contact(request, contact_id, "change")
    if contact.customer.is_archived:
        messages.warning(request, _("An archived customer cannot be edited; restore it first."))
        return redirect("customers:contact", contact_id=contact.pk)
    title = str(contact)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_update(actor=request.user, contact=contact, data=form.contact_data())
        except ValidationError as exc:
            apply_errors(form, exc)
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
    contact = _contact(request, contact_id, "change")
    customer = contact.customer
    try:
        services.contact_delete(actor=request.user, contact=contact)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("customers:contact", contact_id=contact.pk)
    messages.success(request, _("Contact “{name}” was deleted.").format(name=contact.name))
    return redirect("customers:detail", pk=customer.pk)
