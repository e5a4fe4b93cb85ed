"""Customer-file pages (R2): list, create/edit, detail, history, contacts, account team,
archive/restore. Views only shape input and output; reads go through :mod:`.selectors`,
writes through :mod:`.services`, and "who may" through :mod:`.policies`.

Access: anonymous → login; no permission → 403; a record outside the user's scope → 404
(fetched through ``restrict``, never fetched then checked).
"""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.core.changes import ObjectChange
from kam.core.detail import get_tab, tab_bar
from kam.core.errors import message_text
from kam.core.forms import error_summary
from kam.core.history import conflict_rows, history_rows, mark_conflicting_fields
from kam.core.lists import list_state
from kam.core.versioning import ConflictError
from kam.core.views import form_error_text, paginate, run_service, save_merging
from kam.core.widgets import FastSelect
from kam.org.access import access_for
from kam.org.decorators import permission_required

from . import duplicates, policies, selectors, services
from . import permissions as perms
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
from .lists import CUSTOMER_LIST
from .lists import cards as customer_cards
from .lists import rows as customer_rows
from .models import CONTACT_FIELDS, CUSTOMER_FIELDS, REGION_FIELDS, AccountTeamMember, Contact, Customer
from .selectors import filter_owner_choices, filter_team_choices

HISTORY_PAGE_SIZE = 50

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


def _contact_fields(contact: Contact) -> list[tuple[str, str, object]]:
    items = []
    for name in CONTACT_FIELDS:
        field = Contact._meta.get_field(name)
        value = getattr(contact, name)
        if field.choices and value:
            value = getattr(contact, f"get_{name}_display")()
        items.append((name, field.verbose_name, value))
    return items


# ---------------------------------------------------------------- list


def _allowed_views(user) -> list[str]:
    """The saved views that make sense for the user's grants: someone who sees only their own
    customers has no "my people's"; 我参与的 is for everyone."""
    label = access_for(user).scope_label(perms.CUSTOMERS_VIEW)
    return ["mine", "participating"] if label == "own" else ["mine", "participating", "subordinates"]


LIST_FIELDS = (
    *("code", "name", "name_en", "status", "province", "city", "nature", "industry_position"),
    *("credit_rating", "completeness", "updated_at", "owner__name", "owner__username", "team__name"),
)


@permission_required(perms.CUSTOMERS_VIEW)
def customer_list(request):
    """客户列表 in the one list pattern: saved views, search, filters in a drawer shown as chips,
    the user's columns and page size, sortable headers, bulk actions on selected rows, cards on
    phones; HTMX re-renders only ``#results``."""
    user = request.user
    visible = selectors.customer_list(user=user)
    filterset = CustomerFilter(request.GET or None, queryset=visible, request=request)
    filterset.filters["owner"].queryset = filter_owner_choices(user, visible)
    filterset.filters["team"].queryset = filter_team_choices(user, visible)
    state = list_state(request, CUSTOMER_LIST, filterset, allowed_views=_allowed_views(user))
    # only what the rows and cards show (kam/customers/lists.py): a 100-row page stays cheap
    qs = filterset.qs.only(*LIST_FIELDS)
    if state.ordering:
        qs = qs.order_by(*qs.query.order_by, "-pk")  # a stable order across pages
    page = paginate(qs, state.page_size, request.GET.get("page"))
    form = filterset.form
    for name, field in form.fields.items():
        css = "form-control" if name in ("q", "completeness_max", "untouched_days") else "form-select"
        if type(field.widget) is forms.Select:
            field.widget = FastSelect.from_widget(field.widget)
        field.widget.attrs["class"] = css + (" is-invalid" if name in form.errors else "")
    can_reassign = policies.can_reassign(user)
    can_archive = access_for(user).has(perms.CUSTOMERS_ARCHIVE)
    customers = page.object_list
    context = {
        "filter": filterset,
        "form": form,
        "page": page,
        "customers": customers,
        "state": state,
        "page_sizes": CUSTOMER_LIST.page_sizes,
        "ordering": state.ordering,
        "rows": customer_rows(customers, state.columns, selectable=True),
        "cards": customer_cards(customers, selectable=True),
        "filtered": any(v for k, v in request.GET.items() if k not in ("page", "ordering", "page_size", "columns")),
        "can_add": policies.can_add_customer(user),
        "can_import": access_for(user).has(perms.CUSTOMERS_ADD) or access_for(user).has(perms.CUSTOMERS_CHANGE),
        "can_reassign": can_reassign,
        "can_archive": can_archive,
        "owner_select": _owner_select(user) if can_reassign else "",
        "drawer_fields": [f for f in form if f.name not in ("q", "ordering", "view")],
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


def _owner_select(user) -> str:
    """转移负责人's choice of new owner, rendered in Python from three columns (a manager may
    transfer to hundreds of people: a template loop over User objects cost more than the page's
    SQL); empty when there is nobody to transfer to."""
    people = services.assignable_owners(user).order_by("name", "username").values_list("pk", "name", "username")
    choices = [(pk, name or username) for pk, name, username in people]
    if not choices:
        return ""
    widget = FastSelect(choices=[("", _("Transfer to…")), *choices])
    return widget.render(
        "owner", None, attrs={"class": "form-select form-select-sm", "aria-label": _("New owner"), "required": True}
    )


def _back(request) -> str:
    back = request.POST.get("next") or reverse("customers:list")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return reverse("customers:list")
    return back


def _selected(request, permission: str) -> list[Customer]:
    """The customers of ``ids`` the user may act on with ``permission`` (others are ignored:
    out of scope is "not there")."""
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit() and len(i) < 19]
    return list(Customer.objects.restrict(request.user, permission).filter(pk__in=ids).order_by("pk"))


def _bulk_report(request, done: int, refused: list[str], done_message: str) -> None:
    if done:
        messages.success(request, done_message)
    if refused:
        messages.warning(request, _("Not changed: {items}").format(items="; ".join(refused[:10])))
    if not done and not refused:
        messages.warning(request, _("Select the customers first."))


@require_POST
@permission_required(perms.CUSTOMERS_REASSIGN)
def bulk_reassign(request):
    """转移负责人: give the selected customers to another owner — each through the service, with
    the same scope and assignment rules as one at a time."""
    owner_id = request.POST.get("owner") or ""
    owner = services.assignable_owners(request.user).filter(pk=owner_id).first() if owner_id.isdigit() else None
    if owner is None:
        messages.error(request, _("Choose the new owner."))
        return redirect(_back(request))
    done, refused = 0, []
    for customer in _selected(request, perms.CUSTOMERS_CHANGE):
        try:
            services.customer_update(actor=request.user, customer=customer, data={}, owner=owner)
        except ValidationError as exc:
            refused.append(f"{customer.name}: {message_text(exc)}")
        except PermissionDenied as exc:
            refused.append(f"{customer.name}: {exc}")
        else:
            done += 1
    _bulk_report(request, done, refused, _("{count} customers now belong to {owner}.").format(count=done, owner=owner))
    return redirect(_back(request))


@require_POST
@permission_required(perms.CUSTOMERS_ARCHIVE)
def bulk_archive(request):
    """Archive the selected customers with one reason (each through the service)."""
    reason = (request.POST.get("reason") or "").strip()
    done, refused = 0, []
    for customer in _selected(request, perms.CUSTOMERS_ARCHIVE):
        try:
            services.customer_archive(actor=request.user, customer=customer, reason=reason)
        except ValidationError as exc:
            refused.append(f"{customer.name}: {message_text(exc)}")
        else:
            done += 1
    _bulk_report(request, done, refused, _("{count} customers archived.").format(count=done))
    return redirect(_back(request))


EXPORT_FIELDS = ("code", *CUSTOMER_FIELDS, *REGION_FIELDS)
EXPORT_LIMIT = 10_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell_text(value) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@permission_required(perms.CUSTOMERS_VIEW)
def export(request):
    """导出: the selected customers (POST ``ids``) or the whole filtered list (GET with the list's
    filters) as CSV with the file's headings (UTF-8 with a BOM, so Excel reads the Chinese).
    Only what the user may see; at most EXPORT_LIMIT rows."""
    if request.method == "POST":
        ids = [i for i in request.POST.getlist("ids") if i.isdigit() and len(i) < 19]
        qs = Customer.objects.restrict(request.user, perms.CUSTOMERS_VIEW).filter(pk__in=ids)
    else:
        visible = selectors.customer_list(user=request.user).defer(None)
        filterset = CustomerFilter(request.GET or None, queryset=visible, request=request)
        qs = filterset.qs if filterset.is_valid() else visible.none()
    qs = qs.select_related("owner", "team").order_by("code")[:EXPORT_LIMIT]
    fields = [Customer._meta.get_field(f) for f in EXPORT_FIELDS]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(f.verbose_name) for f in fields] + [_("Owner"), _("Team"), _("Status")])
    for c in qs:
        values = []
        for f in fields:
            value = getattr(c, f.name)
            if f.choices and value:
                value = getattr(c, f"get_{f.name}_display")()
            values.append(_cell_text(value))
        writer.writerow([*values, _cell_text(c.owner), _cell_text(c.team.name), c.get_status_display()])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.csv"'
    return response


# ---------------------------------------------------------------- duplicate check (查重)

CONFIRM_DUPLICATES = "confirm_duplicates"


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def _duplicates_box(request, matches: list[duplicates.Match], *, blocking: bool, confirm: bool = False) -> dict:
    """Context of ``customers/includes/duplicates.html``: the matches (each one sentence, a link
    when the customer is in scope), whether saving would be refused (``KAM_DUPLICATE_CHECK=block``)
    and whether the form must be ticked before it saves again (``confirm``)."""
    blocked = blocking and duplicates.mode() == duplicates.BLOCK and any(m.blocking_fields for m in matches)
    return {
        "matches": [(m, m.describe()) for m in matches],
        "blocked": blocked,
        "confirm": confirm and not blocked,
        "confirm_name": CONFIRM_DUPLICATES,
    }


def _params(request, *names: str) -> dict[str, str]:
    return {n: request.GET.get(n, "")[:200] for n in names}


@permission_required(perms.CUSTOMERS_VIEW)
def duplicates_check(request):
    """查重 while the customer form is filled in: the matches for ``name``, ``credit_code`` and
    ``phone`` (``exclude``: the customer being edited), as the fragment the form shows."""
    q = _params(request, "name", "credit_code", "phone")
    matches = duplicates.find_customer_duplicates(actor=request.user, exclude_pk=_int_param(request, "exclude"), **q)
    return render(request, "customers/includes/duplicates.html", _duplicates_box(request, matches, blocking=True))


@permission_required(perms.CUSTOMERS_VIEW)
def contact_duplicates_check(request):
    """查重 of a contact's phone while the contact form is filled in (``customer``: the contact's
    customer, ``exclude``: the contact being edited)."""
    matches = duplicates.find_contact_duplicates(
        actor=request.user,
        phone=request.GET.get("phone", "")[:200],
        customer=_int_param(request, "customer"),
        exclude_pk=_int_param(request, "exclude"),
    )
    matches = _not_own_customer(matches)
    return render(request, "customers/includes/duplicates.html", _duplicates_box(request, matches, blocking=False))


def _not_own_customer(matches: list[duplicates.Match]) -> list[duplicates.Match]:
    """A contact may share its own customer's main number (the switchboard): not a duplicate."""
    return [m for m in matches if not (m.same_customer and m.kind == duplicates.Kind.CUSTOMER)]


def _strong(matches: list[duplicates.Match]) -> list[duplicates.Match]:
    """Matches worth stopping a save for: the same credit code, name or phone (a merely similar
    name is shown while typing but does not ask for a confirmation)."""
    return [m for m in matches if set(m.reasons) - {duplicates.Reason.SIMILAR_NAME.value}]


def _customer_save_duplicates(request, form: CustomerForm, contacts, exclude: int | None) -> list[duplicates.Match]:
    """The matches a save of this (valid) form must be confirmed against in ``warn`` mode: the
    customer's name, credit code and phone when new or changed, and each new contact's phone."""
    data = form.cleaned_data
    watched = ("name", "credit_code", "phone")
    if exclude is not None and not set(watched) & set(form.changed_data):
        matches: list[duplicates.Match] = []
    else:
        matches = duplicates.find_customer_duplicates(
            actor=request.user,
            name=data.get("name") or "",
            credit_code=data.get("credit_code") or "",
            phone=data.get("phone") or "",
            exclude_pk=exclude,
            similar=False,
        )
    for _i, cform in contacts.filled() if contacts is not None else ():
        phone = cform.cleaned_data.get("phone") or ""
        if phone and phone != (data.get("phone") or ""):
            matches += duplicates.find_contact_duplicates(actor=request.user, phone=phone)
    return _strong(matches)


# ---------------------------------------------------------------- create / edit


def _year_formset(request, customer: Customer | None):
    existing = list(customer.yearly_sales.all()) if customer else []
    initial = year_sales_initial(existing, timezone.localdate().year)
    if request.method == "POST":
        return YearSalesFormSet(request.POST, prefix="sales", initial=initial)
    return YearSalesFormSet(prefix="sales", initial=initial)


def _needs_confirmation(request, found: list[duplicates.Match]) -> bool:
    """``warn`` mode: a save that matches a customer on file waits for the user's tick — unless
    the credit code is taken, which the service always refuses (the user sees that error)."""
    if any(duplicates.Reason.CREDIT_CODE.value in m.reasons for m in found):
        return False
    return bool(found) and duplicates.mode() == duplicates.WARN and request.POST.get(CONFIRM_DUPLICATES) != "1"


@permission_required(perms.CUSTOMERS_ADD)
def customer_create(request):
    """新建客户档案: the file, its yearly sales and any number of contacts in one go. The same
    name, credit code or phone already on file (查重) is shown and must be confirmed before the
    customer is saved (``KAM_DUPLICATE_CHECK=warn``) or refuses the save (``block``)."""
    user = request.user
    dup_box = None
    if request.method == "POST":
        form = CustomerForm(request.POST, user=user)
        contacts = ContactFormSet(request.POST, prefix="contacts")
        sales = _year_formset(request, None)
        if form.is_valid() & contacts.is_valid() & sales.is_valid():
            filled = contacts.filled()
            sales_rows = sales.rows()
            found = _customer_save_duplicates(request, form, contacts, None)
            if _needs_confirmation(request, found):
                dup_box = _duplicates_box(request, found, blocking=True, confirm=True)
            else:
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
                    if found:
                        dup_box = _duplicates_box(request, found, blocking=True)
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
        {
            "form": form,
            "contacts": contacts,
            "sales": sales,
            "customer": None,
            "is_create": True,
            "dup_box": dup_box,
            "error_summary": error_summary(form, (sales, _("Sales row")), (contacts, _("Contact")))
            if request.method == "POST"
            else [],
        },
    )


def _opened_version(request, form) -> int | None:
    """The version an edit page's save is based on: the one it was opened with, or — the user
    chose 「用我的输入覆盖」 after a conflict — the one the conflict showed."""
    overwrite = request.POST.get("overwrite", "")
    if overwrite.isdigit() and len(overwrite) < 10:
        return int(overwrite)
    return form.opened_version()


def _conflict(request, exc: ConflictError, form, reload_url: str) -> dict:
    """The conflict box (``core/conflict.html``): who changed what meanwhile, the fields both
    changed marked on the form, the user's input kept."""
    rows = conflict_rows(exc.changes, {"yearly_sales": _("Sales of the last 3 years")})
    mark_conflicting_fields(form, rows)
    return {"rows": rows, "current": exc.current, "reload_url": reload_url}


def _merged_message(request, exc: ConflictError, record) -> None:
    """Saved on top of someone else's changes to other fields: say whose, so nobody is surprised."""
    who = sorted({e.actor_name or _("system") for e in exc.changes})
    labels = []
    for name in sorted(exc.changed_fields()):
        try:
            labels.append(capfirst(str(type(record)._meta.get_field(name).verbose_name)))
        except Exception:  # noqa: BLE001 — a part (yearly sales), not a field
            labels.append(_("Sales of the last 3 years") if name == "yearly_sales" else name)
    messages.info(
        request,
        _("Meanwhile {who} changed {fields}; their changes were kept along with yours.").format(
            who="、".join(who), fields="、".join(labels)
        ),
    )


@permission_required(perms.CUSTOMERS_CHANGE)
def customer_edit(request, pk: int):
    """编辑客户档案. The form carries the version it was opened with (issue 8 §6): if someone saved
    the customer in between, a save that touches only fields they left alone goes through on top
    of theirs (the page says whose changes were kept); one that touches a field they changed too
    saves nothing and shows who changed what and when, the user's input kept, with a way to load
    the current record or to save over it deliberately."""
    user = request.user
    customer = _customer(request, pk, perms.CUSTOMERS_CHANGE)
    if customer.is_archived:
        messages.warning(request, _("An archived customer cannot be edited; restore it first."))
        return redirect("customers:detail", pk=customer.pk)
    title = str(customer)
    dup_box = None
    conflict = None
    if request.method == "POST":
        form = CustomerForm(request.POST, instance=customer, user=user)
        sales = _year_formset(request, customer)
        if form.is_valid() & sales.is_valid():
            sales_rows = sales.rows()
            found = _customer_save_duplicates(request, form, None, customer.pk)
            if _needs_confirmation(request, found):
                dup_box = _duplicates_box(request, found, blocking=True, confirm=True)
            else:
                data, owner_team = form.changed_customer_data(), form.changed_owner_team()
                sales_changed = sales.has_changed()

                def save(version):
                    with transaction.atomic():
                        updated = services.customer_update(
                            actor=user, customer=customer, data=data, expected_version=version, **owner_team
                        )
                        if sales_changed:
                            services.yearly_sales_set(actor=user, customer=updated, rows=[r for _i, r in sales_rows])
                    return updated

                touched = set(data) | set(owner_team) | ({"yearly_sales"} if sales_changed else set())
                try:
                    updated, merged = save_merging(
                        save, expected_version=_opened_version(request, form), touched=touched
                    )
                except ConflictError as exc:
                    conflict = _conflict(request, exc, form, reverse("customers:edit", args=[customer.pk]))
                except ValidationError as exc:
                    form.apply_service_error(exc, rows={"yearly_sales": (sales, [i for i, _r in sales_rows])})
                    if found:
                        dup_box = _duplicates_box(request, found, blocking=True)
                else:
                    if merged is not None:
                        _merged_message(request, merged, updated)
                    messages.success(request, _("Customer “{name}” was saved.").format(name=updated.name))
                    return redirect("customers:detail", pk=updated.pk)
    else:
        form = CustomerForm(instance=customer, user=user)
        sales = _year_formset(request, customer)
    return render(
        request,
        "customers/customer_form.html",
        {
            "form": form,
            "contacts": None,
            "sales": sales,
            "customer": customer,
            "title": title,
            "is_create": False,
            "dup_box": dup_box,
            "conflict": conflict,
            "error_summary": error_summary(form, (sales, _("Sales row")))
            if request.method == "POST" and conflict is None
            else [],
        },
    )


# ---------------------------------------------------------------- detail / history


def _archived_by(record: Customer | Contact) -> str:
    """Who archived the customer (or removed the contact): the actor of the latest archive
    event (the change log)."""
    if not record.is_archived:
        return ""
    return (
        ObjectChange.objects.of_object(record)
        .filter(action="archive")
        .order_by("-time", "-id")
        .values_list("actor_name", flat=True)
        .first()
        or ""
    )


@permission_required(perms.CUSTOMERS_VIEW)
def customer_detail(request, pk: int):
    """客户档案 in the one detail pattern: a compact header (status, owner, team, completeness,
    last follow-up) and tabs with counts — 概况 · 联系人 · 客户团队 · 近3年销售 · 变更记录 and what
    later apps register; the tab in ``?tab=`` is rendered in the page, the others load when
    opened."""
    user = request.user
    customer = _customer(request, pk)
    access = access_for(user)
    bar, current = tab_bar(request, customer, request.GET.get("tab", ""), has_permission=access.has)
    context = {
        "customer": customer,
        "tabs": bar,
        "tab_html": mark_safe(current.render(request, customer)),  # noqa: S308 — a rendered template
        "can_change": policies.can_change_customer(user, customer),
        "can_archive": policies.can_archive_customer(user, customer),
        "archived_by": _archived_by(customer),
    }
    return render(request, "customers/customer_detail.html", context)


@permission_required(perms.CUSTOMERS_VIEW)
def customer_tab(request, pk: int, key: str):
    """One tab of the detail page (HTMX); a plain request is sent to the page with that tab."""
    customer = _customer(request, pk)
    tab = get_tab(request, customer, key, has_permission=access_for(request.user).has)
    if not request.htmx:
        return redirect("{}?tab={}".format(reverse("customers:detail", args=[customer.pk]), tab.key))
    return HttpResponse(tab.render(request, customer))


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


def _contact_save_duplicates(request, form: ContactForm, customer: Customer, contact: Contact | None):
    """The contacts and customers on file with this contact's (new or changed) phone."""
    phone = form.cleaned_data.get("phone") or ""
    if not phone or (contact is not None and "phone" not in form.changed_data):
        return []
    found = duplicates.find_contact_duplicates(
        actor=request.user, phone=phone, customer=customer, exclude_pk=contact.pk if contact else None
    )
    return _not_own_customer(found)


@permission_required(perms.CUSTOMERS_CHANGE)
def contact_create(request, pk: int):
    customer = _customer(request, pk, perms.CUSTOMERS_CHANGE)
    if customer.is_archived:
        messages.warning(request, _("An archived customer cannot be edited; restore it first."))
        return redirect("customers:detail", pk=customer.pk)
    form = ContactForm(request.POST or None)
    dup_box = None
    if request.method == "POST" and form.is_valid():
        found = _contact_save_duplicates(request, form, customer, None)
        if _needs_confirmation(request, found):
            dup_box = _duplicates_box(request, found, blocking=False, confirm=True)
        else:
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
        {
            "form": form,
            "customer": customer,
            "contact": None,
            "dup_box": dup_box,
            "error_summary": error_summary(form),
        },
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
            "archived_by": _archived_by(contact),
            "page": page,
            "history": history_rows(page.object_list),
        },
    )


@permission_required(perms.CUSTOMERS_CHANGE)
def contact_edit(request, contact_id: int):
    """编辑联系人, with the customer page's rule for concurrent edits (see :func:`customer_edit`)."""
    contact = _contact(request, contact_id, perms.CUSTOMERS_CHANGE)
    if contact.customer.is_archived:
        messages.warning(request, _("An archived customer cannot be edited; restore it first."))
        return redirect("customers:contact", contact_id=contact.pk)
    if contact.is_archived:
        messages.warning(request, _("A removed contact cannot be edited; restore it first."))
        return redirect("customers:contact", contact_id=contact.pk)
    title = str(contact)
    form = ContactForm(request.POST or None, instance=contact)
    dup_box = None
    conflict = None
    if request.method == "POST" and form.is_valid():
        found = _contact_save_duplicates(request, form, contact.customer, contact)
        if _needs_confirmation(request, found):
            dup_box = _duplicates_box(request, found, blocking=False, confirm=True)
        else:
            data = form.changed_contact_data()
            try:
                saved, merged = save_merging(
                    lambda version: services.contact_update(
                        actor=request.user, contact=contact, data=data, expected_version=version
                    ),
                    expected_version=_opened_version(request, form),
                    touched=set(data),
                )
            except ConflictError as exc:
                conflict = _conflict(request, exc, form, reverse("customers:contact-edit", args=[contact.pk]))
            except ValidationError as exc:
                form.apply_service_error(exc)
            else:
                if merged is not None:
                    _merged_message(request, merged, saved)
                messages.success(request, _("Contact “{name}” was saved.").format(name=saved.name))
                return redirect("customers:contact", contact_id=saved.pk)
    return render(
        request,
        "customers/contact_form.html",
        {
            "form": form,
            "customer": contact.customer,
            "contact": contact,
            "title": title,
            "dup_box": dup_box,
            "conflict": conflict,
            "error_summary": error_summary(form) if conflict is None else [],
        },
    )


@require_POST
@permission_required(perms.CUSTOMERS_CHANGE)
def contact_archive(request, contact_id: int):
    """移除联系人: archived with an optional reason, never deleted (R2)."""
    contact = _contact(request, contact_id, perms.CUSTOMERS_CHANGE)
    return run_service(
        request,
        lambda: services.contact_archive(
            actor=request.user, contact=contact, reason=request.POST.get("reason", "")[:1000]
        ),
        success=_("Contact “{name}” was removed; it can be restored from the customer's contacts.").format(
            name=contact.name
        ),
        redirect_to=_detail_url(contact.customer) + "?tab=contacts",
        failure_redirect_to=reverse("customers:contact", args=[contact.pk]),
    )


@require_POST
@permission_required(perms.CUSTOMERS_CHANGE)
def contact_restore(request, contact_id: int):
    contact = _contact(request, contact_id, perms.CUSTOMERS_CHANGE)
    return run_service(
        request,
        lambda: services.contact_restore(actor=request.user, contact=contact),
        success=_("Contact “{name}” was restored.").format(name=contact.name),
        redirect_to=reverse("customers:contact", args=[contact.pk]),
    )
